"""CSV export: the whole search streamed page by page, formula cells neutralised, memory flat."""

import codecs
import csv
import gc
import io
import re
import tracemalloc

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from recordsadmin.records import services
from recordsadmin.records.bulk import jobs
from recordsadmin.records.models import BulkJob
from recordsadmin.records.transfer import csvfiles, imports
from recordsadmin.sandbox.models import Record as SandboxRecord
from tests.bulk.conftest import KEY, run_worker
from tests.conftest import make_staff
from tests.editing.helpers import hidden
from tests.support.stub import Reply

pytestmark = pytest.mark.django_db(transaction=True)

URL = f"/objects/{KEY}/export.csv"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r", "\0"])
def test_cells_that_start_a_formula_get_a_quote(start):
    assert csvfiles.neutralise(start + "1+2") == "'" + start + "1+2"


@pytest.mark.parametrize(
    "cell", ["", "plain", " =not first", "12.5", "a=b", "“quoted”", 'say "hi"', "line\nbreak", "ü"]
)
def test_other_cells_are_left_byte_identical(cell):
    assert csvfiles.neutralise(cell) == cell


@pytest.mark.parametrize(
    "cell", ["=1+2", "+1 555 0100", "-3", "@home", "\tx", "\rx", "plain", "", "'", "'quoted", "''"]
)
def test_an_import_takes_off_the_quote_that_the_export_put_on(cell):
    assert csvfiles.unneutralise(csvfiles.neutralise(cell)) == cell


def rows(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text, newline="")))


def test_export_is_every_matching_record_with_labels_or_keys(records_api, staff_client):
    location = records_api(records=130)
    records = SandboxRecord.objects.filter(location=location, object__key=KEY)
    target = records.first()
    target.properties = {
        **target.properties,
        "address": '=HYPERLINK("http://x")',
        "property_type": "multi_family",
    }
    target.save()
    response = staff_client.get(URL, {"f.property_type": "multi_family", "columns": "all"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    table = rows(response)
    header, body = table[0], table[1:]
    expected = [r for r in records if r.properties.get("property_type") == "multi_family"]
    assert len(body) == len(expected)
    assert header[:2] == ["id", "Address"]
    by_id = {row[0]: row for row in body}
    assert by_id[target.id][1] == '\'=HYPERLINK("http://x")'
    assert by_id[target.id][header.index("Property type")] == "Multi-family"
    keys = rows(
        staff_client.get(
            URL, {"f.property_type": "multi_family", "columns": "all", "values": "keys"}
        )
    )
    assert {row[header.index("Property type")] for row in keys[1:]} == {"multi_family"}
    # Paged through the API: more than one page of 100.
    everything = rows(staff_client.get(URL))
    assert len(everything) == 131


def test_export_needs_the_export_permission(records_api, client, viewer):
    records_api(records=3)
    client.force_login(viewer)
    assert client.get(URL).status_code == 403
    assert client.get(f"/objects/{KEY}/export/").status_code == 403


def measure(client, params) -> tuple[int, int, int]:
    """(peak bytes while streaming, bytes still held at the end beyond those held after the
    first page, lines), with tracemalloc over the whole process."""
    response = client.get(URL, params)
    chunks = iter(response.streaming_content)
    gc.collect()
    tracemalloc.start()
    lines = 0
    try:
        for chunk in chunks:
            lines += chunk.count(b"\n")
            if lines == 101:
                gc.collect()
                after_first_page, _ = tracemalloc.get_traced_memory()
        _, peak = tracemalloc.get_traced_memory()
        gc.collect()
        at_end, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, at_end - after_first_page, lines


def test_exporting_10000_records_keeps_memory_flat(records_api, staff_client):
    records_api(records=10_000)
    small_peak, _, small_lines = measure(staff_client, {"max.bedrooms": "1"})
    big_peak, big_growth, big_lines = measure(staff_client, {})
    assert big_lines == 10_001
    assert small_lines < big_lines / 3
    # Nothing accumulates: after 100 pages the export holds what it held after the first.
    assert big_growth < 256 * 1024, big_growth
    # The peak is one page's work (ours and the embedded API's, in this process), not the
    # export's size: holding 10,000 records would take tens of MB.
    assert big_peak < 2.5 * small_peak, (small_peak, big_peak)


def test_an_export_imported_again_by_id_changes_nothing(records_api, staff_client):
    from recordsadmin.records import services

    location = records_api(records=40)
    records = SandboxRecord.objects.filter(location=location, object__key=KEY).order_by("id")
    guarded = {"address": "=1+2 Formula Road", "description": "-minus, then @at and +plus"}
    first = records.first()
    first.properties = {**first.properties, **guarded}
    first.save()
    before = {r.id: (r.properties, r.owner) for r in records}
    assert sum("agent_phone" in p for p, _ in before.values()) > 10  # "+1 …": guarded too
    exported = b"".join(
        staff_client.get(URL, {"columns": "all", "values": "keys"}).streaming_content
    )
    file = io.BytesIO(exported)
    file.name = "properties.csv"
    mapped = staff_client.post(f"/objects/{KEY}/import/", {"file": file})["Location"]
    header = next(csv.reader(io.StringIO(exported.decode())))
    mapping = imports.auto_mapping(services.schema_get(key=KEY), header)
    form = {f"col{n}": target for n, target in enumerate(mapping)}
    checked = staff_client.post(mapped, {**form, "mode": "update_id"}).content.decode()
    assert "40 rows ready, 0 with errors" in checked
    staff_client.post(mapped + "start/", {**form, "mode": "update_id"})
    run_worker()
    # Every value read back as it was: nothing to send, no history, nothing for Revert.
    counts = jobs.job_counts(job=BulkJob.objects.get())
    assert (counts["skipped"], counts["done"], counts["failed"]) == (40, 0, 0)
    after = {r.id: (r.properties, r.owner) for r in records}
    assert after == before
    assert after[first.id][0]["address"] == guarded["address"]


def test_a_file_for_excel_starts_with_the_utf8_mark_and_imports_the_same(records_api, staff_client):
    records_api(records=3)
    page = staff_client.get(f"/objects/{KEY}/export/").content.decode()
    assert 'name="excel" value="1"' in page and "For Excel" in page
    plain = b"".join(staff_client.get(URL).streaming_content)
    excel = b"".join(staff_client.get(URL, {"excel": "1"}).streaming_content)
    assert not plain.startswith(codecs.BOM_UTF8)
    assert excel == codecs.BOM_UTF8 + plain
    file = io.BytesIO(excel)
    file.name = "for-excel.csv"
    mapped = staff_client.post(f"/objects/{KEY}/import/", {"file": file})["Location"]
    first = plain.decode().split(",", 1)[0]
    html = staff_client.get(mapped).content.decode()
    assert f'<th scope="row">{first}</th>' in html  # the mark is not part of the first heading


def test_the_default_export_has_the_tables_columns_in_the_tables_order(records_api, staff_client):
    from django.core.cache import cache

    from recordsadmin.sandbox.models import ObjectSchema

    location = records_api(records=3)
    # A primary display field that is not the first field: the table shows it first.
    ObjectSchema.objects.filter(location=location, key=KEY).update(
        primary_display_property=f"{KEY}.status"
    )
    cache.clear()
    page = staff_client.get(f"/objects/{KEY}/").content.decode()
    cells = re.findall(r'<th scope="col" class="col-(?!select)[^"]*"[^>]*>(.*?)</th>', page, re.S)
    table = [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]
    assert table[:2] == ["Status", "Address"] and table[-2:] == ["Owner", "Updated"]
    header = rows(staff_client.get(URL))[0]
    assert header == table


def test_the_export_of_the_tables_columns_is_the_users_columns(records_api, staff_client):
    """What the column chooser hides stays out, in the order it set (a saved view's tab sets
    them too): the file has the columns the person sees."""
    records_api(records=3)
    page = staff_client.get(f"/objects/{KEY}/all/").content.decode()
    names = re.findall(r'<input type="hidden" name="column" value="([^"]+)">', page)
    assert "field_price" in names and "owner" in names
    order = ["owner", *[n for n in names if n != "owner"]]
    # An association's column (the links of each record) is no export column: not shown here.
    kept = [n for n in order if n.startswith("field_") or n in ("owner", "updated")]
    shown = [n for n in kept if n != "field_price"]
    staff_client.post(
        reverse("records:table_settings", args=[KEY]), {"column": order, "show": shown}
    )
    page = staff_client.get(f"/objects/{KEY}/all/").content.decode()
    cells = re.findall(r'<th scope="col" class="col-(?!select)[^"]*"[^>]*>(.*?)</th>', page, re.S)
    table = [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]
    assert "Price" not in table and table[1] == "Owner"
    assert rows(staff_client.get(URL + "?columns=visible"))[0] == table
    choices = staff_client.get(f"/objects/{KEY}/export/").content.decode()
    assert "The table's columns, as you see them: " + ", ".join(table) in choices
    every = rows(staff_client.get(URL + "?columns=all"))[0]
    assert "Price" in every and every[0] == "id"


# -- how the download went, on the page that started it --------------------------------------


def start_download(staff_client) -> tuple[str, str]:
    """The export page's download id, and the URL of its status."""
    page = staff_client.get(f"/objects/{KEY}/export/")
    download = hidden(page.content, "download")
    status_url = f"/objects/{KEY}/export/{download}/"
    assert f'hx-get="{status_url}"' in page.content.decode()
    assert 'role="status"' in page.content.decode()
    return download, status_url


def test_the_export_page_says_when_the_download_finished(records_api, staff_client):
    records_api(records=130)
    download, status_url = start_download(staff_client)
    assert "Starting the export" in staff_client.get(status_url).content.decode()
    table = rows(staff_client.get(URL, {"download": download}))
    assert len(table) == 131
    status = staff_client.get(status_url).content.decode()
    assert "The export finished: 130 records" in status
    assert "hx-trigger" not in status  # it stops asking


def test_the_export_page_stops_asking_about_a_download_that_never_started(
    records_api, staff_client
):
    records_api(records=3)
    _, status_url = start_download(staff_client)
    waiting = staff_client.get(status_url, {"n": "29"}).content.decode()
    assert "Starting the export" in waiting and f'{status_url}?n=30"' in waiting
    given_up = staff_client.get(status_url, {"n": "30"}).content.decode()
    assert "has not started" in given_up and "hx-trigger" not in given_up


def test_an_export_that_meets_an_odd_answer_midway_says_it_is_incomplete(
    proxied, staff_client, client
):
    proxy = proxied(records=130)
    route = proxy.route

    def second_page_odd(seen):
        if seen.path.endswith("/records/search") and (seen.json or {}).get("page") == 2:
            return Reply(200, json={"data": [], "total": 130})  # no `records`
        return route(seen)

    proxy.stub.router = second_page_odd
    download, status_url = start_download(staff_client)
    table = rows(staff_client.get(URL, {"download": download}))
    assert len(table) == 1 + 100 + 1
    last = table[-1][0]
    assert last.startswith("# Incomplete export: stopped after 100 of 130 records:")
    assert "form we do not understand" in last and "list of records" in last
    status = staff_client.get(status_url).content.decode()
    assert "The export is incomplete" in status
    assert "stopped after 100 of 130 records" in status
    # Another user who may export knows nothing of this download.
    client.force_login(make_staff("other", "view_record", "export_record"))
    other = client.get(status_url)
    assert other.status_code == 200 and "incomplete" not in other.content.decode()


def test_an_odd_first_page_is_an_error_page_not_an_empty_file(proxied, staff_client):
    proxy = proxied(records=5)
    proxy.fail("POST", r"/records/search$", Reply(200, json={"total": 5}))
    response = staff_client.get(URL)
    assert response.status_code == 502
    assert "form we do not understand" in response.content.decode()


def test_an_export_right_after_the_dashboards_own_writes_holds_them_as_written(
    records_api, staff_client, staff_user, settings
):
    """Search lags behind writes: the file has a record just made (first, as the table shows
    it newest first), one just edited as it now is, and not one just deleted."""
    records_api(records=3)
    schema = services.schema_get(key=KEY)
    edited, deleted, _ = services.record_search(schema=schema).records
    settings.SANDBOX_SEARCH_LAG = settings.RECORDS_SEARCH_LAG_SECONDS = 60
    made = services.record_create_logged(
        user=staff_user,
        schema=schema,
        properties={"address": "8 Exported Lane", "price": 1, "status": "Active"},
    )
    newer = services.record_create_logged(
        user=staff_user,
        schema=schema,
        properties={"address": "9 Exported Lane", "price": 2, "status": "Active"},
    )
    services.record_update_logged(
        user=staff_user, schema=schema, record=edited, properties={"address": "8 Edited Lane"}
    )
    services.record_delete_logged(user=staff_user, schema=schema, record=deleted)
    assert services.record_search(schema=schema).total == 3  # search is behind

    table = rows(staff_client.get(URL, {"columns": "all", "values": "keys"}))
    body = {row[0]: row[1] for row in table[1:]}
    assert [row[0] for row in table[1:3]] == [newer.id, made.id] and len(table) == 1 + 4
    oldest_first = rows(staff_client.get(URL, {"columns": "all", "sort": "created"}))
    assert [row[1] for row in oldest_first[-2:]] == ["8 Exported Lane", "9 Exported Lane"]
    assert body[made.id] == "8 Exported Lane" and body[edited.id] == "8 Edited Lane"
    assert deleted.id not in body
    # Under a search, the new record's place is not known: it waits for search, as in the
    # table; the edit is still laid over.
    searched = rows(staff_client.get(URL, {"columns": "all", "q": edited.properties["address"]}))
    assert [row[1] for row in searched[1:]] == ["8 Edited Lane"]


def test_an_export_holds_searchs_copy_of_a_record_changed_elsewhere_after_the_dashboard(
    records_api, staff_client, staff_user, settings
):
    records_api(records=2)
    schema = services.schema_get(key=KEY)
    record = services.record_search(schema=schema).records[0]
    settings.SANDBOX_SEARCH_LAG, settings.RECORDS_SEARCH_LAG_SECONDS = 0, 60
    services.record_update_logged(
        user=staff_user, schema=schema, record=record, properties={"address": "9 Ours Lane"}
    )
    services.record_update(
        schema=schema, record_id=record.id, properties={"address": "9 Theirs Lane"}
    )

    table = rows(staff_client.get(URL, {"columns": "all", "values": "keys"}))
    body = {row[0]: row[1] for row in table[1:]}
    assert body[record.id] == "9 Theirs Lane"


def test_the_export_page_says_a_search_may_not_have_caught_up_with_the_latest_changes(
    records_api, staff_client, staff_user, settings
):
    records_api(records=3)
    schema = services.schema_get(key=KEY)
    page = f"/objects/{KEY}/export/"
    said = "Search may still be catching up with changes made in the last few seconds"
    assert said not in staff_client.get(page, {"f.status": "Active"}).content.decode()
    settings.SANDBOX_SEARCH_LAG = settings.RECORDS_SEARCH_LAG_SECONDS = 60
    record = services.record_search(schema=schema).records[0]
    services.record_update_logged(
        user=staff_user, schema=schema, record=record, properties={"status": "Sold"}
    )
    assert said in staff_client.get(page, {"f.status": "Active"}).content.decode()
    # Without a search or filters the file holds every record as written: nothing to say.
    assert said not in staff_client.get(page).content.decode()
