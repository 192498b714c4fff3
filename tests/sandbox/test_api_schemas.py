"""Object schemas, custom fields and users over HTTP (docs/records-api.md)."""

import pytest

from recordsadmin.contract.datatypes import DataType
from recordsadmin.sandbox.demo import PROPERTY_FIELDS, PROPERTY_FOLDERS, PROPERTY_KEY, SHOWING_KEY
from recordsadmin.sandbox.models import Field, FieldFolder, ObjectSchema, Record

from .conftest import SEED_PROPERTIES

pytestmark = pytest.mark.django_db(transaction=True)

PET = {
    "key": "custom_objects.pet",
    "labels": {"singular": "Pet", "plural": "Pets"},
    "description": "Animals in our care",
    "primaryDisplayPropertyDetails": {
        "key": "custom_objects.pet.name",
        "name": "Name",
        "dataType": "TEXT",
    },
}


def test_list_objects(sandbox):
    response = sandbox.get("/objects/", params={"locationId": sandbox.location_id})
    assert response.status_code == 200
    objects = response.json()["objects"]
    assert [o["key"] for o in objects] == [PROPERTY_KEY, SHOWING_KEY]
    prop = objects[0]
    assert prop["labels"] == {"singular": "Property", "plural": "Properties"}
    assert prop["locationId"] == sandbox.location_id
    assert prop["primaryDisplayProperty"] == f"{PROPERTY_KEY}.address"
    assert prop["requiredProperties"] == [
        f"{PROPERTY_KEY}.address",
        f"{PROPERTY_KEY}.price",
        f"{PROPERTY_KEY}.status",
    ]
    assert f"{PROPERTY_KEY}.address" in prop["searchableProperties"]


def test_get_object_by_key_or_id_with_fields_only_when_asked(sandbox):
    by_key = sandbox.get(f"/objects/{PROPERTY_KEY}")
    assert by_key.status_code == 200
    assert "fields" not in by_key.json()
    object_id = by_key.json()["object"]["id"]
    by_id = sandbox.get(f"/objects/{object_id}", params={"fetchProperties": "true"})
    assert by_id.json()["object"] == by_key.json()["object"]
    fields = by_id.json()["fields"]
    assert [f["fieldKey"] for f in fields] == [f"{PROPERTY_KEY}.{f[0]}" for f in PROPERTY_FIELDS]
    status = next(f for f in fields if f["fieldKey"].endswith(".status"))
    assert [o["key"] for o in status["options"]] == ["Active", "Pending", "Sold"]
    assert status["dataType"] == "SINGLE_OPTIONS"
    assert status["objectKey"] == PROPERTY_KEY
    kind = next(f for f in fields if f["fieldKey"].endswith(".property_type"))
    assert {"key": "multi_family", "label": "Multi-family"} in kind["options"]


def test_demo_property_uses_every_data_type(sandbox):
    fields = sandbox.get(f"/objects/{PROPERTY_KEY}", params={"fetchProperties": "true"})
    assert {f["dataType"] for f in fields.json()["fields"]} == set(DataType)


def test_create_object_then_use_it(sandbox):
    response = sandbox.post("/objects/", json={**PET, "locationId": sandbox.location_id})
    assert response.status_code == 201, response.text
    obj = response.json()["object"]
    assert obj["key"] == "custom_objects.pet"
    assert obj["primaryDisplayProperty"] == "custom_objects.pet.name"
    created = sandbox.post(
        "/objects/custom_objects.pet/records", json={"properties": {"name": "Rex"}}
    )
    assert created.status_code == 200
    missing = sandbox.post("/objects/custom_objects.pet/records", json={"properties": {}})
    assert missing.status_code == 400  # the primary display property is required


def test_create_object_twice_or_with_bad_details_is_400(sandbox):
    assert sandbox.post("/objects/", json=PET).status_code == 201
    again = sandbox.post("/objects/", json=PET)
    assert again.status_code == 400 and "key" in again.json()["errors"]
    bad = {**PET, "key": "custom_objects.cat", "primaryDisplayPropertyDetails": {"key": "x"}}
    assert sandbox.post("/objects/", json=bad).status_code == 400
    no_labels = {k: v for k, v in PET.items() if k != "labels"} | {"key": "custom_objects.dog"}
    assert sandbox.post("/objects/", json=no_labels).status_code == 400


def test_update_object_labels_and_searchable_properties_reindex_search(sandbox):
    record = sandbox.create({**SEED_PROPERTIES, "agent_email": "zelda@example.org"}).json()
    path = f"/objects/{PROPERTY_KEY}/records/search"
    assert sandbox.get(path, params={"query": "zelda"}).json()["total"] == 0
    response = sandbox.put(
        f"/objects/{PROPERTY_KEY}",
        json={
            "locationId": sandbox.location_id,
            "labels": {"singular": "Home"},
            "searchableProperties": ["address", f"{PROPERTY_KEY}.agent_email"],
        },
    )
    assert response.status_code == 200, response.text
    obj = response.json()["object"]
    assert obj["labels"] == {"singular": "Home", "plural": "Properties"}
    assert obj["searchableProperties"] == [f"{PROPERTY_KEY}.address", f"{PROPERTY_KEY}.agent_email"]
    found = sandbox.get(path, params={"query": "zelda"}).json()
    assert [r["id"] for r in found["records"]] == [record["record"]["id"]]


def test_update_object_with_an_unknown_field_is_400(sandbox):
    response = sandbox.put(f"/objects/{PROPERTY_KEY}", json={"requiredProperties": ["colour"]})
    assert response.status_code == 400
    assert "colour" in response.json()["message"]


def test_required_properties_update_changes_what_create_needs(sandbox):
    sandbox.put(f"/objects/{PROPERTY_KEY}", json={"requiredProperties": ["address", "bedrooms"]})
    response = sandbox.create({"address": "No price needed"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["bedrooms"]
    assert sandbox.create({"address": "No price needed", "bedrooms": 2}).status_code == 200


def test_delete_object_removes_its_records(sandbox):
    object_id = ObjectSchema.objects.get(location=sandbox.location, key=SHOWING_KEY).id
    response = sandbox.delete(f"/objects/{SHOWING_KEY}")
    assert response.status_code == 200
    assert response.json() == {"id": object_id, "success": True}
    assert not Record.objects.filter(object_id=object_id).exists()
    assert sandbox.get(f"/objects/{SHOWING_KEY}").status_code == 404


# --- custom fields -----------------------------------------------------------------------------


def test_list_fields_by_object_key(sandbox):
    response = sandbox.get(
        f"/custom-fields/object-key/{PROPERTY_KEY}", params={"locationId": sandbox.location_id}
    )
    assert response.status_code == 200
    body = response.json()
    assert [f["name"] for f in body["folders"]] == list(PROPERTY_FOLDERS)
    assert len(body["fields"]) == len(PROPERTY_FIELDS)
    folder_of = {f["id"]: f["name"] for f in body["folders"]}
    by_key = {f["fieldKey"].rsplit(".", 1)[-1]: folder_of[f["parentId"]] for f in body["fields"]}
    assert by_key["address"] == "Listing" and by_key["bedrooms"] == "Home details"
    assert sandbox.get("/custom-fields/object-key/custom_objects.nope").status_code == 404


def test_create_update_and_delete_a_field(sandbox):
    response = sandbox.post(
        "/custom-fields/",
        json={
            "locationId": sandbox.location_id,
            "objectKey": PROPERTY_KEY,
            "name": "Heating",
            "fieldKey": f"{PROPERTY_KEY}.heating",
            "dataType": "SINGLE_OPTIONS",
            "options": [{"key": "gas", "label": "Gas"}, {"key": "heat_pump", "label": "Heat pump"}],
            "showInForms": True,
        },
    )
    assert response.status_code == 201, response.text
    field = response.json()["field"]
    assert field["fieldKey"] == f"{PROPERTY_KEY}.heating"
    assert field["position"] == len(PROPERTY_FIELDS)

    assert sandbox.create({**SEED_PROPERTIES, "heating": "heat_pump"}).status_code == 200
    assert sandbox.create({**SEED_PROPERTIES, "heating": "Heat pump"}).status_code == 422

    updated = sandbox.put(
        f"/custom-fields/{field['id']}",
        json={"name": "Heating system", "options": [{"key": "gas", "label": "Natural gas"}]},
    )
    assert updated.status_code == 200
    assert updated.json()["field"]["name"] == "Heating system"
    assert updated.json()["field"]["options"] == [{"key": "gas", "label": "Natural gas"}]
    assert sandbox.get(f"/custom-fields/{field['id']}").json()["field"]["name"] == "Heating system"

    deleted = sandbox.delete(f"/custom-fields/{field['id']}")
    assert deleted.status_code == 200
    assert not Field.objects.filter(id=field["id"]).exists()
    assert not Record.objects.filter(properties__has_key="heating").exists()
    assert sandbox.create({**SEED_PROPERTIES, "heating": "gas"}).status_code == 400


def test_create_field_errors(sandbox):
    base = {"objectKey": PROPERTY_KEY, "name": "X", "fieldKey": "x", "dataType": "TEXT"}
    assert sandbox.post("/custom-fields/", json={**base, "dataType": "COLOR"}).status_code == 400
    taken = sandbox.post("/custom-fields/", json={**base, "fieldKey": "price"})
    assert taken.status_code == 400 and "fieldKey" in taken.json()["errors"]
    no_options = sandbox.post("/custom-fields/", json={**base, "dataType": "RADIO"})
    assert no_options.status_code == 400 and "options" in no_options.json()["errors"]
    other_object = sandbox.post("/custom-fields/", json={**base, "fieldKey": "custom_objects.a.b"})
    assert other_object.status_code == 400
    unknown = sandbox.post("/custom-fields/", json={**base, "objectKey": "custom_objects.nope"})
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    "key", ["owner", "createdAt", "updatedAt", "id", "followers", f"{PROPERTY_KEY}.owner"]
)
def test_a_field_key_cannot_be_a_records_own_field(sandbox, key):
    """A search by the bare key `owner` or `createdAt` means the record's own field."""
    body = {"objectKey": PROPERTY_KEY, "name": "X", "fieldKey": key, "dataType": "TEXT"}
    response = sandbox.post("/custom-fields/", json=body)
    assert response.status_code == 400
    message = response.json()["errors"]["fieldKey"][0]
    assert "record's own field" in message and key.rsplit(".", 1)[-1] in message
    assert not Field.objects.filter(field_key=f"{PROPERTY_KEY}.{key.rsplit('.', 1)[-1]}").exists()
    pet = {**PET, "primaryDisplayPropertyDetails": {**PET["primaryDisplayPropertyDetails"]}}
    pet["primaryDisplayPropertyDetails"]["key"] = key.rsplit(".", 1)[-1]
    refused = sandbox.post("/objects/", json=pet)
    assert refused.status_code == 400
    assert "primaryDisplayPropertyDetails.key" in refused.json()["errors"]
    assert not ObjectSchema.objects.filter(key="custom_objects.pet").exists()


def test_keys_that_only_look_like_a_records_own_fields_are_fine(sandbox):
    for key in ("owner_name", "Owner", "created_at"):
        body = {"objectKey": PROPERTY_KEY, "name": key, "fieldKey": key, "dataType": "TEXT"}
        assert sandbox.post("/custom-fields/", json=body).status_code == 201


def test_the_primary_display_property_cannot_be_deleted(sandbox):
    address = Field.objects.get(
        object__location=sandbox.location, field_key=f"{PROPERTY_KEY}.address"
    )
    response = sandbox.delete(f"/custom-fields/{address.id}")
    assert response.status_code == 400
    assert Field.objects.filter(id=address.id).exists()


def test_a_new_object_has_a_folder_holding_its_primary_field(sandbox):
    assert sandbox.post("/objects/", json=PET).status_code == 201
    body = sandbox.get("/custom-fields/object-key/custom_objects.pet").json()
    assert [f["name"] for f in body["folders"]] == ["General"]
    assert [f["parentId"] for f in body["fields"]] == [body["folders"][0]["id"]]


def test_folders_create_rename_fill_and_delete_when_empty(sandbox):
    made = sandbox.post(
        "/custom-fields/folder",
        json={"locationId": sandbox.location_id, "objectKey": PROPERTY_KEY, "name": "Energy"},
    )
    assert made.status_code == 201, made.text
    folder = made.json()
    assert (folder["name"], folder["objectKey"]) == ("Energy", PROPERTY_KEY)
    renamed = sandbox.put(f"/custom-fields/folder/{folder['id']}", json={"name": "Energy use"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Energy use"
    field = sandbox.post(
        "/custom-fields/",
        json={
            "objectKey": PROPERTY_KEY,
            "name": "Heating",
            "fieldKey": "heating",
            "dataType": "TEXT",
            "parentId": folder["id"],
        },
    ).json()["field"]
    assert field["parentId"] == folder["id"]
    holding = sandbox.delete(f"/custom-fields/folder/{folder['id']}")
    assert holding.status_code == 400 and "1 field" in holding.json()["message"]
    assert FieldFolder.objects.filter(id=folder["id"]).exists()
    assert sandbox.delete(f"/custom-fields/{field['id']}").status_code == 200
    gone = sandbox.delete(
        f"/custom-fields/folder/{folder['id']}", params={"locationId": sandbox.location_id}
    )
    assert gone.status_code == 200
    assert gone.json() == {
        "id": folder["id"],
        "key": PROPERTY_KEY,
        "succeded": True,
        "success": True,
    }
    assert (
        sandbox.put(f"/custom-fields/folder/{folder['id']}", json={"name": "x"}).status_code == 404
    )


def test_a_field_goes_only_into_a_folder_of_its_object(sandbox):
    showing_folder = FieldFolder.objects.get(location=sandbox.location, object__key=SHOWING_KEY)
    body = {"objectKey": PROPERTY_KEY, "name": "X", "fieldKey": "x", "dataType": "TEXT"}
    for parent in (showing_folder.id, "000000000000000000000000"):
        refused = sandbox.post("/custom-fields/", json={**body, "parentId": parent})
        assert refused.status_code == 400 and list(refused.json()["errors"]) == ["parentId"]
    assert not Field.objects.filter(field_key=f"{PROPERTY_KEY}.x").exists()
    # Without parentId, into the object's first folder.
    made = sandbox.post("/custom-fields/", json=body).json()["field"]
    first = FieldFolder.objects.filter(object__key=PROPERTY_KEY, location=sandbox.location).first()
    assert made["parentId"] == first.id


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/custom-fields/folder", {"objectKey": PROPERTY_KEY, "name": " "}, "name"),
        ("/custom-fields/folder", {"objectKey": PROPERTY_KEY, "name": "F" * 101}, "name"),
        ("/custom-fields/folder", {"objectKey": PROPERTY_KEY}, "name"),
    ],
)
def test_a_bad_folder_is_400_naming_what(sandbox, path, body, field):
    response = sandbox.post(path, json=body)
    assert response.status_code == 400 and list(response.json()["errors"]) == [field]
    unknown = sandbox.post(path, json={"objectKey": "custom_objects.nope", "name": "A"})
    assert unknown.status_code == 404


LONG = "L" * 101


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": LONG}, "name"),
        ({"placeholder": "p" * 201}, "placeholder"),
        ({"description": "d" * 2001}, "description"),
        ({"fieldKey": "k" * 101}, "fieldKey"),
        ({"dataType": "SINGLE_OPTIONS", "options": [{"label": LONG}]}, "options"),
        ({"dataType": "RADIO", "options": []}, "options"),
        ({"dataType": "COLOUR"}, "dataType"),
        ({"fieldKey": "has space"}, "fieldKey"),
    ],
)
def test_a_field_with_a_label_too_long_or_bad_parts_is_400_and_not_made(sandbox, change, field):
    body = {"objectKey": PROPERTY_KEY, "name": "Heating", "fieldKey": "heating", "dataType": "TEXT"}
    response = sandbox.post("/custom-fields/", json={**body, **change})
    assert response.status_code == 400, response.text
    assert list(response.json()["errors"]) == [field]
    assert not Field.objects.filter(name="Heating").exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"labels": {"singular": LONG, "plural": "Pets"}}, "labels"),
        ({"description": "d" * 2001}, "description"),
        ({"key": "custom_objects." + "k" * 101}, "key"),
        ({"primaryDisplayPropertyDetails": {"key": "name", "name": LONG, "dataType": "TEXT"}},
         "primaryDisplayPropertyDetails.name"),
    ],
)  # fmt: skip
def test_an_object_with_a_label_too_long_is_400_and_nothing_is_half_made(sandbox, change, field):
    folders = FieldFolder.objects.count()
    response = sandbox.post("/objects/", json={**PET, **change})
    assert response.status_code == 400, response.text
    assert list(response.json()["errors"]) == [field]
    assert not ObjectSchema.objects.filter(singular="Pet").exists()
    assert not Field.objects.filter(name=LONG).exists()
    assert FieldFolder.objects.count() == folders


def test_updates_refuse_labels_too_long_and_keep_the_old_ones(sandbox):
    too_long = sandbox.put(f"/objects/{PROPERTY_KEY}", json={"labels": {"plural": LONG}})
    assert too_long.status_code == 400 and list(too_long.json()["errors"]) == ["labels"]
    status = Field.objects.get(location=sandbox.location, field_key=f"{PROPERTY_KEY}.status")
    refused = sandbox.put(
        f"/custom-fields/{status.id}",
        json={"name": "State", "options": [{"key": "Active", "label": LONG}]},
    )
    assert refused.status_code == 400
    status.refresh_from_db()
    assert status.name == "Status" and len(status.options) == 3
    assert ObjectSchema.objects.get(location=sandbox.location, key=PROPERTY_KEY).plural == (
        "Properties"
    )


# --- users -------------------------------------------------------------------------------------


def test_users_of_the_location(sandbox):
    response = sandbox.get("/users/", params={"locationId": sandbox.location_id})
    assert response.status_code == 200
    users = response.json()["users"]
    assert 5 <= len(users) <= 8
    assert {u["id"] for u in users} == set(sandbox.user_ids)
    assert all(set(u) == {"id", "name", "email"} for u in users)
