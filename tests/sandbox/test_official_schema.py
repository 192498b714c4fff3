"""The embedded API's answers validate against GoHighLevel's official schemas (objects.json,
custom-fields.json, associations.json, contacts.json), with only the corrections that
docs/differences.md lists, and each correction is still needed.

A client written against the official description reads records' `dateAdded`/`dateUpdated`,
objects' `standard` and the GET object's `cache`; one written against the setup document
reads `createdAt`/`updatedAt`. The embedded API sends both (serializers.times). Each answer is
checked against the schema of its operation's success answer in the official files; a
correction changes a schema, or the answer an operation is documented with where the file
describes another call's shape (the association calls').
"""

import copy
import json

import jsonschema
import pytest

from recordsadmin.sandbox.demo import BUYER_ASSOCIATION, PROPERTY_KEY, create_demo_location
from recordsadmin.sandbox.models import Association, Contact, Field, Record, Relation
from tests.support.official import COMMON_REF, official_file

from .conftest import SEED_PROPERTIES, VERSION

pytestmark = pytest.mark.django_db

FILES = (
    "apps/objects.json",
    "apps/custom-fields.json",
    "apps/associations.json",
    "apps/contacts.json",
)


def _official() -> tuple[dict, dict]:
    """The files' schemas, merged with the common file's (refs made local; the two files that
    both define OptionDTO and ICustomField define them alike), and operationId -> the schema
    of its success answer."""
    schemas = dict(official_file("common/common-schemas.json")["components"]["schemas"])
    responses = {}
    for name in FILES:
        spec = official_file(name)
        schemas.update(spec["components"]["schemas"])
        for item in spec["paths"].values():
            for operation in item.values():
                for status, answer in operation["responses"].items():
                    content = answer.get("content", {}).get("application/json")
                    if status.startswith("2") and content:
                        # contacts.json reuses "create-association" for a tags call: the
                        # first file that names an operation keeps it.
                        responses.setdefault(operation["operationId"], content["schema"])
    text = json.dumps({"schemas": schemas, "responses": responses}).replace(COMMON_REF, "#")
    found = json.loads(text)
    return found["schemas"], found["responses"]


def _owner(s, r):
    # A user id or null (the setup document's "owner": "user-id"), not a list.
    for name in ("IRecordSchema", "RecordResponseDTO"):
        s[name]["properties"]["owner"] = {"type": ["string", "null"]}


def _properties(s, r):
    # Typed a string, though its own example is an object, and so is what the service sends.
    for name in ("IRecordSchema", "RecordResponseDTO"):
        s[name]["properties"]["properties"] = {"type": "object"}


def _search_meta(s, r):
    # No createdBy/lastUpdatedBy (no channel or source to tell); searchAfter ends with an id.
    record = s["RecordResponseDTO"]
    record["required"] = [r for r in record["required"] if r not in ("createdBy", "lastUpdatedBy")]
    record["properties"]["searchAfter"]["items"] = {"type": ["number", "string"]}


def _object_type(s, r):
    # Typed an object, though its example and every answer is a string (USER_DEFINED).
    s["ICustomObjectSchema"]["properties"]["type"] = {"type": "string"}


def _email(s, r):
    # EMAIL is a dataType the service has that the enum forgot.
    s["ICustomField"]["properties"]["dataType"]["enum"].append("EMAIL")


def _association_types(s, r):
    # Labels, object keys and the type are typed objects; their examples, like every answer
    # the public material shows, are strings.
    association = s["GetPostSuccessfulResponseDto"]["properties"]
    for name in (
        "firstObjectLabel",
        "firstObjectKey",
        "secondObjectLabel",
        "secondObjectKey",
        "associationType",
    ):
        association[name] = {"type": "string"}


def _association_lists(s, r):
    # The calls that find several associations are documented with one association's shape.
    listed = {"$ref": "#/components/schemas/GetPostSuccessfulResponseDto"}
    for operation in ("find-associations", "get-association-by-object-keys"):
        r[operation] = {
            "type": "object",
            "required": ["associations"],
            "properties": {"associations": {"type": "array", "items": listed}},
        }


# A relation as the official webhook documents (RelationCreate/RelationDelete) and a live
# answer of GET /associations/relations/{recordId} shows: both records with their objects.
RELATION = {
    "type": "object",
    "required": [
        "id",
        "associationId",
        "firstObjectKey",
        "firstRecordId",
        "secondObjectKey",
        "secondRecordId",
        "locationId",
    ],
    "properties": {
        name: {"type": "string"}
        for name in (
            "id",
            "associationId",
            "firstObjectKey",
            "firstRecordId",
            "secondObjectKey",
            "secondRecordId",
            "locationId",
        )
    },
}


def _relation_answers(s, r):
    # The relation calls are documented with an association's shape; they answer relations.
    r["create-relation"] = r["delete-relation"] = RELATION
    r["get-relations-by-record-id"] = {
        "type": "object",
        "required": ["relations", "total"],
        "properties": {"relations": {"type": "array", "items": RELATION}},
    }


def _folders_typed_as_fields(s, r):
    # A field list's folders are typed as fields (dataType, fieldKey...); they are folders.
    folders = s["CustomFieldsResponseDTO"]["properties"]["folders"]
    folders["items"] = {"$ref": "#/components/schemas/ICustomFieldFolder"}


CORRECTIONS = {
    "owner": _owner,
    "properties": _properties,
    "search_meta": _search_meta,
    "object_type": _object_type,
    "email": _email,
    "association_types": _association_types,
    "association_lists": _association_lists,
    "relation_answers": _relation_answers,
    "folders_typed_as_fields": _folders_typed_as_fields,
}


def problems(answers: list[tuple[str, dict]], skip: str = "") -> list[str]:
    schemas, responses = _official()
    for name, correct in CORRECTIONS.items():
        if name != skip:
            correct(schemas, responses)
    found = []
    for operation, body in answers:
        root = {**responses[operation], "components": {"schemas": schemas}}
        validator = jsonschema.Draft4Validator(copy.deepcopy(root))
        found += [
            f"{operation} {'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(body)
        ]
    return found


@pytest.fixture
def answers(client):
    """Every answer of the embedded API that the official files describe, by operationId."""
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
    objects = [
        ("create-object-record", created),
        ("get-record-by-id", call("GET", record)),
        ("update-object-record", call("PUT", record, {"properties": {"price": 1}})),
        ("search-object-records", call("POST", f"{base}/records/search", {"pageLimit": 5})),
        ("get-object-schema-by-key", call("GET", base, fetchProperties="true")),
        ("get-object-by-location-id", call("GET", "/sandbox/objects/")),
        ("update-custom-object", call("PUT", base, {"labels": {"singular": "Home"}})),
        ("delete-object-record", call("DELETE", record)),
    ]
    return objects + _field_answers(call) + _association_answers(call, location)


def _field_answers(call) -> list[tuple[str, dict]]:
    folder = call("POST", "/sandbox/custom-fields/folder", {"objectKey": PROPERTY_KEY, "name": "F"})
    body = {"objectKey": PROPERTY_KEY, "name": "Heat", "fieldKey": "heat", "dataType": "TEXT"}
    field = call("POST", "/sandbox/custom-fields/", {**body, "parentId": folder["id"]})
    path = f"/sandbox/custom-fields/{field['field']['id']}"
    folder_path = f"/sandbox/custom-fields/folder/{folder['id']}"
    return [
        ("create-custom-field-folder", folder),
        ("create-custom-field", field),
        ("get-custom-field-by-id", call("GET", path)),
        ("update-custom-field", call("PUT", path, {"name": "Heating", "showInForms": True})),
        ("get-custom-fields-by-object-key",
         call("GET", f"/sandbox/custom-fields/object-key/{PROPERTY_KEY}")),
        ("delete-custom-field", call("DELETE", path)),
        ("update-custom-field-folder", call("PUT", folder_path, {"name": "G"})),
        ("delete-custom-field-folder", call("DELETE", folder_path)),
    ]  # fmt: skip


def _association_answers(call, location) -> list[tuple[str, dict]]:
    buyers = Association.objects.get(location=location, key=BUYER_ASSOCIATION)
    prop = Record.objects.filter(location=location, object__key=PROPERTY_KEY).first()
    contact = Contact.objects.filter(location=location).first()
    Relation.objects.filter(first_record_id=prop.id).delete()  # the demo's may hold this pair
    made = call(
        "POST",
        "/sandbox/associations/",
        {
            "key": "second_home",
            "firstObjectKey": PROPERTY_KEY,
            "firstObjectLabel": "Second home",
            "secondObjectKey": "contact",
            "secondObjectLabel": "Owner",
        },
    )
    one = f"/sandbox/associations/{made['id']}"
    relation = call(
        "POST",
        "/sandbox/associations/relations",
        {"associationId": buyers.id, "firstRecordId": contact.id, "secondRecordId": prop.id},
    )
    new_contact = call("POST", "/sandbox/contacts/", {"name": "Ada Byron", "email": "ada@b.org"})
    labels = {"firstObjectLabel": "Holiday home", "secondObjectLabel": "Owner"}
    return [
        ("create-association", made),
        ("get-association-by-ID", call("GET", one)),
        ("get-association-key-by-key-name", call("GET", "/sandbox/associations/key/second_home")),
        ("get-association-by-object-keys",
         call("GET", f"/sandbox/associations/objectKey/{PROPERTY_KEY}")),
        ("find-associations", call("GET", "/sandbox/associations/", skip=0, limit=10)),
        ("update-association", call("PUT", one, labels)),
        ("create-relation", relation),
        ("get-relations-by-record-id",
         call("GET", f"/sandbox/associations/relations/{prop.id}", skip=0, limit=10)),
        ("delete-relation", call("DELETE", f"/sandbox/associations/relations/{relation['id']}")),
        ("delete-association", call("DELETE", one)),
        ("create-contact", new_contact),
        ("get-contact", call("GET", f"/sandbox/contacts/{contact.id}")),
    ]  # fmt: skip


def test_the_answers_validate_against_the_official_schemas(answers):
    assert problems(answers) == []


@pytest.mark.parametrize("correction", sorted(CORRECTIONS))
def test_every_correction_is_still_needed(answers, correction):
    assert problems(answers, skip=correction) != []


def test_records_and_objects_carry_both_spellings(answers):
    by_operation = dict(answers)
    record = by_operation["get-record-by-id"]["record"]
    assert record["dateAdded"] == record["createdAt"]
    assert record["dateUpdated"] == record["updatedAt"]
    got = by_operation["get-object-schema-by-key"]
    assert got["object"]["standard"] is False
    assert got["cache"] is False
    assert got["object"]["dateAdded"] == got["object"]["createdAt"]
    assert got["fields"][0]["dateUpdated"] == got["fields"][0]["updatedAt"]
    for found in by_operation["search-object-records"]["records"]:
        assert {"createdAt", "dateAdded", "updatedAt", "dateUpdated"} <= set(found)


def test_every_field_answer_names_its_folder(answers):
    fields = dict(answers)["get-custom-fields-by-object-key"]
    folders = {f["id"] for f in fields["folders"]}
    assert fields["fields"] and all(f["parentId"] in folders for f in fields["fields"])
    assert not Field.objects.filter(folder__isnull=True).exists()
