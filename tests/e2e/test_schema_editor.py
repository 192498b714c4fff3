"""The schema editor in Chromium, by keyboard: a field with options created, edited (an option
renamed, the order changed, one added) and deleted with its name typed, then an association's
relations counted from its delete confirmation, in one page session."""

import re

import pytest
from playwright.sync_api import Page, expect

from recordsadmin.records import services
from tests.bulk.conftest import WorkerThread
from tests.conftest import PASSWORD
from tests.e2e.schema_support import SCHEMER, schema_demo, type_into
from tests.e2e.table_support import log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(live_server, settings):
    with schema_demo(live_server, settings, records=5) as key:
        yield key


def field_row(page: Page, name: str):
    return page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=name))


def test_a_field_with_options_created_edited_and_deleted_by_keyboard(page: Page, live_server, demo):
    base = live_server.url
    page.goto(f"{base}/accounts/login/?next=/objects/{demo}/")
    page.get_by_label("Username").fill(SCHEMER)
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Properties")).to_be_visible()

    # The topbar's link, then the object, then its New field button, all by keyboard.
    page.get_by_role("link", name="Schema", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Schema", exact=True)).to_be_visible()
    expect(
        page.get_by_role("row", name=re.compile(r"^Properties custom_objects\.property 5"))
    ).to_be_visible()
    page.get_by_role("link", name="Properties").focus()
    page.keyboard.press("Enter")
    page.get_by_role("link", name="New field").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="New field of Properties")).to_be_visible()

    # An option type sent without options comes back, focused on what to fix, input kept.
    page.get_by_role("textbox", name="Name (required)").focus()
    type_into(page, "Roof")
    type_into(page, "roof")
    page.get_by_role("combobox", name="Type").select_option(label="Drop-down (one option)")
    page.get_by_role("button", name="Create the field").press("Enter")
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("needs at least one option")
    expect(page.get_by_role("textbox", name="Key (required)")).to_have_value("roof")

    # Two options typed in the empty rows; Enter in the last one creates the field.
    page.get_by_role("textbox", name="Label of option 1").focus()
    type_into(page, "Tile")
    page.get_by_role("textbox", name="Label of option 2").focus()
    page.keyboard.type("Slate")
    page.keyboard.press("Enter")
    expect(page.locator("#messages").get_by_role("status")).to_contain_text(
        "The field Roof (Drop-down (one option)) was created in Listing."
    )
    expect(field_row(page, "Roof")).to_contain_text("Tile, Slate")

    # Edit: rename Tile, put it last, add Metal between.
    page.get_by_role("link", name="Edit the field Roof").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Edit the field Roof")).to_be_visible()
    page.get_by_role("textbox", name="Label of option 1").fill("Clay tile")
    page.get_by_role("spinbutton", name="Order of option 1").fill("9")
    page.get_by_role("textbox", name="Label of option 3").focus()
    type_into(page, "Metal")
    page.keyboard.type("5")
    page.get_by_role("button", name="Save").focus()
    page.keyboard.press("Enter")
    expect(field_row(page, "Roof")).to_contain_text("Slate, Metal, Clay tile")

    # Delete: the wrong name is refused in place; the right one deletes it.
    page.get_by_role("link", name="Delete the field Roof").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("No record holds a value in Roof.")).to_be_visible()
    confirm = page.get_by_role("textbox", name="Type “Roof” to confirm")
    confirm.focus()
    page.keyboard.type("roof")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Type the name exactly as it is")
    expect(page.get_by_role("alert")).to_be_focused()
    confirm.fill("Roof")
    confirm.press("Enter")
    expect(page.locator("#messages").get_by_role("status")).to_have_text(
        "The field Roof was deleted."
    )
    expect(field_row(page, "Roof")).to_have_count(0)

    # The buyers' association: its delete confirmation counts its relations as it opens (a job,
    # waiting here for the task worker), and names the figure when the count is done.
    from recordsadmin.sandbox.models import Relation

    buyers = Relation.objects.filter(association__key="property_buyer").count()
    page.get_by_role("link", name="Delete the association property_buyer").focus()
    page.keyboard.press("Enter")
    # (What a count costs is said until it starts: tests/links/test_count_relations.py.)
    expect(page.locator("[data-count-running]")).to_contain_text("waiting for the task worker")
    expect(page.locator("#job-announce")).to_have_text("Counting the relations.")
    figure = f"{buyers} relation{'s go' if buyers != 1 else ' goes'} with it"
    with WorkerThread():
        counted = page.locator("[data-relation-count]")
        expect(counted).to_contain_text(f"{figure} (counted", timeout=15_000)
    expect(counted).to_contain_text("by schemer")
    expect(page.locator("#job-announce")).to_have_text(f"{figure}.")
    expect(page.get_by_role("button", name="Count again")).to_be_visible()
    expect(page.get_by_role("button", name="Delete the association property_buyer")).to_be_visible()


def test_a_name_that_is_one_long_word_wraps_on_a_phone(page: Page, live_server, demo):
    """Names come from the records API: a field named with 100 letters and no space, with a
    key as long, neither widens the record page nor the schema's page past a phone's width."""
    schema = services.schema_get(key=demo)
    folder = services.folder_list(schema=schema)[0]
    services.field_create(
        schema=schema,
        key="k" * 90,
        name="L" * 100,
        data_type="TEXT",
        folder_id=folder.id,
    )
    record = services.record_search(schema=services.schema_get(key=demo)).records[0]
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, f"{live_server.url}/accounts/login/?next=/schema/{demo}/", SCHEMER)
    expect(page.get_by_text("L" * 100)).to_be_visible()
    for path in (f"/schema/{demo}/", f"/objects/{demo}/{record.id}/"):
        page.goto(live_server.url + path)
        expect(page.get_by_text("L" * 100).first).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") == 390, path


def test_an_objects_field_tables_show_every_field_at_their_own_height(
    page: Page, live_server, demo
):
    """A short laptop screen: no field table is cut in a box of its own (to scroll inside) or
    padded to the records table's height."""
    schema = services.schema_get(key=demo)
    folder = services.folder_list(schema=schema)[0]
    for n in range(25):
        services.field_create(
            schema=schema,
            key=f"extra_{n}",
            name=f"Extra {n}",
            data_type="TEXT",
            folder_id=folder.id,
        )
    page.set_viewport_size({"width": 1366, "height": 600})
    log_in(page, f"{live_server.url}/accounts/login/?next=/schema/{demo}/", SCHEMER)
    expect(page.get_by_text("Extra 24")).to_be_attached()
    boxes = page.locator(".table-scroll").evaluate_all(
        """boxes => boxes.map(b => {
            const style = getComputedStyle(b);
            const padding = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
            const table = b.querySelector("table").offsetHeight;
            return [b.clientHeight, b.scrollHeight, table + padding];
        })"""
    )
    assert len(boxes) >= 2
    for client, scrolled, table in boxes:
        assert scrolled <= client + 1, "a table scrolls in a box of its own"
        assert client <= table + 20, "a table is padded below its last row"
