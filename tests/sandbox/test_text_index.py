"""The text index behind the `query` parameter (recordsadmin/sandbox/indexing.py): asked for
queries of three characters or more, kept in step with every write, and never changing an
answer, only how fast it comes."""

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from recordsadmin.sandbox import indexing, search
from recordsadmin.sandbox.demo import PROPERTY_KEY
from recordsadmin.sandbox.models import ObjectSchema, Record

from .conftest import SEED_PROPERTIES
from .test_search import T0, add_record, make_object

SEARCH = f"/objects/{PROPERTY_KEY}/records/search"


def plans_of(obj: ObjectSchema, query: str) -> tuple[str, str]:
    """The query plans of the COUNT and of the page that a search for `query` runs."""
    request = search.parse_get(obj, QueryDict(urlencode({"query": query})))
    with CaptureQueriesContext(connection) as queries:
        search.run_search(obj, request)
    count, page = [q["sql"] for q in queries.captured_queries if "sandbox_record" in q["sql"]][-2:]
    return plan(count), plan(page)


def plan(sql: str, params=()) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The test table is tiny: make the planner show whether it can use the index.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            text = " ".join(row[0] for row in cursor.fetchall())
            cursor.execute("RESET enable_seqscan")
            return text
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return " ".join(str(row[-1]) for row in cursor.fetchall())


def index_name() -> str:
    return indexing.TEXT_TABLE if connection.vendor == "sqlite" else indexing.TRIGRAM_INDEX


def check_integrity() -> None:
    """SQLite: the index holds exactly the records' search_text, else this raises."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO sandbox_record_text (sandbox_record_text, rank) "
                "VALUES ('integrity-check', 1)"
            )


def street_listing() -> ObjectSchema:
    obj = make_object()
    add_record(obj, {"name": "Maple Court"}, created=T0)
    for i in range(19):
        add_record(obj, {"name": f"{i} Oak Lane"}, created=T0 + dt.timedelta(minutes=i))
    return obj


@pytest.mark.django_db
def test_a_rare_text_of_three_characters_or_more_is_found_through_the_index():
    obj = street_listing()
    for query in ("maple", "ple"):
        if connection.vendor == "postgresql":
            # Its planner weighs the index for the whole query by itself (on a tiny table, not
            # at all); what must hold is that the LIKE as Django writes it can use the index.
            like = Record.objects.filter(search_text__contains=query).values("id")
            assert index_name() in plan(*like.query.sql_with_params())
            continue
        count, page = plans_of(obj, query)
        assert index_name() in count
        assert index_name() in page  # one match: read by rowid, not by walking createdAt


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL's planner decides")
def test_a_scoped_query_is_found_through_the_index_too():
    obj = street_listing()
    count, page = plans_of(obj, "name:maple")
    assert index_name() in count
    assert index_name() in page
    found, total = search.run_search(obj, search.parse_get(obj, QueryDict("query=NAME:Maple")))
    assert [r.properties["name"] for r in found] == ["Maple Court"] and total == 1


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL's planner decides")
def test_a_common_text_and_a_short_one_scan():
    obj = street_listing()
    for query in ("oak lane", "ak"):  # in 19 records of 20; shorter than a trigram
        count, page = plans_of(obj, query)
        assert index_name() not in count + page
    found, total = search.run_search(obj, search.parse_get(obj, QueryDict("query=aK&limit=1")))
    assert [r.properties["name"] for r in found] == ["18 Oak Lane"] and total == 19


@pytest.mark.django_db
def test_shorter_queries_find_what_a_scan_finds():
    obj = street_listing()
    found, total = search.run_search(obj, search.parse_get(obj, QueryDict("query=mA")))
    assert [r.properties["name"] for r in found] == ["Maple Court"] and total == 1


ODD = [
    'Say "hi" to 50%_off',
    "Straße 12 \\ back",
    "Café Ünïcode",
    "x" * 80,
    "single 'quote' and AND OR NOT NEAR",
    "*star* ^caret^ (paren) {brace} col:on -minus +plus",
]
QUERIES = [
    '"hi"',
    '"',
    "50%_",
    "0%o",
    "%_",
    "traße",
    "\\ b",
    "CAFÉ",
    "ünï",
    "x" * 75,
    "'quote'",
    "AND OR",
    "near",
    "*star*",
    "col:on",
    "-minus",
    "(paren)",
    "NOT",
    'i" t',
    "xyz",
]


@pytest.mark.django_db
@pytest.mark.parametrize("query", QUERIES + [f"name:{q}" for q in QUERIES if len(q) < 70])
def test_the_index_changes_no_answer(query, monkeypatch):
    obj = make_object(searchable=("name", "notes"))
    for i, name in enumerate(ODD):
        created = T0 + dt.timedelta(minutes=i)
        add_record(obj, {"name": name, "notes": f"note {i}"}, created=created)
    request = search.parse_get(obj, QueryDict(urlencode({"query": query})))
    with_index = search.run_search(obj, request)
    monkeypatch.setattr(indexing, "text_index_pays", lambda text: False)
    plain = search.run_search(obj, request)
    assert [r.id for r in with_index[0]] == [r.id for r in plain[0]]
    assert with_index[1] == plain[1]
    records = Record.objects.filter(object=obj)
    if query.startswith("name:"):  # the value in the name only
        value = query.removeprefix("name:").strip().lower()
        expected = {r.id for r in records if value in r.properties["name"].lower()}
    else:
        expected = {r.id for r in records if query.lower() in r.search_text}
    assert {r.id for r in plain[0]} == expected


@pytest.mark.django_db(transaction=True)
def test_every_write_keeps_the_index_in_step(sandbox):
    def found(query: str) -> list[str]:
        response = sandbox.get(SEARCH, params={"query": query, "limit": 100})
        assert response.status_code == 200, response.text
        return [r["properties"]["address"] for r in response.json()["records"]]

    created = sandbox.create({**SEED_PROPERTIES, "address": "1 Quokka Crescent"})
    record_id = created.json()["record"]["id"]
    assert found("quokka") == ["1 Quokka Crescent"]

    path = f"/objects/{PROPERTY_KEY}/records/{record_id}"
    sandbox.put(path, json={"properties": {"address": "1 Wombat Way"}})
    assert found("quokka") == [] and found("wombat") == ["1 Wombat Way"]
    sandbox.put(path, json={"properties": {"price": 5}})  # search_text unchanged
    assert found("wombat") == ["1 Wombat Way"]
    check_integrity()

    # Written around the API: a bulk load, and the reindex after searchable fields change.
    obj = ObjectSchema.objects.prefetch_related("fields").get(
        location=sandbox.location, key=PROPERTY_KEY
    )
    add_record(obj, {**SEED_PROPERTIES, "address": "2 Numbat Nook"}, created=T0)
    assert found("numbat") == ["2 Numbat Nook"]
    response = sandbox.put(
        f"/objects/{PROPERTY_KEY}",
        json={"searchableProperties": [f"{PROPERTY_KEY}.status"]},
    )
    assert response.status_code == 200
    assert found("numbat") == []
    assert (
        len(found("active"))
        == Record.objects.filter(object=obj, properties__status="Active").count()
    )
    check_integrity()

    assert sandbox.delete(path).status_code == 200
    sandbox.delete(f"/objects/{PROPERTY_KEY}")
    assert not Record.objects.filter(object=obj).exists()
    check_integrity()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's triggers only")
def test_migrate_rebuilds_the_index_when_its_triggers_went_missing(sandbox):
    """A migration that rebuilds sandbox_record drops its triggers and renumbers its rows."""
    with connection.cursor() as cursor:
        for name in indexing.TEXT_TRIGGERS:
            cursor.execute(f"DROP TRIGGER {name}")
    obj = ObjectSchema.objects.prefetch_related("fields").get(
        location=sandbox.location, key=PROPERTY_KEY
    )
    add_record(obj, {**SEED_PROPERTIES, "address": "3 Bilby Bend"}, created=T0)
    assert sandbox.get(SEARCH, params={"query": "bilby"}).json()["total"] == 0

    call_command("migrate", verbosity=0)
    assert sandbox.get(SEARCH, params={"query": "bilby"}).json()["total"] == 1
    check_integrity()
    add_record(obj, {**SEED_PROPERTIES, "address": "4 Bilby Bend"}, created=T0)
    assert sandbox.get(SEARCH, params={"query": "bilby"}).json()["total"] == 2


@pytest.mark.django_db(transaction=True)
def test_migrate_writes_search_texts_of_an_older_layout_again(sandbox):
    """A database made before field-scoped queries: its search texts have no property marks
    until `migrate` writes them again, the text index following."""
    created = sandbox.create({**SEED_PROPERTIES, "address": "5 Potoroo Parade"})
    record_id = created.json()["record"]["id"]
    Record.objects.filter(pk=record_id).update(search_text="5 potoroo parade")
    assert sandbox.get(SEARCH, params={"query": "address:potoroo"}).json()["total"] == 0

    call_command("migrate", verbosity=0)
    assert sandbox.get(SEARCH, params={"query": "address:potoroo"}).json()["total"] == 1
    assert sandbox.get(SEARCH, params={"query": "description:potoroo"}).json()["total"] == 0
    check_integrity()
