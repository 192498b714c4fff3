"""Revert a bulk job (bulk/jobs.py job_revert_create, workers.revert_one): a job of its own
that puts back the values the job's updates replaced, deletes the records it made and restores
the records it deleted, record by record; values are put back and records deleted only where the
record still holds what the job set. Each step is in the history and can be undone in turn."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recordsadmin.records import selectors, services
from recordsadmin.records.bulk import jobs, runner
from recordsadmin.records.bulk.selection import Selection
from recordsadmin.records.models import BulkItem, BulkJob, RecordChange
from tests.bulk.conftest import KEY, run_worker, sandbox_records
from tests.bulk.test_pages import report_rows

pytestmark = pytest.mark.django_db(transaction=True)


def set_description(user, value: str) -> BulkJob:
    job = jobs.job_create(
        user=user,
        schema=services.schema_get(key=KEY),
        kind=BulkJob.Kind.UPDATE,
        selection=Selection(query="?", ids=(), all_matching=True),
        params={"field": "description", "value": value},
        summary=f"Description → {value}",
    )
    run_worker()
    job.refresh_from_db()
    assert job.status == BulkJob.Status.DONE
    return job


def descriptions() -> dict[str, str]:
    return {r.id: r.properties.get("description") for r in sandbox_records()}


def test_revert_puts_back_each_records_value_unless_it_changed_since(
    records_api, staff_user, staff_client
):
    records_api(records=4)
    before = descriptions()
    job = set_description(staff_user, "Bulk")
    assert set(descriptions().values()) == {"Bulk"}
    # Someone edits one record after the job.
    later = sorted(before)[0]
    schema = services.schema_get(key=KEY)
    services.record_update(schema=schema, record_id=later, properties={"description": "Mine"})

    page = staff_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Revert this job…" in page and "puts back the values of 4 records it changed" in page
    asked = staff_client.get(f"/jobs/{job.pk}/revert/").content.decode()  # asks first
    assert "Revert “Description → Bulk”?" in asked and "puts back the values of 4 records" in asked
    assert not BulkJob.objects.filter(kind=BulkJob.Kind.REVERT).exists()
    answer = staff_client.post(f"/jobs/{job.pk}/revert/")
    revert = BulkJob.objects.get(kind=BulkJob.Kind.REVERT)
    assert answer.status_code == 302 and answer["Location"] == f"/jobs/{revert.pk}/"
    # Pressed again (Back, a second tab): the same revert, no second job.
    again = staff_client.post(f"/jobs/{job.pk}/revert/")
    assert again["Location"] == f"/jobs/{revert.pk}/"
    assert BulkJob.objects.filter(kind=BulkJob.Kind.REVERT).count() == 1
    page = staff_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Being reverted by" in page and f"/jobs/{revert.pk}/" in page
    assert "Revert this job" not in page
    run_worker()
    revert.refresh_from_db()
    assert revert.status == BulkJob.Status.DONE and revert.params == {"reverts": str(job.pk)}
    now = descriptions()
    assert now[later] == "Mine", "a later change is never overwritten"
    assert {k: v for k, v in now.items() if k != later} == {
        k: v for k, v in before.items() if k != later
    }
    counts = jobs.job_counts(job=revert)
    assert (counts["done"], counts["skipped"]) == (3, 1)
    skipped = BulkItem.objects.get(job=revert, outcome="skipped")
    assert skipped.record_id == later and "changed since the job (Description)" in skipped.reason
    # Each put-back is in the history, with what it replaced, and can be undone.
    rows = RecordChange.objects.filter(job_id=str(revert.pk))
    assert rows.count() == 3 and {r.outcome for r in rows} == {"ok"}
    row = rows.first()
    assert row.changed_fields == ["description"] and row.before["properties"]["description"] == (
        "Bulk"
    )
    record_page = staff_client.get(f"/objects/{KEY}/{row.record_id}/").content.decode()
    assert f"/undo/{row.pk}/" in record_page
    # Done: the job's page says so and offers no other revert; asking again leads to it.
    page = staff_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Reverted by" in page and "Revert this job" not in page and "Revert the rest" not in page
    assert staff_client.get(f"/jobs/{job.pk}/revert/")["Location"] == f"/jobs/{revert.pk}/"
    # Its report names every record, the one skipped (no history row of its own) too.
    addresses = {r.id: r.properties["address"] for r in sandbox_records()}
    report = report_rows(staff_client, revert)
    assert {row["record_id"]: row["display_value"] for row in report} == addresses


def test_a_revert_cut_short_can_be_done_again_for_the_rest(records_api, staff_user, staff_client):
    records_api(records=3)
    job = set_description(staff_user, "Bulk")
    first = staff_client.post(f"/jobs/{job.pk}/revert/")
    revert = BulkJob.objects.get(kind=BulkJob.Kind.REVERT)
    assert first["Location"] == f"/jobs/{revert.pk}/"
    jobs.job_cancel(job=revert)  # queued: it stops at once, nothing sent
    revert.refresh_from_db()
    assert revert.status == BulkJob.Status.CANCELLED
    page = staff_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Reverted by" in page and "a new revert does the rest" in page
    assert "Revert the rest…" in page
    second = staff_client.post(f"/jobs/{job.pk}/revert/")
    assert BulkJob.objects.filter(kind=BulkJob.Kind.REVERT).count() == 2
    assert second["Location"] != first["Location"]


def test_revert_needs_the_change_permission_and_a_finished_job(
    records_api, staff_user, client, viewer
):
    records_api(records=2)
    job = set_description(staff_user, "Bulk")
    client.force_login(viewer)
    assert client.post(f"/jobs/{job.pk}/revert/").status_code == 403
    assert "Revert this job" not in client.get(f"/jobs/{job.pk}/").content.decode()
    assert not BulkJob.objects.filter(kind=BulkJob.Kind.REVERT).exists()


def test_a_job_that_changed_no_values_has_nothing_to_revert(records_api, staff_user):
    records_api(records=2)
    job = set_description(staff_user, "Bulk")
    RecordChange.objects.filter(job_id=str(job.pk)).delete()
    assert jobs.job_revert_create(
        user=staff_user, schema=services.schema_get(key=KEY), job=job
    ) is (None)


def test_a_finished_jobs_page_counts_its_revert_without_reading_the_changes_values(
    records_api, staff_user, staff_client
):
    """The page of a job of 100,000 records counts what a revert would do: it reads the
    changes' record ids and actions, never their before and after (a record's whole values
    each), and a record the job changed twice is one record, as its latest change."""
    records_api(records=3)
    job = set_description(staff_user, "Bulk")
    first = RecordChange.objects.filter(job_id=str(job.pk)).order_by("at", "id").first()
    # The job deleted that record after updating it (a retry, say): its latest change counts.
    RecordChange.objects.create(
        object_key=KEY,
        record_id=first.record_id,
        action=RecordChange.Action.DELETE,
        outcome=RecordChange.Outcome.OK,
        before={"properties": {"description": "x" * 1000}},
        job_id=str(job.pk),
    )
    with CaptureQueriesContext(connection) as queries:
        page = staff_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "puts back the values of 2 records it changed" in page
    assert "restores the 1 record it deleted" in page
    read = [q["sql"] for q in queries if "records_recordchange" in q["sql"]]
    assert read and not [sql for sql in read if '"before"' in sql or '"after"' in sql], read
    targets = jobs.job_revert_changes(job=job)
    assert len(targets) == 3
    assert {t.action for t in targets if t.record_id == first.record_id} == {"delete"}


def run_job(job: BulkJob) -> BulkJob:
    run_worker()
    job.refresh_from_db()
    assert job.status == BulkJob.Status.DONE
    return job


def delete_all(user) -> BulkJob:
    """A bulk delete of every record, run to its end."""
    return run_job(
        jobs.job_create(
            user=user,
            schema=services.schema_get(key=KEY),
            kind=BulkJob.Kind.DELETE,
            selection=Selection(query="?", ids=(), all_matching=True),
            summary="Delete all",
        )
    )


def revert(client, job: BulkJob) -> BulkJob:
    answer = client.post(f"/jobs/{job.pk}/revert/")
    assert answer.status_code == 302
    return run_job(BulkJob.objects.get(params={"reverts": str(job.pk)}))


def test_reverting_an_import_deletes_what_it_made_unless_changed_and_puts_back_updates(
    records_api, staff_user, staff_client
):
    records_api(records=2)
    schema = services.schema_get(key=KEY)
    existing = sorted(r.id for r in sandbox_records())[0]
    before = descriptions()[existing]
    rows = [
        {"properties": {"address": f"{n} Import Row", "price": n, "status": "Active"}}
        for n in (1, 2, 3)
    ]
    rows.append({"properties": {"description": "Imported"}, "match": {"id": existing}})
    job = run_job(
        jobs.job_create(
            user=staff_user,
            schema=schema,
            kind=BulkJob.Kind.IMPORT,
            params={"mapping": ["address", "price", "status", "description"]},
            summary="import",
            items=[{"data": row} for row in rows],
        )
    )
    made = {
        r.properties["address"]: r.id
        for r in sandbox_records()
        if str(r.properties.get("address", "")).endswith("Import Row")
    }
    assert len(made) == 3
    services.record_update(schema=schema, record_id=made["2 Import Row"], properties={"price": 222})
    page = staff_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "puts back the values of 1 record it changed and deletes the 3 records it made" in page
    done = revert(staff_client, job)
    left = {r.id: r for r in sandbox_records()}
    assert made["2 Import Row"] in left, "a record changed since the import is not deleted"
    assert made["1 Import Row"] not in left and made["3 Import Row"] not in left
    assert left[existing].properties.get("description") == before
    skipped = BulkItem.objects.get(job=done, outcome="skipped")
    assert skipped.reason == "Not deleted: changed since the job (Price)."
    # Each delete keeps the record's snapshot, so that it can be restored from its page.
    deletes = RecordChange.objects.filter(job_id=str(done.pk), action="delete")
    assert deletes.count() == 2 and all(d.before["properties"]["address"] for d in deletes)
    gone = deletes.get(record_id=made["1 Import Row"])
    assert "Restore" in staff_client.get(f"/objects/{KEY}/{gone.record_id}/").content.decode()


def test_reverting_a_bulk_delete_restores_with_new_ids_and_reverting_that_deletes_them(
    records_api, staff_user, staff_client
):
    records_api(records=3)
    addresses = sorted(r.properties["address"] for r in sandbox_records())
    job = delete_all(staff_user)
    assert not sandbox_records()
    # One was restored by hand from its page already: the revert does not make it twice.
    first = RecordChange.objects.filter(job_id=str(job.pk), action="delete").first()
    assert staff_client.post(f"/objects/{KEY}/{first.record_id}/restore/").status_code == 303
    page = staff_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "restores the 3 records it deleted (with new ids)" in page
    done = revert(staff_client, job)
    assert sorted(r.properties["address"] for r in sandbox_records()) == addresses
    counts = jobs.job_counts(job=done)
    assert (counts["done"], counts["skipped"]) == (2, 1)
    skipped = BulkItem.objects.get(job=done, outcome="skipped")
    assert skipped.reason.startswith("Already restored, as record ")
    restores = RecordChange.objects.filter(job_id=str(done.pk), action="restore")
    assert restores.count() == 2
    for row in restores:
        assert row.record_id and row.record_id != row.before["record_id"]
        assert row.restored_from == row.before["restored_from"]
    # Whether a delete was restored is read by its id, not from the JSON of every change of
    # the object (one such read per record of the revert, and per deleted record's page).
    deleted = RecordChange.objects.get(pk=restores[0].restored_from)
    with CaptureQueriesContext(connection) as queries:
        assert selectors.restored_change_get(deleted=deleted) == restores[0]
    where = queries[0]["sql"].split(" WHERE ", 1)[1]
    assert '"restored_from" =' in where and '"before"' not in where, where
    by_hand = selectors.restored_change_get(deleted=first)
    assert by_hand is not None and by_hand.job_id == "" and by_hand.outcome == "ok"
    # The revert can be reverted: the records it restored are deleted again.
    again = revert(staff_client, done)
    assert jobs.job_counts(job=again)["done"] == 2
    assert len(sandbox_records()) == 1


def test_reverting_deletes_and_creates_takes_the_permissions_for_them(
    records_api, staff_user, client, django_user_model
):
    from django.contrib.auth.models import Permission

    records_api(records=2)
    job = delete_all(staff_user)
    editor = django_user_model.objects.create_user("editor", password="pw-for-tests-only")
    editor.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_record", "change_record"])
    )
    client.force_login(editor)
    assert "Revert this job" not in client.get(f"/jobs/{job.pk}/").content.decode()
    assert client.post(f"/jobs/{job.pk}/revert/").status_code == 403
    assert not BulkJob.objects.filter(kind=BulkJob.Kind.REVERT).exists()


def test_restores_kept_before_the_indexed_column_are_found_after_the_migration(
    records_api, staff_user, staff_client
):
    """Migration 0015 fills `restored_from` from the restores' own `before`."""
    records_api(records=1)
    job = delete_all(staff_user)
    deleted = RecordChange.objects.get(job_id=str(job.pk), action="delete")
    assert staff_client.post(f"/objects/{KEY}/{deleted.record_id}/restore/").status_code == 303
    RecordChange.objects.filter(action="restore").update(restored_from=None)  # as before 0015
    assert selectors.restored_change_get(deleted=deleted) is None
    migration = importlib.import_module(
        "recordsadmin.records.migrations.0015_recordchange_restored_from"
    )
    migration.fill_restored_from(django_apps, None)
    assert selectors.restored_change_get(deleted=deleted).action == "restore"


def test_restores_in_flight_at_a_restart_finish_their_own_history_rows(
    records_api, staff_user, staff_client
):
    """A revert's restores were in flight when the worker stopped: their history rows (no
    record id yet, the restored one gets a new id) are finished, none left pending."""
    records_api(records=3)
    job = delete_all(staff_user)
    assert staff_client.post(f"/jobs/{job.pk}/revert/").status_code == 302
    reverting = BulkJob.objects.get(params={"reverts": str(job.pk)})
    runner.job_run(job_id=str(reverting.pk), stop_after=1)
    schema = services.schema_get(key=KEY)
    in_flight = list(reverting.items.filter(outcome="pending"))
    assert len(in_flight) == 2
    started = [runner._change_start(reverting, schema, item).pk for item in in_flight]
    reverting.items.filter(outcome="pending").update(sent_at="2026-01-01T00:00:00Z")
    BulkJob.objects.filter(pk=reverting.pk).update(heartbeat_at="2026-01-01T00:00:00Z")
    staff_client.get(f"/jobs/{reverting.pk}/")  # the job page notices the silent worker
    run_worker()

    assert not RecordChange.objects.filter(job_id=str(reverting.pk), outcome="pending").exists()
    assert RecordChange.objects.filter(job_id=str(reverting.pk)).count() == 3
    assert all(RecordChange.objects.get(pk=pk).outcome != "pending" for pk in started)
