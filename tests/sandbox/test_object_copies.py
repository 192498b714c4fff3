"""The record endpoints keep each process's copy of an object and its fields while the
location's schema version is the same (recordsadmin/sandbox/views.py, record_object), and
read it again after any write of an object or a field (recordsadmin/sandbox/signals.py)."""

import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recordsadmin.sandbox import views
from recordsadmin.sandbox.demo import PROPERTY_KEY, create_demo_location
from recordsadmin.sandbox.models import Field, Location, ObjectSchema
from recordsadmin.sandbox.signals import schema_written

from .conftest import SEED_PROPERTIES, VERSION

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client):
    location, token = create_demo_location(records=3)
    headers = {"Authorization": f"Bearer {token}", "Version": VERSION}

    def call(method: str, path: str, body: dict | None = None):
        send = getattr(client, method)
        if body is None:
            return send(f"/sandbox{path}", headers=headers)
        return send(
            f"/sandbox{path}", json.dumps(body), content_type="application/json", headers=headers
        )

    call.location = location
    return call


def schema_reads(queries) -> list[str]:
    tables = (ObjectSchema._meta.db_table, Field._meta.db_table)
    return [q["sql"] for q in queries if any(f'"{table}"' in q["sql"] for table in tables)]


def search(api) -> dict:
    response = api("post", f"/objects/{PROPERTY_KEY}/records/search", {"page": 1, "pageLimit": 5})
    assert response.status_code == 200, response.content
    return response.json()


def test_record_calls_read_the_object_and_its_fields_once_while_the_schema_is_the_same(api):
    with CaptureQueriesContext(connection) as first:
        record = search(api)["records"][0]
    assert schema_reads(first)

    with CaptureQueriesContext(connection) as later:
        search(api)
        assert api("get", f"/objects/{PROPERTY_KEY}/records/{record['id']}").status_code == 200
        changed = api(
            "put", f"/objects/{PROPERTY_KEY}/records/{record['id']}", {"properties": {"price": 5}}
        )
        assert changed.status_code == 200, changed.content
    assert schema_reads(later) == []


def test_a_field_added_through_the_api_is_known_to_the_next_record_call(api):
    assert search(api)["total"] == 3  # the object is read and kept
    made = api(
        "post",
        "/custom-fields/",
        {
            "locationId": api.location.id,
            "objectKey": PROPERTY_KEY,
            "name": "Heating",
            "fieldKey": f"{PROPERTY_KEY}.heating",
            "dataType": "TEXT",
        },
    )
    assert made.status_code == 201, made.content
    created = api(
        "post",
        f"/objects/{PROPERTY_KEY}/records",
        {"properties": {**SEED_PROPERTIES, "heating": "gas"}},
    )
    assert created.status_code == 200, created.content
    assert created.json()["record"]["properties"]["heating"] == "gas"


def test_a_write_in_another_process_is_seen_by_its_new_version(api):
    """Another process's write of a field: this process learns of it only through the
    location's version in the database, which it reads with the token at each call."""
    search(api)
    field = Field.objects.get(object__location=api.location, field_key=f"{PROPERTY_KEY}.status")
    # As another process would leave it: the row changed, and the version with it, and no
    # signal here. The status options lose "Active".
    Field.objects.filter(pk=field.pk).update(
        options=[o for o in field.options if o["key"] != "Active"]
    )
    body = {"properties": {**SEED_PROPERTIES, "status": "Active"}}
    # Unchanged version: this process still validates with its copy.
    assert api("post", f"/objects/{PROPERTY_KEY}/records", body).status_code == 200
    schema_written(api.location.id)
    refused = api("post", f"/objects/{PROPERTY_KEY}/records", body)
    assert refused.status_code in (400, 422), refused.content
    assert "status" in json.dumps(refused.json())


def test_every_write_of_an_object_or_a_field_draws_a_new_version():
    location, _ = create_demo_location(records=0)
    seen = {location.schema_version}

    def version() -> str:
        current = Location.objects.get(pk=location.pk).schema_version
        assert current not in seen
        seen.add(current)
        return current

    obj = ObjectSchema.objects.get(location=location, key=PROPERTY_KEY)
    obj.description = "Homes"
    obj.save()
    version()
    field = obj.fields.first()
    field.name = "Street address"
    field.save()
    version()
    field.delete()
    version()
    obj.delete()
    version()


def test_a_migration_draws_every_location_a_new_version(api):
    """A migration may change objects or fields with no signal (signals.after_migrate)."""
    before = Location.objects.get(pk=api.location.pk).schema_version
    call_command("migrate", "sandbox", verbosity=0)
    assert Location.objects.get(pk=api.location.pk).schema_version != before


def test_a_locations_past_copies_go_when_it_has_a_new_one(api):
    search(api)
    mine = [key for key in views._OBJECTS if key[0] == api.location.pk]
    assert len(mine) == 1
    schema_written(api.location.pk)
    search(api)
    now = [key for key in views._OBJECTS if key[0] == api.location.pk]
    assert len(now) == 1 and now != mine


def test_past_the_bound_the_oldest_copies_go(api, monkeypatch):
    monkeypatch.setattr(views, "_OBJECTS", {("elsewhere", "v", str(n)): None for n in range(3)})
    monkeypatch.setattr(views, "_OBJECTS_KEPT", 3)
    search(api)
    assert list(views._OBJECTS)[:2] == [("elsewhere", "v", "1"), ("elsewhere", "v", "2")]
    assert len(views._OBJECTS) == 3
