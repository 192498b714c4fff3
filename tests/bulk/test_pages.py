"""The bulk pages through the Django test client, the embedded API answering over HTTP."""

import csv
import io
import re
import threading

import pytest
from django.test import Client
from django.utils.html import escape

from recordsadmin.records import services
from recordsadmin.records.bulk import jobs, runner
from recordsadmin.records.models import BulkJob, ImportUpload, RecordChange
from recordsadmin.sandbox.models import Record as SandboxRecord
from tests.bulk.conftest import KEY, run_worker

pytestmark = pytest.mark.django_db(transaction=True)

LIST = f"/objects/{KEY}/"
BULK = f"/objects/{KEY}/bulk/"
START = f"/objects/{KEY}/bulk/start/"


def test_the_table_has_row_checkboxes_select_controls_and_the_bulk_bar(records_api, staff_client):
    records_api(records=30)
    html = staff_client.get(LIST).content.decode()
    assert html.count('name="ids"') == 25
    assert 'aria-label="Select this page"' in html
    assert "Select all 30 records matching this search" in html
    assert "0 selected" in html
    assert "Edit selected…" in html and "Delete selected…" in html
    assert f"/objects/{KEY}/export/" in html
    assert f"/objects/{KEY}/import/" in html


def submission(html: str) -> str:
    """The one-time id of the preview's start form."""
    return re.search(r'name="submission" value="([0-9a-f-]{36})"', html).group(1)


def test_a_viewer_sees_no_bulk_controls_and_cannot_post_them(records_api, client, viewer):
    records_api(records=5)
    client.force_login(viewer)
    html = client.get(LIST).content.decode()
    assert 'name="ids"' not in html and "bulk-form" not in html
    assert client.post(BULK, {"all": "1", "action": "update"}).status_code == 403
    assert client.post(START, {"all": "1", "action": "delete"}).status_code == 403
    assert client.get(BULK)["Location"] == LIST  # no selection: the table, where one is made


def test_preview_then_start_then_progress_then_report(records_api, staff_client):
    records_api(records=12)
    active = SandboxRecord.objects.filter(object__key=KEY, properties__status="Active").count()
    form = {"all": "1", "query": "?f.status=Active", "action": "update", "field": "status"}
    chooser = staff_client.post(BULK, form).content.decode()
    assert 'id="bulk-value"' in chooser
    preview = staff_client.post(BULK, {**form, "value": "Sold", "step": "preview"})
    text = preview.content.decode()
    assert f"{active} properties: Status Active → Sold" in text
    words = " ".join(re.sub(r"<[^>]+>", " ", text).split())
    assert "Every property matching the table's search: Status is Active." in words
    response = staff_client.post(START, {**form, "value": "Sold", "submission": submission(text)})
    job = BulkJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    page = staff_client.get(f"/jobs/{job.pk}/").content.decode()
    # The object, by its name, and the search the records were chosen in.
    assert f'<a href="/objects/{KEY}/?f.status=Active">Properties</a> ›' in page
    running = staff_client.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"})
    body = running.content.decode()
    assert 'hx-trigger="every 1s"' in body and "<html" not in body
    run_worker()
    done = staff_client.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert "every 1s" not in done  # polling stops
    assert f"{active} done" in done and "0 failed" in done
    report = staff_client.get(f"/jobs/{job.pk}/report.csv")
    lines = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode())))
    assert lines[0][:5] == ["row", "record_id", "display_value", "status", "reason"]
    assert len(lines) == active + 1
    assert RecordChange.objects.filter(job_id=str(job.pk), outcome="ok").count() == active


def test_a_value_the_api_would_refuse_blocks_the_start(records_api, staff_client):
    records_api(records=4)
    form = {"all": "1", "query": "?", "action": "update", "field": "status", "value": ""}
    response = staff_client.post(START, form)
    assert response.status_code == 200
    assert "refuses to clear it" in response.content.decode()
    assert not BulkJob.objects.exists()


def test_the_preview_of_a_value_that_is_not_valid_says_what_was_typed(records_api, staff_client):
    records_api(records=4)
    form = {"all": "1", "query": "?", "action": "update", "field": "price", "value": "abc"}
    html = staff_client.post(BULK, {**form, "step": "preview"}).content.decode()
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "→ “abc” (not valid)" in text and "→ (empty)" not in text
    assert "Enter a number" in text
    assert staff_client.post(START, form).status_code == 200  # refused, the form again
    assert not BulkJob.objects.exists()


def test_bulk_delete_of_checked_rows(records_api, staff_client):
    location = records_api(records=6)
    ids = list(
        SandboxRecord.objects.filter(location=location, object__key=KEY).values_list(
            "id", flat=True
        )[:2]
    )
    preview = staff_client.post(BULK, {"ids": ids, "query": "?", "action": "delete"})
    assert "Delete 2 properties" in preview.content.decode()
    once = submission(preview.content.decode())
    staff_client.post(START, {"ids": ids, "query": "?", "action": "delete", "submission": once})
    job = BulkJob.objects.get()
    assert job.kind == "delete"
    run_worker()
    assert not SandboxRecord.objects.filter(pk__in=ids).exists()


def report_rows(client, job) -> list[dict[str, str]]:
    report = client.get(f"/jobs/{job.pk}/report.csv")
    assert report.status_code == 200
    text = b"".join(report.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_the_report_of_a_bulk_edit_and_a_bulk_delete_names_each_record_by_its_address(
    records_api, staff_client
):
    """The edit changes only the status and the delete sends no properties: each row's display
    value is the address the record had when the job found it."""
    location = records_api(records=8)
    records = SandboxRecord.objects.filter(location=location, object__key=KEY)
    addresses = {r.id: r.properties["address"] for r in records}
    statuses = {r.id: r.properties["status"] for r in records}
    assert len(set(addresses.values())) == 8

    edited = sorted(addresses)[:5]
    form = {"ids": edited, "query": "?", "action": "update", "field": "status"}
    preview = staff_client.post(BULK, {**form, "value": "Pending", "step": "preview"})
    staff_client.post(
        START, {**form, "value": "Pending", "submission": submission(preview.content.decode())}
    )
    run_worker()
    edit = BulkJob.objects.get(kind="update")
    rows = report_rows(staff_client, edit)
    assert len(rows) == len(edited)
    # A record that held the value already is skipped, and named all the same.
    assert {row["record_id"]: row["status"] for row in rows} == {
        i: "skipped" if statuses[i] == "Pending" else "done" for i in edited
    }
    assert {row["record_id"]: row["display_value"] for row in rows} == {
        i: addresses[i] for i in edited
    }

    deleted = sorted(addresses)[3:7]
    form = {"ids": deleted, "query": "?", "action": "delete"}
    preview = staff_client.post(BULK, form)
    staff_client.post(START, {**form, "submission": submission(preview.content.decode())})
    run_worker()
    assert not SandboxRecord.objects.filter(pk__in=deleted).exists()
    rows = report_rows(staff_client, BulkJob.objects.get(kind="delete"))
    assert len(rows) == len(deleted)
    assert [row["status"] for row in rows] == ["done"] * len(deleted)
    assert {row["record_id"]: row["display_value"] for row in rows} == {
        i: addresses[i] for i in deleted
    }


def test_an_empty_selection_goes_back_to_the_table(records_api, staff_client):
    records_api(records=3)
    response = staff_client.post(BULK, {"query": "?q=x", "action": "update"})
    assert response.status_code == 302 and response["Location"] == f"{LIST}?q=x"


# -- import ------------------------------------------------------------------------------------


def upload(client, text: str, name: str = "homes.csv"):
    file = io.BytesIO(text.encode())
    file.name = name
    return client.post(f"/objects/{KEY}/import/", {"file": file})


CSV = (
    "Address,Price,Status,Bedrooms,Listed on,Features\n"
    "1 Good St,100000,Active,3,2026-01-02,Pool; garage\n"
    "2 Bad Price St,lots,Active,3,2026-01-02,\n"
    "3 Good St,250000,Sold,,2026-02-03,\n"
    "4 Bad Status St,300000,Gone,2,2026-01-02,\n"
    ",120000,Active,2,2026-01-02,\n"
    "6 Good St,130000,Pending,4,not a date,\n"
)


def test_import_reports_exactly_the_bad_rows_and_creates_the_rest(records_api, staff_client):
    location = records_api(records=0)
    response = upload(staff_client, CSV)
    stored = ImportUpload.objects.get()
    assert response["Location"] == f"/imports/{stored.pk}/"
    assert stored.content == CSV  # kept whole, whatever happens next
    page = staff_client.get(response["Location"]).content.decode()
    # Columns matched to fields by name.
    assert '<option value="price" selected>' in page
    assert '<option value="listed_on" selected>' in page
    mapping = {
        "col0": "address",
        "col1": "price",
        "col2": "status",
        "col3": "bedrooms",
        "col4": "listed_on",
        "col5": "features",
        "mode": "create",
        "keep_blanks": "1",
    }
    checked = staff_client.post(response["Location"], mapping).content.decode()
    assert "2 rows ready, 4 with errors" in checked
    assert re.search(r'<h2 id="import-preview-title" tabindex="-1" autofocus>', checked)
    staff_client.post(f"/imports/{stored.pk}/start/", mapping)
    job = BulkJob.objects.get()
    run_worker()
    job.refresh_from_db()
    assert job.status == "done"
    failed = {item.data["row"]: item.reason for item in job.items.filter(outcome="failed")}
    assert sorted(failed) == [3, 5, 6, 7]
    assert "Price" in failed[3] and "Status" in failed[5]
    assert "Address" in failed[6] and "Listed on" in failed[7]
    # Its page lists them as not done, each as a row of the file refused before sending.
    page = staff_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "<caption>Not done</caption>" in page and "Sent, but" not in page
    assert page.count("Not sent: the file's row was refused") == 4
    created = SandboxRecord.objects.filter(location=location, object__key=KEY)
    assert sorted(r.properties["address"] for r in created) == ["1 Good St", "3 Good St"]
    first = created.get(properties__address="1 Good St")
    assert first.properties["features"] == ["pool", "garage"]  # labels read as keys
    assert RecordChange.objects.filter(job_id=str(job.pk), action="create").count() == 2
    report = staff_client.get(f"/jobs/{job.pk}/report.csv")
    lines = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode())))
    assert lines[0] == [
        "row",
        "record_id",
        "display_value",
        "status",
        "reason",
        *CSV.splitlines()[0].split(","),
    ]
    assert [line[0] for line in lines[1:] if line[3] == "failed"] == ["3", "5", "6", "7"]
    # Each row names its record by its primary display value (the address), a failed row by
    # the address its cell holds.
    assert [line[2] for line in lines[1:]] == [
        "1 Good St",
        "2 Bad Price St",
        "3 Good St",
        "4 Bad Status St",
        "",
        "6 Good St",
    ]


def test_import_updates_by_a_field_without_overwriting_with_blanks(records_api, staff_client):
    location = records_api(records=3)
    records = list(SandboxRecord.objects.filter(location=location, object__key=KEY))
    target = records[0]
    out = io.StringIO()
    csv.writer(out).writerows(
        [["Address", "Bedrooms", "Square feet"], [target.properties["address"], "9", ""]]
    )
    text = out.getvalue()
    response = upload(staff_client, text)
    mapping = {
        "col0": "address",
        "col1": "bedrooms",
        "col2": "square_feet",
        "mode": "update_field",
        "match_field": "address",
        "keep_blanks": "1",
    }
    preview = staff_client.post(response["Location"], mapping).content.decode()
    assert "1 row ready, 0 with errors" in preview
    # The value that finds the record is not sent, but the preview shows which record it is.
    sample = preview.partition(
        "First rows as they will be sent (Address finds each row's record and is not sent)"
        "</caption>"
    )[2]
    assert f"<td>2</td><td>{escape(target.properties['address'])}</td><td>9</td>" in sample
    upload_id = response["Location"].split("/")[2]
    staff_client.post(f"/imports/{upload_id}/start/", mapping)
    run_worker()
    target.refresh_from_db()
    assert target.properties["bedrooms"] == 9
    assert target.properties.get("square_feet") is not None  # the blank cell left it alone
    change = RecordChange.objects.get(action="update", record_id=target.id)
    assert change.job_id and change.before["id"] == target.id
    assert change.changed_fields == ["bedrooms"]


def test_an_unreadable_upload_says_why(records_api, staff_client):
    records_api(records=0)
    response = upload(staff_client, "just a header\n")
    assert response.status_code == 200
    assert "no data rows" in response.content.decode()
    assert not ImportUpload.objects.exists()


def test_unknown_or_malformed_job_and_upload_ids_are_404(staff_client):
    assert staff_client.get("/jobs/not-a-uuid/").status_code == 404
    assert staff_client.get("/jobs/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert staff_client.get("/imports/1/").status_code == 404


def test_import_updates_by_record_id_and_blank_cells_clear_when_asked(records_api, staff_client):
    location = records_api(records=3)
    target = SandboxRecord.objects.filter(location=location, object__key=KEY).first()
    assert target.properties.get("bedrooms") is not None
    out = io.StringIO()
    csv.writer(out).writerows([["id", "Bedrooms", "Price"], [target.id, "", "777000"]])
    response = upload(staff_client, out.getvalue())
    mapping = {"col0": "id", "col1": "bedrooms", "col2": "price", "mode": "update_id"}
    checked = staff_client.post(response["Location"], mapping).content.decode()
    assert "1 row ready, 0 with errors" in checked
    staff_client.post(response["Location"].rstrip("/") + "/start/", mapping)
    run_worker()
    target.refresh_from_db()
    assert target.properties["price"] == 777000
    assert target.properties.get("bedrooms") is None  # "don't overwrite with blanks" was off
    job = BulkJob.objects.get()
    assert bulk_counts(job)["done"] == 1
    assert job.summary == "Import homes.csv: 1 row (update by id)"


def test_an_import_row_that_changes_nothing_sends_nothing_and_leaves_nothing_to_revert(
    records_api, staff_client
):
    location = records_api(records=2)
    same, other = SandboxRecord.objects.filter(location=location, object__key=KEY)[:2]
    rows = [[same.id, str(same.properties["price"])], [other.id, "777000"]]
    job = import_prices_by_id(staff_client, rows)
    counts = bulk_counts(job)
    assert (counts["done"], counts["skipped"]) == (1, 1)
    assert job.items.get(outcome="skipped").reason == "Already held these values."
    changes = RecordChange.objects.filter(job_id=str(job.pk))
    assert [c.record_id for c in changes] == [other.id]  # the one sent, in the history
    plan = jobs.job_revert_plan(job=job)
    assert plan.total == 1 and "1 record" in plan.text


def test_a_record_id_that_names_no_record_is_not_offered_for_a_retry(records_api, staff_client):
    location = records_api(records=1)
    record = SandboxRecord.objects.get(location=location, object__key=KEY)
    job = import_prices_by_id(staff_client, [["not-an-id", "1"], [record.id, "777000"]])
    assert bulk_counts(job)["failed"] == 1
    assert job.items.get(outcome="failed").reason == "No record with id not-an-id."
    assert not jobs.job_retry_plan(job=job)  # it would fail again
    assert "Retry" not in staff_client.get(f"/jobs/{job.pk}/").content.decode()


def test_an_import_reports_a_record_id_cell_that_is_a_formula_as_text(records_api, staff_client):
    records_api(records=1)
    formula = '=HYPERLINK("http://evil.example/","click")'
    job = import_prices_by_id(staff_client, [[formula, "777000"]])
    assert job.items.get().record_id == formula
    report = staff_client.get(f"/jobs/{job.pk}/report.csv")
    rows = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode())))
    assert rows[1][1] == "'" + formula  # a spreadsheet shows it, never runs it
    assert all(not cell.startswith("=") for row in rows for cell in row)


def import_prices_by_id(client, rows: list[list[str]]) -> BulkJob:
    """Import a file of (record id, price) rows as updates by id, run to its end."""
    out = io.StringIO()
    csv.writer(out).writerows([["id", "Price"], *rows])
    response = upload(client, out.getvalue())
    mapping = {"col0": "id", "col1": "price", "mode": "update_id"}
    client.post(response["Location"], mapping)
    client.post(response["Location"].rstrip("/") + "/start/", mapping)
    run_worker()
    return BulkJob.objects.get()


def bulk_counts(job):
    return jobs.job_counts(job=job)


def test_retry_sends_an_import_row_again_once_its_cause_is_fixed(records_api, staff_client):
    location = records_api(records=3)
    first, second, _ = SandboxRecord.objects.filter(location=location, object__key=KEY)
    address = first.properties["address"]
    props = services.schema_get(key=KEY)
    services.record_update(schema=props, record_id=second.id, properties={"address": address})
    out = io.StringIO()
    csv.writer(out).writerows([["Address", "Bedrooms"], [address, "9"], [address, "many"]])
    response = upload(staff_client, out.getvalue())
    mapping = {
        "col0": "address",
        "col1": "bedrooms",
        "mode": "update_field",
        "match_field": "address",
    }
    staff_client.post(response["Location"], mapping)
    staff_client.post(response["Location"] + "start/", mapping)
    run_worker()
    job = BulkJob.objects.get()
    sent, bad = job.items.order_by("position")
    assert "2 records have this value" in sent.reason
    # The user gives the second record its own address again, then retries the failed row.
    services.record_update(schema=props, record_id=second.id, properties={"address": "Elsewhere"})
    retried = staff_client.post(f"/jobs/{job.pk}/retry/", follow=True)
    assert "1 failed item is queued again." in retried.content.decode()
    run_worker()
    first.refresh_from_db()
    assert first.properties["bedrooms"] == 9
    # The row the file got wrong was not sent again: it still fails for its own reason.
    assert bulk_counts(job) == {**bulk_counts(job), "done": 1, "failed": 1}
    bad.refresh_from_db()
    assert bad.outcome == "failed" and "Bedrooms" in bad.reason


def at_once(client, url: str, data: dict, times: int = 2) -> list:
    """`times` POSTs of the same form at the same moment, each from its own thread (and so its
    own database connection), with the client's session: a double click on a slow page."""
    session = client.cookies["sessionid"].value
    barrier = threading.Barrier(times)
    answers = []

    def post():
        other = Client()
        other.cookies["sessionid"] = session
        barrier.wait()
        answers.append(other.post(url, data))
        from django.db import connection

        connection.close()

    threads = [threading.Thread(target=post) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def test_an_import_started_twice_imports_once(records_api, staff_client):
    location = records_api(records=0)
    response = upload(staff_client, CSV)
    mapping = {"col0": "address", "col1": "price", "col2": "status", "col4": "listed_on"}
    mapping["mode"] = "create"
    staff_client.post(response["Location"], mapping)
    start = response["Location"] + "start/"
    answers = at_once(staff_client, start, mapping)
    again = staff_client.post(start, mapping, follow=True)
    job = BulkJob.objects.get()
    assert [a["Location"] for a in answers] == [f"/jobs/{job.pk}/"] * 2
    assert "This file was imported already" in again.content.decode()
    run_worker()
    created = SandboxRecord.objects.filter(location=location, object__key=KEY)
    assert sorted(r.properties["address"] for r in created) == ["1 Good St", "3 Good St"]


def test_a_bulk_edit_started_twice_makes_one_job(records_api, staff_client):
    records_api(records=6)
    form = {"all": "1", "query": "?", "action": "update", "field": "bedrooms", "value": "7"}
    preview = staff_client.post(BULK, {**form, "step": "preview"}).content.decode()
    once = {**form, "submission": submission(preview)}
    answers = at_once(staff_client, START, once)
    answers.append(staff_client.post(START, once))
    job = BulkJob.objects.get()
    assert [a["Location"] for a in answers] == [f"/jobs/{job.pk}/"] * 3
    # A start without the preview's id shows the preview again, with a new id.
    again = staff_client.post(START, form)
    assert again.status_code == 200 and submission(again.content.decode()) != once["submission"]
    assert BulkJob.objects.count() == 1


def test_retry_leaves_out_an_import_create_whose_outcome_is_unknown(records_api, staff_client):
    location = records_api(records=0)
    text = "Address,Price,Status\n1 First St,100000,Active\n2 Lost St,200000,Active\n"
    response = upload(staff_client, text + "3 Third St,300000,Sold\n")
    mapping = {"col0": "address", "col1": "price", "col2": "status", "mode": "create"}
    staff_client.post(response["Location"], mapping)
    staff_client.post(response["Location"] + "start/", mapping)
    job = BulkJob.objects.get()
    runner.job_run(job_id=str(job.pk), stop_after=1)
    # The worker dies while row 3 is in flight: the API made the record, the answer was lost.
    lost = job.items.get(position=2)
    props = services.schema_get(key=KEY)
    services.record_create(schema=props, properties=lost.data["properties"])
    job.items.filter(pk=lost.pk).update(sent_at="2026-01-01T00:00:00Z")
    BulkJob.objects.filter(pk=job.pk).update(heartbeat_at="2026-01-01T00:00:00Z")
    staff_client.get(f"/jobs/{job.pk}/")  # the job page notices the silent worker
    run_worker()
    page = staff_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "1 row may have created its record before the answer was lost" in page
    assert "Retry the failed records" not in page  # nothing a retry could send
    retried = staff_client.post(f"/jobs/{job.pk}/retry/", follow=True).content.decode()
    assert "a retry leaves them out" in retried
    run_worker()
    created = SandboxRecord.objects.filter(location=location, object__key=KEY)
    assert sorted(r.properties["address"] for r in created) == [
        "1 First St",
        "2 Lost St",
        "3 Third St",
    ]
    lost.refresh_from_db()
    assert lost.outcome == "unknown" and lost.reason.startswith("Outcome unknown")


# -- cancelling a running job ------------------------------------------------------------------


def wait_until(predicate, seconds: float = 60.0):
    """Poll until `predicate()` is true (a deadline, not a speed check)."""
    import time

    deadline = time.monotonic() + seconds
    while not (result := predicate()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
    return result


def start_description_job(client, text: str = "Changed") -> BulkJob:
    form = {"all": "1", "query": "?", "action": "update", "field": "description", "value": text}
    preview = client.post(BULK, {**form, "step": "preview"}).content.decode()
    client.post(START, {**form, "submission": submission(preview)})
    return BulkJob.objects.get()


def test_cancel_while_the_job_collects_its_records_changes_nothing(
    records_api, staff_client, settings
):
    from tests.bulk.conftest import WorkerThread

    location = records_api(records=500)
    versions = dict(SandboxRecord.objects.filter(location=location).values_list("id", "version"))
    job = start_description_job(staff_client)
    # One search call a second: collecting 500 records (5 pages) takes about 4 s.
    settings.SANDBOX_RATE_LIMIT, settings.RECORDS_BUDGET_RESERVE = "1/1s", 0
    with WorkerThread():
        wait_until(lambda: job.items.exists())
        job.refresh_from_db()
        assert job.status == "running" and not job.collected
        staff_client.post(f"/jobs/{job.pk}/cancel/")
        wait_until(lambda: BulkJob.objects.get(pk=job.pk).is_finished)
    job.refresh_from_db()
    assert job.status == "cancelled" and not job.collected
    counts = bulk_counts(job)
    assert counts["done"] == 0 and counts["pending"] == 0 and counts["skipped"] < 500
    now = dict(SandboxRecord.objects.filter(location=location).values_list("id", "version"))
    assert now == versions
    assert not RecordChange.objects.exists()


def test_cancel_while_the_job_sends_stops_after_the_call_in_flight(
    records_api, staff_client, settings
):
    from tests.bulk.conftest import WorkerThread

    location = records_api(records=300)
    settings.BULK_CONCURRENCY = 1
    job = start_description_job(staff_client)
    with WorkerThread():
        wait_until(lambda: job.items.filter(outcome="done").count() >= 10)
        staff_client.post(f"/jobs/{job.pk}/cancel/")
        done_at_cancel = job.items.filter(outcome="done").count()
        wait_until(lambda: BulkJob.objects.get(pk=job.pk).is_finished)
    job.refresh_from_db()
    assert job.status == "cancelled"
    counts = bulk_counts(job)
    # The one call in flight when the cancel was stored may still finish; no other is sent.
    assert counts["done"] <= done_at_cancel + 1, (done_at_cancel, counts)
    assert counts["pending"] == 0 and counts["not_sent"] == 300 - counts["done"]
    assert counts["skipped"] == 0  # none already held "Changed": the rest were never sent
    changed = SandboxRecord.objects.filter(location=location, properties__description="Changed")
    assert changed.count() == counts["done"]
    page = staff_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Cancelled" in page and f"{counts['done']} done" in page


def test_the_record_page_links_a_bulk_change_to_its_job_with_the_owners(records_api, staff_client):
    location = records_api(records=4)
    users = {u.id: u.name for u in services.user_list()}
    record = SandboxRecord.objects.filter(location=location, object__key=KEY, owner__isnull=False)[
        0
    ]
    new_owner = next(u for u in users if u != record.owner)
    form = {"ids": [record.id], "query": "?", "action": "update", "field": "owner"}
    preview = staff_client.post(BULK, {**form, "value": new_owner, "step": "preview"})
    once = submission(preview.content.decode())
    staff_client.post(START, {**form, "value": new_owner, "submission": once})
    run_worker()
    job = BulkJob.objects.get()
    page = staff_client.get(f"/objects/{KEY}/{record.id}/").content.decode()
    history = " ".join(page[page.index('id="history-title"') :].split())
    assert f'<a href="/jobs/{job.pk}/">Bulk job: 1 property: Owner ' in history
    assert f"Owner: {users[record.owner]} → {users[new_owner]}</p>" in history


def test_import_runs_with_the_options_on_screen_when_import_is_clicked(records_api, staff_client):
    location = records_api(records=2)
    target = SandboxRecord.objects.filter(location=location, object__key=KEY).first()
    out = io.StringIO()
    csv.writer(out).writerows([["id", "Bedrooms", "Square feet"], [target.id, "8", "999"]])
    response = upload(staff_client, out.getvalue())
    checked = {"col0": "id", "col1": "bedrooms", "mode": "update_id", "keep_blanks": "1"}
    page = staff_client.post(response["Location"], checked).content.decode()
    assert "1 row ready, 0 with errors" in page
    # The Import button sends the mapping form it belongs to.
    assert 'form="import-map" formaction="' + response["Location"] + 'start/"' in page
    # Square feet is mapped too, after the check: Import checks the rows again, starts nothing.
    on_screen = {**checked, "col2": "square_feet"}
    again = staff_client.post(response["Location"] + "start/", on_screen).content.decode()
    assert "The options changed after the rows were checked" in again
    assert '<option value="square_feet" selected>' in again
    assert "1 row ready, 0 with errors" in again
    assert not BulkJob.objects.exists()
    # Import on that check imports what it showed.
    staff_client.post(response["Location"] + "start/", on_screen)
    run_worker()
    target.refresh_from_db()
    assert (target.properties["bedrooms"], target.properties["square_feet"]) == (8, 999)
    assert BulkJob.objects.get().params["mapping"] == ["id", "bedrooms", "square_feet"]


def test_an_import_report_is_for_its_uploader_and_superusers(records_api, staff_client, viewer):
    from django.contrib.auth import get_user_model

    from tests.conftest import RECORD_PERMISSIONS, make_staff

    records_api(records=0)
    response = upload(staff_client, CSV)
    mapping = {"col0": "address", "col1": "price", "col2": "status", "mode": "create"}
    staff_client.post(response["Location"], mapping)
    staff_client.post(response["Location"] + "start/", mapping)
    run_worker()
    job = BulkJob.objects.get()
    report, page = f"/jobs/{job.pk}/report.csv", f"/jobs/{job.pk}/"
    assert staff_client.get(report).status_code == 200
    assert "Bad Status St" in b"".join(staff_client.get(report).streaming_content).decode()
    colleague = Client()
    colleague.force_login(make_staff("colleague", *RECORD_PERMISSIONS))
    assert colleague.get(report).status_code == 404
    html = colleague.get(page).content.decode()
    assert "are for staffer, who uploaded the file" in html
    assert "Download the report" not in html and "Gone" not in html
    assert "Gone" in staff_client.get(page).content.decode()  # the failed row's reason
    admin = Client()
    admin.force_login(get_user_model().objects.create_superuser("admin", "a@example.com", "pw"))
    assert admin.get(report).status_code == 200
    # Nor may the colleague act on its rows: retry sends them again, revert deletes what
    # they made.
    assert colleague.post(f"/jobs/{job.pk}/retry/").status_code == 404
    assert colleague.post(f"/jobs/{job.pk}/revert/").status_code == 404
    assert BulkJob.objects.count() == 1
    # Once the uploader's account is gone, the file is the superusers' only.
    get_user_model().objects.filter(username="staffer").delete()
    assert colleague.get(report).status_code == 404
    assert admin.get(report).status_code == 200
    # A bulk edit's report holds no uploaded cells: anyone who may view records may read it.
    edit = BulkJob.objects.create(kind="update", object_key=KEY, status="done")
    client_for_viewer = Client()
    client_for_viewer.force_login(viewer)
    assert client_for_viewer.get(f"/jobs/{edit.pk}/report.csv").status_code == 200


def test_cancel_and_retry_need_the_permission_for_the_jobs_kind(records_api, staff_client, viewer):
    from tests.conftest import make_staff

    records_api(records=4)
    job = start_description_job(staff_client)  # queued: no worker runs
    deleter = make_staff("deleter", "view_record", "delete_record")
    for user in (viewer, deleter):
        other = Client()
        other.force_login(user)
        assert other.post(f"/jobs/{job.pk}/cancel/").status_code == 403
        assert other.post(f"/jobs/{job.pk}/retry/").status_code == 403
        assert "Cancel</button>" not in other.get(f"/jobs/{job.pk}/").content.decode()
    job.refresh_from_db()
    assert job.status == "queued"
    assert "Cancel</button>" in staff_client.get(f"/jobs/{job.pk}/").content.decode()
    assert staff_client.post(f"/jobs/{job.pk}/cancel/").status_code == 302
    job.refresh_from_db()
    assert job.status == "cancelled"


def test_the_delete_preview_names_the_records_and_the_search_they_came_from(
    records_api, staff_client
):
    location = records_api(records=100)
    active = SandboxRecord.objects.filter(
        location=location, object__key=KEY, properties__status="Active"
    )
    assert active.count() > 20
    form = {"all": "1", "query": "?f.status=Active&min.bedrooms=1", "action": "delete"}
    html = staff_client.post(BULK, form).content.decode()
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "Every property matching the table's search: Status is Active; Bedrooms at least 1." in (
        text
    )
    listed = re.search(r"data-preview-records>(.*?)</ul>", html, re.S).group(1)
    names = re.findall(r'<a href="/objects/[^"]+/([^/"]+)/">([^<]+)</a>', listed)
    matching = active.filter(properties__bedrooms__gte=1)
    by_id = {r.id: r.properties["address"] for r in matching}
    assert len(names) == 20 and all(by_id[i] == name for i, name in names)
    assert f"and {matching.count() - 20} more" in text
    # Ticked rows: every one named, and the search they were ticked in.
    ids = list(by_id)[:3]
    html = staff_client.post(BULK, {"ids": ids, "query": "?f.status=Active", "action": "delete"})
    text = " ".join(re.sub(r"<[^>]+>", " ", html.content.decode()).split())
    assert "The records ticked in the table's search: Status is Active." in text
    assert all(by_id[i] in text for i in ids) and " more" not in text


def test_a_column_without_a_heading_is_named_by_its_place(records_api, staff_client):
    records_api(records=0)
    response = upload(staff_client, "Address,,Price\n1 Oak St,note,100\n")
    page = staff_client.get(response["Location"]).content.decode()
    assert "Column 2 (no heading)" in page
    assert (
        '<label class="visually-hidden" for="col1">Field for column 2 (no heading)</label>' in page
    )


def test_the_check_says_which_rows_repeat_an_earlier_one(records_api, staff_client):
    records_api(records=0)
    text = "Address,Price,Status\n1 Oak St,100,Active\n2 Elm St,200,Sold\n1 Oak St,100,Active\n"
    response = upload(staff_client, text)
    mapping = {"col0": "address", "col1": "price", "col2": "status", "mode": "create"}
    checked = staff_client.post(response["Location"], mapping).content.decode()
    assert "3 rows ready, 0 with errors" in checked
    assert "row 4 repeats row 2" in checked and "each makes a record of its own" in checked


def test_next_without_a_field_or_preview_without_an_association_says_what_to_choose(
    records_api, staff_client
):
    records_api(records=3)
    ids = [r.id for r in SandboxRecord.objects.filter(object__key=KEY)][:2]
    edit = staff_client.post(BULK, {"ids": ids, "query": "?", "step": "preview"})
    html = edit.content.decode()
    assert '<p class="error" id="bulk-field-error" role="alert">Choose the field to set.</p>' in (
        html
    )
    assert 'aria-invalid="true" aria-describedby="bulk-field-error" autofocus' in html
    link = {"ids": ids, "query": "?", "action": "link", "step": "preview"}
    html = staff_client.post(BULK, link).content.decode()
    assert 'id="link-association-error" role="alert">Choose what to link by.</p>' in html
    assert "data-preview-summary" not in html
    # Choosing the field (htmx, no step) is not an error.
    chosen = staff_client.post(BULK, {"ids": ids, "query": "?", "field": "status"})
    assert "bulk-field-error" not in chosen.content.decode()


def test_a_long_value_is_cut_short_in_the_preview_and_the_jobs_title(records_api, staff_client):
    records_api(records=3)
    ids = [r.id for r in SandboxRecord.objects.filter(object__key=KEY)][:2]
    long = "A" * 5000
    form = {"ids": ids, "query": "?", "field": "description", "value": long}
    html = staff_client.post(BULK, {**form, "step": "preview"}).content.decode()
    summary = re.search(r"data-preview-summary>([^<]*)<", html).group(1)
    assert summary.startswith("2 properties: Description ") and summary.endswith("A…")
    assert len(summary) < 200, summary
    # The whole value only where it is sent from: the field, and the start form's.
    assert html.count(long) == 2
    started = staff_client.post(START, {**form, "submission": submission(html)})
    job = BulkJob.objects.get()
    assert started.status_code == 302 and job.summary == summary
    assert job.params["value"] == long
    # Values that differ only past where they are cut are still counted apart.
    for n, record in enumerate(SandboxRecord.objects.filter(id__in=ids)):
        record.properties["description"] = "B" * 70 + str(n)
        record.save()
    html = staff_client.post(BULK, {**form, "step": "preview"}).content.decode()
    assert "2 properties: Description various → " in html


def test_each_step_of_bulk_work_starts_with_focus_on_its_first_control(records_api, staff_client):
    """One autofocus per page: the first thing to choose, or the job's title on its page (its
    polled part would take focus again at each redraw)."""
    records_api(records=3)

    def autofocused(html: str) -> str:
        found = re.findall(r"<(\w+)[^>]*\sautofocus[\s>][^>]*", html)
        assert len(found) == 1, found
        return re.search(r"<\w+[^>]*\sautofocus[\s>]", html).group(0)

    chooser = staff_client.post(BULK, {"all": "1", "query": "?", "action": "update"})
    assert 'id="bulk-field"' in autofocused(chooser.content.decode())
    linker = staff_client.post(BULK, {"all": "1", "query": "?", "action": "link"})
    assert 'id="link-association"' in autofocused(linker.content.decode())
    export = staff_client.get(f"/objects/{KEY}/export/").content.decode()
    assert 'name="columns" value="visible"' in autofocused(export)
    importer = staff_client.get(f"/objects/{KEY}/import/").content.decode()
    assert 'id="import-file"' in autofocused(importer)
    mapping = staff_client.get(upload(staff_client, CSV)["Location"]).content.decode()
    assert 'id="col0"' in autofocused(mapping)
    form = {"all": "1", "query": "?", "action": "update", "field": "status", "value": "Sold"}
    preview = staff_client.post(BULK, {**form, "step": "preview"}).content.decode()
    assert 'id="preview-title"' in autofocused(preview)
    staff_client.post(START, {**form, "submission": submission(preview)})
    job = staff_client.get(f"/jobs/{BulkJob.objects.get().pk}/").content.decode()
    assert autofocused(job).startswith("<h1")


def test_a_new_value_made_of_options_is_a_group_named_by_its_legend(records_api, staff_client):
    records_api(records=3)
    form = {"all": "1", "query": "?", "action": "update", "field": "features"}
    html = staff_client.post(BULK, form).content.decode()
    # Drawn as the record form draws a group (static/css/app.css .field--group).
    assert '<fieldset class="field field--group" aria-describedby="bulk-value-help">' in html
    assert "<legend>New value</legend>" in html and 'for="bulk-value"' not in html
    price = staff_client.post(BULK, {**form, "field": "price"}).content.decode()
    assert '<label for="bulk-value">New value</label>' in price and "<legend>" not in price


def test_create_or_update_by_a_field_updates_the_records_found_and_makes_the_rest(
    records_api, staff_client
):
    location = records_api(records=3)
    target = SandboxRecord.objects.filter(location=location, object__key=KEY).first()
    address = target.properties["address"]
    out = io.StringIO()
    csv.writer(out).writerows(
        [
            ["Address", "Price", "Status"],
            [address, "555000", "Sold"],
            ["9 Fresh Court", "123000", "Active"],
        ]
    )
    text = out.getvalue()
    response = upload(staff_client, text)
    mapping = {"col0": "address", "col1": "price", "col2": "status", "mode": "upsert_field"}
    page = staff_client.get(response["Location"]).content.decode()
    assert 'value="upsert_field"' in page and "or creates one when no record has" in page
    # It may create: every required field needs its column, and the finding field is named.
    without_status = {**mapping, "col2": "", "match_field": "address"}
    checked = staff_client.post(response["Location"], without_status).content.decode()
    assert "Creating records needs a column for: Status." in checked
    checked = staff_client.post(response["Location"], {**mapping, "match_field": ""})
    assert "Choose the field that finds the record to update." in checked.content.decode()
    mapping["match_field"] = "address"
    checked = staff_client.post(response["Location"], mapping).content.decode()
    assert "2 rows ready, 0 with errors" in checked
    staff_client.post(response["Location"].rstrip("/") + "/start/", mapping)
    run_worker()

    job = BulkJob.objects.get()
    assert job.summary == "Import homes.csv: 2 rows (create or update by field)"
    items = list(job.items.order_by("position"))
    assert [(i.outcome, i.reason) for i in items] == [
        ("done", ""),
        ("done", "Created: No record has Address = 9 Fresh Court."),
    ]
    target.refresh_from_db()
    assert (target.properties["price"], target.properties["status"]) == (555000, "Sold")
    fresh = SandboxRecord.objects.get(location=location, properties__address="9 Fresh Court")
    assert items[1].record_id == fresh.id
    actions = dict(
        RecordChange.objects.filter(job_id=str(job.pk)).values_list("record_id", "action")
    )
    assert actions == {target.id: "update", fresh.id: "create"}
    # A revert puts the update back and deletes the record the import made.
    page = staff_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "puts back the values of 1 record it changed and deletes the 1 record it made" in page


@pytest.mark.parametrize("last", ["3 Also Lost St,300000,Sold", "2 Lost St,200000,Active"])
def test_rows_in_flight_at_a_restart_each_finish_their_own_history_row(
    records_api, staff_client, last
):
    """Two creates were in flight when the worker stopped (two rows alike, too): each left
    its history row pending, with no record id yet. Resumed, each row finishes its own row,
    and none stays pending."""
    records_api(records=0)
    text = "Address,Price,Status\n1 First St,100000,Active\n2 Lost St,200000,Active\n"
    response = upload(staff_client, text + last + "\n")
    mapping = {"col0": "address", "col1": "price", "col2": "status", "mode": "create"}
    staff_client.post(response["Location"], mapping)
    staff_client.post(response["Location"] + "start/", mapping)
    job = BulkJob.objects.get()
    runner.job_run(job_id=str(job.pk), stop_after=1)
    schema = services.schema_get(key=KEY)
    in_flight = list(job.items.filter(position__in=(2, 3)).order_by("position"))
    started = {item.pk: runner._change_start(job, schema, item).pk for item in in_flight}
    job.items.filter(position__in=(2, 3)).update(sent_at="2026-01-01T00:00:00Z")
    BulkJob.objects.filter(pk=job.pk).update(heartbeat_at="2026-01-01T00:00:00Z")
    staff_client.get(f"/jobs/{job.pk}/")  # the job page notices the silent worker
    run_worker()

    assert not RecordChange.objects.filter(job_id=str(job.pk), outcome="pending").exists()
    # Each item finished one of them (two items sharing one left the other pending).
    assert all(RecordChange.objects.get(pk=pk).outcome != "pending" for pk in started.values())
