"""Search that lags behind writes (recordsadmin/sandbox/lag.py), over HTTP: for
SANDBOX_SEARCH_LAG seconds both search forms, totals included, show a record as it was before
a write, while a read by id is current; after the lag search shows the write.

The lag is set long, so that no check depends on how fast the server answers; "the lag
passes" moves the snapshots' write times back by it instead of sleeping.
"""

import datetime as dt

import pytest
from django.db.models import F

from recordsadmin.sandbox import search
from recordsadmin.sandbox.demo import PROPERTY_KEY
from recordsadmin.sandbox.models import Record, SearchSnapshot

from .conftest import SEED_PROPERTIES

pytestmark = pytest.mark.django_db(transaction=True)

LAG = 60
SEARCH = f"/objects/{PROPERTY_KEY}/records/search"
RECORDS = f"/objects/{PROPERTY_KEY}/records"


@pytest.fixture
def lagging(settings):
    settings.SANDBOX_SEARCH_LAG = LAG


def lag_passes() -> None:
    SearchSnapshot.objects.update(written_at=F("written_at") - dt.timedelta(seconds=LAG))


def found(sandbox, text: str) -> tuple[list[dict], int, list[dict], int]:
    """(records, total) of the GET form's text query and of the POST form's."""
    got = sandbox.get(SEARCH, params={"query": text}).json()
    posted = sandbox.post(SEARCH, json={"query": text}).json()
    return got["records"], got["total"], posted["records"], posted["total"]


def everything(sandbox) -> tuple[list[str], int]:
    body = sandbox.get(SEARCH, params={"limit": 100}).json()
    return [r["id"] for r in body["records"]], body["total"]


def test_search_shows_records_as_before_a_write_until_the_lag_passes(sandbox, lagging):
    ids, total = everything(sandbox)

    created = sandbox.create({**SEED_PROPERTIES, "address": "1 Lagging Lane"}).json()["record"]
    assert sandbox.get(f"{RECORDS}/{created['id']}").json()["record"] == created
    assert found(sandbox, "lagging lane") == ([], 0, [], 0)
    assert everything(sandbox) == (ids, total)
    lag_passes()
    got, got_total, posted, posted_total = found(sandbox, "lagging lane")
    assert [r["id"] for r in got] == [r["id"] for r in posted] == [created["id"]]
    assert got_total == posted_total == 1
    assert everything(sandbox) == ([created["id"], *ids], total + 1)

    path = f"{RECORDS}/{created['id']}"
    sandbox.put(path, json={"properties": {"address": "2 Caught Up Court"}})
    assert sandbox.get(path).json()["record"]["properties"]["address"] == "2 Caught Up Court"
    assert found(sandbox, "caught up") == ([], 0, [], 0)
    got, got_total, posted, posted_total = found(sandbox, "lagging lane")
    assert got_total == posted_total == 1
    assert got[0]["properties"]["address"] == posted[0]["properties"]["address"]
    assert got[0]["properties"]["address"] == "1 Lagging Lane"
    # A filter on the new value does not find it either, and one on the old value does.
    by_new = {"properties.address": "2 Caught Up Court"}
    assert sandbox.get(SEARCH, params=by_new).json()["total"] == 0
    by_old = {"filters": [{"field": "address", "operator": "eq", "value": "1 Lagging Lane"}]}
    assert sandbox.post(SEARCH, json=by_old).json()["total"] == 1
    lag_passes()
    assert found(sandbox, "lagging lane") == ([], 0, [], 0)
    assert found(sandbox, "caught up")[1] == 1

    assert sandbox.delete(path).status_code == 200
    assert sandbox.get(path).status_code == 404
    got, got_total, posted, posted_total = found(sandbox, "caught up")
    assert [r["id"] for r in got] == [r["id"] for r in posted] == [created["id"]]
    assert got_total == posted_total == 1
    assert everything(sandbox)[1] == total + 1
    lag_passes()
    assert found(sandbox, "caught up") == ([], 0, [], 0)
    assert everything(sandbox) == (ids, total)


def test_pages_keep_the_order_search_had_before_the_writes(sandbox, lagging):
    """Sorted by price, paged from either end, and walked by cursor, search answers during
    the lag exactly as before a create, two updates that move records and a delete."""
    sort = {"sortBy": "properties.price", "sortOrder": "asc"}
    before = sandbox.get(SEARCH, params={**sort, "limit": 100}).json()
    ids = [r["id"] for r in before["records"]]
    cheapest, dearest, middle = ids[0], ids[-1], ids[len(ids) // 2]
    sandbox.put(f"{RECORDS}/{cheapest}", json={"properties": {"price": 99_000_000}})
    sandbox.put(f"{RECORDS}/{dearest}", json={"properties": {"price": 1}})
    sandbox.delete(f"{RECORDS}/{middle}")
    sandbox.create({**SEED_PROPERTIES, "price": 2})

    for limit in (3, 7):
        pages = [
            sandbox.get(SEARCH, params={**sort, "limit": limit, "offset": offset}).json()
            for offset in range(0, len(ids), limit)
        ]
        assert {page["total"] for page in pages} == {before["total"]}
        assert [r["id"] for page in pages for r in page["records"]] == ids
    walked, after, totals = [], None, set()
    while True:
        body = {"sort": [{"field": "price", "direction": "asc"}], "pageLimit": 6}
        answer = sandbox.post(SEARCH, json={**body, "searchAfter": after}).json()
        totals.add(answer["total"])
        if not answer["records"]:
            break
        walked += [r["id"] for r in answer["records"]]
        after = answer["records"][-1]["searchAfter"]
    assert walked == ids
    assert totals == {before["total"]}

    lag_passes()
    now = [r["id"] for r in sandbox.get(SEARCH, params={**sort, "limit": 100}).json()["records"]]
    assert now[0] == dearest and now[-1] == cheapest and middle not in now
    assert len(now) == len(ids)


def test_without_the_lag_search_is_current_and_keeps_no_snapshots(sandbox, settings):
    settings.SANDBOX_SEARCH_LAG = 0
    created = sandbox.create({**SEED_PROPERTIES, "address": "3 Instant Street"}).json()
    assert found(sandbox, "instant street")[1] == 1
    sandbox.delete(f"{RECORDS}/{created['record']['id']}")
    assert found(sandbox, "instant street")[1] == 0
    assert not SearchSnapshot.objects.exists()


def test_a_field_scoped_query_reads_a_held_back_record_as_its_snapshot_holds_it(sandbox, lagging):
    created = sandbox.create({**SEED_PROPERTIES, "address": "3 Scoped Street"}).json()["record"]
    lag_passes()
    path = f"{RECORDS}/{created['id']}"
    sandbox.put(path, json={"properties": {"address": "4 Moved Mews"}})
    # Within the lag the old address is found by a query scoped to it, the new one is not.
    got, got_total, posted, posted_total = found(sandbox, "address:scoped street")
    assert [r["id"] for r in got] == [r["id"] for r in posted] == [created["id"]]
    assert got_total == posted_total == 1
    assert found(sandbox, "address:moved mews") == ([], 0, [], 0)
    # Scoped to another property, the snapshot's address is not matched.
    assert found(sandbox, "description:scoped street") == ([], 0, [], 0)
    lag_passes()
    assert found(sandbox, "address:moved mews")[1] == 1
    assert found(sandbox, "address:scoped street")[1] == 0


def test_a_page_read_while_another_writer_drops_its_records_is_still_answered(
    sandbox, lagging, monkeypatch
):
    """While snapshots are held, a page merges them with the records read: a record deleted
    and a snapshot dropped by another request between the page's reads still come back as
    they were read (they were once read again for their sort values, and then missing)."""
    sort = {"sortBy": "properties.price", "sortOrder": "asc"}
    ids = [r["id"] for r in sandbox.get(SEARCH, params={**sort, "limit": 5}).json()["records"]]
    sandbox.put(f"{RECORDS}/{ids[1]}", json={"properties": {"price": 99_000_000}})
    page = search._page

    def then_another_writer(*args, **kwargs):
        records = page(*args, **kwargs)
        Record.objects.filter(pk=records[0].pk).delete()
        SearchSnapshot.objects.all().delete()
        return records

    monkeypatch.setattr(search, "_page", then_another_writer)
    answer = sandbox.get(SEARCH, params={**sort, "limit": 5})
    assert answer.status_code == 200, answer.text
    assert [r["id"] for r in answer.json()["records"]] == ids
