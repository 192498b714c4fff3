"""Associations, relations, contacts and the schema editor's writes, through the services,
against the embedded records API over real HTTP (the live server)."""

import pytest
from django.contrib.auth import get_user_model

from recordsadmin.client.errors import NotFound, ValidationFailed
from recordsadmin.contract.signals import associations_changed, schema_changed
from recordsadmin.records import receivers, services
from recordsadmin.records.models import RecordChange
from recordsadmin.sandbox.demo import (
    BUYER_ASSOCIATION,
    PROPERTY_KEY,
    SHOWING_ASSOCIATION,
    SHOWING_KEY,
)
from recordsadmin.sandbox.models import Contact as StoredContact
from recordsadmin.sandbox.models import Field as StoredField
from recordsadmin.sandbox.models import Record as StoredRecord
from recordsadmin.sandbox.models import Relation as StoredRelation

from .test_embedded import embedded as embedded

pytestmark = pytest.mark.django_db(transaction=True)

Action = RecordChange.Action
Outcome = RecordChange.Outcome


@pytest.fixture
def prop(embedded):
    return services.schema_get(key=PROPERTY_KEY)


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user("staff", password="x")


def buyers_of(prop):
    return next(a for a in services.association_list(object_key=prop.key) if a.with_contacts())


def a_record_without_relations(location, key=PROPERTY_KEY) -> str:
    linked = set(StoredRelation.objects.values_list("first_record_id", flat=True))
    records = StoredRecord.objects.filter(location=location, object__key=key).order_by("id")
    return next(r for r in records.values_list("id", flat=True) if r not in linked)


# -- associations ---------------------------------------------------------------------------------


def test_associations_of_an_object_and_their_labels_from_each_side(prop, embedded):
    of_property = services.association_list(object_key=PROPERTY_KEY)
    assert {a.key for a in of_property} == {BUYER_ASSOCIATION, SHOWING_ASSOCIATION}
    assert [a.key for a in services.association_list(object_key=SHOWING_KEY)] == [
        SHOWING_ASSOCIATION
    ]
    assert [a.key for a in services.association_list(object_key="contact")] == [BUYER_ASSOCIATION]
    buyers = buyers_of(prop)
    assert buyers.other_label(PROPERTY_KEY) == "Buyer"
    assert buyers.other_label("contact") == "Interested property"
    assert services.association_get(association_id=buyers.id) == buyers
    with pytest.raises(NotFound):
        services.association_get(association_id="000000000000000000000000")


@pytest.fixture
def without_the_associations_signal():
    """Our own writes must drop the cached list; the embedded API's signal is set aside."""
    associations_changed.disconnect(dispatch_uid="records_associations_changed")
    yield
    associations_changed.connect(
        receivers.forget_changed_associations, dispatch_uid="records_associations_changed"
    )


def test_association_writes_are_seen_at_once(prop, embedded, without_the_associations_signal):
    services.association_list()
    made = services.association_create(
        key="second_home",
        first_object_key=PROPERTY_KEY,
        first_label="Second home",
        second_object_key="contact",
        second_label="Owner",
    )
    assert made.key in {a.key for a in services.association_list(object_key="contact")}
    renamed = services.association_update(
        association=made, first_label="Holiday home", second_label="Owner"
    )
    assert renamed.first_label == "Holiday home"
    assert services.association_get(association_id=made.id).first_label == "Holiday home"
    services.association_delete(association=made)
    assert made.id not in {a.id for a in services.association_list()}
    with pytest.raises(ValidationFailed) as refused:
        services.association_create(
            key=BUYER_ASSOCIATION,
            first_object_key=PROPERTY_KEY,
            first_label="A",
            second_object_key="contact",
            second_label="B",
        )
    assert list(refused.value.field_errors) == ["key"]


# -- linked records -------------------------------------------------------------------------------


def test_a_records_buyers_and_showings_read_with_their_names(prop, embedded):
    buyers = buyers_of(prop)
    relation = StoredRelation.objects.filter(
        location=embedded, association__key=BUYER_ASSOCIATION
    ).first()
    record_id = relation.first_record_id
    stored = StoredRelation.objects.filter(first_record_id=record_id, association_id=buyers.id)
    page = services.relation_list(schema=prop, record_id=record_id, association=buyers)
    assert page.total == stored.count() == len(page.items)
    contacts = StoredContact.objects.filter(id__in=stored.values("second_record_id"))
    assert sorted(i.label for i in page.items) == sorted(c.name for c in contacts)
    assert all(i.is_contact and i.contact.email for i in page.items)
    showings = next(a for a in services.association_list(object_key=SHOWING_KEY))
    showing = StoredRelation.objects.filter(association_id=showings.id).first()
    from_showing = services.relation_list(
        schema=services.schema_get(key=SHOWING_KEY),
        record_id=showing.second_record_id,
        association=showings,
    )
    (item,) = from_showing.items
    assert item.object_key == PROPERTY_KEY and item.record_id == showing.first_record_id
    address = StoredRecord.objects.get(id=showing.first_record_id).properties["address"]
    assert item.label == address


def test_pages_of_linked_records(prop, embedded, staff):
    buyers = buyers_of(prop)
    record = services.record_get(schema=prop, record_id=a_record_without_relations(embedded))
    people = StoredContact.objects.filter(location=embedded).order_by("id")[:5]
    for person in people:
        services.relation_create_logged(
            user=staff, schema=prop, record=record, association=buyers, other_id=person.id
        )
    first = services.relation_list(schema=prop, record_id=record.id, association=buyers, per_page=2)
    third = services.relation_list(
        schema=prop, record_id=record.id, association=buyers, page=3, per_page=2
    )
    assert (first.total, first.num_pages, first.has_next, first.has_previous) == (5, 3, True, False)
    assert len(third.items) == 1 and not third.has_next and third.has_previous
    assert services.relation_count(record_id=record.id, association=buyers) == 5


def test_link_unlink_and_undo_each_in_the_history(prop, embedded, staff):
    buyers = buyers_of(prop)
    record = services.record_get(schema=prop, record_id=a_record_without_relations(embedded))
    person = StoredContact.objects.filter(location=embedded).first()
    relation = services.relation_create_logged(
        user=staff,
        schema=prop,
        record=record,
        association=buyers,
        other_id=person.id,
        other_label=person.name,
    )
    assert StoredRelation.objects.filter(id=relation.id, second_record_id=person.id).exists()
    linked = RecordChange.objects.get(record_id=record.id, action=Action.LINK)
    assert linked.outcome == Outcome.OK and linked.username == "staff"
    assert linked.note == f"Buyer: {person.name}"
    assert linked.after["relation_id"] == relation.id

    services.relation_delete_logged(
        user=staff,
        schema=prop,
        record=record,
        association=buyers,
        relation=relation,
        other_label=person.name,
    )
    assert not StoredRelation.objects.filter(id=relation.id).exists()
    unlinked = RecordChange.objects.get(record_id=record.id, action=Action.UNLINK)
    assert unlinked.outcome == Outcome.OK and unlinked.before["other_id"] == person.id

    again = services.unlink_undo(user=staff, schema=prop, record=record, change=unlinked)
    assert StoredRelation.objects.filter(id=again.id).exists()
    relinked = RecordChange.objects.filter(record_id=record.id, action=Action.LINK).first()
    assert "undoing the unlink" in relinked.note
    with pytest.raises(services.NotRelinkable):
        services.unlink_undo(user=staff, schema=prop, record=record, change=linked)
    newest_first = RecordChange.objects.filter(record_id=record.id)
    assert [c.action for c in newest_first] == [Action.LINK, Action.UNLINK, Action.LINK]


@pytest.mark.parametrize("wrong", ["twice", "itself", "missing", "wrong_object"])
def test_a_refused_link_is_a_failed_row_and_says_why_by_record(prop, embedded, staff, wrong):
    buyers = buyers_of(prop)
    record = services.record_get(schema=prop, record_id=a_record_without_relations(embedded))
    person = StoredContact.objects.filter(location=embedded).first().id
    other = {
        "twice": person,
        "itself": record.id,
        "missing": "000000000000000000000000",
        "wrong_object": StoredRecord.objects.filter(object__key=SHOWING_KEY).first().id,
    }[wrong]
    if wrong == "twice":
        services.relation_create_logged(
            user=staff, schema=prop, record=record, association=buyers, other_id=person
        )
    with pytest.raises(ValidationFailed) as refused:
        services.relation_create_logged(
            user=staff, schema=prop, record=record, association=buyers, other_id=other
        )
    assert refused.value.status == (422 if wrong == "wrong_object" else 400)
    assert set(refused.value.field_errors) <= {"firstRecordId", "secondRecordId"}
    assert refused.value.field_errors
    failed = RecordChange.objects.filter(record_id=record.id, outcome=Outcome.FAILED)
    assert failed.count() == 1 and failed.get().action == Action.LINK


def test_deleting_a_record_takes_its_links_with_it(prop, embedded, staff):
    buyers = buyers_of(prop)
    record = services.record_get(schema=prop, record_id=a_record_without_relations(embedded))
    person = StoredContact.objects.filter(location=embedded).first().id
    services.relation_create_logged(
        user=staff, schema=prop, record=record, association=buyers, other_id=person
    )
    services.record_delete_logged(user=staff, schema=prop, record=record)
    assert services.relation_count(record_id=record.id, association=buyers) == 0


def test_one_link_found_with_its_other_end_read(prop, embedded, staff):
    buyers = buyers_of(prop)
    record = services.record_get(schema=prop, record_id=a_record_without_relations(embedded))
    person, stranger = StoredContact.objects.filter(location=embedded).order_by("id")[:2]
    services.relation_create_logged(
        user=staff, schema=prop, record=record, association=buyers, other_id=person.id
    )
    found = services.linked_get(
        schema=prop, record_id=record.id, association=buyers, other_id=person.id
    )
    assert found.contact.id == person.id and found.label == person.name
    assert found.relation.holds(record.id)
    assert (
        services.linked_get(
            schema=prop, record_id=record.id, association=buyers, other_id=stranger.id
        )
        is None
    )


def test_a_new_record_or_contact_linked_in_one_step(prop, embedded, staff):
    shown = next(
        a
        for a in services.association_list(object_key=PROPERTY_KEY)
        if a.key == SHOWING_ASSOCIATION
    )
    showing = services.schema_get(key=SHOWING_KEY)
    record = services.record_get(schema=prop, record_id=a_record_without_relations(embedded))
    made = services.record_create_linked(
        user=staff,
        schema=prop,
        record=record,
        association=shown,
        other_schema=showing,
        properties={"visitor": "Eve", "visit_date": "2026-04-01"},
        submission=None,
    )
    assert made.link_error is None and made.label == "Eve"
    assert StoredRelation.objects.filter(second_record_id=made.record_id).count() == 1
    created = RecordChange.objects.get(object_key=SHOWING_KEY, record_id=made.record_id)
    assert created.action == Action.CREATE

    buyers = buyers_of(prop)
    person = services.contact_create_linked(
        user=staff, schema=prop, record=record, association=buyers, first_name="Zed"
    )
    assert person.link_error is None and person.label == "Zed"
    assert StoredContact.objects.filter(id=person.record_id).exists()
    # The link refused after the create (a contact is no showing): returned, not raised; the
    # contact exists, unlinked.
    wrong = services.contact_create_linked(
        user=staff, schema=prop, record=record, association=shown, first_name="Yan"
    )
    assert isinstance(wrong.link_error, ValidationFailed)
    assert wrong.relation is None
    assert StoredContact.objects.filter(id=wrong.record_id, first_name="Yan").exists()
    assert not StoredRelation.objects.filter(second_record_id=wrong.record_id).exists()


# -- contacts ------------------------------------------------------------------------------------


def test_contacts_search_read_and_create(embedded):
    everyone = services.contact_search(per_page=100)
    assert everyone.total == StoredContact.objects.filter(location=embedded).count()
    person = everyone.contacts[0]
    found = services.contact_search(query=person.name.upper())
    assert person.id in [c.id for c in found.contacts]
    # A picker's query past 75 characters is cut, not refused.
    assert services.contact_search(query=person.name + " " * 80).total >= 1
    assert services.contact_get(contact_id=person.id) == person
    made = services.contact_create(first_name="Zora", last_name="Quill", email="zq@example.com")
    assert made.name == "Zora Quill" and made.display == "Zora Quill"
    with pytest.raises(ValidationFailed) as taken:
        services.contact_create(first_name="Other", email="ZQ@example.com")
    assert list(taken.value.field_errors) == ["email"]
    with pytest.raises(NotFound):
        services.contact_get(contact_id="000000000000000000000000")


# -- the schema editor's writes -------------------------------------------------------------------


@pytest.fixture
def without_the_signal():
    """Our own writes must drop the cached schema; the embedded API's signal is set aside."""
    schema_changed.disconnect(dispatch_uid="records_schema_changed")
    yield
    schema_changed.connect(receivers.forget_changed_schema, dispatch_uid="records_schema_changed")


def test_objects_and_fields_changed_are_seen_at_once(prop, embedded, without_the_signal):
    pet = services.object_create(
        key="pet", singular="Pet", plural="Pets", primary_key="name", primary_name="Name"
    )
    assert pet.key == "custom_objects.pet"
    assert services.schema_get(key="custom_objects.pet").primary_field.name == "Name"
    services.object_update(schema=prop, plural="Homes", description="For sale")
    updated = services.schema_get(key=PROPERTY_KEY)
    assert (updated.plural, updated.description) == ("Homes", "For sale")
    assert updated.searchable == prop.searchable  # sent again as it was

    colour = services.field_create(
        schema=updated,
        key="roof",
        name="Roof",
        data_type="SINGLE_OPTIONS",
        options=[("", "Tile"), ("metal", "Metal")],
        placeholder="Pick one",
    )
    assert colour.options == (("tile", "Tile"), ("metal", "Metal"))
    first_folder = services.folder_list(schema=updated)[0]
    assert colour.folder_id == first_folder.id
    schema = services.schema_get(key=PROPERTY_KEY)
    assert schema.field("roof").placeholder == "Pick one"

    renamed = services.field_update(
        schema=schema,
        field=schema.field("roof"),
        name="Roof material",
        options=[("metal", "Metal"), ("tile", "Clay tile")],
    )
    assert renamed.options == (("metal", "Metal"), ("tile", "Clay tile"))
    assert services.schema_get(key=PROPERTY_KEY).field("roof").name == "Roof material"
    services.field_delete(schema=schema, field=schema.field("roof"))
    assert services.schema_get(key=PROPERTY_KEY).field("roof") is None


def test_field_refusals_name_the_part_at_fault(prop, embedded):
    for change, part in [
        ({"key": "price"}, "fieldKey"),
        ({"key": "has space"}, "fieldKey"),
        ({"key": "owner"}, "fieldKey"),
        ({"data_type": "RADIO"}, "options"),
        ({"name": "N" * 101}, "name"),
    ]:
        values = {"key": "x", "name": "X", "data_type": "TEXT", **change}
        with pytest.raises(ValidationFailed) as refused:
            services.field_create(schema=prop, **values)
        assert list(refused.value.field_errors) == [part], change
    with pytest.raises(ValidationFailed, match="primary display field"):
        services.field_delete(schema=prop, field=prop.primary_field)
    assert StoredField.objects.filter(field_key=f"{PROPERTY_KEY}.address").exists()


def test_folders_and_the_counts_confirmations_name(prop, embedded):
    folder = services.folder_create(schema=prop, name="Energy")
    heating = services.field_create(
        schema=prop, key="heating", name="Heating", data_type="TEXT", folder_id=folder.id
    )
    assert heating.folder_id == folder.id
    schema = services.schema_get(key=PROPERTY_KEY)
    with pytest.raises(ValidationFailed, match="holds 1 field"):
        services.folder_delete(schema=schema, folder=folder)
    renamed = services.folder_rename(schema=schema, folder=folder, name="Energy use")
    assert renamed.name == "Energy use"
    services.field_delete(schema=schema, field=schema.field("heating"))
    services.folder_delete(schema=services.schema_get(key=PROPERTY_KEY), folder=folder)
    assert folder.id not in [f.id for f in services.folder_list(schema=prop)]

    stored = StoredRecord.objects.filter(location=embedded, object__key=PROPERTY_KEY)
    with_photos = sum(1 for r in stored if r.properties.get("photos"))
    assert services.field_holders(schema=prop, field=prop.field("photos")) == with_photos
    sold = sum(1 for r in stored if r.properties.get("status") == "Sold")
    assert services.option_holders(schema=prop, field=prop.field("status"), option_key="Sold") == (
        sold
    )
