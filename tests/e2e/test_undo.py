"""Undo, in Chromium against the embedded API (recordsadmin/records/services/undo.py,
views/undo.py): the message after an edit, a delete and an inline edit offers to undo it; the
old values come back; and an undo is refused, overwriting nothing, when someone else changed
the record meanwhile."""

import re

import pytest
from playwright.sync_api import Page, expect

from recordsadmin.sandbox.models import Record as SandboxRecord
from tests.e2e.table_support import settled, sign_in
from tests.e2e.test_record_lifecycle import sign_in as sign_in_to
from tests.e2e.test_record_lifecycle import value_of
from tests.support.apis import use_records_api
from tests.support.embedded import use_embedded_demo

pytestmark = pytest.mark.django_db(transaction=True)

KEY = "custom_objects.property"


@pytest.fixture
def demo(live_server, settings):
    """Three properties, the first with known values."""
    use_embedded_demo(settings, live_server.url + "/sandbox", records=3)
    record = SandboxRecord.objects.filter(object__key=KEY).order_by("id").first()
    record.properties |= {"address": "1 Before Lane", "bedrooms": 2}
    record.save()
    yield record.id
    use_records_api(settings, url="")


def stored(record_id: str) -> dict:
    """The record's values as the embedded API holds them."""
    return SandboxRecord.objects.get(id=record_id).properties


def message(page: Page):
    return page.locator("#messages")


def undo_link(page: Page):
    """The message's Undo link, once it is there."""
    link = message(page).get_by_role("link", name="Undo")
    expect(link).to_be_visible()
    return link


def edit_address(page: Page, base: str, record_id: str, address: str) -> None:
    sign_in_to(page, base, f"/objects/{KEY}/{record_id}/edit/")
    address_box = page.get_by_role("textbox", name="Address")
    expect(address_box).to_have_value("1 Before Lane")
    address_box.fill(address)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(message(page)).to_contain_text(f"Property “{address}” saved.")
    assert stored(record_id)["address"] == address


def test_an_edit_is_undone_from_its_message(page: Page, live_server, staff_user, demo):
    edit_address(page, live_server.url, demo, "2 After Lane")
    undo_link(page).click()
    # Asked first: what is there now and what comes back.
    expect(page.get_by_role("heading", name=re.compile("^Undo the change of"))).to_be_visible()
    expect(page.get_by_text("These values will be put back")).to_be_visible()
    row = page.locator(".history__diff tbody tr").filter(has_text="Address")
    expect(row.locator("td")).to_have_text(["2 After Lane", "1 Before Lane"])
    assert stored(demo)["address"] == "2 After Lane", "nothing sent before the confirmation"
    page.get_by_role("button", name="Undo this change").click()
    expect(message(page)).to_contain_text("Property “1 Before Lane”: the change is undone.")
    expect(page.get_by_role("heading", name="1 Before Lane")).to_be_visible()
    expect(value_of(page, "Address")).to_have_text("1 Before Lane")
    assert stored(demo)["address"] == "1 Before Lane"
    assert stored(demo)["bedrooms"] == 2


def test_a_delete_is_undone_by_the_messages_restore(page: Page, live_server, staff_user, demo):
    sign_in_to(page, live_server.url, f"/objects/{KEY}/{demo}/")
    expect(page.get_by_role("heading", name="1 Before Lane")).to_be_visible()
    page.get_by_role("link", name="Delete").focus()
    page.keyboard.press("Enter")
    # The confirmation's question has focus, not its button: Enter again deletes nothing.
    expect(page.get_by_role("heading", name="Delete property “1 Before Lane”?")).to_be_focused()
    page.keyboard.press("Enter")
    assert SandboxRecord.objects.filter(id=demo).exists()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Delete “1 Before Lane”")).to_be_focused()
    page.keyboard.press("Enter")
    expect(message(page)).to_contain_text("Property “1 Before Lane” deleted.")
    assert not SandboxRecord.objects.filter(id=demo).exists()
    restore = message(page).get_by_role("link", name="Restore it")
    expect(restore).to_be_visible()
    restore.click()
    expect(page.get_by_role("heading", name=f"Deleted property {demo}")).to_be_visible()
    page.get_by_role("button", name="Restore this record").click()
    expect(message(page)).to_contain_text("Property “1 Before Lane” restored. It has a new id")
    expect(page.get_by_role("heading", name="1 Before Lane")).to_be_visible()
    expect(value_of(page, "Bedrooms")).to_have_text("2")
    new_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    assert new_id != demo
    assert stored(new_id)["address"] == "1 Before Lane" and stored(new_id)["bedrooms"] == 2


def test_an_inline_edit_is_undone_from_its_message(page: Page, live_server, staff_user, demo):
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server.url, count="1–3 of 3")
    row = page.locator("#records-results tbody tr").filter(
        has=page.locator(f'input[name=ids][value="{demo}"]')
    )
    cell = row.locator('td[data-field="bedrooms"]')
    expect(cell).to_have_text("2")
    cell.dblclick()
    editor = cell.locator("[data-cell-editor] input[name=bedrooms]")
    expect(editor).to_be_focused()
    # static/js/table.js focuses the editor as its request resolves, before htmx has wired
    # the form (at the settle): an Enter before that is a plain POST. Wait for the settle.
    settled(page)
    editor.fill("5")
    page.keyboard.press("Enter")
    expect(cell).to_have_text("5")
    expect(message(page)).to_contain_text("Bedrooms saved")
    assert stored(demo)["bedrooms"] == 5
    settled(page)
    undo_link(page).click()
    row = page.locator(".history__diff tbody tr").filter(has_text="Bedrooms")
    expect(row.locator("td")).to_have_text(["5", "2"])
    page.get_by_role("button", name="Undo this change").click()
    expect(message(page)).to_contain_text("the change is undone")
    expect(value_of(page, "Bedrooms")).to_have_text("2")
    assert stored(demo)["bedrooms"] == 2


def test_an_undo_after_someone_elses_change_is_refused_and_overwrites_nothing(
    page: Page, live_server, staff_user, demo
):
    from recordsadmin.records import services

    edit_address(page, live_server.url, demo, "2 Mine Lane")
    undo_link(page).click()
    undo = page.get_by_role("button", name="Undo this change")
    expect(undo).to_be_visible()
    # Someone else changes the address while the confirmation is on screen.
    schema = services.schema_get(key=KEY)
    services.record_update(schema=schema, record_id=demo, properties={"address": "3 Theirs Lane"})
    undo.click()
    refusal = page.get_by_role("alert")
    expect(refusal).to_contain_text("Not undone: the record changed since this change was made")
    row = page.locator(".history__diff tbody tr").filter(has_text="Address")
    expect(row).to_contain_text("changed since")
    expect(row.locator("td")).to_have_text(["3 Theirs Lane", "1 Before Lane"])
    expect(page.get_by_role("button", name="Undo this change")).to_have_count(0)
    assert stored(demo)["address"] == "3 Theirs Lane"
    # Asked again later (the link in the message, kept in the history): still refused.
    page.goto(page.url)
    expect(page.get_by_role("alert")).to_contain_text("Not undone")
    assert stored(demo)["address"] == "3 Theirs Lane"
