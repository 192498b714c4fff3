"""Bulk edit and delete jobs against the embedded API over HTTP: selection, history, resume."""

import time

import pytest
from django.http import QueryDict
from django_tasks_db.models import DBTaskResult

from recordsadmin.records import selectors, services
from recordsadmin.records.bulk import changes, jobs, outcomes, runner, workers
from recordsadmin.records.bulk import preview as previews
from recordsadmin.records.bulk.selection import Selection
from recordsadmin.records.models import BulkItem, BulkJob, RecordChange
from tests.bulk.conftest import KEY, run_worker

pytestmark = pytest.mark.django_db(transaction=True)


def select_all(query: str = "") -> Selection:
    return Selection(query=query or "?", all_matching=True)


def set_status(schema, staff_user, selection, value="Sold") -> BulkJob:
    data = QueryDict(mutable=True)
    data.update({"field": "status", "value": value})
    change = changes.change_from_post(schema=schema, data=data, users=[])
    assert not change.errors
    return jobs.job_create(
        user=staff_user,
        schema=schema,
        kind=BulkJob.Kind.UPDATE,
        selection=selection,
        params=change.as_json(),
        summary="test",
    )


def test_set_a_field_on_all_matching_records_through_the_queue_and_worker(
    schema, staff_user, records_api
):
    props = schema(records=30)
    job = set_status(props, staff_user, select_all())
    assert job.status == BulkJob.Status.QUEUED
    run_worker()
    job.refresh_from_db()
    assert job.status == BulkJob.Status.DONE
    counts = jobs.job_counts(job=job)
    assert counts["total"] == 30
    assert counts["failed"] == 0
    assert counts["done"] + counts["skipped"] == 30
    statuses = {r.properties["status"] for r in sandbox_records_all()}
    assert statuses == {"Sold"}
    # Every change is in the history with the job that made it.
    changes = RecordChange.objects.filter(job_id=str(job.pk))
    assert changes.count() == counts["done"]
    assert all(c.outcome == RecordChange.Outcome.OK for c in changes)
    assert all(c.before["properties"]["status"] != "Sold" for c in changes)


def sandbox_records_all():
    from recordsadmin.sandbox.models import Record

    return Record.objects.filter(object__key="custom_objects.property")


def test_a_search_selects_only_its_records(schema, staff_user):
    props = schema(records=30)
    before = {r.id: r.properties["status"] for r in sandbox_records_all()}
    job = set_status(props, staff_user, select_all("?f.status=Active"), value="Pending")
    runner.job_run(job_id=str(job.pk))
    after = {r.id: r.properties["status"] for r in sandbox_records_all()}
    for record_id, status in before.items():
        assert after[record_id] == ("Pending" if status == "Active" else status)
    assert job.items.count() == sum(1 for s in before.values() if s == "Active")


def test_checked_ids_only(schema, staff_user):
    props = schema(records=10)
    ids = sorted(before_ids := [r.id for r in sandbox_records_all()])[:3]
    job = jobs.job_create(
        user=staff_user,
        schema=props,
        kind=BulkJob.Kind.DELETE,
        selection=Selection(query="?", ids=tuple(ids)),
        summary="delete 3",
    )
    runner.job_run(job_id=str(job.pk))
    left = {r.id for r in sandbox_records_all()}
    assert left == set(before_ids) - set(ids)
    deletes = RecordChange.objects.filter(job_id=str(job.pk), action="delete")
    assert {d.record_id for d in deletes} == set(ids)
    assert all(d.before["properties"] for d in deletes)  # restorable snapshots


def test_an_interrupted_job_resumes_without_doing_a_record_twice(schema, staff_user):
    props = schema(records=25)
    versions = {r.id: r.version for r in sandbox_records_all()}
    job = set_status(props, staff_user, select_all(), value="Sold")
    runner.job_run(job_id=str(job.pk), stop_after=10)
    job.refresh_from_db()
    assert job.status == BulkJob.Status.RUNNING  # as a restart would leave it
    finished = set(job.items.exclude(outcome="pending").values_list("record_id", flat=True))
    assert len(finished) == 10
    # One more was in flight when the worker died: sent, its answer never recorded.
    in_flight = job.items.filter(outcome="pending").order_by("position").first()
    runner.job_run(job_id=str(job.pk), stop_after=0)  # no-op run keeps the state
    from recordsadmin.records import services

    services.record_update(
        schema=props, record_id=in_flight.record_id, properties={"status": "Sold"}
    )
    BulkItem.objects.filter(pk=in_flight.pk).update(sent_at="2026-01-01T00:00:00Z")
    # The worker is gone; the job page notices the silent heartbeat and queues it again.
    BulkJob.objects.filter(pk=job.pk).update(heartbeat_at="2026-01-01T00:00:00Z")
    job.refresh_from_db()
    assert jobs.job_resume_if_stale(job=job)
    run_worker()
    job.refresh_from_db()
    assert job.status == BulkJob.Status.DONE
    counts = jobs.job_counts(job=job)
    assert counts["failed"] == 0 and counts["pending"] == 0
    # No record was written twice: each changed record went up one version, no more.
    for record in sandbox_records_all():
        grew = record.version - versions[record.id]
        assert grew in (0, 1), record.id
        assert record.properties["status"] == "Sold"
    item = BulkItem.objects.get(pk=in_flight.pk)
    assert item.outcome == "done" and "before the restart" in item.reason
    # One history row per record.
    ids = list(RecordChange.objects.filter(job_id=str(job.pk)).values_list("record_id", flat=True))
    assert len(ids) == len(set(ids))


def test_a_job_queued_again_while_its_first_run_goes_on_is_left_to_the_new_run(
    schema, staff_user, monkeypatch
):
    """A job taken over while its first run still goes (a worker slow past the stale time, or
    one restarted beside the old): the first run stops sending at its next look and does not
    end the job; the new run finishes it, and no record is written twice."""
    props = schema(records=20)
    versions = {r.id: r.version for r in sandbox_records_all()}
    job = set_status(props, staff_user, select_all(), value="Sold")
    started = []
    item_start = runner.item_start

    def start_then_lose_the_job(running, schema, item, **kwargs):
        started.append(item.pk)
        if len(started) == 5:  # another worker's run claims the job, as job_run does
            BulkJob.objects.filter(pk=running.pk).update(run="the-other-run")
        return item_start(running, schema, item, **kwargs)

    monkeypatch.setattr(runner, "item_start", start_then_lose_the_job)
    runner.job_run(job_id=str(job.pk))
    job.refresh_from_db()
    assert len(started) == 5
    assert job.status == BulkJob.Status.RUNNING and job.finished_at is None
    assert job.run == "the-other-run"
    assert jobs.job_counts(job=job)["pending"] == 15
    monkeypatch.undo()
    runner.job_run(job_id=str(job.pk))  # the other run
    job.refresh_from_db()
    assert job.status == BulkJob.Status.DONE
    counts = jobs.job_counts(job=job)
    assert counts["done"] + counts["skipped"] == 20  # skipped: it was Sold already
    for record in sandbox_records_all():
        assert record.version - versions[record.id] in (0, 1), record.id
        assert record.properties["status"] == "Sold"
    written = sum(r.version - versions[r.id] for r in sandbox_records_all())
    assert written == counts["done"]


def test_a_job_taken_over_from_a_stopped_worker_leaves_its_old_task_failed_not_running(
    schema, staff_user
):
    """The task queue counts the task of a job whose worker stopped as failed, once the job
    runs in a new task: /healthz must not count it as running for ever."""
    props = schema(records=5)
    job = set_status(props, staff_user, select_all())
    job.refresh_from_db()
    lost = DBTaskResult.objects.get(id=job.task_id)
    lost.claim("a-worker-that-dies")
    BulkJob.objects.filter(pk=job.pk).update(
        status=BulkJob.Status.RUNNING, heartbeat_at="2026-01-01T00:00:00Z"
    )
    job.refresh_from_db()
    assert selectors.queue_health()["running"] == 1
    assert jobs.job_resume_if_stale(job=job)
    lost.refresh_from_db()
    assert lost.status == "FAILED"
    health = selectors.queue_health()
    assert (health["running"], health["queued"]) == (0, 1)
    run_worker()
    job.refresh_from_db()
    assert job.status == BulkJob.Status.DONE


def test_cancel_stops_sending_and_the_rest_are_not_sent_not_skipped(schema, staff_user):
    props = schema(records=20)
    job = set_status(props, staff_user, select_all())
    runner.job_run(job_id=str(job.pk), stop_after=5)
    BulkJob.objects.filter(pk=job.pk).update(status=BulkJob.Status.CANCELLING)
    runner.job_run(job_id=str(job.pk))
    job.refresh_from_db()
    assert job.status == BulkJob.Status.CANCELLED
    counts = jobs.job_counts(job=job)
    assert counts["pending"] == 0 and counts["not_sent"] > 0
    assert counts["done"] + counts["skipped"] + counts["not_sent"] == 20
    # "Skipped" keeps its meaning (the record already held the value); the cancelled ones are
    # counted apart, and a retry sends them.
    reasons = dict(job.items.values_list("outcome", "reason").distinct())
    assert reasons["not_sent"] == outcomes.CANCELLED_REASON
    assert reasons.get("skipped", "Already holds this value.") == "Already holds this value."
    assert jobs.job_retry_plan(job=job) == jobs.Retry(unsent=counts["not_sent"])


def test_a_refused_value_fails_with_the_apis_reason_and_can_be_retried(schema, staff_user):
    props = schema(records=6)
    # The API refuses an option that is not one of the field's: bypass the preview's check.
    job = jobs.job_create(
        user=staff_user,
        schema=props,
        kind=BulkJob.Kind.UPDATE,
        selection=select_all(),
        params={"field": "status", "value": "Nope"},
        summary="bad",
    )
    runner.job_run(job_id=str(job.pk))
    job.refresh_from_db()
    counts = jobs.job_counts(job=job)
    assert counts["failed"] == 6
    reasons = set(job.items.values_list("reason", flat=True))
    assert all("status" in r and "422" in r for r in reasons), reasons
    failed_changes = RecordChange.objects.filter(job_id=str(job.pk), outcome="failed")
    assert failed_changes.count() == 6
    # Fix the value and retry the failed ones.
    BulkJob.objects.filter(pk=job.pk).update(params={"field": "status", "value": "Sold"})
    job.refresh_from_db()
    assert jobs.job_retry_failed(job=job).failed == 6
    run_worker()
    job.refresh_from_db()
    assert job.status == BulkJob.Status.DONE
    assert jobs.job_counts(job=job)["done"] + jobs.job_counts(job=job)["skipped"] == 6


def test_preview_says_what_will_change_and_warns_of_a_refused_value(schema):
    props = schema(records=12)
    active = sum(1 for r in sandbox_records_all() if r.properties["status"] == "Active")
    data = QueryDict("field=status&value=Sold")
    change = changes.change_from_post(schema=props, data=data, users=[])
    result = previews.preview(
        schema=props, selection=select_all("?f.status=Active"), kind="update", change=change
    )
    assert result.summary == f"{active} properties: Status Active → Sold"
    assert not result.blocked
    cleared = changes.change_from_post(
        schema=props, data=QueryDict("field=status&value="), users=[]
    )
    refused = previews.preview(schema=props, selection=select_all(), kind="update", change=cleared)
    assert refused.blocked
    assert any("required" in w for w in refused.warnings)
    bad = changes.change_from_post(
        schema=props, data=QueryDict("field=bedrooms&value=many"), users=[]
    )
    assert bad.errors


def test_make_demo_resumes_jobs_a_stopped_worker_left_running(schema, staff_user):
    from django.core.management import call_command

    props = schema(records=8)
    job = set_status(props, staff_user, select_all())
    run_worker_until_stopped = runner.job_run(job_id=str(job.pk), stop_after=3)
    assert run_worker_until_stopped.status == BulkJob.Status.RUNNING
    call_command("resume_bulk_jobs")  # its heartbeat is fresh: maybe its worker still runs
    job.refresh_from_db()
    assert job.status == BulkJob.Status.RUNNING
    call_command("resume_bulk_jobs", "--all")  # `make demo`: no worker runs yet
    job.refresh_from_db()
    assert job.status == BulkJob.Status.QUEUED
    run_worker()
    job.refresh_from_db()
    assert job.status == BulkJob.Status.DONE
    assert jobs.job_counts(job=job)["pending"] == 0


def test_set_the_owner_of_a_selection(schema, staff_user):
    from recordsadmin.records import services

    props = schema(records=8)
    users = services.user_list()
    target = users[-1]
    data = QueryDict(mutable=True)
    data.update({"field": "owner", "value": target.id})
    change = changes.change_from_post(schema=props, data=data, users=users)
    assert not change.errors
    preview = previews.preview(
        schema=props, selection=select_all(), kind="update", change=change, users=users
    )
    assert preview.summary.startswith("8 properties: Owner ")
    assert preview.summary.endswith(f"→ {target.name}")
    job = jobs.job_create(
        user=staff_user,
        schema=props,
        kind=BulkJob.Kind.UPDATE,
        selection=select_all(),
        params=change.as_json(),
        summary=preview.summary,
    )
    runner.job_run(job_id=str(job.pk))
    assert {r.owner for r in sandbox_records_all()} == {target.id}
    assert jobs.job_counts(job=job)["failed"] == 0
    stranger = QueryDict("field=owner&value=nobody-here")
    assert changes.change_from_post(schema=props, data=stranger, users=users).errors


def test_a_long_item_keeps_the_jobs_heartbeat_fresh(records_api, staff_user, settings, monkeypatch):
    """An item that takes longer than a quarter of the stale limit (a restore relinking many
    links) does not leave the job looking stalled to the other workers meanwhile."""
    records_api(records=1)
    settings.BULK_STALE_SECONDS = 0.4
    beats = []

    def slow(schema, pacer, item):
        before = BulkJob.objects.get(pk=item.job_id).heartbeat_at
        time.sleep(0.6)
        beats.append((before, BulkJob.objects.get(pk=item.job_id).heartbeat_at))
        return outcomes.ItemResult(BulkItem.Outcome.DONE)

    monkeypatch.setattr(workers, "delete_one", slow)
    job = jobs.job_create(
        user=staff_user,
        schema=services.schema_get(key=KEY),
        kind=BulkJob.Kind.DELETE,
        selection=Selection(query="?", ids=(), all_matching=True),
        summary="Delete",
    )
    run_worker()
    job.refresh_from_db()
    assert job.status == BulkJob.Status.DONE
    [(before, during)] = beats
    assert during > before, "no heartbeat while the one item was in flight"
