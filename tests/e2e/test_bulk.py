"""Bulk edit in Chromium: select all matching, choose a field and a value, preview, start, watch
the progress update by itself (the real task queue and its worker), read the report."""

import csv
import re

import pytest
from playwright.sync_api import Page, expect

from recordsadmin.records.models import BulkJob, RecordChange
from recordsadmin.sandbox.models import Record
from tests.bulk.conftest import WorkerThread
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

KEY = "custom_objects.property"


@pytest.fixture
def table(page: Page, live_server, embedded_api, staff_user, settings) -> Page:
    page.goto(f"{live_server.url}/accounts/login/?next=/objects/{KEY}/")
    page.get_by_label("Username").fill("staffer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#records-count")).to_have_text("1–25 of 60")
    return page


def test_select_all_then_bulk_edit_then_progress_then_report(table: Page):
    page = table
    count = page.locator("[data-bulk-count]")
    expect(count).to_have_text("0 selected")
    page.get_by_role("checkbox", name="Select this page").check()
    expect(count).to_have_text("25 selected")
    page.get_by_label("Select all 60 records matching this search").check()
    expect(count).to_have_text("60 selected")
    page.get_by_role("button", name="Edit selected…").click()
    # Until the page has loaded htmx has not set the field list up: a choice would send nothing.
    page.wait_for_url("**/bulk/**")
    expect(page.get_by_role("heading", name="Set a field on properties")).to_be_visible()
    page.get_by_label("Field").select_option(label="Status")
    page.get_by_label("New value").select_option(label="Sold")  # swapped in by htmx
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("[data-preview-summary]")).to_have_text(
        re.compile(r"^60 properties: Status (various|Active|Pending|Sold) → Sold$")
    )
    # Focus is on what would be done, with Start next, not back at the top of the page.
    expect(page.get_by_role("heading", name="Preview")).to_be_focused()
    already = Record.objects.filter(object__key=KEY, properties__status="Sold").count()

    with WorkerThread():
        page.get_by_role("button", name="Start: change 60 records").click()
        expect(page.get_by_role("heading", name="Finished")).to_be_visible(timeout=60_000)
    # The page went from queued to finished by itself: htmx polled the progress partial.
    counts = page.locator("[data-job-counts]")
    expect(counts).to_contain_text("60 of 60 processed")
    expect(counts).to_contain_text(f"{60 - already} done")
    expect(counts).to_contain_text("0 failed")
    skipped = f"{already} skipped" + (" (already holds this value)" if already else "")
    expect(counts).to_contain_text(skipped)
    expect(page.locator("#job-progress")).not_to_have_attribute("hx-trigger", re.compile("."))
    with page.expect_download() as report:
        page.get_by_role("link", name="Download the report (CSV)").click()
    with open(report.value.path(), encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    # Each record named by its address, beside its id.
    addresses = dict(
        Record.objects.filter(object__key=KEY).values_list("id", "properties__address")
    )
    assert {row["record_id"]: row["display_value"] for row in rows} == addresses

    assert set(
        Record.objects.filter(object__key=KEY).values_list("properties__status", flat=True)
    ) == {"Sold"}
    job = BulkJob.objects.get()
    assert RecordChange.objects.filter(job_id=str(job.pk), outcome="ok").count() == 60 - already


def start_deleting_all(page: Page) -> None:
    page.get_by_label("Select all 60 records matching this search").check()
    page.get_by_role("button", name="Delete selected…").click()
    expect(page.locator("[data-preview-summary]")).to_have_text("Delete 60 properties")
    page.get_by_role("button", name="Delete 60 records").click()


def test_cancel_a_queued_job(table: Page):
    page = table
    start_deleting_all(page)
    # No worker yet: the job waits in the queue, and cancelling it sends nothing.
    expect(page.get_by_role("heading", name="Queued")).to_be_visible()
    # The progress is redrawn every second: focus stays on Cancel through the redraws.
    cancel = page.get_by_role("button", name="Cancel")
    cancel.focus()
    with page.expect_response(lambda answer: "/jobs/" in answer.url):
        pass  # a redraw came
    page.wait_for_timeout(1200)  # and another
    expect(cancel).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Cancelled")).to_be_visible()
    assert Record.objects.filter(object__key=KEY).count() == 60


def test_cancel_a_running_job(table: Page, settings):
    page = table
    start_deleting_all(page)
    expect(page.get_by_role("heading", name="Queued")).to_be_visible()
    # The API lets 3 calls a second through: the job is still deleting when Cancel is clicked.
    settings.SANDBOX_RATE_LIMIT, settings.RECORDS_BUDGET_RESERVE = "3/1s", 0
    counts = page.locator("[data-job-counts]")
    with WorkerThread():
        expect(page.get_by_role("heading", name="Running")).to_be_visible(timeout=30_000)
        expect(counts).to_contain_text(re.compile(r"\b[1-9]\d* done"), timeout=30_000)
        page.get_by_role("button", name="Cancel").click()
        expect(page.get_by_role("heading", name="Cancelled")).to_be_visible(timeout=30_000)
    job = BulkJob.objects.get()
    done = job.items.filter(outcome="done").count()
    assert 0 < done < 60
    expect(counts).to_contain_text(f"{done} done")
    # The rest were never sent (not "skipped": that is for records already as asked), the bar
    # is not full, and a retry is offered for them.
    expect(counts).to_contain_text(f"{done} of 60 processed")
    expect(counts).to_contain_text(f"{60 - done} never sent")
    expect(counts).to_contain_text("0 skipped")
    expect(page.locator("#job-bar")).to_have_attribute("value", str(done))
    expect(page.get_by_role("button", name="Send the never-sent records")).to_be_visible()
    # What the job page says is what happened: the never-sent records are all still there.
    assert Record.objects.filter(object__key=KEY).count() == 60 - done


def test_export_downloads_and_the_page_says_when_it_finished(table: Page):
    page = table
    page.goto(page.url.split("/objects/")[0] + f"/objects/{KEY}/export/")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    with open(download.value.path(), encoding="utf-8") as file:
        assert sum(1 for _ in file) == 61  # the header and every record
    expect(page.locator("#export-status")).to_contain_text("The export finished: 60 records")
    # A screen reader hears the end, not each second's count: the progress is no live region.
    expect(page.locator("#job-announce")).to_have_text("The export finished: 60 records.")
    assert page.locator("#export-status").get_attribute("aria-live") is None
    assert page.locator("#export-status").get_attribute("role") is None


def row_names(page: Page) -> list[str]:
    """The display values of the table's rows, from their checkboxes' labels."""
    labels = page.locator("input[name=ids]").evaluate_all("els => els.map(e => e.ariaLabel)")
    return [label.removeprefix("Select ") for label in labels]


def test_ticks_survive_paging_and_sorting_and_the_bulk_form_acts_on_all_of_them(table: Page):
    page = table
    count = page.locator("[data-bulk-count]")
    first = row_names(page)[:2]
    for name in first:
        page.get_by_role("checkbox", name=f"Select {name}", exact=True).check()
    expect(count).to_have_text("2 selected")
    page.get_by_role("link", name="Next ›").click()
    expect(page.locator("#records-count")).to_have_text("26–50 of 60")
    expect(count).to_have_text("2 selected across pages (2 on other pages)")
    third = row_names(page)[0]
    page.get_by_role("checkbox", name=f"Select {third}", exact=True).check()
    expect(count).to_have_text("3 selected across pages (2 on other pages)")
    page.get_by_role("link", name="‹ Previous").click()
    expect(page.locator("#records-count")).to_have_text("1–25 of 60")
    for name in first:
        expect(page.get_by_role("checkbox", name=f"Select {name}", exact=True)).to_be_checked()
    expect(count).to_have_text("3 selected across pages (1 on other pages)")
    # Another order of the same search keeps them; unticking one counts it out.
    page.locator("thead a").first.click()
    expect(page).to_have_url(re.compile(r"sort="))
    expect(count).to_contain_text("3 selected")
    page.reload()
    expect(count).to_contain_text("3 selected")
    # Delete selected… acts on the three, wherever they are; the preview names them.
    page.get_by_role("button", name="Delete selected…").click()
    expect(page.locator("[data-preview-summary]")).to_have_text("Delete 3 properties")
    listed = page.locator("[data-preview-records] li")
    expect(listed).to_have_count(3)
    assert sorted(listed.all_inner_texts()) == sorted([*first, third])


def test_another_search_has_its_own_ticks(table: Page):
    page = table
    count = page.locator("[data-bulk-count]")
    page.get_by_role("checkbox", name=f"Select {row_names(page)[0]}", exact=True).check()
    expect(count).to_have_text("1 selected")
    base = page.url.split("?")[0]
    page.goto(base + "?q=zzzz-no-such-record")
    page.goto(base + "?f.status=Active")
    expect(page.locator("[data-bulk-count]")).to_have_text("0 selected")
    page.goto(base)
    expect(page.locator("[data-bulk-count]")).to_have_text("1 selected")


def test_a_started_job_forgets_the_ticks_it_was_started_with(table: Page):
    """The table's bulk bar has buttons named "action": the ticks' key must come from the
    form's address attribute, as the start form's does, or the start forgets other ticks."""
    page = table
    start = page.url
    count = page.locator("[data-bulk-count]")
    for name in row_names(page)[:2]:
        page.get_by_role("checkbox", name=f"Select {name}", exact=True).check()
    expect(count).to_have_text("2 selected")
    page.get_by_role("button", name="Delete selected…").click()
    page.get_by_role("button", name="Delete 2 records").click()
    expect(page).to_have_url(re.compile(r"/jobs/"))
    page.goto(start)
    expect(page.locator("#records-count")).to_be_visible()
    expect(count).to_have_text("0 selected")
