"""The client reads association, relation, contact and folder answers in every shape they come
in: the official description's (every association call documented with one association's shape,
labels typed as objects) and the one the real service and the embedded API answer
(docs/differences.md). Readers alone, then the calls against a stub serving each shape."""

import pytest

from recordsadmin.client import endpoints, wire
from recordsadmin.client.domain import Association, Field, Relation, Schema
from recordsadmin.client.errors import UnexpectedAnswer, ValidationFailed
from recordsadmin.records import services
from recordsadmin.records.models import RecordChange
from tests.support.stub import Reply

from . import samples

# GetPostSuccessfulResponseDto, as associations.json documents every association call's answer.
DOCUMENTED = {
    "locationId": "loc0000000000000000000001",
    "id": "asc000000000000000000001",
    "key": "pet_owner",
    "firstObjectLabel": "Pet",
    "firstObjectKey": samples.KEY,
    "secondObjectLabel": "Owner",
    "secondObjectKey": "contact",
    "associationType": "USER_DEFINED",
}
ASSOCIATION = wire.parse_association(DOCUMENTED)


def test_an_association_bare_wrapped_or_with_labels_typed_as_objects():
    assert (
        Association(
            id=DOCUMENTED["id"],
            key="pet_owner",
            first_object_key=samples.KEY,
            first_label="Pet",
            second_object_key="contact",
            second_label="Owner",
            type="USER_DEFINED",
        )
        == ASSOCIATION
    )
    assert wire.parse_association({"association": DOCUMENTED}) == ASSOCIATION
    typed_as_objects = {
        **DOCUMENTED,
        "firstObjectLabel": {"label": "Pet"},
        "secondObjectLabel": {"singular": "Owner"},
    }
    assert wire.parse_association(typed_as_objects) == ASSOCIATION


def test_an_association_seen_from_either_side():
    assert ASSOCIATION.holds(samples.KEY) and ASSOCIATION.holds("contact")
    assert not ASSOCIATION.holds("custom_objects.other")
    assert ASSOCIATION.other_key(samples.KEY) == "contact"
    assert ASSOCIATION.other_label(samples.KEY) == "Owner"  # a pet's section: its Owners
    assert ASSOCIATION.other_key("contact") == samples.KEY
    assert ASSOCIATION.label_of(samples.KEY) == "Pet"
    assert ASSOCIATION.with_contacts()
    assert ASSOCIATION.heading(samples.KEY) == "Owner" and not ASSOCIATION.links_itself


def test_an_association_of_an_object_with_itself_goes_by_each_relations_sides():
    towing = Association("a1", "towing", samples.KEY, "Towed by", samples.KEY, "Tows")
    assert towing.links_itself
    assert towing.heading(samples.KEY) == "Tows / Towed by"
    tows = Relation("r1", "a1", first_record_id="truck", second_record_id="car")
    assert towing.role_of_other(tows, "truck") == "Tows"  # the car is what the truck tows
    assert towing.role_of_other(tows, "car") == "Towed by"


def test_association_lists_in_both_shapes():
    listed = {"associations": [DOCUMENTED, {**DOCUMENTED, "id": "a2", "key": "k2"}], "total": 2}
    assert [a.key for a in wire.parse_associations(listed)] == ["pet_owner", "k2"]
    # The documented shape of GET /associations/ and /associations/objectKey/: one association.
    assert wire.parse_associations(DOCUMENTED) == [ASSOCIATION]
    assert wire.parse_associations({"associations": []}) == []
    assert wire.missing_from(DOCUMENTED, "associations") == ""
    assert wire.missing_from({"traceId": "t"}, "associations") == "list of associations"


def test_relations_in_the_real_shape_and_one_by_itself():
    page = wire.parse_relations({"relations": [samples.RELATION], "total": 3}, skip=0, limit=1)
    assert page.total == 3 and page.has_next and not page.has_previous
    (relation,) = page.relations
    assert relation.id == samples.RELATION["id"]
    assert relation.association_id == DOCUMENTED["id"]
    assert relation.other_id(samples.REAL_RECORD["id"]) == samples.CONTACT["id"]
    assert relation.other_id(samples.CONTACT["id"]) == samples.REAL_RECORD["id"]
    assert (relation.first_object_key, relation.second_object_key) == (samples.KEY, "contact")
    alone = wire.parse_relations(samples.RELATION, skip=0, limit=10)
    assert alone.relations == (relation,) and alone.total == 1
    # Without `total`, it is what the page shows after what it skipped.
    counted = wire.parse_relations({"relations": [samples.RELATION]}, skip=10, limit=10)
    assert counted.total == 11


def test_a_relation_with_its_association_nested_or_an_underscore_id():
    nested = {
        "_id": "r9",
        "association": {"id": "a9", "firstObjectKey": "x", "secondObjectKey": "y"},
        "firstRecordId": "1",
        "secondRecordId": "2",
        "dateAdded": 1772884800000,
    }
    relation = wire.parse_relation(nested)
    assert (relation.id, relation.association_id) == ("r9", "a9")
    assert (relation.first_object_key, relation.second_object_key) == ("x", "y")
    assert relation.created_at.year == 2026


def test_a_documented_create_answer_is_read_with_what_was_sent():
    sent = {"associationId": DOCUMENTED["id"], "firstRecordId": "rec1", "secondRecordId": "con1"}
    relation = wire.parse_relation(DOCUMENTED, sent=sent)
    assert relation.id == ""  # the answer names the association, not the relation
    assert (relation.first_record_id, relation.second_record_id) == ("rec1", "con1")
    assert relation.association_id == DOCUMENTED["id"]


def test_a_documented_list_answer_is_no_list_of_relations():
    """An association's shape holds no relation: refused, never read as "none"."""
    assert wire.missing_from(DOCUMENTED, "relations") == "list of relations"
    assert wire.missing_from({"relations": []}, "relations") == ""
    assert wire.parse_relations(DOCUMENTED, skip=0, limit=10).relations == ()


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ({"contact": samples.CONTACT}, "Grace Hopper"),
        ({"id": "c1", "name": "Ada L", "firstName": "Ada"}, "Ada L"),
        ({"id": "c1", "contactName": "Alan T"}, "Alan T"),
        ({"id": "c1", "lastName": "Turing"}, "Turing"),
        ({"id": "c1", "email": "x@example.com"}, ""),
    ],
)
def test_a_contacts_name_in_every_spelling(raw, name):
    contact = wire.parse_contact(raw)
    assert contact.name == name
    assert contact.display == (name or contact.email)


def test_contact_pages_with_total_in_meta_or_missing():
    page = wire.parse_contact_page(
        {"contacts": [samples.CONTACT], "meta": {"total": 41}}, page=1, per_page=20
    )
    assert page.total == 41 and page.num_pages == 3 and page.has_next
    guessed = wire.parse_contact_page({"contacts": [samples.CONTACT]}, page=2, per_page=20)
    assert guessed.total == 21


def test_folders_bare_or_wrapped_and_fields_name_theirs():
    assert wire.parse_folder(samples.FOLDER).name == "General"
    assert wire.parse_folder({"folder": samples.FOLDER}).id == samples.FOLDER["id"]
    listed = wire.parse_folders({"fields": [], "folders": [samples.FOLDER, {"name": "no id"}]})
    assert [f.id for f in listed] == [samples.FOLDER["id"]]
    field = wire.parse_field(
        {"fieldKey": "x.y.z", "parentId": "f1", "showInForms": False},
        required=set(),
        searchable=set(),
        primary="",
    )
    assert (field.folder_id, field.show_in_forms) == ("f1", False)


SCHEMA = Schema(
    id="o1",
    key=samples.KEY,
    singular="Pet",
    plural="Pets",
    primary_display_key="name",
    fields=(Field("name", f"{samples.KEY}.name", "Name", "TEXT", primary=True),),
    searchable=("name",),
)


def test_request_bodies_as_the_official_files_want_them():
    assert wire.relation_body(
        ASSOCIATION, record_id="con1", record_object_key="contact", other_id="rec1"
    ) == {"associationId": ASSOCIATION.id, "firstRecordId": "rec1", "secondRecordId": "con1"}
    update = wire.object_update_body(SCHEMA, plural="Animals")
    assert update == {
        "searchableProperties": [f"{samples.KEY}.name"],
        "labels": {"plural": "Animals"},
    }
    created = wire.field_create_body(
        object_key=samples.KEY,
        key="colour",
        name="Colour",
        data_type="SINGLE_OPTIONS",
        folder_id="f1",
        options=[("", "Black"), ("w", "White")],
    )
    assert created["fieldKey"] == f"{samples.KEY}.colour"
    assert created["options"] == [{"label": "Black"}, {"key": "w", "label": "White"}]
    assert created["parentId"] == "f1" and created["showInForms"] is True
    text = wire.field_create_body(
        object_key=samples.KEY, key="x", name="X", data_type="TEXT", folder_id="f1"
    )
    assert "options" not in text
    hidden = Field("x", f"{samples.KEY}.x", "X", "TEXT", show_in_forms=False)
    assert wire.field_update_body(hidden, name="Y") == {"showInForms": False, "name": "Y"}
    search = wire.contact_search_body(query="  " + "a" * 80, page=0, per_page=500)
    assert search == {"page": 1, "pageLimit": 100, "query": "a" * 73}
    assert wire.contact_create_body(first_name=" Ada ", email="", phone=" ") == {"firstName": "Ada"}


# -- the calls, against a stub serving each shape -----------------------------------------------


@pytest.mark.django_db
def test_a_relation_created_with_a_documented_answer_is_looked_up(ghl, clear_cache):
    ghl.router = samples.route
    schema = services.schema_get(key=samples.KEY)
    record = services.record_get(schema=schema, record_id=samples.REAL_RECORD["id"])
    ghl.script(Reply(201, json=DOCUMENTED))  # the create's answer, as the file documents it
    relation = services.relation_create_logged(
        user=None,
        schema=schema,
        record=record,
        association=ASSOCIATION,
        other_id=samples.CONTACT["id"],
    )
    assert relation.id == samples.RELATION["id"]  # found by listing the record's relations
    assert [s.path for s in ghl.requests][-2:] == [
        "/associations/relations",
        f"/associations/relations/{record.id}",
    ]


@pytest.mark.django_db
def test_a_relation_list_in_the_documented_shape_is_an_error_not_an_empty_list(ghl, clear_cache):
    ghl.router = samples.route
    schema = services.schema_get(key=samples.KEY)
    ghl.script(Reply(200, json=DOCUMENTED))
    with pytest.raises(UnexpectedAnswer, match="no list of relations"):
        services.relation_list(schema=schema, record_id="rec1", association=ASSOCIATION)


@pytest.mark.django_db
def test_a_refused_relation_places_its_messages_on_the_records(ghl, clear_cache):
    """The real service sends no `errors` map: messages are placed by the names they hold."""
    ghl.script(
        Reply(400, json={"statusCode": 400, "message": "secondRecordId is not a valid record"})
    )
    with pytest.raises(ValidationFailed) as refused:
        endpoints.relation_create(
            {"associationId": "a", "firstRecordId": "r", "secondRecordId": "x"}
        )
    assert list(refused.value.field_errors) == ["secondRecordId"]


@pytest.mark.django_db
def test_a_link_made_whose_id_cannot_be_looked_up_is_still_done(ghl, clear_cache):
    ghl.router = samples.route
    schema = services.schema_get(key=samples.KEY)
    record = services.record_get(schema=schema, record_id=samples.REAL_RECORD["id"])
    ghl.script(Reply(201, json=DOCUMENTED), *[Reply(503)] * 4)  # the lookup meets an outage
    relation = services.relation_create_logged(
        user=None, schema=schema, record=record, association=ASSOCIATION, other_id="con9"
    )
    assert relation.id == "" and relation.second_record_id == "con9"
    change = RecordChange.objects.get(record_id=record.id)
    assert (change.action, change.outcome) == ("link", "ok")
