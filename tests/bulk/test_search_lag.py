"""Imports that find records by a field's value while search lags behind writes
(bulk/workers.py, services/catching_up.py), against the embedded API with its lag on
(SANDBOX_SEARCH_LAG), over HTTP.

The lags are long, so that the import surely runs while search is behind.
"""

import pytest

from recordsadmin.records import services
from recordsadmin.records.models import BulkJob, RecordChange
from recordsadmin.sandbox.models import Record as SandboxRecord
from tests.bulk.conftest import KEY, run_worker

from .test_pages import upload

pytestmark = pytest.mark.django_db(transaction=True)

LAG = 60
CREATE = {"col0": "address", "col1": "price", "col2": "status", "mode": "create"}
UPDATE = {"col0": "address", "col1": "bedrooms", "mode": "update_field", "match_field": "address"}


def run_import(client, text: str, mapping: dict) -> BulkJob:
    response = upload(client, text)
    upload_id = response["Location"].split("/")[2]
    client.post(response["Location"], {**mapping, "keep_blanks": "1"})
    client.post(f"/imports/{upload_id}/start/", {**mapping, "keep_blanks": "1"})
    run_worker()
    return BulkJob.objects.order_by("-created_at").first()


def test_an_import_updates_the_records_an_import_just_made(records_api, staff_client, settings):
    location = records_api(records=3)
    settings.SANDBOX_SEARCH_LAG = settings.RECORDS_SEARCH_LAG_SECONDS = LAG
    made = run_import(
        staff_client,
        "Address,Price,Status\n1 Lag Street,100000,Active\n2 Lag Street,200000,Sold\n",
        CREATE,
    )
    assert made.status == "done" and made.items.filter(outcome="done").count() == 2
    # Search does not find them yet; the table shows the uploader what the job made.
    schema = services.schema_get(key=KEY)
    assert services.record_search(schema=schema, query="Lag Street").total == 0
    table = staff_client.get(f"/objects/{KEY}/").content.decode()
    assert table.count('<span class="row-mark row-mark--new">New</span>') == 2
    assert "1 Lag Street" in table and "2 Lag Street" in table

    updated = run_import(staff_client, "Address,Bedrooms\n1 Lag Street,4\n2 Lag Street,5\n", UPDATE)
    items = list(updated.items.order_by("position"))
    assert [i.outcome for i in items] == ["done", "done"], [i.reason for i in items]
    records = SandboxRecord.objects.filter(
        location=location, properties__address__in=["1 Lag Street", "2 Lag Street"]
    )
    assert sorted((r.properties["address"], r.properties["bedrooms"]) for r in records) == [
        ("1 Lag Street", 4),
        ("2 Lag Street", 5),
    ]
    changes = RecordChange.objects.filter(job_id=str(updated.pk), action="update")
    assert {c.record_id for c in changes} == {r.id for r in records}
    # Still nothing made twice, and search still behind: the records were found by the history.
    assert services.record_search(schema=schema, query="Lag Street").total == 0


def test_an_import_does_not_update_a_record_by_a_value_it_no_longer_holds(
    records_api, staff_client, settings
):
    records_api(records=3)
    schema = services.schema_get(key=KEY)
    record = services.record_create(
        schema=schema, properties={"address": "3 Old Name Road", "price": 1, "status": "Active"}
    )
    settings.SANDBOX_SEARCH_LAG = settings.RECORDS_SEARCH_LAG_SECONDS = LAG
    services.record_update_logged(
        user=None, schema=schema, record=record, properties={"address": "3 New Name Road"}
    )
    # Search still finds it by the old address...
    assert services.record_search(schema=schema, query="Old Name").total == 1
    # ...but an import by that address finds no record that holds it.
    job = run_import(staff_client, "Address,Bedrooms\n3 Old Name Road,2\n", UPDATE)
    item = job.items.get()
    assert item.outcome == "failed" and "No record has Address = 3 Old Name Road" in item.reason
    assert "bedrooms" not in services.record_get(schema=schema, record_id=record.id).properties
