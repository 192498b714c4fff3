"""Property indexes follow the schema: made for objects and fields however they were created,
dropped with the last field that needed them, and used by the sorts they exist for."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from recordsadmin.sandbox import indexing, search
from recordsadmin.sandbox.demo import PROPERTY_KEY
from recordsadmin.sandbox.models import Field, ObjectSchema

from .conftest import SEED_PROPERTIES

pytestmark = pytest.mark.django_db(transaction=True)

YEAR_BUILT = {
    "objectKey": PROPERTY_KEY,
    "name": "Year built",
    "fieldKey": f"{PROPERTY_KEY}.year_built",
    "dataType": "NUMERICAL",
}


def property_index_names() -> set[str]:
    with connection.cursor() as cursor:
        names = connection.introspection.get_constraints(cursor, "sandbox_record")
    return {name for name in names if name.startswith(indexing.PROPERTY_INDEX_PREFIX)}


def names_for(key: str, data_type: str) -> set[str]:
    return {i.name for i in indexing.field_indexes(key, data_type, connection.vendor)}


def sort_plan(obj: ObjectSchema, params: str) -> str:
    """The query plan of the page query that a search with `params` runs."""
    request = search.parse_get(obj, QueryDict(params))
    with CaptureQueriesContext(connection) as queries:
        search.run_search(obj, request)
    sql = queries.captured_queries[-1]["sql"]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The test table is tiny: make the planner show whether it can use an index.
            # (Nor sort one the planner finds rows=1 in: the statistics other tests left.)
            cursor.execute("SET enable_seqscan = off")
            cursor.execute("SET enable_sort = off")
            cursor.execute("EXPLAIN " + sql)
            plan = " ".join(row[0] for row in cursor.fetchall())
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_sort")
            return plan
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return " ".join(row[-1] for row in cursor.fetchall())


def test_a_field_created_over_http_is_sorted_from_an_index(sandbox):
    assert property_index_names().isdisjoint(names_for("year_built", "NUMERICAL"))
    response = sandbox.post("/custom-fields/", json=YEAR_BUILT)
    assert response.status_code == 201, response.text
    assert names_for("year_built", "NUMERICAL") <= property_index_names()
    for year in (1990, 1925, 2011):
        created = sandbox.create({**SEED_PROPERTIES, "year_built": year})
        assert created.status_code == 200, created.text

    obj = ObjectSchema.objects.prefetch_related("fields").get(
        location=sandbox.location, key=PROPERTY_KEY
    )
    for order in ("asc", "desc"):
        plan = sort_plan(obj, f"sortBy=properties.year_built&sortOrder={order}")
        assert "USE TEMP B-TREE FOR ORDER BY" not in plan, plan  # SQLite sorted nothing itself
        assert "Sort" not in plan, plan  # nor did PostgreSQL
    found = sandbox.get(
        f"/objects/{PROPERTY_KEY}/records/search",
        params={"sortBy": "properties.year_built", "sortOrder": "asc", "limit": 3},
    )
    assert [r["properties"]["year_built"] for r in found.json()["records"]] == [1925, 1990, 2011]


def test_an_object_created_over_http_has_its_primary_property_indexed(sandbox):
    response = sandbox.post(
        "/objects/",
        json={
            "key": "custom_objects.pet",
            "labels": {"singular": "Pet", "plural": "Pets"},
            "primaryDisplayPropertyDetails": {
                "key": "pet_name",
                "name": "Name",
                "dataType": "TEXT",
            },
        },
    )
    assert response.status_code == 201, response.text
    assert names_for("pet_name", "TEXT") <= property_index_names()

    assert sandbox.delete("/objects/custom_objects.pet").status_code == 200
    assert property_index_names().isdisjoint(names_for("pet_name", "TEXT"))


def test_deleting_the_last_field_of_a_key_drops_its_index_and_only_then(sandbox, other_sandbox):
    ids = []
    for api in (sandbox, other_sandbox):
        response = api.post("/custom-fields/", json=YEAR_BUILT)
        assert response.status_code == 201, response.text
        ids.append(response.json()["field"]["id"])
    wanted = names_for("year_built", "NUMERICAL")

    assert sandbox.delete(f"/custom-fields/{ids[0]}").status_code == 200
    assert wanted <= property_index_names()  # the other location's field still sorts by it
    assert other_sandbox.delete(f"/custom-fields/{ids[1]}").status_code == 200
    assert property_index_names().isdisjoint(wanted)
    # the demo's own properties keep theirs
    assert names_for("price", "MONETORY") <= property_index_names()


def test_migrate_indexes_fields_written_around_the_api(sandbox):
    obj = ObjectSchema.objects.get(location=sandbox.location, key=PROPERTY_KEY)
    Field.objects.create(
        location=sandbox.location,
        object=obj,
        name="Lot size",
        field_key=f"{PROPERTY_KEY}.lot_size",
        data_type="NUMERICAL",
    )
    assert property_index_names().isdisjoint(names_for("lot_size", "NUMERICAL"))
    call_command("migrate", verbosity=0)
    assert names_for("lot_size", "NUMERICAL") <= property_index_names()


def test_the_indexes_are_those_the_fields_want_lists_and_files_none(sandbox):
    for data_type, options in [
        ("MULTIPLE_OPTIONS", [{"key": "a", "label": "A"}]),
        ("FILE_UPLOAD", []),
    ]:
        response = sandbox.post(
            "/custom-fields/",
            json={
                "objectKey": PROPERTY_KEY,
                "name": data_type.title(),
                "fieldKey": data_type.lower(),
                "dataType": data_type,
                "options": options,
            },
        )
        assert response.status_code == 201, response.text
        assert names_for(data_type.lower(), data_type) == set()
    wanted = set()
    for field in Field.objects.all():
        wanted |= names_for(field.key, field.data_type)
    assert property_index_names() == wanted
