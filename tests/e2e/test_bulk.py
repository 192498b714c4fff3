"""Bulk edit in Chromium: select all matching, choose a field and a value, preview, start, watch
the progress update by itself (the real task queue and its worker), read the report."""

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

    expect(page.get_by_role("heading", name="Set a field on properties")).to_be_visible()
    page.get_by_label("Field").select_option(label="Status")
    page.get_by_label("New value").select_option(label="Sold")  # swapped in by htmx
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("[data-preview-summary]")).to_have_text(
        re.compile(r"^60 properties: Status (various|Active|Pending|Sold) → Sold$")
    )
    already = Record.objects.filter(object__key=KEY, properties__status="Sold").count()

    with WorkerThread():
        page.get_by_role("button", name="Start: change 60 records").click()
        expect(page.get_by_role("heading", name="Finished")).to_be_visible(timeout=60_000)
    # The page went from queued to finished by itself: htmx polled the progress partial.
    counts = page.locator("[data-job-counts]")
    expect(counts).to_contain_text("60 of 60 finished")
    expect(counts).to_contain_text(f"{60 - already} done")
    expect(counts).to_contain_text("0 failed")
    expect(counts).to_contain_text(f"{already} skipped")
    expect(page.locator("#job-progress")).not_to_have_attribute("hx-trigger", re.compile("."))
    expect(page.get_by_role("link", name="Download the report (CSV)")).to_be_visible()

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
    page.get_by_role("button", name="Cancel").click()
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
    expect(counts).to_contain_text(f"{60 - done} skipped")
    # What the job page says is what happened: the skipped records are all still there.
    assert Record.objects.filter(object__key=KEY).count() == 60 - done


def test_export_downloads_and_the_page_says_when_it_finished(table: Page):
    page = table
    page.goto(page.url.split("/objects/")[0] + f"/objects/{KEY}/export/")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    with open(download.value.path(), encoding="utf-8") as file:
        assert sum(1 for _ in file) == 61  # the header and every record
    expect(page.locator("#export-status")).to_contain_text("The export finished: 60 records")
