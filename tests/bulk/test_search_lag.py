"""Bulk jobs and imports that find records by search while search lags behind writes
(bulk/selection.py, bulk/workers.py, services/catching_up.py), against the embedded API with
its lag on (SANDBOX_SEARCH_LAG), over HTTP.

The lags are long, so that the import surely runs while search is behind.
"""

import datetime as dt
import re

import pytest
from django.http import QueryDict
from django.utils import timezone

from recordsadmin.client.errors import OutcomeUnknown, RateLimited
from recordsadmin.records import services
from recordsadmin.records.bulk import changes, jobs, runner, workers
from recordsadmin.records.bulk import preview as previews
from recordsadmin.records.bulk.outcomes import NOT_YET_SEARCHABLE_REASON, ItemResult
from recordsadmin.records.bulk.selection import Selection, selection_count, selection_pages
from recordsadmin.records.models import BulkItem, BulkJob, RecordChange
from recordsadmin.sandbox.models import Record as SandboxRecord
from tests.bulk.conftest import KEY, run_worker

from .test_jobs import set_status
from .test_pages import upload
from .test_revert import revert

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


def set_status_job(schema, user, selection: Selection, value: str) -> BulkJob:
    job = set_status(schema, user, selection, value)
    runner.job_run(job_id=str(job.pk))
    job.refresh_from_db()
    return job


def stored(record_id: str) -> dict:
    return SandboxRecord.objects.get(id=record_id).properties


def test_a_bulk_edit_of_checked_rows_takes_them_as_the_dashboard_just_wrote_them(
    records_api, staff_user, settings
):
    """Search still misses a record made a moment ago and still shows one edited a moment ago
    with its old value: the job works on both as they now are (bulk/selection.py)."""
    records_api(records=3)
    schema = services.schema_get(key=KEY)
    old = services.record_create(
        schema=schema, properties={"address": "4 Was Active", "price": 1, "status": "Active"}
    )
    settings.SANDBOX_SEARCH_LAG = settings.RECORDS_SEARCH_LAG_SECONDS = LAG
    new = services.record_create_logged(
        user=staff_user,
        schema=schema,
        properties={"address": "5 Brand New", "price": 2, "status": "Pending"},
    )
    services.record_update_logged(
        user=staff_user, schema=schema, record=old, properties={"status": "Sold"}
    )
    assert services.record_search(schema=schema, query="Brand New").total == 0
    assert (
        services.record_search(schema=schema, query="Was Active").records[0].properties["status"]
        == "Active"
    )  # search is behind on both

    job = set_status_job(schema, staff_user, Selection(query="?", ids=(new.id, old.id)), "Active")

    items = {item.record_id: item for item in job.items.all()}
    assert set(items) == {new.id, old.id}
    assert [items[i].outcome for i in (new.id, old.id)] == ["done", "done"], [
        i.reason for i in items.values()
    ]
    assert stored(new.id)["status"] == stored(old.id)["status"] == "Active"
    # The history's "before" is what the record held, which a revert would put back.
    before = RecordChange.objects.get(job_id=str(job.pk), record_id=old.id).before
    assert before["properties"]["status"] == "Sold"


def written_then_changed_elsewhere(staff_user, settings, ours: dict, theirs: dict):
    """A record the dashboard wrote (`ours`, in its history) and another app changed after it
    (`theirs`): search has both already, while the dashboard still allows for its lag."""
    schema = services.schema_get(key=KEY)
    record = services.record_search(schema=schema).records[0]
    settings.SANDBOX_SEARCH_LAG, settings.RECORDS_SEARCH_LAG_SECONDS = 0, LAG
    services.record_update_logged(user=staff_user, schema=schema, record=record, properties=ours)
    services.record_update(schema=schema, record_id=record.id, properties=theirs)
    return schema, record


def test_a_bulk_edit_takes_searchs_copy_when_it_is_newer_than_the_dashboards_write(
    records_api, staff_user, settings
):
    """The dashboard set Sold; another app set Pending after it, and search has that already:
    a bulk "Status: Sold" over every record finds Pending and sends the change, it does not
    skip the record as holding Sold. (A checked row the dashboard wrote within the lag is
    taken as written, without a search: bulk/selection.py.)"""
    records_api(records=2)
    schema, record = written_then_changed_elsewhere(
        staff_user, settings, {"status": "Sold"}, {"status": "Pending"}
    )
    assert stored(record.id)["status"] == "Pending"

    job = set_status_job(schema, staff_user, Selection(query="?", all_matching=True), "Sold")
    item = job.items.get(record_id=record.id)
    assert item.outcome == "done", item.reason
    assert stored(record.id)["status"] == "Sold"
    before = RecordChange.objects.get(job_id=str(job.pk), record_id=record.id).before
    assert before["properties"]["status"] == "Pending"


def test_an_import_by_a_field_finds_a_record_by_the_value_set_elsewhere_after_the_dashboard(
    records_api, staff_user, staff_client, settings
):
    """Search has a newer copy than the dashboard's write (another app changed the address
    after it): the row is matched by the address the record holds now."""
    records_api(records=2)
    _, record = written_then_changed_elsewhere(
        staff_user, settings, {"status": "Sold"}, {"address": "3 Renamed Elsewhere"}
    )

    job = run_import(staff_client, "Address,Bedrooms\n3 Renamed Elsewhere,6\n", UPDATE)
    item = job.items.get()
    assert (item.outcome, item.record_id) == ("done", record.id), item.reason
    assert stored(record.id)["bedrooms"] == 6


def test_select_all_counts_and_takes_records_just_made_and_says_one_just_deleted_is_gone(
    records_api, staff_user, settings
):
    """All of an unfiltered search: the preview's count and the job's records agree, a
    record made a moment ago included; one deleted a moment ago is still in search's answer,
    counted, and the job says it no longer exists."""
    records_api(records=3)
    schema = services.schema_get(key=KEY)
    gone = services.record_search(schema=schema).records[0]
    settings.SANDBOX_SEARCH_LAG = settings.RECORDS_SEARCH_LAG_SECONDS = LAG
    services.record_delete_logged(user=staff_user, schema=schema, record=gone)
    new = services.record_create_logged(
        user=staff_user,
        schema=schema,
        properties={"address": "6 Just Made", "price": 2, "status": "Active"},
    )
    assert services.record_search(schema=schema).total == 3  # search is behind
    everything = Selection(query="?", all_matching=True)
    assert selection_count(schema=schema, selection=everything) == 4
    delete = previews.preview(schema=schema, selection=everything, kind=BulkJob.Kind.DELETE)
    assert (delete.count, delete.more, len(delete.records)) == (4, 0, 4)
    assert new.id in {record.id for record in delete.records}

    job = set_status_job(schema, staff_user, everything, "Pending")

    items = {item.record_id: item for item in job.items.all()}
    assert job.total == 4 and set(items) == {*(r.id for r in stored_all()), new.id, gone.id}
    assert stored(new.id)["status"] == "Pending"
    assert items[gone.id].outcome == "skipped", items[gone.id].reason
    assert "no longer exists" in items[gone.id].reason
    assert not SandboxRecord.objects.filter(id=gone.id).exists()


def stored_all():
    return SandboxRecord.objects.filter(object__key=KEY)


def test_after_a_bulk_job_the_table_marks_what_it_changed_until_search_catches_up(
    records_api, staff_user, staff_client, settings
):
    records_api(records=3)
    schema = services.schema_get(key=KEY)
    first, second, third = services.record_search(schema=schema).records
    settings.SANDBOX_SEARCH_LAG = settings.RECORDS_SEARCH_LAG_SECONDS = LAG
    value = "Sold" if first.properties["status"] != "Sold" else "Pending"
    set_status_job(schema, staff_user, Selection(query="?", ids=(first.id,)), value)
    deleting = jobs.job_create(
        user=staff_user,
        schema=schema,
        kind=BulkJob.Kind.DELETE,
        selection=Selection(query="?", ids=(second.id,)),
        summary="delete 1",
    )
    runner.job_run(job_id=str(deleting.pk))

    text = staff_client.get(f"/objects/{KEY}/", headers={"HX-Request": "true"}).content.decode()
    rows = re.findall(r"<tr tabindex=\"-1\".*?</tr>", text, re.S)
    edited = next(row for row in rows if first.id in row)
    assert '<span class="row-mark row-mark--saved">Just saved</span>' in edited
    assert value in edited
    deleted = next(row for row in rows if "row--deleted" in row)
    assert second.properties["address"] in deleted
    assert '<span class="row-mark row-mark--deleted">Just deleted</span>' in deleted
    assert "search may still be catching up" in text
    assert not any("row-mark" in row for row in rows if third.id in row)


UPSERT = {
    "col0": "address",
    "col1": "price",
    "col2": "status",
    "mode": "upsert_field",
    "match_field": "address",
}


def test_one_import_creates_a_record_and_then_updates_it_by_the_same_value(
    records_api, staff_client, settings
):
    """ "Create or update" by Address, with search behind: the rows of one value go one at a
    time, and the later ones update the record the first made (it is not made twice)."""
    location = records_api(records=3)
    settings.SANDBOX_SEARCH_LAG = settings.RECORDS_SEARCH_LAG_SECONDS = LAG
    job = run_import(
        staff_client,
        "Address,Price,Status\n"
        "1 Twice Road,100000,Active\n"
        "1 Twice Road,150000,Pending\n"
        "2 Once Road,200000,Active\n"
        "1 Twice Road,175000,Sold\n",
        UPSERT,
    )
    items = list(job.items.order_by("position"))
    assert [i.outcome for i in items] == ["done"] * 4, [i.reason for i in items]
    assert items[0].reason == "Created: No record has Address = 1 Twice Road."
    assert items[2].reason == "Created: No record has Address = 2 Once Road."
    made = SandboxRecord.objects.filter(location=location, properties__address="1 Twice Road")
    assert made.count() == 1
    assert (made.get().properties["price"], made.get().properties["status"]) == (175000, "Sold")
    assert items[1].record_id == items[3].record_id == items[0].record_id == made.get().id
    history = RecordChange.objects.filter(job_id=str(job.pk)).order_by("at", "id")
    twice = [c for c in history if c.record_id == items[0].record_id]
    assert [c.action for c in twice] == ["create", "update", "update"]
    assert [c.after["properties"].get("status") for c in twice] == ["Active", "Pending", "Sold"]
    assert twice[0].changed_fields == ["address", "price", "status"]
    assert twice[1].changed_fields == ["price", "status"]  # found by its address: kept
    assert [c.action for c in history if c.record_id == items[2].record_id] == ["create"]

    # Search still knows neither; a second import updates them and makes nothing.
    assert services.record_search(schema=services.schema_get(key=KEY), query="Road").total == 0
    again = run_import(staff_client, "Address,Price,Status\n2 Once Road,210000,Active\n", UPSERT)
    item = again.items.get()
    assert (item.outcome, item.record_id) == ("done", items[2].record_id)
    assert SandboxRecord.objects.filter(location=location, properties__address__endswith=" Road")
    assert SandboxRecord.objects.filter(properties__address="2 Once Road").count() == 1
    assert SandboxRecord.objects.get(id=item.record_id).properties["price"] == 210000

    # Reverting the first import deletes the records it made, the one it made and then
    # updated included (judged by what its last row left), unless changed since.
    plan = staff_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "deletes the 2 records it made" in plan and "puts back" not in plan
    done = revert(staff_client, job)
    assert not SandboxRecord.objects.filter(id=items[0].record_id).exists()
    kept = BulkItem.objects.get(job=done, record_id=items[2].record_id)
    assert (kept.outcome, kept.reason) == ("skipped", "Not deleted: changed since the job (Price).")


def test_reverting_an_import_that_changed_a_record_again_and_again_puts_back_its_first_values(
    records_api, staff_client
):
    """Rows of one value update the same record one after the other, each from what the last
    left: a revert puts back what the record held before the first of them, not the values
    the last one found."""
    location = records_api(records=2)
    record = SandboxRecord.objects.filter(location=location).order_by("id").first()
    address, price = record.properties["address"], record.properties.get("price")
    status = record.properties.get("status")
    other = "Sold" if status != "Sold" else "Pending"
    # Row 2 sets the price, row 3 the status (blank cells are kept as they are).
    job = run_import(
        staff_client, f'Address,Price,Status\n"{address}",111,\n"{address}",,{other}\n', UPSERT
    )
    assert [i.outcome for i in job.items.all()] == ["done", "done"], [
        i.reason for i in job.items.all()
    ]
    record.refresh_from_db()
    assert (record.properties["price"], record.properties["status"]) == (111, other)
    plan = staff_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "puts back the values of 1 record it changed" in plan

    done = revert(staff_client, job)
    assert [i.outcome for i in done.items.all()] == ["done"]
    record.refresh_from_db()
    assert (record.properties.get("price"), record.properties.get("status")) == (price, status)
    # The revert's own history row names both fields: undoing it sets both again.
    put_back = RecordChange.objects.get(job_id=str(done.pk), record_id=record.id)
    assert sorted(put_back.changed_fields) == ["price", "status"]


def test_rows_of_one_value_keep_the_files_order_when_one_is_refused_for_the_rate(
    records_api, staff_client, settings, monkeypatch
):
    """The first row of a value is refused once (429) and sent again: the later row of that
    value still waits for it, so the file's last word is the record's."""
    location = records_api(records=3)
    settings.SANDBOX_SEARCH_LAG = settings.RECORDS_SEARCH_LAG_SECONDS = LAG
    real, sent = workers.import_one, []

    def refused_once(schema, pacer, item):
        sent.append(item.position)
        if item.position == 1 and sent.count(1) == 1:
            raise RateLimited(retry_after=0)
        return real(schema, pacer, item)

    monkeypatch.setattr(workers, "import_one", refused_once)
    job = run_import(
        staff_client,
        "Address,Price,Status\n3 Order Lane,100000,Active\n3 Order Lane,150000,Sold\n",
        UPSERT,
    )
    assert [i.outcome for i in job.items.order_by("position")] == ["done", "done"]
    assert sent == [1, 1, 2]
    (made,) = SandboxRecord.objects.filter(location=location, properties__address="3 Order Lane")
    assert (made.properties["price"], made.properties["status"]) == (150000, "Sold")


def test_the_preview_of_checked_rows_reads_them_all_the_just_edited_one_as_written(
    records_api, staff_user, settings
):
    records_api(records=4)
    schema = services.schema_get(key=KEY)
    edited, other = services.record_search(schema=schema).records[:2]
    services.record_update(schema=schema, record_id=other.id, properties={"status": "Sold"})
    settings.SANDBOX_SEARCH_LAG = settings.RECORDS_SEARCH_LAG_SECONDS = LAG
    services.record_update_logged(
        user=staff_user, schema=schema, record=edited, properties={"status": "Pending"}
    )
    data = QueryDict(mutable=True)
    data.update({"field": "status", "value": "Sold"})
    change = changes.change_from_post(schema=schema, data=data, users=[])
    shown = previews.preview(
        schema=schema,
        selection=Selection(query="?", ids=(edited.id, other.id)),
        kind=BulkJob.Kind.UPDATE,
        change=change,
    )
    assert (shown.count, shown.sampled, shown.unchanged) == (2, 2, 1)
    assert dict(shown.transitions) == {"Pending": 1, "Sold": 1}
    assert shown.summary == "2 properties: Status various → Sold"


@pytest.mark.parametrize("made", [True, False], ids=["made", "never made"])
def test_a_row_after_one_whose_create_may_have_happened_is_not_sent_until_a_retry(
    records_api, staff_client, settings, monkeypatch, made
):
    """Row 1's create gets no answer (unknown), whether the service made the record or
    not: the history does not count it, and search lags. Row 2 of the same value is not
    sent, so the record is not made twice; both are offered for a retry."""
    location = records_api(records=3)
    settings.SANDBOX_SEARCH_LAG = settings.RECORDS_SEARCH_LAG_SECONDS = LAG
    real = workers.import_one

    def answer_lost(schema, pacer, item):
        if item.position == 1 and not made:  # the call never reached the service
            return ItemResult(BulkItem.Outcome.UNKNOWN, "Outcome unknown: no answer came.")
        done = real(schema, pacer, item)
        if item.position == 1:
            return ItemResult(BulkItem.Outcome.UNKNOWN, "Outcome unknown: the answer was lost.")
        return done

    monkeypatch.setattr(workers, "import_one", answer_lost)
    job = run_import(
        staff_client,
        "Address,Price,Status\n4 Once Only,100000,Active\n4 Once Only,150000,Sold\n",
        UPSERT,
    )
    first, second = job.items.order_by("position")
    assert (first.outcome, second.outcome) == ("unknown", "not_sent")
    assert "an earlier row with the same value may have made its record" in second.reason
    held = SandboxRecord.objects.filter(location=location, properties__address="4 Once Only")
    assert held.count() == (1 if made else 0)
    assert "Retry" in staff_client.get(f"/jobs/{job.pk}/").content.decode()

    # A retry within the lag cannot tell yet: nothing is sent, and the rows say so.
    monkeypatch.undo()
    assert jobs.job_retry_failed(job=job)
    run_worker()
    job.refresh_from_db()
    first, second = job.items.order_by("position")
    assert (first.outcome, second.outcome) == ("unknown", "not_sent")
    assert first.reason == NOT_YET_SEARCHABLE_REASON
    assert held.count() == (1 if made else 0)

    # Later, past the lag (search shows what row 1 made, if it made anything), a retry
    # makes the record once, or finds the one made, and row 2 updates it.
    settings.SANDBOX_SEARCH_LAG = settings.RECORDS_SEARCH_LAG_SECONDS = 0
    assert jobs.job_retry_failed(job=job)
    run_worker()
    first, second = job.items.order_by("position")
    assert (first.outcome, second.outcome) == ("done", "done"), (first.reason, second.reason)
    assert held.count() == 1
    assert (held.get().properties["price"], held.get().properties["status"]) == (150000, "Sold")


def test_select_all_counts_a_record_just_made_once_when_search_has_it_already(
    records_api, staff_user, settings
):
    """The dashboard allows for a lag that the search may not take: a record made a moment ago
    that search already finds is counted once, in any order of the table."""
    records_api(records=3)
    schema = services.schema_get(key=KEY)
    settings.RECORDS_SEARCH_LAG_SECONDS = LAG  # the embedded API's own lag stays 0
    services.record_create_logged(
        user=staff_user,
        schema=schema,
        properties={"address": "9 Cheapest Lane", "price": 2, "status": "Active"},
    )
    for order in ("", "sort=-price", "sort=price"):
        selected = Selection(query=f"?{order}", all_matching=True)
        assert selection_count(schema=schema, selection=selected) == 4, order
        taken = [r.id for page in selection_pages(schema=schema, selection=selected) for r in page]
        assert len(taken) == len(set(taken)) == 4, order
    # Records made elsewhere since (not by the dashboard) come before it, newest first.
    for n in (1, 2):
        services.record_create(
            schema=schema,
            properties={"address": f"{n} Made Elsewhere", "price": n, "status": "Active"},
        )
    assert selection_count(schema=schema, selection=Selection(query="?", all_matching=True)) == 6


def test_create_or_update_by_an_email_finds_the_record_in_any_letter_case(
    records_api, staff_client
):
    """The records API's `eq` is exact; an address is one address in any case: the row
    updates the record holding it, it does not make a second one."""
    location = records_api(records=3)
    record = SandboxRecord.objects.filter(location=location).order_by("id").first()
    email = record.properties["agent_email"]
    mapping = {
        "col0": "agent_email",
        "col1": "address",
        "col2": "price",
        "col3": "status",
        "mode": "upsert_field",
        "match_field": "agent_email",
    }
    job = run_import(
        staff_client,
        f"Agent email,Address,Price,Status\n{email.upper()},7 Any Case Road,4242,Active\n",
        mapping,
    )
    item = job.items.get()
    assert (item.outcome, item.record_id) == ("done", record.id), item.reason
    assert SandboxRecord.objects.filter(location=location).count() == 3
    assert stored(record.id)["price"] == 4242
    assert stored(record.id)["agent_email"] == email  # the field it is found by is kept


def test_create_or_update_rows_may_leave_required_cells_blank_when_they_find_their_record(
    records_api, staff_client
):
    """Blank cells are kept as they are (the default): a row that finds its record updates
    it without them; one that would make a record is not sent, saying what it lacks."""
    location = records_api(records=3)
    record = SandboxRecord.objects.filter(location=location).order_by("id").first()
    mapping = {**UPSERT, "col1": "price", "col2": "status"}
    job = run_import(
        staff_client,
        f'Address,Price,Status\n"{record.properties["address"]}",4343,\n9 Nowhere Lane,,Active\n',
        mapping,
    )
    found, lacking = job.items.order_by("position")
    assert (found.outcome, found.record_id) == ("done", record.id), found.reason
    assert stored(record.id)["price"] == 4343
    assert stored(record.id)["status"] == record.properties["status"]  # kept
    assert lacking.outcome == "failed"
    assert lacking.reason == (
        "No record has Address = 9 Nowhere Lane. Not made: a new record needs Price, blank here."
    )
    assert SandboxRecord.objects.filter(location=location).count() == 3


def test_retries_within_the_lag_of_a_lost_create_send_nothing_and_keep_its_moment(
    records_api, staff_client, settings, monkeypatch
):
    """The lag counts from when the create's answer was given up on (the service may have
    made the record until then), and a retry that sends nothing does not start it again."""
    location = records_api(records=1)
    settings.SANDBOX_SEARCH_LAG = settings.RECORDS_SEARCH_LAG_SECONDS = LAG

    def lost(**kwargs):
        raise OutcomeUnknown()

    monkeypatch.setattr(services, "record_create", lost)
    job = run_import(staff_client, "Address,Price,Status\n5 Lost Answer Way,1,Active\n", UPSERT)
    item = job.items.get()
    assert item.outcome == "unknown"
    since = item.data[workers.UNKNOWN_SINCE]
    assert dt.datetime.fromisoformat(since) >= item.sent_at
    monkeypatch.undo()
    for _ in range(2):
        job.refresh_from_db()
        assert jobs.job_retry_failed(job=job)
        run_worker()
        item.refresh_from_db()
        assert (item.outcome, item.reason) == ("unknown", NOT_YET_SEARCHABLE_REASON)
        assert item.data[workers.UNKNOWN_SINCE] == since
    made = SandboxRecord.objects.filter(location=location, properties__address__startswith="5 ")
    assert not made.exists()


def test_an_import_by_a_field_does_not_take_a_record_by_the_value_it_held_before_a_change_elsewhere(
    records_api, staff_user, staff_client, settings
):
    """The dashboard set the address; another app renamed it since: a row with the address
    the dashboard wrote finds no record (it is not the renamed one's any more)."""
    records_api(records=2)
    _, record = written_then_changed_elsewhere(
        staff_user, settings, {"address": "4 Ours Street"}, {"address": "4 Theirs Street"}
    )

    bedrooms = stored(record.id).get("bedrooms")

    job = run_import(staff_client, "Address,Bedrooms\n4 Ours Street,16\n", UPDATE)
    item = job.items.get()
    assert (item.outcome, item.reason) == ("failed", "No record has Address = 4 Ours Street.")
    assert stored(record.id).get("bedrooms") == bedrooms


def test_a_create_or_update_row_keeps_the_moment_before_it_sends_its_create(
    records_api, staff_client, settings, monkeypatch
):
    """Should the job stop while the create is in flight, the row then waits for search's
    lag from that moment, not from an older one kept for an earlier lost answer."""
    records_api(records=1)
    settings.SANDBOX_SEARCH_LAG = settings.RECORDS_SEARCH_LAG_SECONDS = LAG
    real, kept = services.record_create, []

    def sending(**kwargs):
        kept.append(BulkItem.objects.get().data.get(workers.UNKNOWN_SINCE))
        return real(**kwargs)

    monkeypatch.setattr(services, "record_create", sending)
    job = run_import(staff_client, "Address,Price,Status\n6 Sent Once Way,1,Active\n", UPSERT)
    assert job.items.get().outcome == "done"
    assert len(kept) == 1 and kept[0] is not None
    assert timezone.now() - dt.datetime.fromisoformat(kept[0]) < dt.timedelta(seconds=LAG)
