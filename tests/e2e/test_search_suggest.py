"""The search box's field suggestions in Chromium, by keyboard (static/js/search_suggest.js):
`/` to the box, the searchable fields suggested as one types, ↓ ↑ to choose, Enter or Tab to
take one, Esc to close; then the scoped search runs as one types, its chip names the field, its
value is marked in that field only, and the address bar keeps it. One page session."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.table_support import KEY, settled, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def described(needle: str) -> int:
    """How many demo properties have `needle` in their description (any letter case)."""
    from recordsadmin.sandbox.models import Record

    return sum(
        needle.lower() in (r.properties.get("description") or "").lower()
        for r in Record.objects.filter(object__key=KEY)
    )


def test_the_fields_are_suggested_and_taken_by_keyboard(
    page: Page, live_server, embedded_api, staff_user
):
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server.url)
    box = page.get_by_role("combobox", name="Search properties")
    fields = page.get_by_role("listbox", name="Search one field")
    count = page.locator("#records-count")

    # "/" from the page goes to the box; nothing is suggested before one types.
    page.locator("body").press("/")
    expect(box).to_be_focused()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(fields).to_be_hidden()

    # Typing suggests the fields that start so; ↓ chooses one, Enter takes it without a search.
    box.press_sequentially("De")
    expect(fields).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(fields.get_by_role("option")).to_have_count(1)
    expect(fields.get_by_role("option", name=re.compile("^Description"))).to_be_visible()
    expect(page.locator("#q-fields-status")).to_have_text(re.compile("^1 field"))
    settled(page)  # the search-as-you-type for "De" is done
    box.press("ArrowDown")
    option = fields.get_by_role("option", name=re.compile("^Description"))
    expect(option).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", option.get_attribute("id"))
    box.press("Enter")
    expect(box).to_have_value("description:")
    expect(fields).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).not_to_have_attribute("aria-activedescendant", re.compile("."))
    expect(box).to_be_focused()

    # The value typed after it searches that field alone, as one types.
    box.press_sequentially("bedrooms")
    expected = described("bedrooms")
    assert expected > 0
    expect(count).to_have_text(
        f"1–25 of {expected}" if expected > 25 else f"1–{expected} of {expected}"
    )
    chips = page.get_by_role("list", name="Active filters")
    expect(chips).to_contain_text("Description contains “bedrooms”")
    expect(page).to_have_url(re.compile(r"[?&]q=description%3Abedrooms(&|$)"))

    # ↓ in an empty box shows every field; ↑ from the first wraps to the last; Tab takes it.
    box.fill("")
    settled(page)
    box.press("ArrowDown")
    expect(fields.get_by_role("option")).to_have_count(2)
    expect(fields.get_by_role("option").first).to_have_attribute("aria-selected", "true")
    box.press("ArrowUp")
    expect(fields.get_by_role("option").last).to_have_attribute("aria-selected", "true")
    box.press("ArrowUp")
    address = fields.get_by_role("option", name=re.compile("^Address"))
    expect(address).to_have_attribute("aria-selected", "true")
    box.press("Tab")
    expect(box).to_have_value("address:")
    expect(box).to_be_focused()
    box.press_sequentially("bedrooms")
    expect(count).to_have_text("0 records")
    expect(chips).to_contain_text("Address contains “bedrooms”")

    # Esc closes the list and keeps what was typed (a search box would empty itself).
    box.fill("")
    settled(page)
    box.press_sequentially("a")
    expect(fields).to_be_visible()
    box.press("Escape")
    expect(fields).to_be_hidden()
    expect(box).to_have_value("a")
    settled(page)

    # A street from the first row: marked in the address column only, never "address:".
    first = page.locator("#records-results tbody tr").first.locator(".col-primary")
    street = first.inner_text().split(" ")[1]
    box.fill(f"address:{street}")
    settled(page)
    expect(chips).to_contain_text(f"Address contains “{street}”")
    marks = page.locator("#records-results mark")
    expect(marks.first).to_be_visible()
    assert marks.count() == page.locator("#records-results .col-primary mark").count()
    assert all(text.lower() == street.lower() for text in marks.all_inner_texts())

    # The address bar keeps it: a reload asks the same.
    page.reload()
    expect(box).to_have_value(f"address:{street}")
    expect(page.get_by_role("list", name="Active filters")).to_contain_text(
        f"Address contains “{street}”"
    )
