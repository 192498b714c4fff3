"""Bulk jobs under the embedded API's rate limit: as fast as it allows, never refused."""

import logging
import re
import time

import pytest
from django.http import QueryDict

from recordsadmin.client import budget
from recordsadmin.records.bulk import changes, jobs, outcomes, runner
from recordsadmin.records.bulk.selection import Selection
from recordsadmin.records.models import BulkJob
from tests.bulk.conftest import run_worker, sandbox_records

pytestmark = pytest.mark.django_db(transaction=True)

ATTEMPT = re.compile(r"records API \w+ \S+ attempt \d+: (\d{3})")


def statuses_sent(caplog) -> list[int]:
    return [
        int(m.group(1))
        for r in caplog.records
        if r.name == "recordsadmin.client" and (m := ATTEMPT.search(r.getMessage()))
    ]


def run_update(schema, user, text: str) -> tuple[BulkJob, float]:
    change = changes.change_from_post(
        schema=schema, data=QueryDict(f"field=description&value={text}"), users=[]
    )
    job = jobs.job_create(
        user=user,
        schema=schema,
        kind=BulkJob.Kind.UPDATE,
        selection=Selection(query="?", all_matching=True),
        params=change.as_json(),
        summary=text,
    )
    started = time.monotonic()
    runner.job_run(job_id=str(job.pk))
    return job, time.monotonic() - started


def test_a_job_keeps_under_a_fast_limit(schema, staff_user, caplog):
    props = schema(records=60, rate="20/1s")
    caplog.set_level(logging.DEBUG, logger="recordsadmin.client")
    job, seconds = run_update(props, staff_user, "Paced")
    counts = jobs.job_counts(job=job)
    assert counts["done"] == 60 and counts["failed"] == 0
    sent = statuses_sent(caplog)
    assert 429 not in sent
    assert len(sent) == 61  # a search and 60 updates: nothing sent twice
    # 18 a second (20 less the reserve of 2) after a first burst of 18: it took its time.
    assert seconds > (61 - 18) / 18 * 0.9, seconds


def test_500_records_at_the_real_limit_finish_with_no_429(schema, staff_user, caplog):
    props = schema(records=500, rate="100/10s")
    caplog.set_level(logging.DEBUG, logger="recordsadmin.client")
    job, seconds = run_update(props, staff_user, "Updated in bulk")
    job.refresh_from_db()
    assert job.status == BulkJob.Status.DONE
    counts = jobs.job_counts(job=job)
    assert counts == {**counts, "done": 500, "failed": 0, "pending": 0, "skipped": 0}
    assert not job.items.filter(reason__contains="429").exists()
    sent = statuses_sent(caplog)
    assert 429 not in sent, sent.count(429)
    assert len(sent) == 505  # 5 searches of 100, 500 updates: nothing sent twice
    assert {r.properties["description"] for r in sandbox_records(props)} == {"Updated in bulk"}
    # The first 98 go at once (the window is empty), then 9.8 a second.
    assert seconds > 35, seconds
    print(f"500 records in {seconds:.1f} s")


def test_an_item_refused_for_the_rate_goes_again_and_never_fails(
    schema, staff_user, settings, monkeypatch, caplog
):
    props = schema(records=30, rate="10/1s")
    # No rate budget, and a client that does not retry: 429s reach the job.
    monkeypatch.setattr(budget, "installed", budget.Unlimited)
    settings.GHL_MAX_RETRIES = 0
    caplog.set_level(logging.DEBUG, logger="recordsadmin.client")
    job, _ = run_update(props, staff_user, "Again")
    assert 429 in statuses_sent(caplog)
    job.refresh_from_db()
    assert job.status == BulkJob.Status.DONE
    counts = jobs.job_counts(job=job)
    assert counts["done"] == 30 and counts["failed"] == 0 and counts["pending"] == 0
    assert {r.properties["description"] for r in sandbox_records()} == {"Again"}


def run_in_thread(job: BulkJob, seconds: float = 60.0) -> None:
    """The job's run, given `seconds` to end (a job that never ends fails the test)."""
    import threading

    from django.db import connection

    def run():
        try:
            runner.job_run(job_id=str(job.pk))
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=seconds)
    assert not thread.is_alive(), "the job did not end"


def test_a_spent_daily_quota_stops_the_job_with_the_rest_to_retry(
    schema, staff_user, staff_client, settings, monkeypatch, caplog
):
    from recordsadmin.sandbox import ratelimit

    props = schema(records=30, rate="100/10s")
    # The client's own retries of a 429 (an interval each) are its business: here a refused
    # call reaches the job at once.
    settings.GHL_MAX_RETRIES = 0
    monkeypatch.setattr(ratelimit, "DAILY_LIMIT", 12)
    ratelimit.limiter.reset()  # the day begins: 12 calls, a search and 11 updates
    caplog.set_level(logging.DEBUG, logger="recordsadmin.client")
    change = {"field": "description", "value": "Today"}
    job = jobs.job_create(
        user=staff_user,
        schema=props,
        kind=BulkJob.Kind.UPDATE,
        selection=Selection(query="?", all_matching=True),
        params=change,
        summary="daily",
    )
    run_in_thread(job)
    job.refresh_from_db()
    assert job.status == BulkJob.Status.FAILED
    counts = jobs.job_counts(job=job)
    assert counts["done"] == 11 and counts["not_sent"] == 19 and counts["pending"] == 0
    assert set(job.items.filter(outcome="not_sent").values_list("reason", flat=True)) == {
        outcomes.DAILY_LIMIT_REASON
    }
    # Only calls already in flight when the last allowed answer came back were refused.
    assert statuses_sent(caplog).count(429) < settings.BULK_CONCURRENCY
    page = staff_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "daily limit of calls for this location is spent" in page
    assert "19 records were not sent: retry them once the limit resets" in page
    # The next day: a retry sends the rest.
    monkeypatch.setattr(ratelimit, "DAILY_LIMIT", 200_000)
    ratelimit.limiter.reset()
    staff_client.post(f"/jobs/{job.pk}/retry/")
    run_worker()
    assert jobs.job_counts(job=job)["done"] == 30
    assert {r.properties["description"] for r in sandbox_records(props)} == {"Today"}


def test_an_item_refused_for_the_rate_again_and_again_fails_in_the_end(
    service, staff_user, settings, monkeypatch
):
    from recordsadmin.records import services
    from tests.support.stub import Reply

    monkeypatch.setattr(runner, "MAX_RATE_REFUSALS", 3)
    answer = service.route

    def refuse_writes(seen):
        if seen.method == "PUT":
            return Reply(429, json={"message": "Too many requests"}, headers={"Retry-After": "0"})
        return answer(seen)

    service.stub.router = refuse_writes
    props = services.schema_get(key="custom_objects.property")
    job = jobs.job_create(
        user=staff_user,
        schema=props,
        kind=BulkJob.Kind.UPDATE,
        selection=Selection(query="?", ids=("rec1", "rec2")),
        params={"field": "bedrooms", "value": 4},
        summary="refused",
    )
    run_in_thread(job)
    job.refresh_from_db()
    assert job.status == BulkJob.Status.DONE
    assert jobs.job_counts(job=job)["not_sent"] == 2
    reasons = set(job.items.values_list("reason", flat=True))
    assert reasons == {outcomes.refused_reason(3)}
    puts = [seen for seen in service.stub.requests if seen.method == "PUT"]
    # Each refusal is the client's first try and its retries; 3 refusals an item, 2 items.
    assert len(puts) == 2 * 3 * (1 + settings.GHL_MAX_RETRIES)


def spend_the_day(monkeypatch, calls: int = 0) -> None:
    """From now on the embedded API allows `calls` more calls today."""
    from recordsadmin.sandbox import ratelimit

    monkeypatch.setattr(ratelimit, "DAILY_LIMIT", calls)
    ratelimit.limiter.reset()


def next_day(monkeypatch) -> None:
    spend_the_day(monkeypatch, 200_000)


def test_a_job_stopped_for_the_day_before_it_collected_its_records_starts_over_on_retry(
    schema, staff_user, staff_client, settings, monkeypatch
):
    props = schema(records=30, rate="100/10s")
    settings.GHL_MAX_RETRIES = 0
    spend_the_day(monkeypatch)
    job, _ = run_update(props, staff_user, "Tomorrow")
    job.refresh_from_db()
    assert job.status == BulkJob.Status.FAILED and not job.collected
    assert "It had not collected all its records yet: retry it" in job.error
    page = staff_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Retry the job" in page
    next_day(monkeypatch)
    retried = staff_client.post(f"/jobs/{job.pk}/retry/", follow=True).content.decode()
    assert "The job is queued again: it collects its records from the start." in retried
    run_worker()
    job.refresh_from_db()
    assert job.status == BulkJob.Status.DONE and job.error == ""
    assert jobs.job_counts(job=job) == {**jobs.job_counts(job=job), "done": 30, "total": 30}
    assert {r.properties["description"] for r in sandbox_records(props)} == {"Tomorrow"}


def test_an_import_create_in_flight_at_a_restart_is_not_sent_again_after_the_daily_limit(
    schema, staff_user, staff_client, settings, monkeypatch
):
    from recordsadmin.records import services
    from recordsadmin.records.models import RecordChange

    props = schema(records=0, rate="100/10s")
    settings.GHL_MAX_RETRIES = 0
    owner = services.user_list()[0].id
    rows = [
        {"row": n, "cells": [], "properties": {"address": f"{n} Once St", "price": n,
                                               "status": "Active"}, "owner": owner}
        for n in (2, 3, 4)
    ]  # fmt: skip
    job = jobs.job_create(
        user=staff_user,
        schema=props,
        kind=BulkJob.Kind.IMPORT,
        params={"mapping": ["address", "price", "status", "owner"]},
        summary="import",
        items=[{"data": row} for row in rows],
    )
    runner.job_run(job_id=str(job.pk), stop_after=1)
    # The worker dies while row 3 is in flight: the API made the record, the answer was lost.
    lost = job.items.get(position=2)
    runner.item_start(job, props, lost)
    services.record_create(schema=props, properties=lost.data["properties"], owner=owner)
    # Its next run starts with the owners' names, and the day's quota is spent by then.
    services.user_list_invalidate()
    spend_the_day(monkeypatch)
    runner.job_run(job_id=str(job.pk))
    job.refresh_from_db()
    assert job.status == BulkJob.Status.FAILED
    lost.refresh_from_db()
    assert lost.outcome == "unknown" and lost.reason.startswith("Outcome unknown")
    creates = RecordChange.objects.filter(job_id=str(job.pk)).order_by("at", "id")
    assert list(creates.values_list("outcome", flat=True)) == ["ok", "unknown"]
    page = staff_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "1 row may have created its record before the answer was lost" in page
    assert "1 record was not sent: retry them" in page
    # The next day a retry sends row 4, and not row 3 again.
    next_day(monkeypatch)
    staff_client.post(f"/jobs/{job.pk}/retry/")
    run_worker()
    addresses = sorted(r.properties["address"] for r in sandbox_records(props))
    assert addresses == ["2 Once St", "3 Once St", "4 Once St"]
    lost.refresh_from_db()
    assert lost.outcome == "unknown" and lost.reason.startswith("Outcome unknown")


def test_an_update_in_flight_at_a_restart_keeps_its_history_when_the_daily_limit_stops_it(
    schema, staff_user, settings, monkeypatch
):
    from recordsadmin.records import services
    from recordsadmin.records.models import RecordChange

    props = schema(records=4, rate="100/10s")
    settings.GHL_MAX_RETRIES = 0
    versions = {r.id: r.version for r in sandbox_records(props)}
    job = jobs.job_create(
        user=staff_user,
        schema=props,
        kind=BulkJob.Kind.UPDATE,
        selection=Selection(query="?", all_matching=True),
        params={"field": "description", "value": "Once"},
        summary="once",
    )
    runner.job_run(job_id=str(job.pk), stop_after=2)
    # The worker dies while the third update is in flight; the API had carried it out.
    lost = job.items.filter(outcome="pending").order_by("position").first()
    runner.item_start(job, props, lost)
    services.record_update(
        schema=props, record_id=lost.record_id, properties={"description": "Once"}
    )
    # Its next run looks at that record first, and the day's quota is spent by then.
    spend_the_day(monkeypatch)
    runner.job_run(job_id=str(job.pk))
    job.refresh_from_db()
    assert job.status == BulkJob.Status.FAILED
    assert jobs.job_counts(job=job)["not_sent"] == 2
    # The next day a retry finds that update made, and makes the last one.
    next_day(monkeypatch)
    assert jobs.job_retry_failed(job=job).unsent == 2
    run_worker()
    lost.refresh_from_db()
    assert lost.outcome == "done" and lost.reason == outcomes.RESENT_UPDATE
    for record in sandbox_records(props):
        assert record.version - versions[record.id] == 1, record.id  # written once
    changes = RecordChange.objects.filter(job_id=str(job.pk))
    assert sorted(changes.values_list("record_id", "outcome")) == sorted(
        (i, "ok") for i in versions
    )
