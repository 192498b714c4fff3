"""/sandbox/openapi.json describes exactly the routes of the sandbox URLconf, is an OpenAPI 3
document in shape, and (through Sandbox.call in conftest.py) every answer the HTTP tests get."""

import copy
import json
import re

import pytest
import requests
from django.urls import resolve

from recordsadmin.contract.datatypes import OPERATORS
from recordsadmin.sandbox import urls as sandbox_urls
from recordsadmin.sandbox.openapi import SPEC

from . import openapi_check
from .openapi_check import check_response, document_problems

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def concrete(path: str) -> str:
    return "/sandbox" + re.sub(r"\{[^}]+\}", "sample-1", path)


def described() -> set[tuple[str, str]]:
    """(route name, METHOD) of every described operation, found by resolving its path."""
    found = set()
    for path, operations in SPEC["paths"].items():
        match = resolve(concrete(path))
        assert match.url_name != "unknown", f"{path} is described but no route serves it"
        for method in set(operations) & HTTP_METHODS:
            found.add((match.url_name, method.upper()))
    return found


def routed() -> set[tuple[str, str]]:
    found = set()
    for pattern in sandbox_urls.urlpatterns:
        if pattern.name == "unknown":  # the JSON 404 for everything else
            continue
        for method in getattr(pattern.callback, "methods", ("GET",)):
            found.add((pattern.name, method))
    return found


def test_every_route_is_described_and_every_description_is_routed():
    assert described() == routed()


def test_described_paths_resolve_with_and_without_a_trailing_slash():
    for path in SPEC["paths"]:
        with_slash = concrete(path).rstrip("/") + "/"
        without = concrete(path).rstrip("/")
        if path == "/openapi.json":
            continue
        assert resolve(with_slash).url_name == resolve(without).url_name != "unknown"


def test_the_search_route_comes_before_the_record_route():
    assert resolve("/sandbox/objects/x/records/search").url_name == "record-search"
    assert resolve("/sandbox/objects/x/records/abc").url_name == "record"


def test_every_reference_resolves():
    text = repr(SPEC)
    for ref in set(re.findall(r"#/components/(\w+)/([\w-]+)", text)):
        assert ref[1] in SPEC["components"][ref[0]], ref


@pytest.mark.django_db(transaction=True)
def test_openapi_json_is_served_without_a_token(live_server):
    response = requests.get(live_server.url + "/sandbox/openapi.json", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert body["openapi"].startswith("3.")
    assert set(body["paths"]) == set(SPEC["paths"])


def test_the_served_document_says_how_a_key_in_the_query_is_read(live_server):
    """Both search forms describe `key:value` and say that a key the object does not search
    is searched as plain text, not refused."""
    served = requests.get(live_server.url + "/sandbox/openapi.json", timeout=10).json()
    body = served["components"]["schemas"]["SearchBody"]  # POST .../records/search
    get = served["paths"]["/objects/{idOrKey}/records/search"]["get"]
    (param,) = [p for p in get["parameters"] if p.get("name") == "query"]
    for described in (body["properties"]["query"]["description"], param["description"]):
        assert "`key:value`" in described and "`address:oak`" in described
        assert "is not refused" in described and "searched as plain text" in described


# --- the document is OpenAPI 3, and the answers are the ones it describes ------------------


def test_the_document_is_openapi_3_in_shape():
    assert document_problems(SPEC) == []


def _broken(change) -> dict:
    spec = copy.deepcopy(SPEC)
    change(spec)
    return spec


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s.pop("info"),
        lambda s: s.update(openapi="2.0"),
        lambda s: s["paths"]["/users/"]["get"].pop("responses"),
        lambda s: s["paths"]["/users/"]["get"]["responses"].update({"2xx": {"description": ""}}),
        lambda s: s["paths"]["/users/"]["get"]["responses"]["200"].pop("description"),
        lambda s: s["paths"]["/objects/{idOrKey}"]["get"]["parameters"].pop(1),  # idOrKey
        lambda s: s["paths"]["/objects/{idOrKey}"]["get"]["parameters"][1].update(required=False),
        lambda s: s["paths"]["/users/"]["get"]["parameters"][1].update({"in": "body"}),
        lambda s: s["components"]["schemas"]["User"].update(type=["object", "null"]),
        lambda s: s["components"]["schemas"]["Record"]["properties"].update(x={"type": "array"}),
        lambda s: s["components"]["schemas"]["User"].update(patternProperties={}),
        lambda s: s["components"]["schemas"]["User"].update(required="id"),
        lambda s: s["paths"]["/users/"].update(fetch={}),
    ],
)
def test_the_shape_check_finds_what_is_not_openapi_3(change):
    assert document_problems(_broken(change)) != []


def fake_response(method: str, path: str, status: int, body) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.headers["Content-Type"] = "application/json"
    response._content = json.dumps(body).encode()
    response.request = requests.Request(method, "http://testserver/sandbox" + path).prepare()
    return response


RECORD = {
    "id": "r1",
    "objectId": "o1",
    "objectKey": "custom_objects.property",
    "locationId": "l1",
    "properties": {"price": 1},
    "owner": None,
    "followers": [],
    "createdAt": "2026-03-07T12:00:00.000Z",
    "updatedAt": "2026-03-07T12:00:00.000Z",
    "dateAdded": "2026-03-07T12:00:00.000Z",
    "dateUpdated": "2026-03-07T12:00:00.000Z",
}


@pytest.mark.parametrize(
    ("method", "path", "status", "body"),
    [
        ("GET", "/objects/x/records/r1", 200, {"record": {**RECORD, "cache": True}}),
        ("GET", "/objects/x/records/r1", 200, {"record": {**RECORD, "owner": 5}}),
        ("GET", "/objects/x/records/r1", 200, {"record": {**RECORD, "createdAt": "today"}}),
        ("GET", "/objects/x/records/r1", 200, {"record": {"id": "r1"}}),
        ("GET", "/objects/x/records/r1", 201, {"record": RECORD}),  # not a documented status
        ("GET", "/objects/x/records/search", 200, {"records": [RECORD], "total": 1}),
        ("DELETE", "/custom-fields/f1", 200, {"id": "f1", "success": True}),
        ("GET", "/users/", 400, {"message": "no status code", "error": "Bad Request"}),
        ("GET", "/no/such/route", 200, {}),
    ],
)
def test_the_response_check_refuses_what_the_document_does_not_describe(method, path, status, body):
    with pytest.raises(AssertionError):
        check_response(fake_response(method, path, status, body))


@pytest.mark.parametrize(
    ("method", "path", "status", "body"),
    [
        ("GET", "/objects/x/records/r1/", 200, {"record": RECORD}),
        ("GET", "/objects/x/records/search", 200,
         {"records": [{**RECORD, "searchAfter": [1, "r1"]}], "total": 1, "limit": 20,
          "offset": 0}),
        ("PATCH", "/objects/x/records", 405,
         {"statusCode": 405, "message": "no", "error": "Method Not Allowed"}),
        ("GET", "/objects/x/records/r1", 500,
         {"statusCode": 500, "message": "Internal server error", "error": "Internal Server Error"}),
    ],
)  # fmt: skip
def test_the_response_check_takes_what_the_document_describes(method, path, status, body):
    check_response(fake_response(method, path, status, body))


def test_get_object_describes_its_fields():
    _, schema = openapi_check.described("GET", "http://testserver/sandbox/objects/x", 200)
    assert schema["properties"]["fields"]["items"] == {"$ref": "#/components/schemas/Field"}
    assert "fields" not in schema["required"]  # only with fetchProperties=true


def test_the_property_filters_of_get_search_are_described():
    operation = SPEC["paths"]["/objects/{idOrKey}/records/search"]["get"]
    filters = next(p for p in operation["parameters"] if p.get("name") == "propertyFilters")
    assert (filters["in"], filters["style"], filters["explode"]) == ("query", "form", True)
    assert filters["schema"]["type"] == "object"
    for operator in OPERATORS:
        assert f"{operator}" in filters["description"]
    assert "properties.<key>" in filters["description"]
