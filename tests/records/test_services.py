"""The service layer against the stub: schema cache (item 25), what goes on the wire (item 14)."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache

from recordsadmin.client import retry
from recordsadmin.client.domain import Filter, Sort
from recordsadmin.client.errors import NotFound, OutcomeUnknown, Unavailable, ValidationFailed
from recordsadmin.records import services
from recordsadmin.records.services.health import HEALTH_CACHE_KEY
from tests.support.stub import Reply

from . import samples
from .conftest import TOKEN

pytestmark = pytest.mark.django_db


@pytest.fixture
def served(ghl, clear_cache):
    ghl.router = samples.route
    return ghl


def schema_gets(stub) -> int:
    return sum(1 for r in stub.requests if r.path == f"/objects/{samples.KEY}")


# -- schemas and the cache (item 25) -------------------------------------------------------


def test_twenty_views_in_the_ttl_cost_one_schema_get(served):
    for _ in range(20):
        schema = services.schema_get(key=samples.KEY)
    assert schema.plural == "Pets"
    assert schema_gets(served) == 1


def test_a_warm_table_page_costs_one_call(served):
    for _ in range(20):
        schema = services.schema_get(key=samples.KEY)
        services.user_list()
        services.record_search(schema=schema)
    paths = [r.path for r in served.requests]
    assert paths.count(f"/objects/{samples.KEY}") == 1
    assert paths.count("/users/") == 1
    assert paths.count(f"/objects/{samples.KEY}/records/search") == 20


def test_a_failed_refresh_serves_the_stale_schema(served, settings):
    first = services.schema_get(key=samples.KEY)
    # The fresh copy expires; the service is down when the next view asks.
    cache.delete(services.schema_cache_key(samples.KEY))
    served.router = None
    served.default = Reply(503)
    settings.GHL_MAX_RETRIES = 0
    assert services.schema_get(key=samples.KEY) == first
    assert schema_gets(served) == 2
    # While the service stays down, the next pages take the stale copy without asking again.
    assert services.schema_get(key=samples.KEY) == first
    assert schema_gets(served) == 2


def test_a_create_answered_without_its_record_is_outcome_unknown(served):
    schema = services.schema_get(key=samples.KEY)
    served.router = None
    served.default = Reply(201, json={})
    with pytest.raises(OutcomeUnknown):
        services.record_create(schema=schema, properties={"name": "Rex"})


def test_no_stale_copy_means_the_failure_shows(served, settings):
    served.router = None
    served.default = Reply(503)
    settings.GHL_MAX_RETRIES = 0
    with pytest.raises(Unavailable):
        services.schema_get(key=samples.KEY)


def test_invalidate_forgets_the_schema(served):
    services.schema_get(key=samples.KEY)
    services.schema_invalidate(key=samples.KEY)
    services.schema_get(key=samples.KEY)
    assert schema_gets(served) == 2


def test_a_deleted_object_is_not_served_stale(served):
    services.schema_get(key=samples.KEY)
    cache.delete(services.schema_cache_key(samples.KEY))
    served.script(Reply(404, json={"message": f"Custom Object ({samples.KEY}) not found"}))
    with pytest.raises(NotFound):
        services.schema_get(key=samples.KEY)
    # The 404 dropped the stale copy too: a later outage does not bring the object back.
    served.router = None
    served.default = Reply(503)
    with pytest.raises(Unavailable):
        services.schema_get(key=samples.KEY, deadline=retry.deadline_in(0.5))


def test_cache_key_holds_no_token(served):
    assert TOKEN not in services.schema_cache_key(samples.KEY)


def test_schema_list_keeps_only_custom_objects(served):
    assert [s.key for s in services.schema_list()] == [samples.KEY]


def test_a_standard_object_is_not_usable(served):
    served.router = None
    served.default = Reply(200, json={"object": {**samples.OBJECT, "key": "contact"}, "fields": []})
    with pytest.raises(NotFound):
        services.schema_get(key="contact")


# -- what goes on the wire ---------------------------------------------------------------------


def test_unknown_property_keys_never_leave(served):
    schema = services.schema_get(key=samples.KEY)
    before = len(served.requests)
    for bad in ({"Name": "x"}, {"id": "r"}, {"locationId": "other"}, {"createdAt": "now"}):
        with pytest.raises(ValidationFailed) as caught:
            services.record_create(schema=schema, properties={"name": "Rex", **bad})
        assert set(caught.value.field_errors) == set(bad)
        with pytest.raises(ValidationFailed):
            services.record_update(schema=schema, record_id="rec1", properties=bad)
    assert len(served.requests) == before


def test_create_body_in_the_real_wire_form(served):
    schema = services.schema_get(key=samples.KEY)
    record = services.record_create(
        schema=schema,
        properties={
            "name": "Rex",
            "price": Decimal("12.50"),
            "weight": Decimal("7"),
            "born": datetime.date(2024, 5, 1),
            "traits": ("calm", "playful"),
            "breed": None,
        },
        owner="usr1",
        followers=["usr2"],
    )
    body = served.requests[-1].json
    assert body == {
        "locationId": served.requests[-1].json["locationId"],
        "properties": {
            "name": "Rex",
            "price": {"currency": "default", "value": 12.5},
            "weight": 7,
            "born": "2024-05-01",
            "traits": ["calm", "playful"],
        },
        "owner": ["usr1"],
        "followers": ["usr2"],
    }
    assert record.properties["price"] == 150  # read back as a plain number


def test_update_sends_only_what_changes(served):
    schema = services.schema_get(key=samples.KEY)
    services.record_update(schema=schema, record_id="rec1", properties={"price": 3, "breed": None})
    assert served.requests[-1].json == {
        "properties": {"price": {"currency": "default", "value": 3}, "breed": None}
    }
    services.record_update(schema=schema, record_id="rec1", properties={}, owner="usr9")
    assert served.requests[-1].json == {"properties": {}, "owner": ["usr9"]}


def test_search_body_and_per_page_clamp(served):
    schema = services.schema_get(key=samples.KEY)
    page = services.record_search(
        schema=schema,
        query="  rex ",
        filters=[Filter("status", "eq", ["available"]), Filter("born", "lt", "2025-01-01")],
        sort=Sort("createdAt", "DESC"),
        per_page=500,
        page=0,
    )
    body = served.requests[-1].json
    assert body["page"] == 1 and body["pageLimit"] == 100
    assert body["query"] == "rex"
    assert body["filters"] == [
        {"field": "properties.status", "operator": "eq", "value": "available"},
        {"field": "properties.born", "operator": "range", "value": {"lt": "2025-01-01"}},
    ]
    assert body["sort"] == [{"field": "createdAt", "direction": "desc"}]
    assert (page.total, page.page, page.per_page) == (1, 1, 100)
    services.record_search(schema=schema, per_page=0)
    assert served.requests[-1].json == {
        "locationId": body["locationId"],
        "page": 1,
        "pageLimit": 1,
    }


def test_search_refuses_unknown_fields_and_operators(served):
    schema = services.schema_get(key=samples.KEY)
    with pytest.raises(ValidationFailed):
        services.record_search(schema=schema, filters=[Filter("nope", "eq", 1)])
    with pytest.raises(ValidationFailed):
        services.record_search(schema=schema, filters=[Filter("name", "like", "x")])
    with pytest.raises(ValidationFailed):
        services.record_search(schema=schema, sort=Sort("nope"))


def test_record_count_asks_for_one_record(served):
    schema = services.schema_get(key=samples.KEY)
    assert services.record_count(schema=schema) == 1
    assert served.requests[-1].json["pageLimit"] == 1


def test_a_record_of_another_location_is_not_found(served):
    schema = services.schema_get(key=samples.KEY)
    served.script(Reply(200, json={"record": {**samples.REAL_RECORD, "locationId": "elsewhere"}}))
    with pytest.raises(NotFound):
        services.record_get(schema=schema, record_id="rec1")


def test_users(served):
    (user,) = services.user_list()
    assert (user.name, user.email) == ("Ada Lovelace", "ada@example.com")


def test_health_ok_and_failing(served, settings):
    settings.GHL_API_URL = served.url.replace("http://", f"http://user:{TOKEN}@")
    health = services.api_health()
    assert health["ok"] is True and health["error"] == ""
    assert health["url"] == served.url
    assert isinstance(health["latency_ms"], int)
    served.router = None
    served.default = Reply(401, json={"message": "Invalid token"})
    cache.delete(HEALTH_CACHE_KEY)  # the last answer is shared for 15 s
    health = services.api_health()
    assert health["ok"] is False
    assert "Invalid token" in health["error"]
    assert TOKEN not in str(health)
