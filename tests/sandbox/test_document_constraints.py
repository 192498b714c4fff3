"""The requests the schemathesis run first found the document and the API disagreeing on: for
each, openapi.json's verdict and the API's answer now agree."""

import json
from urllib.parse import urlencode

import jsonschema
import pytest

from recordsadmin.sandbox.demo import PROPERTY_KEY, create_demo_location
from recordsadmin.sandbox.models import Record
from recordsadmin.sandbox.openapi import SPEC

from .conftest import VERSION
from .openapi_check import _components, _json_schema

pytestmark = pytest.mark.django_db

OBJECT = "/objects/{idOrKey}"
RECORD = "/objects/{idOrKey}/records/{recordId}"
SEARCH = "/objects/{idOrKey}/records/search"


def document_allows(template: str, method: str, query: dict, body: dict | None) -> bool:
    operation = SPEC["paths"][template][method.lower()]
    checks = []
    for parameter in operation["parameters"]:
        if parameter.get("in") == "query" and parameter["name"] in query:
            checks.append((parameter["schema"], query[parameter["name"]]))
    if body is not None:
        checks.append((operation["requestBody"]["content"]["application/json"]["schema"], body))
    for schema, value in checks:
        root = {"allOf": [_json_schema(schema)], "components": _components()}
        if schema.get("type") == "integer":
            value = int(value)
        if not jsonschema.Draft4Validator(root).is_valid(value):
            return False
    return True


@pytest.fixture
def api(client):
    location, token = create_demo_location(records=3)
    record = Record.objects.filter(location=location).first()
    headers = {"Authorization": f"Bearer {token}", "Version": VERSION}

    def call(template: str, method: str, query: dict, body: dict | None):
        path = template.format(idOrKey=PROPERTY_KEY, recordId=record.id)
        response = client.generic(
            method,
            f"/sandbox{path}?{urlencode(query)}",
            data=json.dumps(body) if body is not None else "",
            content_type="application/json",
            headers=headers,
        )
        return response.status_code, response.json()

    return call


@pytest.mark.parametrize(
    ("template", "method", "query", "body", "allowed"),
    [
        # Refused, and now described as refused.
        (SEARCH, "GET", {"query": "a\x00b"}, None, False),
        (SEARCH, "GET", {"sortBy": ""}, None, False),
        (SEARCH, "GET", {"query": "x" * 76}, None, False),
        (SEARCH, "GET", {"sortOrder": "sideways"}, None, False),
        (OBJECT, "GET", {"fetchProperties": "yes"}, None, False),
        ("/objects/", "POST", {}, {"key": "", "labels": {}}, False),
        (OBJECT, "PUT", {}, {"labels": {"singular": " "}}, False),
        (OBJECT, "PUT", {}, {"labels": {"singular": "Home", "color": "red"}}, False),
        (SEARCH, "POST", {}, {"filters": {}}, False),
        (SEARCH, "POST", {}, {"page": 10_000_002}, False),
        # Accepted, and now described as accepted.
        (RECORD, "PUT", {}, {"followers": None}, True),
        (RECORD, "PUT", {}, {"owner": None, "followers": ""}, True),
        (OBJECT, "PUT", {}, {"description": None, "labels": None}, True),
        (SEARCH, "GET", {"sortOrder": "DESC", "sortBy": "updatedAt"}, None, True),
        (SEARCH, "POST", {}, {"query": None, "filters": None, "sort": None}, True),
        (SEARCH, "POST", {}, {"searchAfter": []}, True),
    ],
)
def test_the_document_and_the_api_agree(api, template, method, query, body, allowed):
    assert document_allows(template, method, query, body) is allowed
    status, answer = api(template, method, query, body)
    assert (status == 200) is allowed, answer
    if not allowed:
        assert status in (400, 422)
        assert answer["errors"], "a refusal names what it is about"


def test_a_nul_is_refused_naming_where_it_is(api):
    status, answer = api(RECORD, "PUT", {}, {"properties": {"address": "a\x00"}})
    assert status == 400
    assert list(answer["errors"]) == ["properties"]
    status, answer = api(SEARCH, "GET", {"owner": "\x00"}, None)
    assert (status, list(answer["errors"])) == (400, ["owner"])


def test_what_no_schema_can_say_is_named_on_the_operation():
    record_put = SPEC["paths"][RECORD]["put"]
    assert set(record_put["x-refused-beyond-schema"]) == {"properties", "owner", "followers"}
    assert "x-refused-beyond-schema" not in SPEC["paths"]["/users/"]["get"]
    assert "properties" in record_put["description"]
