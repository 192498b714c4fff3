"""Editing a cell in place keeps the edit form's rules, seen in Chromium: only the edited
field is sent and the history names it alone; someone's change made while the editor was open
is never overwritten, and what was typed stays; an API error keeps what was typed and says so
at the cell, and Enter saves it once the API is back.

The dashboard reaches its embedded API through a recording proxy (tests/support/proxy.py), as
tests/editing does: the test sees what was sent and can make the save fail."""

import pytest
from playwright.sync_api import Locator, Page, expect

from recordsadmin.records import services
from recordsadmin.records.formatting import money_text
from recordsadmin.records.models import RecordChange
from recordsadmin.sandbox.demo import PROPERTY_KEY
from recordsadmin.sandbox.models import Record
from tests.editing.conftest import embedded as embedded  # three properties, quick failures
from tests.support.stub import Reply

from .table_support import LIST, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

# The view's words (recordsadmin/records/views/cells.py, views/problems.py).
CHANGED = "Someone changed this record since you opened the cell"
NOTHING_SAVED = "Nothing was saved."


@pytest.fixture
def table(page: Page, live_server, embedded, staff_user) -> Page:
    page.set_viewport_size({"width": 1366, "height": 768})
    return sign_in(page, live_server.url, count="1–3 of 3")


def first_record(page: Page) -> tuple[str, Locator]:
    """The first row's record id and its price cell."""
    row = page.locator("#records-results tbody tr").first
    record_id = row.locator("input[name=ids]").get_attribute("value")
    return record_id, row.locator('td[data-field="price"]')


def stored(record_id: str) -> dict:
    """The record's properties as the embedded API holds them."""
    return dict(Record.objects.get(id=record_id).properties)


def open_price(page: Page, cell: Locator) -> Locator:
    cell.dblclick()
    editor = cell.locator("[data-cell-editor] input[name=price]")
    expect(editor).to_be_focused()
    return editor


def put_bodies(embedded) -> list[dict]:
    return [seen.json for seen in embedded.calls("PUT", r"/records/")]


def test_only_the_edited_field_is_sent_and_the_history_names_it_alone(table: Page, embedded):
    record_id, cell = first_record(table)
    before = stored(record_id)
    old, new = before["price"], 123_456
    assert old != new
    editor = open_price(table, cell)
    editor.fill(str(new))
    table.keyboard.press("Enter")
    expect(cell).to_have_text(money_text(new))
    expect(table.locator("#messages")).to_contain_text("Price saved")

    after = stored(record_id)
    changed = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
    assert changed == {"price"} and after["price"] == new
    assert [list(body["properties"]) for body in put_bodies(embedded)] == [["price"]]
    assert RecordChange.objects.get(action="update", record_id=record_id).changed_fields == [
        "price"
    ]

    # The record's page: its History has the save, naming Price alone, old and new.
    table.goto(f"{table.url.split(LIST)[0]}{LIST}{record_id}/")
    history = table.locator("#record-history")
    update = history.locator(".history__item")
    expect(update).to_have_count(1)  # the demo's records were made in the API, not here
    expect(update.locator(".history__head")).to_contain_text("Changed by staffer")
    summary = update.locator(".history__details summary")
    expect(summary).to_have_text("1 field: Price")
    summary.click()
    rows = update.locator(".history__diff tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("th")).to_have_text("Price")
    expect(rows.first.locator("td")).to_have_text([money_text(old), money_text(new)])


def test_a_change_made_while_the_editor_is_open_is_not_overwritten(table: Page, embedded):
    record_id, cell = first_record(table)
    editor = open_price(table, cell)
    # Meanwhile someone changes the same field through the API.
    schema = services.schema_get(key=PROPERTY_KEY)
    services.record_update(schema=schema, record_id=record_id, properties={"price": 999})
    sent = len(put_bodies(embedded))
    editor.fill("250")
    table.keyboard.press("Enter")

    alert = cell.locator("[data-cell-editor] [role=alert]")
    expect(alert).to_contain_text(CHANGED)
    expect(alert).to_contain_text(f"Now: {money_text(999)}")
    editor = cell.locator("[data-cell-editor] input[name=price]")
    expect(editor).to_have_value("250")  # nothing typed is lost
    expect(editor).to_be_focused()
    assert len(put_bodies(embedded)) == sent, "the save went out over the other change"
    assert stored(record_id)["price"] == 999

    # Saving again, on purpose, goes onto the record as it is now.
    table.keyboard.press("Enter")
    expect(cell).to_have_text(money_text(250))
    assert stored(record_id)["price"] == 250


def test_an_api_error_keeps_what_was_typed_and_a_second_enter_saves_it(table: Page, embedded):
    record_id, cell = first_record(table)
    old = stored(record_id)["price"]
    editor = open_price(table, cell)
    embedded.fail("PUT", r"/records/", Reply(503, json={"message": "Unavailable"}))
    editor.fill("4321")
    table.keyboard.press("Enter")

    alert = cell.locator("[data-cell-editor] [role=alert]")
    expect(alert).to_contain_text("cannot be reached")
    expect(alert).to_contain_text(NOTHING_SAVED)
    editor = cell.locator("[data-cell-editor] input[name=price]")
    expect(editor).to_have_value("4321")
    expect(editor).to_be_focused()
    assert put_bodies(embedded), "the save never reached the API to fail"
    assert stored(record_id)["price"] == old
    assert RecordChange.objects.get(action="update", record_id=record_id).outcome == "failed"

    # The API is back: Enter in the same editor saves what was typed.
    embedded.heal()
    table.keyboard.press("Enter")
    expect(cell).to_have_text(money_text(4321))
    expect(cell).to_be_focused()
    expect(table.locator("#messages")).to_contain_text("Price saved")
    assert stored(record_id)["price"] == 4321
