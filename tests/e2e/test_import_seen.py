"""An import as its users see it, in Chromium: US dates read once "Dates are written as" says
month/day/year and European ones once it says day/month/year, a list written with commas, the
preview showing values as a person writes them, and an error long enough to be cut shown
whole."""

import re

import pytest
from playwright.sync_api import Page, expect

from recordsadmin.records.models import ImportUpload
from tests.e2e.test_record_lifecycle import sign_in
from tests.support.apis import use_records_api
from tests.support.embedded import use_embedded_demo

pytestmark = pytest.mark.django_db(transaction=True)

KEY = "custom_objects.property"
US_CSV = (
    "Address,Price,Status,Listed on,Features\n"
    '1 Elm St,100000,Active,02/15/2026,"Pool, Garage"\n'
    "2 Elm St,200000,Active,03/01/2026,Pool\n"
)
# Day first: 15/02/2026 can only be read so, 03/01/2026 is the 3rd of January (not March 1st).
EUROPEAN_CSV = (
    "Address,Price,Status,Listed on,Features\n"
    "1 Elm St,100000,Active,15/02/2026,Pool\n"
    "2 Elm St,200000,Active,03/01/2026,Garage\n"
)
DATE_ERROR = (
    "Listed on: Enter a date as year-month-day (2026-02-15). “02/15/2026” reads as "
    "month/day/year: choose it under “Dates are written as”."
)

# How a cell shows its text: cut when its content is wider than its box, or when it ends in an
# ellipsis; each of its list items too.
CUT = """cell => [cell, ...cell.querySelectorAll("li")].map(e => ({
    cut: e.scrollWidth > e.clientWidth,
    ellipsis: getComputedStyle(e).textOverflow,
    nowrap: getComputedStyle(e).whiteSpace === "nowrap",
}))"""


def upload(page: Page, name: str, csv: str) -> None:
    """`csv` uploaded through the import page (signed in on it): its map page, each column
    mapped, creating records."""
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": csv.encode()}]
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", name=f"Import {name}: 2 rows")).to_be_visible()
    for column in ("Address", "Price", "Status", "Listed on", "Features"):
        page.get_by_label(f"Field for column {column}", exact=True).select_option(label=column)
    page.get_by_role("radio", name="creates a record").check()


@pytest.fixture
def import_page(page: Page, live_server, staff_user, settings) -> Page:
    """The import page of an empty demo location, signed in."""
    use_embedded_demo(settings, live_server.url + "/sandbox", records=0)
    sign_in(page, live_server.url, f"/objects/{KEY}/import/")
    yield page
    use_records_api(settings, url="")


@pytest.fixture
def map_page(import_page: Page) -> Page:
    """US_CSV's map page, each column mapped."""
    upload(import_page, "us.csv", US_CSV)
    return import_page


def check_rows(page: Page, day_order: str) -> None:
    page.get_by_label("Dates are written as").select_option(label=day_order)
    page.get_by_role("button", name="Check the rows").click()
    expect(page.get_by_role("heading", name="Preview")).to_be_focused()


def test_us_dates_and_a_comma_list_are_read_and_shown_as_written(map_page: Page):
    page = map_page
    expect(page.get_by_label("Dates are written as")).to_have_accessible_description(
        re.compile("separated by “;”, or by “,”")
    )
    check_rows(page, "month/day/year")
    expect(page.locator("[data-import-summary]")).to_have_text("2 rows ready, 0 with errors.")
    sent = page.get_by_role("table", name="First rows as they will be sent")
    first = sent.locator("tbody tr").first
    heads = sent.locator("thead th").all_text_contents()  # not upper-cased by the CSS
    cells = dict(zip(heads, first.locator("td").all_inner_texts(), strict=True))
    assert cells["Features"] == "Pool; Garage"
    assert cells["Listed on"] == "02/15/2026 (Feb 15, 2026)"
    expect(sent).not_to_contain_text("[")  # no Python list, ['pool', 'garage']
    expect(page.get_by_role("button", name="Import 2 rows")).to_be_visible()
    assert ImportUpload.objects.get().options["day_order"] == "mdy"


def first_rows(page: Page) -> list[dict[str, str]]:
    """The preview's rows to be sent, each by its column's heading."""
    sent = page.get_by_role("table", name="First rows as they will be sent")
    heads = sent.locator("thead th").all_text_contents()  # not upper-cased by the CSS
    return [
        dict(zip(heads, row.locator("td").all_inner_texts(), strict=True))
        for row in sent.locator("tbody tr").all()
    ]


def test_european_dates_are_read_day_first_and_shown_as_written(import_page: Page):
    page = import_page
    upload(page, "europe.csv", EUROPEAN_CSV)
    check_rows(page, "day/month/year")
    expect(page.locator("[data-import-summary]")).to_have_text("2 rows ready, 0 with errors.")
    expect(page.get_by_role("table", name="Rows with errors")).to_have_count(0)
    first, second = first_rows(page)
    # As the file writes it, and read as the 15th of February.
    assert first["Listed on"] == "15/02/2026 (Feb 15, 2026)"
    assert second["Listed on"] == "03/01/2026 (Jan 3, 2026)"
    expect(page.get_by_role("button", name="Import 2 rows")).to_be_visible()
    assert ImportUpload.objects.get().options["day_order"] == "dmy"


def test_a_long_error_is_shown_whole(map_page: Page):
    page = map_page
    page.set_viewport_size({"width": 1366, "height": 768})
    check_rows(page, "year-month-day")
    expect(page.locator("[data-import-summary]")).to_contain_text("0 rows ready, 2 with errors")
    errors = page.get_by_role("table", name="Rows with errors")
    first = errors.locator("tbody tr").first
    error = first.locator("li").filter(has_text="Listed on")
    expect(error).to_have_text(DATE_ERROR)
    cell = first.locator("td").nth(1)
    for shown in cell.evaluate(CUT):
        assert not shown["cut"] and shown["ellipsis"] != "ellipsis" and not shown["nowrap"], shown
    # Its end is on screen inside the table, not past the cell's edge.
    box, end = cell.bounding_box(), error.bounding_box()
    assert end["x"] + end["width"] <= box["x"] + box["width"] + 0.5
