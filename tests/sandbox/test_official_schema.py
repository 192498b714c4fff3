"""The embedded API's answers validate against GoHighLevel's official objects.json schemas, with
only the corrections that docs/differences.md lists, and each correction is still needed.

A client written against the official description reads records' `dateAdded`/`dateUpdated`,
objects' `standard` and the GET object's `cache`; one written against the setup document
reads `createdAt`/`updatedAt`. The embedded API sends both (serializers.times).
"""

import copy
import json
from pathlib import Path

import jsonschema
import pytest

from recordsadmin.sandbox.demo import PROPERTY_KEY, create_demo_location

from .conftest import SEED_PROPERTIES, VERSION

pytestmark = pytest.mark.django_db

OFFICIAL = Path(__file__).resolve().parents[1] / "records" / "ghl-openapi"  # see SOURCE.txt
COMMON_REF = "../common/common-schemas.json#"


def _schemas(name: str) -> dict:
    return json.loads((OFFICIAL / name).read_text())["components"]["schemas"]


def _official() -> dict:
    """objects.json's schemas, with the common file's merged in (its refs made local)."""
    text = json.dumps({**_schemas("common/common-schemas.json"), **_schemas("apps/objects.json")})
    return json.loads(text.replace(COMMON_REF, "#"))


def _owner(s):
    # A user id or null (the setup document's "owner": "user-id"), not a list.
    for name in ("IRecordSchema", "RecordResponseDTO"):
        s[name]["properties"]["owner"] = {"type": ["string", "null"]}


def _properties(s):
    # Typed a string, though its own example is an object, and so is what the service sends.
    for name in ("IRecordSchema", "RecordResponseDTO"):
        s[name]["properties"]["properties"] = {"type": "object"}


def _search_meta(s):
    # No createdBy/lastUpdatedBy (no channel or source to tell); searchAfter ends with an id.
    record = s["RecordResponseDTO"]
    record["required"] = [r for r in record["required"] if r not in ("createdBy", "lastUpdatedBy")]
    record["properties"]["searchAfter"]["items"] = {"type": ["number", "string"]}


def _object_type(s):
    # Typed an object, though its example and every answer is a string (USER_DEFINED).
    s["ICustomObjectSchema"]["properties"]["type"] = {"type": "string"}


def _field_folder_and_email(s):
    # No folders (parentId), and EMAIL is a dataType the service has that the enum forgot.
    field = s["ICustomField"]
    field["required"] = [r for r in field["required"] if r != "parentId"]
    field["properties"]["dataType"]["enum"].append("EMAIL")


CORRECTIONS = {
    "owner": _owner,
    "properties": _properties,
    "search_meta": _search_meta,
    "object_type": _object_type,
    "field_folder_and_email": _field_folder_and_email,
}


def problems(answers: list[tuple[str, dict]], skip: str = "") -> list[str]:
    schemas = _official()
    for name, correct in CORRECTIONS.items():
        if name != skip:
            correct(schemas)
    found = []
    for schema_name, body in answers:
        root = {"$ref": f"#/components/schemas/{schema_name}", "components": {"schemas": schemas}}
        validator = jsonschema.Draft4Validator(copy.deepcopy(root))
        found += [
            f"{schema_name} {'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(body)
        ]
    return found


@pytest.fixture
def answers(client):
    """Every answer of the embedded API that objects.json describes, with its schema's name."""
    location, token = create_demo_location(records=5)
    headers = {"Authorization": f"Bearer {token}", "Version": VERSION}
    base = f"/sandbox/objects/{PROPERTY_KEY}"

    def call(method, path, body=None, **params):
        query = "&".join(f"{k}={v}" for k, v in {"locationId": location.id, **params}.items())
        response = client.generic(
            method,
            f"{path}?{query}",
            data=json.dumps(body) if body is not None else "",
            content_type="application/json",
            headers=headers,
        )
        assert response.status_code < 300, response.content
        return response.json()

    created = call("POST", f"{base}/records", {"properties": SEED_PROPERTIES})
    record = f"{base}/records/{created['record']['id']}"
    return [
        ("RecordByIdResponseDTO", created),
        ("RecordByIdResponseDTO", call("GET", record)),
        ("RecordByIdResponseDTO", call("PUT", record, {"properties": {"price": 1}})),
        ("SearchRecordResponseDTO", call("POST", f"{base}/records/search", {"pageLimit": 5})),
        ("CustomObjectByIdResponseDTO", call("GET", base, fetchProperties="true")),
        ("CustomObjectListResponseDTO", call("GET", "/sandbox/objects/")),
        ("CustomObjectResponseDTO", call("PUT", base, {"labels": {"singular": "Home"}})),
        ("ObjectRecordDeleteResponseDTO", call("DELETE", record)),
    ]


def test_the_answers_validate_against_the_official_schemas(answers):
    assert problems(answers) == []


@pytest.mark.parametrize("correction", sorted(CORRECTIONS))
def test_every_correction_is_still_needed(answers, correction):
    assert problems(answers, skip=correction) != []


def test_records_and_objects_carry_both_spellings(answers):
    by_schema = {}
    for name, body in answers:
        by_schema.setdefault(name, body)
    record = by_schema["RecordByIdResponseDTO"]["record"]
    assert record["dateAdded"] == record["createdAt"]
    assert record["dateUpdated"] == record["updatedAt"]
    got = by_schema["CustomObjectByIdResponseDTO"]
    assert got["object"]["standard"] is False
    assert got["cache"] is False
    assert got["object"]["dateAdded"] == got["object"]["createdAt"]
    assert got["fields"][0]["dateUpdated"] == got["fields"][0]["updatedAt"]
    for found in by_schema["SearchRecordResponseDTO"]["records"]:
        assert {"createdAt", "dateAdded", "updatedAt", "dateUpdated"} <= set(found)
