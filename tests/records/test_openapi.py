"""Every request the client can make, checked against GoHighLevel's official OpenAPI files.

The client is pointed at a recording server on a real socket; each captured request must match
one operation of the files in `tests/records/ghl-openapi/` (method, path template, required
headers and query parameters, no undeclared query parameter, body properties), with the
corrections applied where the spec is known to be wrong about the real service (record bodies,
search's optional fields, the contact search's body, where locationId goes). The records calls,
the object, field and folder writes, the association, relation and contact calls and the users
list are all covered.
"""

import json
import re
from dataclasses import dataclass

import pytest

from recordsadmin.client import endpoints
from recordsadmin.client.domain import Filter, Folder, Sort
from recordsadmin.records import services
from tests.support.official import OFFICIAL

from . import samples
from .conftest import LOCATION, TOKEN

SPEC_FILES = (
    "apps/objects.json",
    "apps/custom-fields.json",
    "apps/associations.json",
    "apps/contacts.json",
    "apps/users.json",
)
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
    # Typed `{}` in contacts.json; the real service's advanced search takes these (and more:
    # filters, sort, searchAfter, which the client does not send).
    "search-contacts-advanced": ({"locationId", "page", "pageLimit", "query"}, {"locationId"}),
}


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
    if not OFFICIAL.is_dir():
        pytest.fail(f"The official OpenAPI files are missing: expected them at {OFFICIAL}")
    operations = []
    for name in SPEC_FILES:
        spec = json.loads((OFFICIAL / name).read_text())
        for template, item in spec["paths"].items():
            regex = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
            for method, op in item.items():
                if method in HTTP_METHODS:
                    operations.append(
                        Operation(method.upper(), template, re.compile(regex), op, spec)
                    )
    return operations


def match(operations: list[Operation], seen) -> Operation:
    # contacts.json reuses "create-association" (a tags call): operations are told apart by
    # method and path, never by operationId alone.
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
        "get-user-by-location",
    }


@pytest.mark.django_db
def test_every_schema_association_and_contact_request_matches_the_official_spec(ghl, clear_cache):
    ghl.router = samples.route
    operations = load_operations()
    schema = services.schema_get(key=samples.KEY)
    field = schema.field("status")
    folder = Folder(id=samples.FOLDER["id"], name="General")

    services.object_create(
        key="pets2", singular="Pet", plural="Pets", primary_key="name", primary_name="Name"
    )
    services.object_update(schema=schema, singular="Animal", description="All of them")
    services.field_create(schema=schema, key="colour", name="Colour", data_type="TEXT")
    services.field_update(schema=schema, field=field, options=[("available", "For adoption")])
    services.field_delete(schema=schema, field=schema.field("breed"))
    services.folder_create(schema=schema, name="Health")
    services.folder_rename(schema=schema, folder=folder, name="Basics")
    services.folder_delete(schema=schema, folder=Folder(id="fol9", name="Empty"))

    association = services.association_list(object_key=samples.KEY)[0]
    endpoints.association_get(association.id)
    endpoints.association_get_by_key(association.key)
    endpoints.associations_of_object(samples.KEY)
    services.association_create(
        key="pet_vet",
        first_object_key=samples.KEY,
        first_label="Patient",
        second_object_key="contact",
        second_label="Vet",
    )
    services.association_update(association=association, first_label="Pet", second_label="Keeper")
    record = services.record_get(schema=schema, record_id=samples.REAL_RECORD["id"])
    linked = services.relation_list(schema=schema, record_id=record.id, association=association)
    relation = services.relation_create_logged(
        user=None, schema=schema, record=record, association=association, other_id="con2"
    )
    services.relation_delete_logged(
        user=None, schema=schema, record=record, association=association, relation=relation
    )
    services.association_delete(association=association)
    services.contact_search(query="grace", page=2, per_page=10)
    services.contact_create(first_name="Ada", email="ada@example.com")
    assert linked.items[0].contact.name == "Grace Hopper"

    used = set()
    for seen in ghl.requests:
        operation = match(operations, seen)
        check(operation, seen)
        used.add(operation.id)
    assert used >= {
        "create-custom-object-schema",
        "update-custom-object",
        "get-custom-fields-by-object-key",
        "create-custom-field",
        "update-custom-field",
        "delete-custom-field",
        "create-custom-field-folder",
        "update-custom-field-folder",
        "delete-custom-field-folder",
        "find-associations",
        "get-association-by-ID",
        "get-association-key-by-key-name",
        "get-association-by-object-keys",
        "create-association",
        "update-association",
        "delete-association",
        "create-relation",
        "get-relations-by-record-id",
        "delete-relation",
        "search-contacts-advanced",
        "get-contact",
        "create-contact",
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
