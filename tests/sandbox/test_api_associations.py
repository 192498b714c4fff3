"""Associations and relations over HTTP (docs/records-api.md, Associations and relations).

Every answer is checked against /sandbox/openapi.json by Sandbox.call (conftest.py).
"""

import pytest

from recordsadmin.sandbox.demo import (
    BUYER_ASSOCIATION,
    PROPERTY_KEY,
    SHOWING_ASSOCIATION,
    SHOWING_KEY,
)
from recordsadmin.sandbox.models import Association, Contact, Record, Relation

from .conftest import SEED_PROPERTIES

pytestmark = pytest.mark.django_db(transaction=True)

PET = {
    "key": "custom_objects.pet",
    "labels": {"singular": "Pet", "plural": "Pets"},
    "primaryDisplayPropertyDetails": {"key": "name", "name": "Name", "dataType": "TEXT"},
}
SHOWINGS = {
    "key": "viewed_at",
    "firstObjectKey": SHOWING_KEY,
    "firstObjectLabel": "Visit",
    "secondObjectKey": "contact",
    "secondObjectLabel": "Visitor",
}


def record_ids(sandbox, key: str = PROPERTY_KEY) -> list[str]:
    records = Record.objects.filter(location=sandbox.location, object__key=key)
    return list(records.order_by("created_at", "id").values_list("id", flat=True))


def contact_ids(sandbox) -> list[str]:
    contacts = Contact.objects.filter(location=sandbox.location).order_by("id")
    return list(contacts.values_list("id", flat=True))


def association(sandbox, key: str) -> Association:
    return Association.objects.get(location=sandbox.location, key=key)


def link(sandbox, association_id: str, first: str, second: str, **extra):
    body = {"associationId": association_id, "firstRecordId": first, "secondRecordId": second}
    return sandbox.post("/associations/relations", json={**body, **extra})


# --- associations -------------------------------------------------------------------------------


def test_the_demo_location_has_its_two_associations(sandbox):
    response = sandbox.get("/associations/", params={"locationId": sandbox.location_id})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 2
    by_key = {a["key"]: a for a in body["associations"]}
    buyers = by_key[BUYER_ASSOCIATION]
    assert (buyers["firstObjectKey"], buyers["firstObjectLabel"]) == (
        PROPERTY_KEY,
        "Interested property",
    )
    assert (buyers["secondObjectKey"], buyers["secondObjectLabel"]) == ("contact", "Buyer")
    assert buyers["associationType"] == "USER_DEFINED"
    assert by_key[SHOWING_ASSOCIATION]["secondObjectKey"] == SHOWING_KEY


def test_create_then_get_by_id_key_and_object_key(sandbox):
    response = sandbox.post("/associations/", json={**SHOWINGS, "locationId": sandbox.location_id})
    assert response.status_code == 201, response.text
    made = response.json()
    assert made["key"] == "viewed_at" and made["locationId"] == sandbox.location_id
    assert sandbox.get(f"/associations/{made['id']}").json() == made
    by_key = sandbox.get("/associations/key/viewed_at", params={"locationId": sandbox.location_id})
    assert by_key.json() == made
    of_showing = sandbox.get(f"/associations/objectKey/{SHOWING_KEY}").json()["associations"]
    assert [a["key"] for a in of_showing] == [SHOWING_ASSOCIATION, "viewed_at"]
    of_contacts = sandbox.get("/associations/objectKey/contact").json()["associations"]
    assert [a["key"] for a in of_contacts] == [BUYER_ASSOCIATION, "viewed_at"]
    # The prefix may be left out of an object key.
    bare = {**SHOWINGS, "key": "bare", "firstObjectKey": "showing"}
    assert sandbox.post("/associations/", json=bare).json()["firstObjectKey"] == SHOWING_KEY


def test_between_two_custom_objects_and_an_object_and_itself(sandbox):
    pet = sandbox.post("/objects/", json=PET)
    assert pet.status_code == 201
    both = {
        "key": "pet_home",
        "firstObjectKey": "custom_objects.pet",
        "firstObjectLabel": "Resident",
        "secondObjectKey": PROPERTY_KEY,
        "secondObjectLabel": "Home",
    }
    assert sandbox.post("/associations/", json=both).status_code == 201
    itself = {**both, "key": "comparable", "firstObjectKey": PROPERTY_KEY}
    assert sandbox.post("/associations/", json=itself).status_code == 201


def test_list_pages_with_skip_and_limit(sandbox):
    for n in range(3):
        assert sandbox.post("/associations/", json={**SHOWINGS, "key": f"k{n}"}).status_code == 201
    page = sandbox.get("/associations/", params={"skip": 1, "limit": 2}).json()
    assert page["total"] == 5
    assert [a["key"] for a in page["associations"]] == [SHOWING_ASSOCIATION, "k0"]
    for params, name in [({"skip": -1}, "skip"), ({"limit": 0}, "limit"), ({"limit": 101}, "limit"),
                         ({"skip": "x"}, "skip"), ({"limit": "1.5"}, "limit")]:  # fmt: skip
        refused = sandbox.get("/associations/", params=params)
        assert refused.status_code == 400 and list(refused.json()["errors"]) == [name]


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"key": BUYER_ASSOCIATION}, 400, "key"),
        ({"key": "has space"}, 400, "key"),
        ({"key": "k" * 101}, 400, "key"),
        ({"firstObjectKey": "custom_objects.nope"}, 400, "firstObjectKey"),
        ({"firstObjectKey": "contact"}, 400, "secondObjectKey"),
        ({"secondObjectLabel": " "}, 400, "secondObjectLabel"),
        ({"firstObjectLabel": "L" * 101}, 400, "firstObjectLabel"),
        ({"firstObjectLabel": ["Visit"]}, 400, "firstObjectLabel"),
        ({"cardinality": "ONE_TO_ONE"}, 422, "cardinality"),
    ],
)
def test_a_bad_association_is_refused_naming_what_and_nothing_is_made(
    sandbox, change, status, field
):
    before = Association.objects.count()
    response = sandbox.post("/associations/", json={**SHOWINGS, **change})
    assert response.status_code == status, response.text
    assert list(response.json()["errors"]) == [field]
    assert Association.objects.count() == before


def test_rename_labels_and_unknown_ids_are_404(sandbox):
    buyers = association(sandbox, BUYER_ASSOCIATION)
    labels = {"firstObjectLabel": "Wanted home", "secondObjectLabel": "Prospect"}
    response = sandbox.put(f"/associations/{buyers.id}", json=labels)
    assert response.status_code == 200
    assert response.json()["secondObjectLabel"] == "Prospect"
    assert response.json()["firstObjectKey"] == PROPERTY_KEY
    one_label = sandbox.put(f"/associations/{buyers.id}", json={"firstObjectLabel": "x"})
    assert one_label.status_code == 400 and "secondObjectLabel" in one_label.json()["errors"]
    moving = sandbox.put(f"/associations/{buyers.id}", json={**labels, "secondObjectKey": "x"})
    assert moving.status_code == 422
    assert sandbox.get("/associations/000000000000000000000000").status_code == 404
    assert sandbox.put("/associations/000000000000000000000000", json=labels).status_code == 404
    assert sandbox.delete("/associations/000000000000000000000000").status_code == 404
    assert sandbox.get("/associations/key/nope").status_code == 404
    assert sandbox.get("/associations/objectKey/custom_objects.nope").status_code == 404


def test_deleting_an_association_deletes_its_relations(sandbox):
    buyers = association(sandbox, BUYER_ASSOCIATION)
    assert Relation.objects.filter(association=buyers).exists()
    response = sandbox.delete(f"/associations/{buyers.id}")
    assert response.status_code == 200
    assert response.json() == {
        "deleted": True,
        "id": buyers.id,
        "message": "Association deleted successfully",
    }
    assert not Relation.objects.filter(association_id=buyers.id).exists()
    assert sandbox.get(f"/associations/{buyers.id}").status_code == 404
    assert Relation.objects.filter(association__key=SHOWING_ASSOCIATION).exists()


def test_deleting_an_object_deletes_its_associations_and_their_relations(sandbox):
    assert sandbox.delete(f"/objects/{SHOWING_KEY}").status_code == 200
    assert not Association.objects.filter(key=SHOWING_ASSOCIATION).exists()
    assert not Relation.objects.filter(association__key=SHOWING_ASSOCIATION).exists()
    assert Relation.objects.filter(association__key=BUYER_ASSOCIATION).exists()


def test_a_key_is_unique_per_location_not_across_locations(sandbox, other_sandbox):
    # Both demo locations have property_buyer; each sees its own.
    mine = sandbox.get(f"/associations/key/{BUYER_ASSOCIATION}").json()
    theirs = other_sandbox.get(f"/associations/key/{BUYER_ASSOCIATION}").json()
    assert mine["id"] != theirs["id"]
    assert sandbox.get(f"/associations/{theirs['id']}").status_code == 404
    assert sandbox.delete(f"/associations/{theirs['id']}").status_code == 404


# --- relations ----------------------------------------------------------------------------------


def test_link_a_property_and_a_contact_in_either_order(sandbox):
    buyers = association(sandbox, BUYER_ASSOCIATION)
    prop, contact, other = record_ids(sandbox)[0], contact_ids(sandbox)[0], contact_ids(sandbox)[1]
    Relation.objects.filter(association=buyers).delete()
    made = link(sandbox, buyers.id, prop, contact, locationId=sandbox.location_id)
    assert made.status_code == 201, made.text
    relation = made.json()
    assert (relation["firstRecordId"], relation["secondRecordId"]) == (prop, contact)
    assert (relation["firstObjectKey"], relation["secondObjectKey"]) == (PROPERTY_KEY, "contact")
    # Named the other way round, it is stored in the association's order.
    reversed_ = link(sandbox, buyers.id, other, prop).json()
    assert (reversed_["firstRecordId"], reversed_["secondRecordId"]) == (prop, other)
    listed = sandbox.get(f"/associations/relations/{prop}").json()
    assert listed["total"] == 2
    assert [r["id"] for r in listed["relations"]] == [relation["id"], reversed_["id"]]
    of_contact = sandbox.get(f"/associations/relations/{contact}").json()
    assert [r["id"] for r in of_contact["relations"]] == [relation["id"]]


def test_relations_page_and_filter_by_association(sandbox):
    prop = record_ids(sandbox)[0]
    buyers = association(sandbox, BUYER_ASSOCIATION)
    showings = association(sandbox, SHOWING_ASSOCIATION)
    Relation.objects.filter(first_record_id=prop).delete()
    for contact in contact_ids(sandbox)[:3]:
        assert link(sandbox, buyers.id, prop, contact).status_code == 201
    for showing in record_ids(sandbox, SHOWING_KEY)[:2]:
        assert link(sandbox, showings.id, prop, showing).status_code == 201
    path = f"/associations/relations/{prop}"
    everything = sandbox.get(path, params={"locationId": sandbox.location_id}).json()
    assert everything["total"] == 5
    page = sandbox.get(path, params={"skip": 1, "limit": 2}).json()
    assert page["total"] == 5
    assert [r["id"] for r in page["relations"]] == [r["id"] for r in everything["relations"][1:3]]
    only_showings = sandbox.get(path, params={"associationIds": showings.id}).json()
    assert only_showings["total"] == 2
    assert {r["associationId"] for r in only_showings["relations"]} == {showings.id}
    both = f"{showings.id},{buyers.id}"
    assert sandbox.get(path, params={"associationIds": both}).json()["total"] == 5
    repeated = sandbox.get(path, params={"associationIds": [showings.id, buyers.id]}).json()
    assert repeated["total"] == 5
    unknown = sandbox.get("/associations/relations/000000000000000000000000").json()
    assert unknown == {"relations": [], "total": 0}


def test_delete_a_relation(sandbox):
    relation = Relation.objects.filter(location=sandbox.location).first()
    response = sandbox.delete(
        f"/associations/relations/{relation.id}", params={"locationId": sandbox.location_id}
    )
    assert response.status_code == 200
    assert response.json()["id"] == relation.id
    assert response.json()["firstRecordId"] == relation.first_record_id
    assert not Relation.objects.filter(id=relation.id).exists()
    again = sandbox.delete(f"/associations/relations/{relation.id}")
    assert again.status_code == 404


def test_deleting_a_record_deletes_its_relations_and_only_those(sandbox):
    buyers = association(sandbox, BUYER_ASSOCIATION)
    prop, kept = record_ids(sandbox)[:2]
    contact = contact_ids(sandbox)[0]
    Relation.objects.filter(first_record_id__in=[prop, kept]).delete()
    assert link(sandbox, buyers.id, prop, contact).status_code == 201
    assert link(sandbox, buyers.id, kept, contact).status_code == 201
    assert sandbox.delete(f"/objects/{PROPERTY_KEY}/records/{prop}").status_code == 200
    assert sandbox.get(f"/associations/relations/{prop}").json()["total"] == 0
    of_contact = sandbox.get(f"/associations/relations/{contact}").json()["relations"]
    linked = [r["firstRecordId"] for r in of_contact]
    assert kept in linked and prop not in linked


def relations_of(sandbox, record_id: str, association_id: str) -> list[tuple[str, str]]:
    """A record's relations of one association over HTTP, as (first, second) record ids."""
    listed = sandbox.get(
        f"/associations/relations/{record_id}", params={"associationIds": association_id}
    ).json()
    assert listed["total"] == len(listed["relations"])
    return sorted((r["firstRecordId"], r["secondRecordId"]) for r in listed["relations"])


def test_deleting_a_record_on_the_second_side_deletes_its_relations_and_only_those(sandbox):
    """A showing is the second side of Property <-> Showing: deleting it removes its links
    to properties, and nothing else."""
    showings = association(sandbox, SHOWING_ASSOCIATION)
    buyers = association(sandbox, BUYER_ASSOCIATION)
    first_prop, second_prop = record_ids(sandbox)[:2]
    gone, kept = record_ids(sandbox, SHOWING_KEY)[:2]
    Relation.objects.filter(association=showings).delete()
    for prop, showing in [(first_prop, gone), (second_prop, gone), (first_prop, kept)]:
        assert link(sandbox, showings.id, prop, showing).status_code == 201
    # The property is also first of a buyer relation, which must stay.
    contact = contact_ids(sandbox)[0]
    Relation.objects.filter(association=buyers, first_record_id=first_prop).delete()
    assert link(sandbox, buyers.id, first_prop, contact).status_code == 201
    buyer_links = relations_of(sandbox, first_prop, buyers.id)
    assert buyer_links == [(first_prop, contact)]

    assert sandbox.delete(f"/objects/{SHOWING_KEY}/records/{gone}").status_code == 200
    assert relations_of(sandbox, gone, showings.id) == []
    assert relations_of(sandbox, first_prop, showings.id) == [(first_prop, kept)]
    assert relations_of(sandbox, second_prop, showings.id) == []
    assert relations_of(sandbox, kept, showings.id) == [(first_prop, kept)]
    assert relations_of(sandbox, first_prop, buyers.id) == buyer_links
    assert not Relation.objects.filter(second_record_id=gone).exists()


def test_deleting_the_second_record_of_an_object_linked_to_itself_deletes_its_relations(sandbox):
    """Property <-> Property: the deleted record is second in one relation and first in
    another; both go, and a relation between the two others stays."""
    made = sandbox.post(
        "/associations/",
        json={
            "key": "replaces",
            "firstObjectKey": PROPERTY_KEY,
            "firstObjectLabel": "Replaced by",
            "secondObjectKey": PROPERTY_KEY,
            "secondObjectLabel": "Replaces",
        },
    ).json()
    older, gone, newer = record_ids(sandbox)[:3]
    for first, second in [(older, gone), (gone, newer), (older, newer)]:
        assert link(sandbox, made["id"], first, second).status_code == 201
    assert relations_of(sandbox, older, made["id"]) == sorted([(older, gone), (older, newer)])
    assert relations_of(sandbox, gone, made["id"]) == sorted([(older, gone), (gone, newer)])

    assert sandbox.delete(f"/objects/{PROPERTY_KEY}/records/{gone}").status_code == 200
    assert relations_of(sandbox, gone, made["id"]) == []
    assert relations_of(sandbox, older, made["id"]) == [(older, newer)]
    assert relations_of(sandbox, newer, made["id"]) == [(older, newer)]


def test_a_relation_to_a_missing_record_or_contact_is_400_naming_it(sandbox):
    buyers = association(sandbox, BUYER_ASSOCIATION)
    prop, contact = record_ids(sandbox)[0], contact_ids(sandbox)[0]
    before = Relation.objects.count()
    gone = "000000000000000000000000"
    for first, second, field in [(gone, contact, "firstRecordId"), (prop, gone, "secondRecordId")]:
        response = link(sandbox, buyers.id, first, second)
        assert response.status_code == 400
        assert list(response.json()["errors"]) == [field]
        assert gone in response.json()["message"]
    unknown = link(sandbox, gone, prop, contact)
    assert unknown.status_code == 400 and list(unknown.json()["errors"]) == ["associationId"]
    assert Relation.objects.count() == before


def test_a_record_of_the_wrong_object_is_422_naming_it(sandbox):
    buyers = association(sandbox, BUYER_ASSOCIATION)
    prop, other_prop = record_ids(sandbox)[:2]
    showing = record_ids(sandbox, SHOWING_KEY)[0]
    contact = contact_ids(sandbox)[0]
    wrong_object = link(sandbox, buyers.id, showing, contact)
    assert wrong_object.status_code == 422
    assert list(wrong_object.json()["errors"]) == ["firstRecordId"]
    assert isinstance(wrong_object.json()["message"], list)
    same_side = link(sandbox, buyers.id, prop, other_prop)
    assert same_side.status_code == 422
    assert list(same_side.json()["errors"]) == ["secondRecordId"]
    assert "contact" in same_side.json()["message"][0]


def test_linking_twice_or_to_itself_is_400_and_changes_nothing(sandbox):
    buyers = association(sandbox, BUYER_ASSOCIATION)
    prop, contact = record_ids(sandbox)[0], contact_ids(sandbox)[0]
    Relation.objects.filter(first_record_id=prop).delete()
    first = link(sandbox, buyers.id, prop, contact).json()
    for twice in (link(sandbox, buyers.id, prop, contact), link(sandbox, buyers.id, contact, prop)):
        assert twice.status_code == 400
        assert set(twice.json()["errors"]) == {"firstRecordId", "secondRecordId"}
        assert first["id"] in twice.json()["message"]
    assert Relation.objects.filter(first_record_id=prop).count() == 1
    itself = link(sandbox, buyers.id, prop, prop)
    assert itself.status_code == 400 and list(itself.json()["errors"]) == ["secondRecordId"]


def test_records_of_one_object_link_once_whichever_way(sandbox):
    made = sandbox.post(
        "/associations/",
        json={
            "key": "comparable",
            "firstObjectKey": PROPERTY_KEY,
            "firstObjectLabel": "Comparable",
            "secondObjectKey": PROPERTY_KEY,
            "secondObjectLabel": "Comparable",
        },
    ).json()
    a, b = record_ids(sandbox)[:2]
    assert link(sandbox, made["id"], a, b).status_code == 201
    assert link(sandbox, made["id"], b, a).status_code == 400


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"associationId": None}, 400, "associationId"),
        ({"firstRecordId": ""}, 400, "firstRecordId"),
        ({"secondRecordId": 5}, 400, "secondRecordId"),
        ({"label": "Buyer"}, 422, "label"),
    ],
)
def test_a_malformed_relation_body_is_refused_naming_what(sandbox, change, status, field):
    buyers = association(sandbox, BUYER_ASSOCIATION)
    body = {
        "associationId": buyers.id,
        "firstRecordId": record_ids(sandbox)[0],
        "secondRecordId": contact_ids(sandbox)[0],
    }
    response = sandbox.post("/associations/relations", json={**body, **change})
    assert response.status_code == status
    assert list(response.json()["errors"]) == [field]


def test_another_locations_records_cannot_be_linked_or_seen(sandbox, other_sandbox):
    buyers = association(sandbox, BUYER_ASSOCIATION)
    theirs = record_ids(other_sandbox)[0]
    response = link(sandbox, buyers.id, theirs, contact_ids(sandbox)[0])
    assert response.status_code == 400 and list(response.json()["errors"]) == ["firstRecordId"]
    their_relation = Relation.objects.filter(location=other_sandbox.location).first()
    assert sandbox.delete(f"/associations/relations/{their_relation.id}").status_code == 404
    assert sandbox.get(f"/associations/relations/{their_relation.first_record_id}").json() == {
        "relations": [],
        "total": 0,
    }


def test_the_created_record_can_be_linked_at_once(sandbox):
    """A record made a moment ago is linkable (the embedded API is consistent at once)."""
    record = sandbox.create(SEED_PROPERTIES).json()["record"]
    buyers = association(sandbox, BUYER_ASSOCIATION)
    assert link(sandbox, buyers.id, contact_ids(sandbox)[0], record["id"]).status_code == 201
