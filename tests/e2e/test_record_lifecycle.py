"""The seed document's "Test Your Setup", walked through the dashboard in Chromium: create a
record, read it back, change one field, find it by search, delete it, and see it is gone.

Search lags behind writes here, as the real service's does (SANDBOX_SEARCH_LAG): the table
shows the user's own writes at once, marked, and the search steps ask again once search has
caught up, as a person would. The lag is long and "search catches up" moves the embedded
API's snapshots back by it, so that no step depends on how fast the machine is.
"""

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.e2e.table_support import log_in
from tests.support.apis import use_records_api
from tests.support.embedded import use_embedded_demo

pytestmark = pytest.mark.django_db(transaction=True)

ADDRESS = "742 Evergreen Terrace"
LAG = 60


@pytest.fixture
def demo(live_server, settings):
    from recordsadmin.sandbox.demo import PROPERTY_KEY

    use_embedded_demo(settings, live_server.url + "/sandbox", records=5)
    yield PROPERTY_KEY
    use_records_api(settings, url="")


def sign_in(page: Page, base: str, next_path: str) -> None:
    log_in(page, f"{base}{next_path}")


def settled(page: Page) -> None:
    """Wait until htmx has swapped in the new table."""
    busy = page.locator(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")
    expect(busy).to_have_count(0)


def sandbox_count(key: str, **properties) -> int:
    """How many records of the embedded API hold these values (what a filter must find)."""
    from recordsadmin.sandbox.models import Record

    lookups = {f"properties__{name}": value for name, value in properties.items()}
    return Record.objects.filter(object__key=key, **lookups).count()


def search_catches_up() -> None:
    from django.db.models import F

    from recordsadmin.sandbox.models import SearchSnapshot

    SearchSnapshot.objects.update(written_at=F("written_at") - dt.timedelta(seconds=LAG))


def value_of(page: Page, label: str):
    """The value shown beside `label` on the record page."""
    row = page.locator(".record-fields__row").filter(
        has=page.locator("dt", has_text=re.compile(f"^{re.escape(label)}$"))
    )
    return row.locator(":scope > dd")


def test_create_read_update_search_delete(page: Page, live_server, staff_user, demo, settings):
    settings.SANDBOX_SEARCH_LAG = settings.RECORDS_SEARCH_LAG_SECONDS = LAG
    base = live_server.url
    sign_in(page, base, f"/objects/{demo}/")
    expect(page.get_by_role("heading", name="Properties")).to_be_visible()

    # Create a test record, and save the returned id.
    page.get_by_role("link", name="New property").click()
    expect(page.get_by_role("heading", name="New property")).to_be_visible()
    page.get_by_role("textbox", name="Address").fill(ADDRESS)
    page.get_by_role("textbox", name="Price").fill("350000")
    page.get_by_role("combobox", name="Status").select_option(label="Active")
    page.get_by_role("group", name="Property type").get_by_label("Condo").check()
    page.get_by_role("textbox", name="Bedrooms").fill("3")
    features = page.get_by_role("group", name="Features")
    features.get_by_label("Pool").check()
    features.get_by_label("Garden").check()
    page.get_by_role("group", name="Room notes").get_by_label("Kitchen").fill("Open plan")
    page.get_by_role("combobox", name="Owner").select_option(label="Maya Patel")
    page.get_by_role("button", name="Save", exact=True).click()

    # Read it back and verify all properties.
    expect(page.get_by_role("heading", name=ADDRESS)).to_be_visible()
    expect(page.locator("#messages").get_by_role("status")).to_contain_text("created")
    record_url = page.url
    record_id = record_url.rstrip("/").rsplit("/", 1)[-1]
    expect(value_of(page, "Address")).to_have_text(ADDRESS)
    expect(value_of(page, "Price")).to_have_text("$350,000.00")
    expect(value_of(page, "Status")).to_have_text("Active")
    expect(value_of(page, "Property type")).to_have_text("Condo")
    expect(value_of(page, "Bedrooms")).to_have_text("3")
    expect(value_of(page, "Features")).to_contain_text("Pool")
    expect(value_of(page, "Features")).to_contain_text("Garden")
    expect(value_of(page, "Features")).not_to_contain_text("Garage")
    expect(value_of(page, "Room notes")).to_contain_text("Open plan")
    expect(value_of(page, "Owner")).to_have_text("Maya Patel")
    expect(value_of(page, "Record id")).to_have_text(record_id)
    expect(page.get_by_role("region", name="History")).to_contain_text("Created")

    # Update one field and confirm the change.
    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_role("textbox", name="Address")).to_have_value(ADDRESS)
    page.get_by_role("textbox", name="Bedrooms").fill("4")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#messages").get_by_role("status")).to_contain_text("saved")
    expect(page).to_have_url(record_url)
    expect(value_of(page, "Bedrooms")).to_have_text("4")
    expect(value_of(page, "Address")).to_have_text(ADDRESS)
    history = page.get_by_role("region", name="History")
    expect(history).to_contain_text("Changed")
    expect(history).to_contain_text("Bedrooms")

    # The table shows it first, as written, though search does not have it yet.
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Properties").click()
    first = page.locator("#records-results tbody tr").first
    expect(first.locator("td.col-primary")).to_have_text(f"New {ADDRESS}")
    expect(first.locator("td.col-field_bedrooms")).to_have_text("4")
    expect(page.locator("#records-count")).to_contain_text("may still be catching up")
    # Find it on the table page: by typing into the search box, which finds it once search
    # has caught up with the writes (asked again with Enter, as a person would)...
    page.get_by_label("Search properties").press_sequentially("742 Evergreen", delay=20)
    expect(page).to_have_url(re.compile(r"q=742"))
    settled(page)
    expect(page.locator("#records-table td.col-primary")).to_have_count(0)
    search_catches_up()
    page.get_by_label("Search properties").press("Enter")
    expect(page.locator("#records-table td.col-primary")).to_have_text([ADDRESS])
    # ...and by a filter on a known value: its new bedrooms, then a status it does not have.
    page.get_by_label("Search properties").fill("")
    expect(page).not_to_have_url(re.compile(r"q=742"))
    settled(page)
    page.get_by_text("Filters", exact=True).click()
    bedrooms = page.get_by_role("group", name="Bedrooms")
    bedrooms.get_by_label("From").fill("4")
    bedrooms.get_by_label("To").fill("4")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"min\.bedrooms=4.*max\.bedrooms=4"))
    settled(page)
    link = page.get_by_role("link", name=ADDRESS)
    expect(link).to_be_visible()
    known = sandbox_count(demo, bedrooms=4)
    expect(page.locator("#records-count")).to_contain_text(f"of {known}")
    for text in page.locator("#records-table td.col-field_bedrooms").all_inner_texts():
        assert text.strip() == "4"
    status = page.get_by_role("group", name="Status")
    status.get_by_label("Sold").check()
    expect(page.get_by_role("heading", name=re.compile("No records match"))).to_be_visible()
    status.get_by_label("Sold").uncheck()
    settled(page)
    status.get_by_label("Active").check()
    expect(page).to_have_url(re.compile(r"f\.status=Active"))
    settled(page)
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(record_url)

    # Delete it: a confirmation that names it, then it is gone from the table.
    page.get_by_role("link", name="Delete").click()
    expect(page.get_by_role("heading", name=f"Delete property “{ADDRESS}”?")).to_be_visible()
    page.get_by_role("button", name=f"Delete “{ADDRESS}”").click()
    expect(page.locator("#messages").get_by_role("status")).to_contain_text("deleted")
    # Said again once the page is in: a live region's text present at load is not read.
    expect(page.locator("#messages-said")).to_contain_text("deleted")
    expect(page).to_have_url(f"{base}/objects/{demo}/")
    page.goto(f"{base}/objects/{demo}/?q=Evergreen")
    # Search still finds it for a moment: struck through and marked, until it catches up.
    gone = page.locator("#records-results tbody tr.row--deleted")
    expect(gone).to_contain_text(f"Just deleted {ADDRESS}")
    search_catches_up()
    page.reload()
    expect(page.get_by_role("link", name=ADDRESS)).to_have_count(0)

    # A follow-up read is a 404, said plainly: who deleted it and when, and how to restore it.
    response = page.goto(record_url)
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="This property no longer exists")).to_be_visible()
    expect(
        page.get_by_text(f"“{ADDRESS}” (record {record_id}) was deleted by staffer")
    ).to_be_visible()
    expect(page.get_by_role("button", name=f"Restore “{ADDRESS}”")).to_be_visible()


def test_a_wrong_form_says_what_is_wrong_and_keeps_the_input(
    page: Page, live_server, staff_user, demo
):
    sign_in(page, live_server.url, f"/objects/{demo}/new/")
    expect(page.get_by_role("heading", name="New property")).to_be_visible()
    page.get_by_role("textbox", name="Price").fill("12.345")
    page.get_by_role("textbox", name="Agent email").fill("not an address")
    page.get_by_role("button", name="Save", exact=True).click()

    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_visible()
    # The first field in error takes focus (templates/records/record_form.html says why).
    expect(page.get_by_role("textbox", name="Address")).to_be_focused()
    expect(summary.get_by_role("link", name=re.compile("^Address"))).to_be_visible()
    expect(page.get_by_role("textbox", name="Price")).to_have_value("12.345")
    expect(page.get_by_role("textbox", name="Agent email")).to_have_value("not an address")
    expect(page.get_by_role("textbox", name="Agent email")).to_have_attribute(
        "aria-invalid", "true"
    )

    summary.get_by_role("link", name=re.compile("^Agent email")).click()
    expect(page.get_by_role("textbox", name="Agent email")).to_be_focused()
    page.get_by_role("textbox", name="Address").fill("1 Fixed Street")
    page.get_by_role("textbox", name="Price").fill("12.34")
    page.get_by_role("combobox", name="Status").select_option(label="Pending")
    page.get_by_role("textbox", name="Agent email").fill("")
    page.get_by_role("button", name="Save and add another").click()
    expect(page.locator("#messages").get_by_role("status")).to_contain_text("created")
    expect(page.get_by_role("heading", name="New property")).to_be_visible()
    expect(page.get_by_role("textbox", name="Address")).to_have_value("")


def test_an_edit_of_a_record_deleted_meanwhile_is_saved_as_a_new_one(
    page: Page, live_server, staff_user, demo
):
    from recordsadmin.records import services

    schema = services.schema_get(key=demo)
    record = services.record_create(
        schema=schema, properties={"address": "8 Gone Lane", "price": 5, "status": "Active"}
    )
    sign_in(page, live_server.url, f"/objects/{demo}/{record.id}/edit/")
    expect(page.get_by_role("heading", name=re.compile("^Edit"))).to_be_visible()
    page.get_by_role("textbox", name="Address").fill("8 Kept Lane")
    services.record_delete(schema=schema, record_id=record.id)  # by someone else, meanwhile
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("This record was deleted while you were editing it.")).to_be_visible()
    expect(page.get_by_role("textbox", name="Address")).to_have_value("8 Kept Lane")
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.get_by_role("button", name="Save as a new property").click()
    expect(page.locator("#messages").get_by_role("status")).to_contain_text("created")
    expect(page.get_by_role("heading", name="8 Kept Lane")).to_be_visible()
    assert not asked, "no 'leave this page?' question after a save"


def test_an_edit_sent_after_the_session_ended_comes_back_after_signing_in(
    page: Page, live_server, staff_user, demo, settings
):
    import time

    from django.contrib.sessions.backends.cached_db import SessionStore

    from recordsadmin.records import services

    schema = services.schema_get(key=demo)
    record = services.record_create(
        schema=schema, properties={"address": "9 Idle Road", "price": 5, "status": "Active"}
    )
    edit = f"/objects/{demo}/{record.id}/edit/"
    sign_in(page, live_server.url, edit)
    page.get_by_role("textbox", name="Address").fill("9 Typed Road")
    # The person went for lunch: their session is idle past its time.
    cookie = next(c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    session = SessionStore(session_key=cookie["value"])
    session["seen_at"] = time.time() - settings.SESSION_IDLE_SECONDS - 1
    session.save()
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.locator("#messages")).to_contain_text("what you were saving is kept")
    page.get_by_label("Username").fill("staffer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#messages")).to_contain_text("You were signed out before this was saved")
    expect(page.get_by_role("textbox", name="Address")).to_have_value("9 Typed Road")
    assert services.record_get(schema=schema, record_id=record.id).properties["address"] == (
        "9 Idle Road"
    )
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", name="9 Typed Road")).to_be_visible()


def test_a_long_texts_line_breaks_show_on_the_record_page(
    page: Page, live_server, staff_user, demo
):
    """Paragraphs typed into a long text keep their lines on the record's page (a cell shows
    the text on one line, cut short)."""
    from recordsadmin.sandbox.models import Record as SandboxRecord

    record = SandboxRecord.objects.filter(object__key=demo).first()
    record.properties["description"] = "First line.\nSecond line.\n\nNew paragraph."
    record.save()
    sign_in(page, live_server.url, f"/objects/{demo}/{record.id}/")
    shown = value_of(page, "Description")
    expect(shown).to_have_text("First line. Second line. New paragraph.", use_inner_text=False)
    assert shown.inner_text().split("\n") == ["First line.", "Second line.", "", "New paragraph."]
