"""Every operation of the service layer against the embedded records API, over real HTTP.

The dashboard's own /sandbox/ API runs in pytest-django's live server; the client reaches it
through a real socket exactly as it would reach GoHighLevel.
"""

import datetime
import gc
import threading
import time

import pytest
from django.core.cache import cache
from django.core.servers.basehttp import ThreadedWSGIServer

from recordsadmin.client import transport
from recordsadmin.client.domain import Filter, Schema, Sort
from recordsadmin.client.errors import (
    AuthenticationFailed,
    NotConfigured,
    NotFound,
    RateLimited,
    ValidationFailed,
)
from recordsadmin.records import services
from recordsadmin.sandbox.models import Field as SandboxField
from tests.support.embedded import use_embedded_demo

RECORDS = 30
pytestmark = pytest.mark.django_db(transaction=True)

# A value the embedded API accepts, by dataType.
SAMPLE_VALUES = {
    "TEXT": "Zebra test",
    "LARGE_TEXT": "Long\ntext",
    "NUMERICAL": 42,
    "MONETORY": 1234.5,
    "PHONE": "+1 555 0100",
    "EMAIL": "tester@example.com",
    "DATE": "2026-02-03",
}


def sample(field):
    if field.data_type in SAMPLE_VALUES:
        return SAMPLE_VALUES[field.data_type]
    keys = [key for key, _ in field.options]
    if not keys:
        return None
    if field.data_type in ("SINGLE_OPTIONS", "RADIO"):
        return keys[-1]
    if field.data_type in ("MULTIPLE_OPTIONS", "CHECKBOX"):
        return keys[:2]
    if field.data_type == "TEXTBOX_LIST":
        return {keys[0]: "noted"}
    return None


@pytest.fixture
def embedded(live_server, settings):
    location, _ = use_embedded_demo(
        settings,
        live_server.url + "/sandbox",
        records=RECORDS,
        GHL_CONNECT_TIMEOUT=2,
        GHL_READ_TIMEOUT=5,
        GHL_PAGE_DEADLINE=10,
    )
    yield location
    _close_keep_alive_connections()


def _close_keep_alive_connections() -> None:
    """Close our pooled connections and wait for the live server's threads that served them.

    Such a thread closes the test database's connection as it ends; it must end during this
    test, not in the middle of the next one (where Django refuses the cross-thread use).
    """
    transport.close_pool()
    gc.collect()  # pytest.raises keeps a cycle through the response that holds the socket
    for thread in threading.enumerate():
        server = getattr(getattr(thread, "_target", None), "__self__", None)
        if isinstance(server, ThreadedWSGIServer):
            thread.join(timeout=2)


@pytest.fixture
def schema(embedded) -> Schema:
    """The demo location's custom object with the most records."""
    schemas = services.schema_list()
    assert schemas, "the demo location has custom objects"
    counted = [
        (services.record_count(schema=services.schema_get(key=s.key)), s.key) for s in schemas
    ]
    return services.schema_get(key=max(counted)[1])


def full_properties(schema: Schema) -> dict:
    values = {f.key: sample(f) for f in schema.fields if f.data_type != "FILE_UPLOAD"}
    return {k: v for k, v in values.items() if v is not None}


def test_schemas(embedded):
    schemas = services.schema_list()
    assert all(s.key.startswith("custom_objects.") for s in schemas)
    for listed in schemas:
        schema = services.schema_get(key=listed.key)
        assert schema.id == listed.id
        assert schema.fields, f"{schema.key} has fields"
        assert schema.primary_field is not None
        assert schema.primary_field.data_type in ("TEXT", "NUMERICAL")
        assert all(schema.field(k) for k in schema.required)
    with pytest.raises(NotFound):
        services.schema_get(key="custom_objects.does_not_exist")


def test_health_and_users(embedded, live_server):
    health = services.api_health()
    assert health["ok"] is True, health
    assert health["url"] == live_server.url + "/sandbox"
    users = services.user_list()
    assert all(u.id and u.name for u in users)


def test_search_pages_and_count(schema):
    total = services.record_count(schema=schema)
    assert total >= 1
    first = services.record_search(schema=schema, per_page=7)
    assert first.total == total
    assert len(first.records) == min(7, total)
    assert all(r.created_at and r.created_at.tzinfo for r in first.records)
    if total > 7:
        second = services.record_search(schema=schema, per_page=7, page=2)
        assert {r.id for r in second.records}.isdisjoint({r.id for r in first.records})


def test_sort_by_the_primary_field(schema):
    key = schema.primary_display_key
    up = services.record_search(schema=schema, sort=Sort(key, "asc"), per_page=100)
    down = services.record_search(schema=schema, sort=Sort(key, "desc"), per_page=100)
    values = [r.properties.get(key) for r in up.records if r.properties.get(key) is not None]
    assert values == sorted(values, key=lambda v: str(v).lower() if isinstance(v, str) else v)
    if up.total > 1:
        assert down.records[0].id != up.records[0].id


def test_record_lifecycle(schema):
    properties = full_properties(schema)
    users = services.user_list()
    owner = users[0].id if users else None
    created = services.record_create(schema=schema, properties=properties, owner=owner)
    assert created.id
    assert created.owner == owner

    read = services.record_get(schema=schema, record_id=created.id)
    for key, value in properties.items():
        assert read.properties.get(key) == value, key
    assert isinstance(read.created_at, datetime.datetime) and read.created_at.tzinfo

    # The search by text finds it (read back by id above; search may lag on the real service).
    primary = schema.primary_display_key
    if schema.field(primary).data_type == "TEXT":
        found = services.record_search(schema=schema, query=properties[primary][:20])
        assert created.id in {r.id for r in found.records}

    optional = next((k for k in properties if k not in schema.required and k != primary), None)
    change = {
        primary: sample(schema.field(primary))
        if schema.field(primary).data_type != "TEXT"
        else "Changed"
    }
    if optional:
        change[optional] = None
    updated = services.record_update(schema=schema, record_id=created.id, properties=change)
    assert updated.properties.get(primary) == change[primary]
    again = services.record_get(schema=schema, record_id=created.id)
    assert again.properties.get(primary) == change[primary]
    if optional:
        assert again.properties.get(optional) is None
    assert again.updated_at >= again.created_at

    services.record_delete(schema=schema, record_id=created.id)
    with pytest.raises(NotFound):
        services.record_get(schema=schema, record_id=created.id)


def test_filters_on_an_option_field(schema):
    field = next((f for f in schema.fields if f.data_type in ("SINGLE_OPTIONS", "RADIO")), None)
    if field is None:
        pytest.skip("the demo object has no single-option field")
    key = field.options[0][0]
    page = services.record_search(
        schema=schema, filters=[Filter(field.key, "eq", [key])], per_page=100
    )
    assert all(r.properties.get(field.key) == key for r in page.records)
    everything = services.record_count(schema=schema)
    assert page.total <= everything


def test_validation_errors_land_on_their_field(schema):
    number = next((f for f in schema.fields if f.data_type == "NUMERICAL"), None)
    option = next((f for f in schema.fields if f.data_type in ("SINGLE_OPTIONS", "RADIO")), None)
    base = full_properties(schema)
    assert number and option and schema.required, "the demo object has every kind of field"
    if number:
        with pytest.raises(ValidationFailed) as caught:
            services.record_create(schema=schema, properties={**base, number.key: "many"})
        assert caught.value.status == 400
        assert number.key in caught.value.field_errors
    if option:
        with pytest.raises(ValidationFailed) as caught:
            services.record_create(schema=schema, properties={**base, option.key: "not-an-option"})
        assert caught.value.status == 422
        assert option.key in caught.value.field_errors
    required = list(schema.required)
    if required:
        missing = {k: v for k, v in base.items() if k != required[0]}
        with pytest.raises(ValidationFailed) as caught:
            services.record_create(schema=schema, properties=missing)
        assert required[0] in caught.value.field_errors


def test_unknown_record_is_not_found(schema):
    with pytest.raises(NotFound):
        services.record_get(schema=schema, record_id="0123456789abcdef01234567")
    with pytest.raises(NotFound):
        services.record_delete(schema=schema, record_id="0123456789abcdef01234567")


def test_a_wrong_token_is_refused(schema, settings):
    settings.SANDBOX_TOKEN = "pit-wrong"
    cache.clear()
    with pytest.raises(AuthenticationFailed) as caught:
        services.record_search(schema=schema)
    assert "pit-wrong" not in str(caught.value)


def test_sandbox_not_set_up_is_not_configured(embedded, settings, tmp_path):
    settings.SANDBOX_LOCATION_ID = settings.SANDBOX_TOKEN = ""
    settings.SANDBOX_CREDENTIALS_FILE = tmp_path / "no-such-file.json"
    with pytest.raises(NotConfigured):
        services.schema_list()


def test_a_warm_list_page_costs_one_call(schema, monkeypatch):
    """docs/reliability.md item 25 against the real thing: the schema comes from the cache,
    one search goes out."""
    sent = []
    adapter = transport.adapter()
    send = adapter.send

    def counted(request, **kwargs):
        path = request.path_url.split("?")[0].rsplit("/sandbox", 1)[-1]
        sent.append((request.method, path))
        return send(request, **kwargs)

    monkeypatch.setattr(adapter, "send", counted)
    for _ in range(5):
        warm = services.schema_get(key=schema.key)
        services.user_list()
        services.record_search(schema=warm)
    assert sent[1:] == [("POST", f"/objects/{schema.key}/records/search")] * 5
    assert sent[0] == ("GET", "/users/")  # the first page of all fetched the users once


def test_a_schema_changed_in_the_embedded_api_is_not_served_from_the_cache(schema):
    """The embedded API's schema writes drop the cached copy at once (its schema_changed
    signal, recordsadmin/contract/signals.py)."""

    services.schema_get(key=schema.key)
    field = SandboxField.objects.get(object__key=schema.key, field_key__endswith=".bedrooms")
    field.name = "Bedrooms (total)"
    field.save()
    fresh = services.schema_get(key=schema.key)
    assert fresh.field("bedrooms").name == "Bedrooms (total)"


def test_the_client_paces_itself_under_the_emulated_rate_limit(schema, settings):
    settings.SANDBOX_RATE_LIMIT = "3/1s"
    started = time.monotonic()
    for _ in range(5):
        services.record_search(schema=schema, per_page=1)
    # Five calls at three per second: the client waited for the window (Retry-After: 1).
    assert time.monotonic() - started >= 1.0


def test_a_rate_limit_longer_than_the_page_fails_fast(schema, settings):
    settings.SANDBOX_RATE_LIMIT = "2/60s"
    services.record_search(schema=schema, per_page=1)
    services.record_search(schema=schema, per_page=1)
    started = time.monotonic()
    with pytest.raises(RateLimited) as caught:
        services.record_search(schema=schema, per_page=1)
    assert time.monotonic() - started < 1
    assert caught.value.retry_after and caught.value.retry_after > 10
