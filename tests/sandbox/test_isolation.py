"""Two locations with the same object keys never see each other's data (docs/records-api.md)."""

import pytest

from recordsadmin.sandbox.demo import PROPERTY_KEY
from recordsadmin.sandbox.models import Field, ObjectSchema, Record

from .conftest import SEED_PROPERTIES

pytestmark = pytest.mark.django_db(transaction=True)

RECORDS = f"/objects/{PROPERTY_KEY}/records"


def test_each_token_sees_only_its_own_records(sandbox, other_sandbox):
    mine = sandbox.get(f"{RECORDS}/search", params={"limit": 100}).json()
    theirs = other_sandbox.get(f"{RECORDS}/search", params={"limit": 100}).json()
    assert mine["total"] == 20 and theirs["total"] == 5
    assert {r["locationId"] for r in mine["records"]} == {sandbox.location_id}
    assert {r["locationId"] for r in theirs["records"]} == {other_sandbox.location_id}
    assert not {r["id"] for r in mine["records"]} & {r["id"] for r in theirs["records"]}
    posted = sandbox.post(f"{RECORDS}/search", json={"page": 1, "pageLimit": 100}).json()
    assert posted["total"] == 20


def test_another_locations_record_is_404_for_read_update_and_delete(sandbox, other_sandbox):
    theirs = Record.objects.filter(location=other_sandbox.location).first()
    path = f"{RECORDS}/{theirs.id}"
    assert sandbox.get(path).status_code == 404
    assert sandbox.put(path, json={"properties": {"price": 1}}).status_code == 404
    assert sandbox.delete(path).status_code == 404
    assert Record.objects.get(id=theirs.id).properties == theirs.properties


def test_another_locations_object_id_is_404(sandbox, other_sandbox):
    their_object = ObjectSchema.objects.get(location=other_sandbox.location, key=PROPERTY_KEY)
    assert sandbox.get(f"/objects/{their_object.id}").status_code == 404
    assert (
        sandbox.post(
            f"/objects/{their_object.id}/records", json={"properties": SEED_PROPERTIES}
        ).status_code
        == 404
    )
    assert sandbox.delete(f"/objects/{their_object.id}").status_code == 404
    assert ObjectSchema.objects.filter(id=their_object.id).exists()


def test_another_locations_field_is_404(sandbox, other_sandbox):
    their_field = Field.objects.filter(location=other_sandbox.location).first()
    assert sandbox.get(f"/custom-fields/{their_field.id}").status_code == 404
    assert sandbox.put(f"/custom-fields/{their_field.id}", json={"name": "X"}).status_code == 404
    assert sandbox.delete(f"/custom-fields/{their_field.id}").status_code == 404


def test_the_other_locations_users_cannot_own_my_records(sandbox, other_sandbox):
    response = sandbox.create(SEED_PROPERTIES, owner=other_sandbox.user_ids[0])
    assert response.status_code == 400
    users = {u["id"] for u in sandbox.get("/users/").json()["users"]}
    assert users == set(sandbox.user_ids)
    assert not users & set(other_sandbox.user_ids)


def test_a_token_cannot_name_the_other_location(sandbox, other_sandbox):
    response = sandbox.get("/objects/", params={"locationId": other_sandbox.location_id})
    assert response.status_code == 401
    assert response.json()["message"] == "This location is not accessible from this token."
