"""Reading answers in every spelling the real service or the embedded API uses."""

import datetime

import pytest

from recordsadmin.client.domain import Page
from recordsadmin.client.wire import (
    parse_datetime,
    parse_page,
    parse_record,
    parse_schema,
    parse_user,
)

from . import samples

UTC = datetime.UTC


@pytest.fixture
def schema():
    return parse_schema({"object": samples.OBJECT, "cache": True, "fields": samples.FIELDS})


def test_schema_fields(schema):
    assert (schema.id, schema.key, schema.singular, schema.plural) == (
        samples.OBJECT["id"],
        "custom_objects.pets",
        "Pet",
        "Pets",
    )
    assert schema.primary_display_key == "name"
    assert schema.field_keys[0] == "name"  # the primary field first, then by position
    assert schema.field_keys[1:4] == ("breed", "price", "weight")
    assert schema.required == ("name",)
    assert schema.searchable == ("name", "breed")
    name, breed = schema.field("name"), schema.field("breed")
    assert name.required and name.primary and name.searchable
    assert not breed.required and breed.searchable and not breed.primary
    assert breed.field_key == "custom_objects.pets.breed"
    assert breed.placeholder == "e.g. Beagle"
    status = schema.field("status")
    assert status.options == (("available", "Available"), ("adopted", "Adopted"))
    assert schema.field("born").description == "Best guess is fine"
    assert schema.field("Name") is None  # keys are case-sensitive
    assert schema.is_custom


def test_schema_from_the_embedded_shape_and_junk():
    schema = parse_schema(
        {
            "object": {"id": "o", "key": "custom_objects.x", "labels": {"singular": "X"}},
            "fields": [
                {"fieldKey": "custom_objects.x.a", "dataType": "text", "options": ["p", {"k": 1}]},
                "junk",
                {"name": "no key"},
            ],
        }
    )
    assert schema.plural == "X"
    (field,) = schema.fields
    assert (field.key, field.name, field.data_type, field.options) == (
        "a",
        "a",
        "TEXT",
        (("p", "p"),),
    )


def test_record_in_the_real_spelling(schema):
    record = parse_record({"record": samples.REAL_RECORD, "traceId": "abc"}, schema)
    assert record.id == samples.REAL_RECORD["id"]
    assert record.owner == "usr000000000000000000001"
    assert record.followers == ("usr000000000000000000002",)
    assert record.properties == {
        "name": "Rex",
        "price": 150,
        "traits": ["calm"],
        "notes": {"food": "Dry", "vet": "Dr Who"},
    }
    assert record.created_at == datetime.datetime(2026, 3, 7, 12, tzinfo=UTC)
    assert record.updated_at == datetime.datetime(2026, 3, 8, 12, tzinfo=UTC)


def test_record_in_the_embedded_spelling(schema):
    record = parse_record(
        {
            "record": {
                "id": "r",
                "properties": {"name": "Rex", "price": 99.5, "notes": {"food": "Wet"}},
                "owner": "u1",
                "followers": [],
                "createdAt": "2026-03-07T12:00:00Z",
                "updatedAt": "2026-03-07T13:00:00+01:00",
            }
        },
        schema,
    )
    assert record.owner == "u1"
    assert record.properties["price"] == 99.5
    assert record.properties["notes"] == {"food": "Wet"}
    assert record.updated_at == datetime.datetime(2026, 3, 7, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "owner"),
    [
        ({"owner": "u1"}, "u1"),
        ({"owner": ["u1"]}, "u1"),
        ({"owner": []}, None),
        ({"owner": None, "owners": ["u2"]}, "u2"),
        ({"owners": [{"id": "u3"}]}, "u3"),
        ({}, None),
    ],
)
def test_owner_spellings(raw, owner):
    assert parse_record({"id": "r", **raw}).owner == owner


def test_record_without_wrapper_or_schema():
    record = parse_record({"id": "r", "properties": '{"a": 1}', "dateAdded": 1700000000000})
    assert record.properties == {"a": 1}
    assert record.created_at == datetime.datetime.fromtimestamp(1700000000, tz=UTC)
    assert record.updated_at is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-07T12:00:00Z", datetime.datetime(2026, 3, 7, 12, tzinfo=UTC)),
        ("2026-03-07T12:00:00.123Z", datetime.datetime(2026, 3, 7, 12, 0, 0, 123000, tzinfo=UTC)),
        ("2026-03-07T12:00:00", datetime.datetime(2026, 3, 7, 12, tzinfo=UTC)),
        ("yesterday", None),
        (None, None),
        (True, None),
    ],
)
def test_datetimes_are_aware_or_none(value, expected):
    assert parse_datetime(value) == expected


def test_page(schema):
    page = parse_page(
        {"records": [samples.REAL_RECORD, "junk"], "total": 51, "traceId": "t"},
        schema=schema,
        page=2,
        per_page=25,
    )
    assert len(page.records) == 1
    assert (page.total, page.num_pages, page.has_next, page.has_previous) == (51, 3, True, True)
    assert Page((), 0, 1, 25).num_pages == 1
    # No total in the answer: at least what we have seen.
    assert parse_page({"records": []}, schema=None, page=3, per_page=10).total == 20


def test_user():
    assert (
        parse_user({"id": "u", "firstName": "Ada", "lastName": "L", "email": "a@x"}).name == "Ada L"
    )
    assert parse_user({"id": "u", "email": "a@x"}).name == "a@x"
