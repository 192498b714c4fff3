"""Editing one cell in place (recordsadmin/records/views/cells.py), by the edit form's rules:
only that field is sent, never over someone's later change, every save in the history with an
Undo, and on any error the editor comes back with what was typed."""

import re

import pytest

from recordsadmin.records import services
from recordsadmin.records.models import RecordChange
from tests.support.stub import Reply

from .helpers import hidden, url

pytestmark = pytest.mark.django_db(transaction=True)

HTMX = {"HX-Request": "true"}


@pytest.fixture
def record(prop):
    return services.record_create(
        schema=prop, properties={"address": "1 Cell Road", "price": 100, "status": "Pending"}
    )


def cell(key: str, record, field: str) -> str:
    return url("record_cell", key, record.id, field)


def put_bodies(embedded) -> list[dict]:
    return [seen.json for seen in embedded.calls("PUT", r"/records/")]


def test_the_table_marks_the_cells_that_can_be_edited(staff, prop, embedded, record):
    html = staff.get(url("record_list", prop.key), headers=HTMX).content.decode()
    assert 'data-field="price"' in html and 'data-field="status"' in html
    assert re.search(r'data-cell="/objects/[^"]+/cell/FIELD/"', html)
    assert f'data-field="{prop.primary_display_key}"' not in html  # a link, edited on the form


def test_a_cell_is_saved_alone_with_a_history_row_and_an_undo(staff, prop, embedded, record):
    editor = staff.get(cell(prop.key, record, "price"), headers=HTMX).content.decode()
    assert 'name="price"' in editor and 'value="100' in editor
    data = {"price": "250", "_version": hidden(editor, "_version")}
    saved = staff.post(cell(prop.key, record, "price"), data, headers=HTMX).content.decode()
    assert "250" in saved and "data-cell-editor" not in saved
    assert "Price saved" in saved and ">Undo</a>" in saved
    # Into the page's messages region, which stays (an aria-live region put in anew may say
    # nothing), with no live region of its own inside it (which would say it twice).
    assert '<div id="messages" hx-swap-oob="innerHTML"><div class="alert alert--success">' in saved
    assert list(put_bodies(embedded)[-1]["properties"]) == ["price"]  # that field alone
    change = RecordChange.objects.get(action="update")
    assert change.changed_fields == ["price"] and change.outcome == "ok"
    saved_record = services.record_get(schema=prop, record_id=record.id)
    assert saved_record.properties["price"] == 250
    # The row's "Updated" value is the save's, in place of the table's one (hx-swap-oob).
    table = staff.get(url("record_list", prop.key), headers=HTMX).content.decode()
    updated = f'<span id="updated-{record.id}"'
    assert updated in table
    moment = saved_record.updated_at.isoformat()
    assert f'{updated} hx-swap-oob="true"><time datetime="{moment}">' in saved


def test_a_bad_value_comes_back_with_what_was_typed(staff, prop, embedded, record):
    editor = staff.get(cell(prop.key, record, "price"), headers=HTMX).content.decode()
    data = {"price": "lots", "_version": hidden(editor, "_version")}
    again = staff.post(cell(prop.key, record, "price"), data, headers=HTMX).content.decode()
    assert "data-cell-editor" in again and 'value="lots"' in again
    assert 'role="alert"' in again
    assert not put_bodies(embedded)


def test_someone_elses_change_since_is_never_overwritten(staff, prop, embedded, record):
    editor = staff.get(cell(prop.key, record, "price"), headers=HTMX).content.decode()
    services.record_update(schema=prop, record_id=record.id, properties={"price": 999})
    sent = len(put_bodies(embedded))
    data = {"price": "250", "_version": hidden(editor, "_version")}
    again = staff.post(cell(prop.key, record, "price"), data, headers=HTMX).content.decode()
    assert "Someone changed this record" in again and 'value="250"' in again
    assert "999" in again  # what it holds now
    assert len(put_bodies(embedded)) == sent
    # Saving again, on purpose, goes onto the record as it is now.
    data["_version"] = hidden(again, "_version")
    staff.post(cell(prop.key, record, "price"), data, headers=HTMX)
    assert services.record_get(schema=prop, record_id=record.id).properties["price"] == 250


def test_an_api_failure_keeps_the_input_and_says_so(staff, prop, embedded, record):
    editor = staff.get(cell(prop.key, record, "price"), headers=HTMX).content.decode()
    embedded.fail("PUT", r"/records/", Reply(500, json={"message": "Internal"}), applied=True)
    data = {"price": "250", "_version": hidden(editor, "_version")}
    again = staff.post(cell(prop.key, record, "price"), data, headers=HTMX).content.decode()
    assert "data-cell-editor" in again and 'value="250"' in again
    assert "could not confirm the save" in again
    assert RecordChange.objects.get(action="update").outcome == "unknown"


def test_an_unchanged_cell_sends_nothing(staff, prop, embedded, record):
    editor = staff.get(cell(prop.key, record, "price"), headers=HTMX).content.decode()
    data = {"price": "100", "_version": hidden(editor, "_version")}
    back = staff.post(cell(prop.key, record, "price"), data, headers=HTMX).content.decode()
    assert "100" in back and "data-cell-editor" not in back
    assert not put_bodies(embedded)
    assert not RecordChange.objects.filter(action="update").exists()


def test_only_fields_of_the_form_can_be_edited_and_only_with_the_permission(
    staff, prop, embedded, record, client, viewer
):
    assert staff.get(cell(prop.key, record, "no_such_field"), headers=HTMX).status_code == 404
    primary = prop.primary_display_key
    assert staff.get(cell(prop.key, record, primary), headers=HTMX).status_code == 404
    client.force_login(viewer)
    assert client.get(cell(prop.key, record, "price"), headers=HTMX).status_code == 403
    assert client.post(cell(prop.key, record, "price"), {"price": "1"}).status_code == 403


def test_a_deleted_record_says_so_and_leaves_the_cell(staff, prop, embedded, record):
    services.record_delete(schema=prop, record_id=record.id)
    response = staff.get(cell(prop.key, record, "price"), headers=HTMX)
    assert response["HX-Reswap"] == "none"
    assert "was deleted" in response.content.decode()


@pytest.mark.parametrize("field", ["features", "amenities"])
def test_a_group_of_options_is_named_by_a_legend_in_its_editor(staff, prop, embedded, field):
    """A label cannot name a group (its `for` finds no input): the checkboxes are a fieldset
    with the field's name as its legend, and an error is tied to the group's id."""
    record = services.record_create(
        schema=prop, properties={"address": "2 Cell Road", "price": 100, "status": "Pending"}
    )
    editor = staff.get(cell(prop.key, record, field), headers=HTMX).content.decode()
    name = prop.field(field).name
    assert f'<legend class="visually-hidden">{name}</legend>' in editor
    assert 'for=""' not in editor and f'name="{field}"' in editor
