"""Every request the client can make, checked against GoHighLevel's official OpenAPI files.

The client is pointed at a recording server on a real socket; each captured request must match
one operation of the files in `tests/records/ghl-openapi/` (method, path template, required
headers and query parameters, no undeclared query parameter, body properties), with the
corrections applied where the spec is known to be wrong about the real service (record bodies,
search's optional fields, where locationId goes).
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from recordsadmin.client.domain import Filter, Sort
from recordsadmin.records import services

from . import samples
from .conftest import LOCATION, TOKEN

SPEC_DIR = Path(__file__).resolve().parent / "ghl-openapi"  # CC0, see SOURCE.txt there
SPEC_FILES = ("apps/objects.json", "apps/custom-fields.json")
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}

# Where the real service differs from its spec (docs/records-api.md): the record bodies are typed
# `{}` in the spec, and search does not require `query` nor `searchAfter`; search also takes
# `filters` and `sort` (the POST form). operationId -> (properties, required).
BODY_CORRECTIONS = {
    "create-object-record": (
        {"locationId", "properties", "owner", "followers"},
        {"locationId", "properties"},
    ),
    # locationId goes in the query on update: 422 in the body.
    "update-object-record": ({"properties", "owner", "followers"}, {"properties"}),
    "search-object-records": (
        {"locationId", "page", "pageLimit", "query", "searchAfter", "filters", "sort"},
        {"locationId", "page", "pageLimit"},
    ),
}
# The Users API is not among the shipped files; its list call, as the real service takes it.
USERS_LIST = {"method": "GET", "path": "/users/", "query": {"locationId"}}


@dataclass
class Operation:
    method: str
    template: str
    pattern: re.Pattern
    op: dict
    spec: dict

    @property
    def id(self) -> str:
        return self.op["operationId"]

    def parameters(self, where: str) -> list[dict]:
        return [p for p in self.op.get("parameters", []) if p.get("in") == where]

    def body_schema(self) -> tuple[set[str], set[str]] | None:
        if self.id in BODY_CORRECTIONS:
            return BODY_CORRECTIONS[self.id]
        content = self.op.get("requestBody", {}).get("content", {}).get("application/json")
        if not content:
            return None
        schema = content["schema"]
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            schema = self.spec["components"]["schemas"][name]
        return set(schema.get("properties", {})), set(schema.get("required", []))


def load_operations() -> list[Operation]:
    if not SPEC_DIR.is_dir():
        pytest.fail(f"The official OpenAPI files are missing: expected them at {SPEC_DIR}")
    operations = []
    for name in SPEC_FILES:
        spec = json.loads((SPEC_DIR / name).read_text())
        for template, item in spec["paths"].items():
            regex = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
            for method, op in item.items():
                if method in HTTP_METHODS:
                    operations.append(
                        Operation(method.upper(), template, re.compile(regex), op, spec)
                    )
    return operations


def match(operations: list[Operation], seen) -> Operation:
    found = [o for o in operations if o.method == seen.method and o.pattern.match(seen.path)]
    assert found, f"{seen.method} {seen.path} is no operation of the official spec"
    # A literal segment beats a template ("/records/search" over "/records/{id}").
    return min(found, key=lambda o: o.template.count("{"))


def check(operation: Operation, seen) -> None:
    where = f"{seen.method} {operation.template}"
    assert seen.headers.get("Authorization") == f"Bearer {TOKEN}", where
    for param in operation.parameters("header"):
        if param.get("required"):
            assert param["name"] in seen.headers, f"{where}: header {param['name']} missing"
            allowed = param.get("schema", {}).get("enum")
            if allowed:
                assert seen.headers[param["name"]] in allowed, where
    declared = {p["name"] for p in operation.parameters("query")}
    required = {p["name"] for p in operation.parameters("query") if p.get("required")}
    sent = set(seen.query)
    assert required <= sent, f"{where}: missing query {required - sent}"
    # The real service answers 422 to any query parameter it does not know.
    assert sent <= declared, f"{where}: undeclared query {sent - declared}"
    if "locationId" in sent:
        assert seen.query["locationId"] == [LOCATION], where

    body_schema = operation.body_schema()
    if body_schema is None:
        assert not seen.body, f"{where}: a body where none is expected"
        return
    properties, required_body = body_schema
    assert seen.headers.get("Content-Type") == "application/json", where
    body = seen.json
    assert isinstance(body, dict), where
    assert required_body <= set(body), f"{where}: body misses {required_body - set(body)}"
    assert set(body) <= properties, f"{where}: undeclared body {set(body) - properties}"
    if "locationId" in body:
        assert body["locationId"] == LOCATION, where


@pytest.mark.django_db
def test_every_request_matches_the_official_spec(ghl, clear_cache):
    ghl.router = samples.route
    operations = load_operations()

    schema = services.schema_get(key=samples.KEY)
    services.schema_list()
    services.user_list()
    services.record_search(
        schema=schema,
        query="rex",
        filters=[
            Filter("status", "eq", ["available", "adopted"]),
            Filter("weight", "gte", 2),
            Filter("weight", "lte", 9),
            Filter("breed", "exists"),
            Filter("owner", "eq", "usr1"),
        ],
        sort=Sort("price", "desc"),
        page=2,
        per_page=50,
    )
    services.record_count(schema=schema)
    services.record_get(schema=schema, record_id="rec1")
    services.record_create(
        schema=schema, properties={"name": "Rex", "price": 10}, owner="usr1", followers=["usr2"]
    )
    services.record_update(schema=schema, record_id="rec1", properties={"price": None}, owner=None)
    services.record_delete(schema=schema, record_id="rec1")
    services.api_health()

    used = set()
    for seen in ghl.requests:
        if seen.path == USERS_LIST["path"]:
            assert seen.method == USERS_LIST["method"]
            assert set(seen.query) == USERS_LIST["query"]
            assert seen.headers["Version"] == "2021-07-28"
            assert not seen.body
            continue
        operation = match(operations, seen)
        check(operation, seen)
        used.add(operation.id)
    assert used == {
        "get-object-by-location-id",
        "get-object-schema-by-key",
        "search-object-records",
        "get-record-by-id",
        "create-object-record",
        "update-object-record",
        "delete-object-record",
    }


def test_the_checker_catches_a_misplaced_location_id():
    """The check above can fail: a locationId on delete or in an update body is caught."""
    operations = load_operations()

    class Fake:
        method = "DELETE"
        path = f"/objects/{samples.KEY}/records/rec1"
        query = {"locationId": [LOCATION]}
        headers = {"Authorization": f"Bearer {TOKEN}", "Version": "2021-07-28"}
        body = b""
        json = None

    with pytest.raises(AssertionError, match="undeclared query"):
        check(match(operations, Fake), Fake)

    Fake.method, Fake.query = "PUT", {"locationId": [LOCATION]}
    Fake.body = json.dumps({"locationId": LOCATION, "properties": {}}).encode()
    Fake.json = json.loads(Fake.body)
    Fake.headers = {**Fake.headers, "Content-Type": "application/json"}
    with pytest.raises(AssertionError, match="undeclared body"):
        check(match(operations, Fake), Fake)
