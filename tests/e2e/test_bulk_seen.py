"""Bulk jobs as their users see them, in Chromium with the real task worker: a finished job's
"Revert this job" puts the values back; a screen reader's status region hears the job's end;
the delete preview names the records and restates the search they came from."""

import re

import pytest
from playwright.sync_api import Page, expect

from recordsadmin.records.models import BulkJob
from recordsadmin.sandbox.models import Record
from tests.bulk.conftest import WorkerThread
from tests.e2e.table_support import KEY, LIST, sign_in
from tests.support.apis import use_records_api
from tests.support.embedded import use_embedded_demo

pytestmark = pytest.mark.django_db(transaction=True)

RECORDS = 6


@pytest.fixture
def small(live_server, settings):
    """A demo location of a few properties (the jobs below go through each)."""
    use_embedded_demo(settings, live_server.url + "/sandbox", records=RECORDS)
    yield
    use_records_api(settings, url="")


def statuses() -> dict[str, str]:
    """Each property's Status, as the embedded API holds it."""
    return {r.id: r.properties.get("status") for r in Record.objects.filter(object__key=KEY)}


def set_every_status_to_sold(page: Page) -> int:
    """From the table: select all, Edit selected…, Status → Sold, start; the job page, queued
    (no worker yet). How many records the job will change."""
    page.get_by_label(f"Select all {RECORDS} records matching this search").check()
    page.get_by_role("button", name="Edit selected…").click()
    page.wait_for_url("**/bulk/**")
    page.get_by_label("Field").select_option(label="Status")
    page.get_by_label("New value").select_option(label="Sold")
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("button", name=f"Start: change {RECORDS} records").click()
    expect(page).to_have_url(re.compile(r"/jobs/[0-9a-f-]+/$"))
    expect(page.get_by_role("heading", name="Queued")).to_be_visible()
    return sum(1 for status in statuses().values() if status != "Sold")


def test_the_job_page_tells_a_screen_reader_when_the_job_ends(
    page: Page, live_server, staff_user, small
):
    sign_in(page, live_server.url, count=f"1–{RECORDS} of {RECORDS}")
    changing = set_every_status_to_sold(page)
    assert changing > 0
    announce = page.locator("#job-announce")
    expect(announce).to_have_attribute("role", "status")
    expect(announce).to_have_text("")  # what the page said as it arrived is not read again
    with WorkerThread():
        expect(page.get_by_role("heading", name="Finished")).to_be_visible(timeout=30_000)
    # Copied from the redrawn progress by static/js/app.js: one sentence, the job's outcome.
    expect(announce).to_have_text(f"Job finished: {changing} done.")
    expect(page.get_by_role("status").filter(has_text="Job finished")).to_have_count(1)
    # The counts every second are no live region of their own.
    expect(page.locator("[data-job-counts]")).not_to_have_attribute("role", re.compile("."))
    expect(page.locator("#job-progress")).not_to_have_attribute("aria-live", re.compile("."))


def test_a_finished_bulk_edit_is_reverted_from_its_page(page: Page, live_server, staff_user, small):
    sign_in(page, live_server.url, count=f"1–{RECORDS} of {RECORDS}")
    before = statuses()
    changing = set_every_status_to_sold(page)
    assert changing > 0, "the demo has records that are not Sold"
    with WorkerThread():
        expect(page.get_by_role("heading", name="Finished")).to_be_visible(timeout=30_000)
        assert set(statuses().values()) == {"Sold"}
        job_page = page.url
        revert = page.locator("[data-revert]")
        expect(revert).to_contain_text(f"puts back the values of {changing} record")
        revert.get_by_role("link", name="Revert this job…").click()
        # Asked first: nothing is sent until the confirmation.
        expect(page.get_by_role("heading", name=re.compile("^Revert “"))).to_be_visible()
        assert not BulkJob.objects.filter(kind=BulkJob.Kind.REVERT).exists()
        page.get_by_role("button", name="Revert the job").click()
        expect(page).not_to_have_url(job_page)
        expect(page.get_by_role("heading", name="Finished")).to_be_visible(timeout=30_000)
    expect(page.locator("[data-job-counts]")).to_contain_text(f"{changing} done")
    expect(page.locator("[data-job-counts]")).to_contain_text("0 failed")
    assert statuses() == before
    # The job it reverted says so, and offers no second revert.
    page.goto(job_page)
    expect(page.locator(".job__reverted")).to_contain_text("Reverted by")
    expect(page.get_by_role("link", name="Revert this job…")).to_have_count(0)


def test_the_delete_preview_names_the_records_and_the_search(
    page: Page, live_server, staff_user, embedded_api
):
    active = Record.objects.filter(object__key=KEY, properties__status="Active")
    count = active.count()
    assert count > 20, "more than the preview lists"
    sign_in(
        page, live_server.url, f"{LIST}?f.status=Active", count=f"1–{min(count, 25)} of {count}"
    )
    page.get_by_label(f"Select all {count} records matching this search").check()
    page.get_by_role("button", name="Delete selected…").click()
    expect(page.locator("[data-preview-summary]")).to_have_text(f"Delete {count} properties")
    search = page.locator("[data-preview-search]")
    expect(search).to_be_visible()
    expect(search).to_have_text("Every property matching the table's search: Status is Active.")
    listed = page.get_by_role("list", name="Properties to delete").get_by_role("listitem")
    expect(listed).to_have_count(20)
    addresses = {r.properties["address"] for r in active}
    names = listed.all_inner_texts()
    assert len(set(names)) == 20 and set(names) <= addresses
    expect(page.locator("[data-preview-more]")).to_have_text(f"and {count - 20} more")
    # Only a preview: nothing deleted.
    assert active.count() == count and not BulkJob.objects.exists()
