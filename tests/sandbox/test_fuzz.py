"""No input makes the embedded API fail with a 5xx: a client's mistake is always a 4xx.

Hypothesis sends generated paths, query strings and JSON bodies, some built from the demo's real
keys and values, to every route and method, and checks the answer is a JSON body below 500.
"""

import json
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recordsadmin.sandbox.demo import PROPERTY_FIELDS, PROPERTY_KEY, create_demo_location
from recordsadmin.sandbox.models import Field, ObjectSchema, Record

from .conftest import VERSION

pytestmark = pytest.mark.django_db

KEYS = [k for k, *_ in PROPERTY_FIELDS] + ["Price", "owner", "id", "add", "remove", "value"]
BODY_KEYS = [
    "locationId",
    "properties",
    "owner",
    "followers",
    "page",
    "pageLimit",
    "query",
    "filters",
    "sort",
    "searchAfter",
    "key",
    "labels",
    "primaryDisplayPropertyDetails",
    "searchableProperties",
    "requiredProperties",
    "objectKey",
    "fieldKey",
    "name",
    "dataType",
    "options",
    "field",
    "operator",
    "group",
    "direction",
    "currency",
    "url",
]
QUERY_KEYS = [
    "locationId",
    "limit",
    "offset",
    "query",
    "sortBy",
    "sortOrder",
    "owner",
    "fetchProperties",
    "properties.price",
    "properties.status",
    "properties.price[gt]",
    "properties.features[contains]",
    "properties.listed_on[lte]",
    "properties.Price",
]
SPECIAL_VALUES = [
    "Active",
    "multi_family",
    "2026-03-07",
    "+1 555 0100",
    "a@example.com",
    "true",
    "-1",
    "1e400",
    "",
    "\x00",
    "custom_objects.property.price",
]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(SPECIAL_VALUES)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(KEYS + BODY_KEYS) | st.text(max_size=8), children, max_size=4
        )
    ),
    max_leaves=12,
)
bodies = (
    st.dictionaries(st.sampled_from(BODY_KEYS), json_values, max_size=5)
    | st.fixed_dictionaries(
        {"properties": st.dictionaries(st.sampled_from(KEYS), json_values, max_size=5)}
    )
    | json_values
)
queries = st.dictionaries(
    st.sampled_from(QUERY_KEYS), st.sampled_from(SPECIAL_VALUES) | st.text(max_size=12), max_size=4
)
segments = st.text(min_size=1, max_size=30)


@pytest.fixture
def demo(client):
    location, token = create_demo_location(records=15)
    headers = {"Authorization": f"Bearer {token}", "Version": VERSION}
    known = {
        "object": [PROPERTY_KEY, ObjectSchema.objects.get(location=location, key=PROPERTY_KEY).id],
        "record": list(Record.objects.filter(location=location).values_list("id", flat=True)[:3]),
        "field": list(Field.objects.filter(location=location).values_list("id", flat=True)[:3]),
    }
    return client, headers, known


def calls(known: dict) -> st.SearchStrategy[tuple[str, str]]:
    """(method, path) pairs, mostly methods the route takes, sometimes any."""
    q = lambda s: s.map(lambda v: quote(v, safe=""))  # noqa: E731
    obj = q(st.sampled_from(known["object"]) | segments)
    record = q(st.sampled_from(known["record"]) | segments)
    field = q(st.sampled_from(known["field"]) | segments)
    routes = [
        ("GET POST", st.just("/objects/")),
        ("GET PUT DELETE", obj.map(lambda o: f"/objects/{o}")),
        ("POST", obj.map(lambda o: f"/objects/{o}/records")),
        ("GET POST", obj.map(lambda o: f"/objects/{o}/records/search")),
        (
            "GET PUT DELETE",
            st.tuples(obj, record).map(lambda t: f"/objects/{t[0]}/records/{t[1]}"),
        ),
        ("POST", st.just("/custom-fields/")),
        ("GET", obj.map(lambda o: f"/custom-fields/object-key/{o}")),
        ("GET PUT DELETE", field.map(lambda f: f"/custom-fields/{f}")),
        ("GET", st.just("/users/")),
    ]
    return st.one_of(
        st.tuples(
            st.sampled_from(methods.split()) | st.sampled_from(["GET", "POST", "PUT", "DELETE"]),
            path,
        )
        for methods, path in routes
    )


def test_no_request_gets_a_server_error(demo):
    client, headers, known = demo

    @settings(
        max_examples=400,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        call=calls(known),
        query=queries,
        body=bodies,
    )
    def check(call, query, body):
        method, path = call
        response = client.generic(
            method,
            "/sandbox" + path,
            data=json.dumps(body),
            content_type="application/json",
            QUERY_STRING="&".join(f"{quote(k)}={quote(v)}" for k, v in query.items()),
            headers=headers,
        )
        assert response.status_code < 500, (method, path, query, body, response.content[:300])
        assert response["Content-Type"] == "application/json"

    check()


@pytest.mark.parametrize(
    "path", ["/objects/%2F%0A", "/objects/x%0A/records", "/%0A", "/users%0D%0A"]
)
def test_a_newline_anywhere_in_the_path_is_answered_in_json(demo, path):
    """Found by the test above: a path no route took (a newline defeats `.`) got Django's HTML
    404 page instead of the contract's JSON body."""
    client, headers, _ = demo
    response = client.get("/sandbox" + path, headers=headers)
    assert response.status_code in (400, 404, 405)
    assert response["Content-Type"] == "application/json"
    assert response.json()["statusCode"] == response.status_code
