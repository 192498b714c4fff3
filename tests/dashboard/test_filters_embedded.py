"""The filter builder and several sort columns against the embedded records API: the table
pages (Django's test client) send their searches over HTTP to the demo location in the live
server, through a proxy that records every call. Every operator of every dataType is accepted
and finds the records the builder's words describe; groups and sorts too."""

import re
from urllib.parse import urlencode

import pytest

from recordsadmin.records import fieldtypes, services
from recordsadmin.sandbox.demo import PROPERTY_KEY
from recordsadmin.sandbox.models import Record
from tests.support.embedded import proxied_demo

pytestmark = pytest.mark.django_db(transaction=True)

URL = f"/objects/{PROPERTY_KEY}/"
HTMX = {"HX-Request": "true", "HX-Current-URL": f"http://testserver{URL}"}
MISSING = object()


@pytest.fixture
def api(live_server, settings):
    """60 demo properties in the embedded API, reached through a recording proxy."""
    with proxied_demo(
        live_server,
        settings,
        records=60,
        GHL_CONNECT_TIMEOUT=2,
        GHL_READ_TIMEOUT=5,
        GHL_PAGE_DEADLINE=10,
    ) as proxy:
        yield proxy


@pytest.fixture
def staff(client, staff_user):
    client.force_login(staff_user)
    return client


def records() -> list[dict]:
    return [r.properties for r in Record.objects.filter(object__key=PROPERTY_KEY)]


def total(html: str) -> int:
    """The number of matching records the table says ("1–25 of 35", "7 records")."""
    count = re.search(r'id="records-count">(.*?)</p>', html, re.S).group(1)
    return int(re.findall(r"[\d,]+", count)[-1].replace(",", ""))


def holds(value, op: str, wanted, data_type: str) -> bool:
    """Whether a property holds for a condition, as docs/records-api.md says the API compares."""
    if op in ("exists", "not_exists"):
        present = value is not MISSING and value is not None  # an empty list is a value
        return present if op == "exists" else not present
    if op.startswith("not_"):
        return not holds(value, op.removeprefix("not_"), wanted, data_type)
    if value is MISSING or value is None:
        return False
    if isinstance(value, list):
        return wanted in value
    if data_type in ("NUMERICAL", "MONETORY"):
        value, wanted = float(value), float(wanted)
    if op == "contains":
        return str(wanted).lower() in str(value).lower()
    return {
        "eq": value == wanted,
        "gt": value > wanted,
        "gte": value >= wanted,
        "lt": value < wanted,
        "lte": value <= wanted,
    }[op]


def sample(prop, rows) -> dict[str, str]:
    """A value of each field as the builder takes it, from a record that has them all."""
    full = next(r for r in rows if {"features", "amenities", "agent_phone"} <= set(r))
    values = {}
    for f in prop.fields:
        value = full.get(f.key)
        if isinstance(value, list):
            value = value[0] if value and isinstance(value[0], str) else ""
        values[f.key] = "" if isinstance(value, (dict, list)) or value is None else str(value)
    return values


def test_every_operator_of_every_type_is_sent_accepted_and_finds_what_it_says(staff, api):
    prop = services.schema_get(key=PROPERTY_KEY)
    rows = records()
    values = sample(prop, rows)
    tried = 0
    for f in prop.fields:
        kind = fieldtypes.of(f)
        for op in kind.operators:
            text = values[f.key]
            typed = (kind.condition_input(op) or {}).get("kind") == "text"
            if op in ("contains", "not_contains") and typed and len(text) > 4:
                text = text[1:4]  # part of the value, in another letter case
                text = text.upper() if f.data_type != "DATE" else text
            params = {"c1.field": f.key, "c1.op": op, "c1.value": text}
            response = staff.get(f"{URL}?{urlencode(params)}", headers=HTMX)
            html = response.content.decode()
            assert response.status_code == 200 and "problem--" not in html, (f.key, op)
            assert 'class="alert' not in html, (f.key, op, html[:2000])
            wanted = kind.condition_value(op, text) if op not in ("exists", "not_exists") else None
            expected = sum(holds(r.get(f.key, MISSING), op, wanted, f.data_type) for r in rows)
            assert total(html) == expected, (f.key, op, text)
            tried += 1
    assert tried == sum(len(fieldtypes.of(f).operators) for f in prop.fields) > 80
    assert all(seen.json for seen in api.calls("POST", "records/search"))


def test_groups_and_any_find_the_records_they_describe(staff, api):
    rows = records()
    grouped = {
        "c1.field": "bedrooms",
        "c1.op": "gte",
        "c1.value": "4",
        "g1.match": "any",
        "g1.c1.field": "status",
        "g1.c1.value": "Sold",
        "g1.c2.field": "status",
        "g1.c2.value": "Pending",
    }
    html = staff.get(f"{URL}?{urlencode(grouped)}", headers=HTMX).content.decode()
    expected = sum(r["bedrooms"] >= 4 and r["status"] in ("Sold", "Pending") for r in rows)
    assert total(html) == expected
    sent = api.calls("POST", "records/search")[-1].json["filters"]
    assert sent[1]["group"] == "OR" and len(sent[1]["filters"]) == 2

    either = {**grouped, "match": "any", "g1.match": "all", "g1.c2.field": "features",
              "g1.c2.op": "eq", "g1.c2.value": "pool"}  # fmt: skip
    html = staff.get(f"{URL}?{urlencode(either)}", headers=HTMX).content.decode()
    expected = sum(
        r["bedrooms"] >= 4 or (r["status"] == "Sold" and "pool" in r.get("features", []))
        for r in rows
    )
    assert total(html) == expected


def test_several_sort_columns_order_the_rows(staff, api):
    html = staff.get(URL, {"sort": "status,-price", "per_page": "100"}, headers=HTMX)
    shown = re.findall(r'class="record-link" href="[^"]*">(.*?)</a>', html.content.decode())
    rows = Record.objects.filter(object__key=PROPERTY_KEY)
    ordered = sorted(rows, key=lambda r: r.id)  # ties: by id, the first key's direction
    ordered.sort(key=lambda r: -float(r.properties["price"]))
    ordered.sort(key=lambda r: r.properties["status"])
    assert shown == [r.properties["address"] for r in ordered]


def test_a_warm_table_view_with_the_builder_on_is_one_api_call(staff, api):
    staff.get(URL)  # schema and users, cached
    before = len(api.stub.requests)
    params = {
        "q": "oak",
        "c1.field": "price",
        "c1.op": "gt",
        "c1.value": "1",
        "sort": "status,-price",
    }
    staff.get(URL, params, headers=HTMX)
    staff.get(URL, {**params, "add": "g"})
    seen = api.stub.requests[before:]
    assert [(s.method, s.path.endswith("/records/search")) for s in seen] == [("POST", True)] * 2


def test_the_table_partial_brings_the_number_of_filters_on(staff, api):
    """The Filters summary is outside the redrawn table: the partial puts its count in place
    out of band, so that ticking an option shows it at once (and clearing takes it away)."""
    two = staff.get(URL, {"f.status": "Sold", "f.property_type": "condo"}, headers=HTMX).text
    badge = '<span class="badge" aria-label="2 active">2</span>'
    assert f'<span id="filters-active" hx-swap-oob="true">{badge}</span>' in two
    none = staff.get(URL, {"q": ""}, headers=HTMX).text
    assert '<span id="filters-active" hx-swap-oob="true"></span>' in none
    page = staff.get(URL, {"f.status": "Sold"}).text
    badge = '<span class="badge" aria-label="1 active">1</span>'
    assert f'<span id="filters-active">{badge}</span>' in page
