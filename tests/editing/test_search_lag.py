"""The table while search lags behind writes (services/catching_up.py), against the embedded
API with its lag on (SANDBOX_SEARCH_LAG), over HTTP: the person's own create, edit, inline
edit and delete show in the table at once, marked, while search itself still answers as
before; once search catches up the marks go.

The lags are long, so that no check depends on how fast anything answers; "search catches
up" moves the embedded API's snapshots back by the lag instead of sleeping.
"""

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from recordsadmin.client.domain import Filter
from recordsadmin.records import services
from recordsadmin.records.models import RecordChange
from recordsadmin.records.services import catching_up
from recordsadmin.sandbox.models import Record as StoredRecord
from recordsadmin.sandbox.models import SearchSnapshot

from .helpers import PROPERTY_INPUT, hidden, url

pytestmark = pytest.mark.django_db(transaction=True)

LAG = 60
HTMX = {"HX-Request": "true"}


@pytest.fixture
def lagging(settings, embedded):
    settings.SANDBOX_SEARCH_LAG = LAG
    settings.RECORDS_SEARCH_LAG_SECONDS = LAG


def search_catches_up() -> None:
    SearchSnapshot.objects.update(written_at=F("written_at") - dt.timedelta(seconds=LAG))


def table(client, prop, **params) -> str:
    response = client.get(url("record_list", prop.key), params, headers=HTMX)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def rows(text: str) -> list[str]:
    return re.findall(r"<tr tabindex=\"-1\".*?</tr>", text, re.S)


def row_of(text: str, value: str) -> str:
    found = [row for row in rows(text) if value in row]
    assert len(found) == 1, f"{len(found)} rows hold {value!r}"
    return found[0]


def count_text(text: str) -> str:
    match = re.search(r'<p class="records__count" id="records-count">(.*?)</p>', text, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def test_a_new_record_is_at_the_top_marked_new_until_search_finds_it(staff, prop, lagging):
    before = services.record_search(schema=prop)
    page = staff.get(url("record_create", prop.key))
    data = {**PROPERTY_INPUT, "address": "1 Fresh Lane"}
    data["_submission"] = hidden(page.content, "_submission")
    assert staff.post(url("record_create", prop.key), data).status_code == 303

    # Search does not find it yet...
    assert services.record_search(schema=prop).total == before.total
    # ...but the person who made it sees it first, marked, and counted.
    text = table(staff, prop)
    first = rows(text)[0]
    assert "1 Fresh Lane" in first and '<span class="row-mark row-mark--new">New</span>' in first
    assert 'class="row--new"' in first
    assert count_text(text).startswith(f"1–{before.total + 1} of {before.total + 1}")
    assert "search may still be catching up with your latest changes" in count_text(text)
    assert "search may still be catching up" in re.search(r'data-announce="([^"]*)"', text)[1]
    # Under a search its place is not known: it waits for search, and the total says so.
    searched = table(staff, prop, q="Fresh Lane")
    assert not rows(searched) and "catching up" in count_text(searched)
    # In another order too.
    assert "1 Fresh Lane" not in table(staff, prop, sort="price")

    search_catches_up()
    text = table(staff, prop)
    assert "1 Fresh Lane" in rows(text)[0] and "row-mark" not in text
    assert len([row for row in rows(text) if "1 Fresh Lane" in row]) == 1
    assert count_text(text).startswith(f"1–{before.total + 1} of {before.total + 1}")
    assert "1 Fresh Lane" in rows(table(staff, prop, q="Fresh Lane"))[0]


def test_edits_show_the_written_values_marked_just_saved(staff, prop, settings, embedded):
    record = services.record_create(
        schema=prop, properties={"address": "2 Old Road", "price": 100, "status": "Active"}
    )
    settings.SANDBOX_SEARCH_LAG = settings.RECORDS_SEARCH_LAG_SECONDS = LAG
    form = staff.get(url("record_edit", prop.key, record.id)).content.decode()
    data = {"address": "2 New Road", "price": "100", "status": "Active"}
    data["_version"] = hidden(form, "_version")
    assert staff.post(url("record_edit", prop.key, record.id), data).status_code == 303
    cell = url("record_cell", prop.key, record.id, "price")
    editor = staff.get(cell, headers=HTMX).content.decode()
    saved = staff.post(cell, {"price": "777", "_version": hidden(editor, "_version")}, headers=HTMX)
    assert saved.status_code == 200 and "Price saved" in saved.content.decode()

    found = services.record_search(schema=prop, query="Old Road").records
    assert [r.properties["price"] for r in found] == [100]  # search is behind
    text = table(staff, prop)
    row = row_of(text, record.id)
    assert "2 New Road" in row and "2 Old Road" not in row and "$777" in row
    assert '<span class="row-mark row-mark--saved">Just saved</span>' in row
    assert 'data-edit="' in row
    # A search for the old value still finds it (search is behind), shown as it now is.
    row = row_of(table(staff, prop, q="Old Road"), record.id)
    assert "2 New Road" in row and "Just saved" in row

    search_catches_up()
    row = row_of(table(staff, prop), record.id)
    assert "2 New Road" in row and "$777" in row and "row-mark" not in row
    assert not rows(table(staff, prop, q="Old Road"))


def test_a_deleted_record_is_struck_through_until_search_drops_it(staff, prop, settings, embedded):
    record = services.record_create(
        schema=prop, properties={"address": "3 Gone Street", "price": 100, "status": "Active"}
    )
    settings.SANDBOX_SEARCH_LAG = settings.RECORDS_SEARCH_LAG_SECONDS = LAG
    assert staff.post(url("record_delete", prop.key, record.id)).status_code == 303

    text = table(staff, prop)
    row = row_of(text, "3 Gone Street")
    assert row.startswith('<tr tabindex="-1" class="row--deleted">')
    assert '<span class="row-mark row-mark--deleted">Just deleted</span>' in row
    assert "data-edit" not in row and f'value="{record.id}"' not in row  # nothing to select
    assert "catching up" in count_text(text)

    search_catches_up()
    assert "3 Gone Street" not in table(staff, prop)


def test_other_peoples_writes_wait_for_search(client, prop, settings, embedded, viewer):
    settings.SANDBOX_SEARCH_LAG = settings.RECORDS_SEARCH_LAG_SECONDS = LAG
    values = {"address": "4 Elsewhere", "price": 1, "status": "Active"}
    services.record_create_logged(user=None, schema=prop, properties=values)
    client.force_login(viewer)
    text = table(client, prop)
    assert "4 Elsewhere" not in text and "catching up" not in text


def test_a_table_view_when_the_person_wrote_nothing_within_the_lag_reads_the_history_once(
    staff, staff_user, prop, lagging, viewer
):
    """The person's own write is older than the lag, and someone else (a bulk job of theirs,
    say) wrote within it: the view reads the index of the person's history once, by time, and
    builds no query of their writes (services/catching_up.py)."""
    values = {"address": "5 Long Ago", "price": 1, "status": "Active"}
    services.record_create_logged(user=staff_user, schema=prop, properties=values)
    RecordChange.objects.update(at=F("at") - dt.timedelta(seconds=LAG + 1))
    elsewhere = {"address": "5 Elsewhere", "price": 3, "status": "Active"}
    services.record_create_logged(user=viewer, schema=prop, properties=elsewhere)
    search_catches_up()
    with CaptureQueriesContext(connection) as queries:
        text = table(staff, prop)
    assert "5 Long Ago" in text and "row-mark" not in text and "catching up" not in text
    history = [q["sql"] for q in queries if "records_recordchange" in q["sql"]]
    assert len(history) == 1, history
    assert history[0].startswith("SELECT 1 ") and '"user_id" = ' in history[0], history

    # A write of the person's within the lag: their writes are read, and marked.
    services.record_create_logged(user=staff_user, schema=prop, properties=values | {"price": 2})
    with CaptureQueriesContext(connection) as queries:
        text = table(staff, prop)
    assert "row-mark--new" in text
    history = [q["sql"] for q in queries if "records_recordchange" in q["sql"]]
    assert len(history) == 2 and '"records_recordchange"."user_id" = ' in history[1], history


def test_a_table_view_adds_up_only_the_writes_to_its_own_rows(
    staff, staff_user, prop, lagging, monkeypatch
):
    """A bulk job of the person's writes many records: a table view during it reads and
    parses the snapshots of its own rows' writes, not every record's (services/catching_up.py);
    the count still says search may be catching up."""
    made = [
        services.record_create(
            schema=prop, properties={"address": f"{n} Job Lane", "price": n, "status": "Active"}
        )
        for n in range(1, 6)
    ]
    search_catches_up()
    for record in made:
        services.record_update_logged(
            user=staff_user, schema=prop, record=record, properties={"price": 1000}
        )
    parsed = []
    real = catching_up.record_from_snapshot
    monkeypatch.setattr(
        catching_up,
        "record_from_snapshot",
        lambda **kwargs: parsed.append(kwargs["snapshot"]["id"]) or real(**kwargs),
    )

    text = table(staff, prop, q="3 Job Lane")
    row = row_of(text, "3 Job Lane")
    assert "$1,000" in row and "Just saved" in row
    assert parsed == [made[2].id]
    assert "catching up" in count_text(text)

    # A page that shows none of them reads none, and still says so.
    parsed.clear()
    text = table(staff, prop, q="no such lane")
    assert not rows(text) and parsed == []
    assert "catching up" in count_text(text)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plans")
def test_the_writes_of_the_lag_are_read_by_time_not_from_the_whole_history(
    staff, staff_user, prop, lagging
):
    """The person's writes (a table view) and anyone's (a bulk job's lookups) within the lag
    are found through an index that ends in their time: a history of years is not read at each
    view (records/models.py, RecordChange's indexes)."""
    values = {"address": "6 Index Row", "price": 1, "status": "Active"}
    services.record_create_logged(user=staff_user, schema=prop, properties=values)
    with CaptureQueriesContext(connection) as queries:
        assert "row-mark--new" in table(staff, prop)
        catching_up.recent_writes(schema=prop)
    history = [q["sql"] for q in queries if "records_recordchange" in q["sql"]]
    assert len(history) == 3, history  # the person's (whether any, which), anyone's
    for sql in history:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            steps = [row[-1] for row in cursor.fetchall() if "records_recordchange" in row[-1]]
        assert steps and all("at>?" in step for step in steps), (sql, steps)


def test_an_option_or_field_set_a_moment_ago_counts_as_held_before_search_shows_it(
    staff, prop, settings, embedded
):
    """Removing an option or a field asks first when records hold it (views/schema.py): one
    the person has just set is counted although search does not find it yet."""
    for stored in StoredRecord.objects.filter(object__key=prop.key):
        kept = {k: v for k, v in stored.properties.items() if k != "description"}
        stored.properties = {**kept, "status": "Active"}
        stored.save(update_fields=["properties"])
    record = services.record_create(
        schema=prop, properties={"address": "4 Sold Street", "price": 100, "status": "Active"}
    )
    status = prop.field("status")
    assert services.option_holders(schema=prop, field=status, option_key="Sold") == 0
    settings.SANDBOX_SEARCH_LAG = settings.RECORDS_SEARCH_LAG_SECONDS = LAG
    form = staff.get(url("record_edit", prop.key, record.id)).content.decode()
    assert services.field_holders(schema=prop, field=prop.field("description")) == 0
    data = {"address": "4 Sold Street", "price": "100", "status": "Sold", "description": "Gone"}
    data["_version"] = hidden(form, "_version")
    assert staff.post(url("record_edit", prop.key, record.id), data).status_code == 303

    assert services.record_search(schema=prop, filters=[Filter("status", "eq", "Sold")]).total == 0
    assert services.option_holders(schema=prop, field=status, option_key="Sold") == 1
    assert services.field_holders(schema=prop, field=prop.field("description")) == 1
    search_catches_up()
    assert services.option_holders(schema=prop, field=status, option_key="Sold") == 1


def test_the_catching_up_adds_no_call_to_a_table_view(staff, staff_user, prop, lagging, embedded):
    """What the table lays over search comes from the history the dashboard keeps: a view
    with the person's fresh writes (made, edited, deleted) is one search, as without them."""
    values = {"address": "7 Counted Lane", "price": 1, "status": "Active"}
    made = services.record_create_logged(user=staff_user, schema=prop, properties=values)
    services.record_update_logged(
        user=staff_user, schema=prop, record=made, properties={"price": 9}
    )
    other = services.record_search(schema=prop).records[-1]
    services.record_delete_logged(user=staff_user, schema=prop, record=other)
    services.schema_get(key=prop.key)  # the schema and users are cached by the first view
    table(staff, prop)

    embedded.stub.requests.clear()
    text = table(staff, prop)
    assert "row-mark--new" in text and "row-mark--deleted" in text
    assert [(s.method, s.path) for s in embedded.stub.requests] == [
        ("POST", f"/objects/{prop.key}/records/search")
    ]
