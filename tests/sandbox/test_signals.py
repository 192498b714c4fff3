"""The contract's signals, sent by the embedded API once a schema or user write has committed."""

import pytest
from django.db import transaction

from recordsadmin.contract.signals import schema_changed, users_changed
from recordsadmin.sandbox.models import Field, Location, ObjectSchema, SandboxUser

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def received():
    """(signal name, sender, kwargs) of every contract signal sent during the test."""
    sent = []

    def on_schema(sender, **kwargs):
        sent.append(("schema_changed", sender, {k: v for k, v in kwargs.items() if k != "signal"}))

    def on_users(sender, **kwargs):
        sent.append(("users_changed", sender, {k: v for k, v in kwargs.items() if k != "signal"}))

    schema_changed.connect(on_schema)
    users_changed.connect(on_users)
    yield sent
    schema_changed.disconnect(on_schema)
    users_changed.disconnect(on_users)


def make_object(location: Location) -> ObjectSchema:
    return ObjectSchema.objects.create(
        location=location,
        key="custom_objects.pet",
        singular="Pet",
        plural="Pets",
        primary_display_property="custom_objects.pet.name",
    )


def test_a_schema_write_is_told_once_it_has_committed(received):
    location = Location.objects.create(name="Signals")
    with transaction.atomic():
        obj = make_object(location)
        field = Field.objects.create(
            location=location,
            object=obj,
            name="Name",
            field_key="custom_objects.pet.name",
            data_type="TEXT",
        )
        assert received == []  # not before the commit: a reader could cache the old copy
    told = {"location_id": location.id, "object_key": "custom_objects.pet"}
    assert received == [
        ("schema_changed", ObjectSchema, told),
        ("schema_changed", Field, told),
    ]

    received.clear()
    field.delete()
    assert received == [("schema_changed", Field, told)]


def test_a_rolled_back_write_tells_nothing(received):
    location = Location.objects.create(name="Signals")
    with transaction.atomic():
        make_object(location)
        transaction.set_rollback(True)
    assert received == []


def test_an_object_deleted_with_its_fields_tells_its_key(received):
    location = Location.objects.create(name="Signals")
    obj = make_object(location)
    Field.objects.create(
        location=location, object=obj, name="Name", field_key="custom_objects.pet.name"
    )
    received.clear()
    obj.delete()
    told = {"location_id": location.id, "object_key": "custom_objects.pet"}
    assert ("schema_changed", ObjectSchema, told) in received
    assert all(kwargs == told for _, _, kwargs in received)


def test_a_field_whose_object_is_gone_tells_nothing_of_its_own(received):
    location = Location.objects.create(name="Signals")
    obj = make_object(location)
    Field.objects.create(
        location=location, object=obj, name="Name", field_key="custom_objects.pet.name"
    )
    field = Field.objects.get(object=obj)  # its object not read yet
    ObjectSchema.objects.filter(pk=obj.pk).delete()
    received.clear()
    field.delete()  # the object said so already; the field has no key to tell
    assert received == []


def test_a_user_write_is_told(received):
    location = Location.objects.create(name="Signals")
    user = SandboxUser.objects.create(location=location, name="Ann", email="ann@example.com")
    user.name = "Anne"
    user.save()
    user.delete()
    assert received == [("users_changed", SandboxUser, {"location_id": location.id})] * 3
