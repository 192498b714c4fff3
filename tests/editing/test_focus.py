"""Where focus is when a page opens after an action: on the question a delete asks (not on its
button), on the button that confirms a restore, and on what was done after a save, with its
Undo; never on the page's body, from where a keyboard user would have to Tab through the
header to go on."""

import re

import pytest

from recordsadmin.records import services

from .helpers import PROPERTY_INPUT, hidden, url

pytestmark = pytest.mark.django_db(transaction=True)


def autofocused(page: str) -> list[str]:
    """The opening tags that ask for focus, in the page's order (the browser takes the first)."""
    return re.findall(r"<[a-z][a-z0-9]*\b[^>]*\sautofocus\b[^>]*>", page)


@pytest.fixture
def record(prop):
    return services.record_create(
        schema=prop, properties={"address": "9 Focus Way", "price": 1, "status": "Active"}
    )


def test_a_delete_asks_with_focus_on_its_question_not_on_its_button(staff, prop, record):
    """A key held or pressed twice from the page before must not delete: focus is on the
    heading (read out first), and one Tab reaches the button."""
    page = staff.get(url("record_delete", prop.key, record.id)).content.decode()
    (tag,) = autofocused(page)
    assert tag.startswith("<h1") and 'tabindex="-1"' in tag
    assert re.search(r'<button type="submit" class="button button--danger">', page)


def test_after_a_save_focus_is_on_what_was_saved(staff, prop, record):
    form = staff.get(url("record_edit", prop.key, record.id)).content.decode()
    data = {**PROPERTY_INPUT, "address": "10 Focus Way", "_version": hidden(form, "_version")}
    page = staff.post(url("record_edit", prop.key, record.id), data, follow=True)
    text = page.content.decode()
    assert "10 Focus Way" in text
    first = autofocused(text)[0]
    assert 'role="status"' in first and 'tabindex="-1"' in first
    # The edit form's first field keeps its own focus: only the record page moves it there.
    assert (
        'role="status"'
        not in autofocused(staff.get(url("record_edit", prop.key, record.id)).content.decode())[0]
    )
