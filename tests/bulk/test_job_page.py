"""What a job's page says of its items: each outcome counted apart, a never-sent item not
mistaken for a skipped one, red only for a count that is not zero, and Retry for what was
never sent."""

import csv
import io
import re
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from recordsadmin.records import services
from recordsadmin.records.bulk import jobs
from recordsadmin.records.bulk.selection import Selection
from recordsadmin.records.models import BulkJob
from recordsadmin.records.transfer.report import report_lines
from recordsadmin.records.views.bulk import job_milestone
from tests.bulk.conftest import KEY

pytestmark = pytest.mark.django_db(transaction=True)


def cancelled_job(user, *, done=39, skipped=129, pending=112) -> BulkJob:
    """A bulk edit of done + skipped + pending records, cancelled with `pending` not sent yet."""
    items = (
        [{"record_id": f"d{n}", "outcome": "done"} for n in range(done)]
        + [
            {"record_id": f"s{n}", "outcome": "skipped", "reason": "Already holds this value."}
            for n in range(skipped)
        ]
        + [{"record_id": f"p{n}"} for n in range(pending)]
    )
    job = status_job(user, items, summary="Set Status on 280 properties")
    jobs.job_cancel(job=job)  # queued: it stops at once
    return job


def status_job(user, items: list[dict], *, summary: str) -> BulkJob:
    """A queued bulk edit that sets Status to Sold on `items`."""
    return jobs.job_create(
        user=user,
        schema=services.schema_get(key=KEY),
        kind=BulkJob.Kind.UPDATE,
        params={"field": "status", "value": "Sold"},
        summary=summary,
        items=items,
    )


def counts_text(html: str) -> str:
    block = re.search(r"<p class=\"job__counts\".*?</p>", html, re.S).group(0)
    return " ".join(re.sub(r"<[^>]+>", " ", block).split())


def test_the_page_says_why_items_were_skipped_and_leads_back_to_their_search(
    records_api, staff_client, staff_user
):
    """A record gone before its turn is skipped too: the count says so, not "already held
    the value"; the commonest reasons first, the rest counted together (the report lists
    each). Back to the records is back to the search they were chosen in."""
    records_api(records=0)
    reasons = ["Already holds this value."] * 3 + ["The record no longer exists."] * 2
    reasons += [f"Not put back: changed since the job (Field {n})." for n in range(4)]
    items = [
        {"record_id": f"s{n}", "outcome": "skipped", "reason": reason}
        for n, reason in enumerate(reasons)
    ]
    job = jobs.job_create(
        user=staff_user,
        schema=services.schema_get(key=KEY),
        kind=BulkJob.Kind.UPDATE,
        selection=Selection(query="?q=Birch&f.status=Active", ids=("s0",)),
        params={"field": "status", "value": "Sold"},
        summary="Set Status",
        items=items,
    )
    jobs.job_cancel(job=job)
    html = staff_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "9 skipped (3: already holds this value; 2: the record no longer exists; 1: not put" in (
        counts_text(html)
    )
    assert "; 3: other reasons)" in counts_text(html)
    back = f"/objects/{KEY}/?q=Birch&amp;f.status=Active"
    assert f'href="{back}"' in html


def test_a_cancelled_job_counts_the_never_sent_apart_and_offers_to_send_them(
    records_api, staff_client, staff_user
):
    records_api(records=0)
    job = cancelled_job(staff_user)
    assert job.status == BulkJob.Status.CANCELLED
    html = staff_client.get(f"/jobs/{job.pk}/").content.decode()
    # The trail: the objects, the records the job was on (by the object's name), the job.
    crumbs = re.search(r'<nav class="breadcrumbs"[^>]*>(.*?)</nav>', html, re.S)[1]
    assert [label for _, label in re.findall(r'<a href="([^"]+)">([^<]+)</a>', crumbs)] == [
        "Objects",
        "Properties",
    ]
    text = counts_text(html)
    assert text.startswith("168 of 280 processed:"), text
    assert "39 done" in text and "129 skipped (already holds this value)" in text
    assert "112 never sent" in text and "0 failed" in text
    # The bar shows what the job dealt with, not the never-sent part.
    assert '<progress id="job-bar" max="280" value="168">60%</progress>' in html
    # Red is for a count that is not zero.
    assert re.search(r'class="job__count"[^>]*>0 failed', html)
    assert "job__count--failed" not in html
    assert "Send the never-sent records" in html
    # The table lists what was sent and not done (none here); the report has every item, by
    # its outcome.
    assert "<caption>Not done</caption>" not in html
    report = staff_client.get(f"/jobs/{job.pk}/report.csv")
    rows = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode())))
    assert Counter(row[3] for row in rows[1:]) == {"done": 39, "skipped": 129, "not_sent": 112}
    retried = staff_client.post(f"/jobs/{job.pk}/retry/", follow=True).content.decode()
    assert "112 never-sent items are queued again." in retried
    job.refresh_from_db()
    assert job.status == BulkJob.Status.QUEUED
    assert jobs.job_counts(job=job)["pending"] == 112


def test_a_failed_or_unknown_count_is_red(records_api, staff_client, staff_user):
    records_api(records=0)
    job = cancelled_job(staff_user, pending=3)
    job.items.filter(record_id="d0").update(outcome="failed", reason="Refused")
    job.items.filter(record_id="d1").update(outcome="unknown", reason="Outcome unknown: lost")
    html = staff_client.get(f"/jobs/{job.pk}/").content.decode()
    assert re.search(r'class="job__count job__count--failed"[^>]*>1 failed', html)
    assert re.search(r'class="job__count job__count--failed"[^>]*>1 outcome unknown', html)
    assert "3 never sent" in counts_text(html)
    assert "Retry the failed records and send the never-sent ones" in html


def test_screen_readers_hear_the_jobs_milestones_not_its_counts_every_second(
    records_api, staff_user, staff_client
):
    """The progress part is redrawn every second: it is no live region; a status region
    outside it gets the milestone (static/js/app.js), which changes per quarter and at the
    end."""
    job = BulkJob(kind=BulkJob.Kind.UPDATE, status=BulkJob.Status.RUNNING, summary="x")
    base = {"done": 0, "failed": 0, "unknown": 0, "not_sent": 0, "total": 280}
    assert job_milestone(job, {**base, "processed": 60}) == "Job running."
    assert job_milestone(job, {**base, "processed": 75}) == "Job running: at least 25% processed."
    assert job_milestone(job, {**base, "processed": 139}) == "Job running: at least 25% processed."
    job.status = BulkJob.Status.DONE
    ended = job_milestone(job, {**base, "processed": 280, "done": 277, "failed": 3})
    assert ended == "Job finished: 277 done, 3 failed."
    records_api(records=0)
    html = staff_client.get(f"/jobs/{cancelled_job(staff_user).pk}/").content.decode()
    assert '<p class="job__counts" data-job-counts>' in html  # no role=status
    said = "Job cancelled: 39 done, 112 never sent."
    assert f'data-milestone="{said}"' in html
    assert f'role="status" data-last="{said}"' in html  # not read again on arrival
    # When it was started, as a moment: the part of the page that is not polled never changes.
    assert re.search(r"Started by staffer on <time datetime=\"[^\"]+\">[A-Z][a-z]{2} \d", html)


def test_a_job_whose_worker_stopped_is_said_on_its_page_and_left_to_the_workers(
    records_api, staff_client, staff_user, settings
):
    """Its page (polled every second by anyone who may view records) changes nothing: a
    jobs_worker takes the job over (bulk/jobs.py jobs_resume_stale)."""
    records_api(records=0)
    job = status_job(staff_user, [{"record_id": "r1"}], summary="Set Status on 1 property")
    old = timezone.now() - timedelta(seconds=settings.BULK_STALE_SECONDS + 60)
    BulkJob.objects.filter(pk=job.pk).update(status=BulkJob.Status.RUNNING, heartbeat_at=old)
    html = staff_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Its worker stopped" in html and "jobs_worker" in html
    job.refresh_from_db()
    assert job.status == BulkJob.Status.RUNNING and job.heartbeat_at == old
    assert jobs.jobs_resume_stale() == 1  # what a jobs_worker's watch does
    job.refresh_from_db()
    assert job.status == BulkJob.Status.QUEUED

    BulkJob.objects.filter(pk=job.pk).update(
        status=BulkJob.Status.RUNNING, heartbeat_at=timezone.now()
    )
    assert "Its worker stopped" not in staff_client.get(f"/jobs/{job.pk}/").content.decode()


def test_a_big_jobs_page_asks_for_its_progress_less_often(records_api, staff_client, staff_user):
    """Each look counts the job's items: a job of a few records is looked at every second,
    one of 25,000 (hours at the records API's pace) every five."""
    records_api(records=0)
    small = status_job(staff_user, [{"record_id": f"r{n}"} for n in range(3)], summary="Small")
    big = status_job(staff_user, [{"record_id": f"r{n}"} for n in range(25_000)], summary="Big")
    assert 'hx-trigger="every 1s"' in staff_client.get(f"/jobs/{small.pk}/").content.decode()
    page = staff_client.get(f"/jobs/{big.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 5s"' in page
    assert [jobs.job_poll_seconds(total=n) for n in (2_000, 2_001, 20_000, 20_001)] == [1, 2, 2, 5]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
def test_a_jobs_report_reads_its_items_in_order_without_sorting_them_first(records_api, staff_user):
    """An index gives a job's items in their order: the report's first line goes out at once,
    instead of after the database sorted every item, its data with it (a 50,000-item job
    took 155 ms to its first line without it, 2 ms with it)."""
    records_api(records=0)
    job = status_job(staff_user, [{"record_id": f"r{n}"} for n in range(3)], summary="Three")
    with CaptureQueriesContext(connection) as queries:
        assert len(list(report_lines(job=job))) == 4
    (items,) = [q["sql"] for q in queries if 'FROM "records_bulkitem"' in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + items)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "records_bulkitem_order" in plan and "TEMP B-TREE" not in plan, plan


def test_a_job_that_has_not_collected_its_records_shows_no_counts_of_nothing(
    records_api, staff_client, staff_user
):
    records_api(records=0)
    job = BulkJob.objects.create(
        kind=BulkJob.Kind.UPDATE, object_key=KEY, user=staff_user, summary="Set Status"
    )
    html = staff_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Waiting for the task worker" in html
    assert "data-job-counts" not in html and "0 of 0" not in html
    assert "The job runs in the background" in html


def test_a_finished_jobs_page_does_not_say_it_runs_in_the_background(
    records_api, staff_client, staff_user
):
    records_api(records=0)
    html = staff_client.get(f"/jobs/{cancelled_job(staff_user).pk}/").content.decode()
    assert "168 of 280 processed" in counts_text(html)
    assert "runs in the background" not in html


def test_the_polled_part_says_the_job_runs_in_the_background_until_it_ends(
    records_api, staff_client, staff_user
):
    """The sentence is in the part the page polls: a job that ends while its page is open
    takes it away at the next redraw, not at a reload."""
    records_api(records=0)
    job = status_job(staff_user, [{"record_id": "r1"}], summary="One")

    def polled() -> str:
        answer = staff_client.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"})
        html = answer.content.decode()
        assert html.lstrip().startswith('<section id="job-progress"'), html[:200]
        return html

    assert "The job runs in the background" in polled()
    jobs.job_cancel(job=job)
    assert "runs in the background" not in polled()
