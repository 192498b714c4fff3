"""Bulk jobs under the embedded API's rate limit: as fast as it allows, never refused."""

import logging
import re
import time

import pytest
from django.http import QueryDict

from recordsadmin.records import bulk
from recordsadmin.records.models import BulkJob
from tests.bulk.conftest import sandbox_records

pytestmark = pytest.mark.django_db(transaction=True)

ATTEMPT = re.compile(r"records API \w+ \S+ attempt \d+: (\d{3})")


def statuses_sent(caplog) -> list[int]:
    return [
        int(m.group(1))
        for r in caplog.records
        if r.name == "recordsadmin.records.api" and (m := ATTEMPT.search(r.getMessage()))
    ]


def run_update(schema, user, text: str) -> tuple[BulkJob, float]:
    change = bulk.change_from_post(
        schema=schema, data=QueryDict(f"field=description&value={text}"), users=[]
    )
    job = bulk.job_create(
        user=user,
        schema=schema,
        kind=BulkJob.Kind.UPDATE,
        selection=bulk.Selection(query="?", all_matching=True),
        params=change.as_json(),
        summary=text,
    )
    started = time.monotonic()
    bulk.job_run(job_id=str(job.pk))
    return job, time.monotonic() - started


def test_a_job_keeps_under_a_fast_limit(schema, staff_user, caplog):
    props = schema(records=60, rate="20/1s")
    caplog.set_level(logging.DEBUG, logger="recordsadmin.records.api")
    job, seconds = run_update(props, staff_user, "Paced")
    counts = bulk.job_counts(job=job)
    assert counts["done"] == 60 and counts["failed"] == 0
    sent = statuses_sent(caplog)
    assert 429 not in sent
    # 61 calls (a search, 60 updates) at 18 a second after a first burst: about 2.5 s.
    assert 1.5 < seconds < 8, seconds


def test_500_records_at_the_real_limit_finish_with_no_429(schema, staff_user, caplog):
    props = schema(records=500, rate="100/10s")
    caplog.set_level(logging.DEBUG, logger="recordsadmin.records.api")
    job, seconds = run_update(props, staff_user, "Updated in bulk")
    job.refresh_from_db()
    assert job.status == BulkJob.Status.DONE
    counts = bulk.job_counts(job=job)
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
    # A pacer blind to the headers, and a client that does not retry: 429s reach the job.
    monkeypatch.setattr("recordsadmin.records.api.rate_limit_seen", lambda: None)
    settings.GHL_MAX_RETRIES = 0
    caplog.set_level(logging.DEBUG, logger="recordsadmin.records.api")
    job, _ = run_update(props, staff_user, "Again")
    assert 429 in statuses_sent(caplog)
    job.refresh_from_db()
    assert job.status == BulkJob.Status.DONE
    counts = bulk.job_counts(job=job)
    assert counts["done"] == 30 and counts["failed"] == 0 and counts["pending"] == 0
    assert {r.properties["description"] for r in sandbox_records()} == {"Again"}
