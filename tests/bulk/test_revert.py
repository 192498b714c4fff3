"""Revert a bulk job (bulk/jobs.py job_revert_create, workers.revert_one): a job of its own
that puts back the values the job's updates replaced, record by record, only where the record
still holds what the job set; each put-back is in the record's history and can be undone."""

import pytest

from recordsadmin.records import services
from recordsadmin.records.bulk import jobs
from recordsadmin.records.bulk.selection import Selection
from recordsadmin.records.models import BulkItem, BulkJob, RecordChange
from tests.bulk.conftest import KEY, run_worker, sandbox_records

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
    assert "Revert this job" in page and "the 4 records it changed" in page
    answer = staff_client.post(f"/jobs/{job.pk}/revert/")
    revert = BulkJob.objects.get(kind=BulkJob.Kind.REVERT)
    assert answer.status_code == 302 and answer["Location"] == f"/jobs/{revert.pk}/"
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
