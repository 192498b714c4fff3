"""Hostile values and arbitrary input: escaped everywhere (docs/reliability.md item 11), never
a 5xx (item 33)."""

import json

import pytest
from django.core.cache import cache
from django.http import QueryDict
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recordsadmin.client import transport
from recordsadmin.client.domain import Record
from recordsadmin.records import forms, services
from tests.support.schemas import schema_of
from tests.support.stub import Reply, Seen, Stub

from .helpers import hidden, url
from .test_forms import schemas

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ secret }}",
    "{% x %}",
]


@pytest.mark.django_db(transaction=True)
def test_remote_values_are_escaped_in_the_form_conflict_and_history(staff, prop):
    payload = " ".join(PAYLOADS)
    record = services.record_create(
        schema=prop,
        properties={
            "address": payload,
            "price": 1,
            "status": "Active",
            "description": payload,
            "rooms": {"kitchen": payload},
        },
    )
    edit = url("record_edit", prop.key, record.id)
    form = staff.get(edit).content.decode()
    services.record_update(schema=prop, record_id=record.id, properties={"bedrooms": 9})
    data = {"address": payload + "!", "price": "1", "status": "Active", "description": payload}
    conflict = staff.post(edit, {**data, "_version": hidden(form, "_version")}).content.decode()
    assert "while you were editing" in conflict
    detail = staff.get(url("record_detail", prop.key, record.id)).content.decode()
    for page in (form, conflict, detail):
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page or "&lt;script&gt;" in page
        assert "{{ secret }}" in page  # shown as typed, never evaluated


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=40).map(lambda t: t + PAYLOADS[0] + PAYLOADS[1]), schema=schemas())
def test_any_remote_text_is_escaped_in_every_widget(text, schema):
    values = {}
    for f in schema.fields:
        if f.data_type == "TEXTBOX_LIST":
            values[f.key] = {k: text for k, _ in f.options}
        elif f.data_type in ("MULTIPLE_OPTIONS", "CHECKBOX"):
            values[f.key] = [text]
        elif f.data_type == "FILE_UPLOAD":
            values[f.key] = [{"url": "javascript:alert(1)", "name": text}]
        else:
            values[f.key] = text
    form = forms.RecordForm(schema=schema, record=Record(id="r", properties=values), users=[])
    html = "".join(str(bf) for bf in form.property_fields())
    assert "<script>" not in html and "<img src=x" not in html


# -- the form views with generated schemas and arbitrary POST data --------------------------------

KEY = "custom_objects.x"


def _wire(schema):
    return {
        "object": {
            "id": "o1",
            "key": KEY,
            "labels": {"singular": "X", "plural": "Xs"},
            "requiredProperties": [f"{KEY}.{f.key}" for f in schema.fields if f.required],
        },
        "fields": [
            {
                "fieldKey": f"{KEY}.{f.key}",
                "name": f.name,
                "dataType": f.data_type,
                "options": [{"key": k, "label": label} for k, label in f.options],
                "position": i,
            }
            for i, f in enumerate(schema.fields)
        ],
    }


class FakeApi:
    """Serves one schema; record writes echo what they got; a few calls fail on purpose."""

    def __init__(self):
        self.schema_json: dict = {}
        self.record: dict = {"id": "rec1", "properties": {}}

    def route(self, seen: Seen) -> Reply:
        if seen.method == "GET" and seen.path.startswith("/objects/"):
            if "/records/" in seen.path:
                return Reply(200, json={"record": self.record})
            return Reply(200, json=self.schema_json)
        if seen.path.startswith("/users"):
            return Reply(200, json={"users": [{"id": "u1", "name": "Maya"}]})
        body = seen.json or {}
        props = body.get("properties") or {}
        if "fail" in json.dumps(props):
            return Reply(422, json={"message": [f"{k} is wrong" for k in props]})
        return Reply(200, json={"record": {"id": "rec1", "properties": props}})


@pytest.fixture
def fake_api(settings, db):
    fake = FakeApi()
    with Stub() as stub:
        stub.router = fake.route
        settings.GHL_API_URL = stub.url
        settings.GHL_TOKEN = "t" * 30
        settings.GHL_LOCATION_ID = "loc1"
        settings.GHL_READ_TIMEOUT = 2
        transport.close_pool()
        yield fake
    transport.close_pool()


posted_values = st.lists(st.text(max_size=20) | st.sampled_from(["fail", "1", "2026-01-01"]))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(schema=schemas(), data=st.data())
def test_the_form_views_never_answer_5xx(fake_api, staff_user, schema, data):
    cache.clear()
    fake_api.schema_json = _wire(schema)
    properties = data.draw(st.dictionaries(st.text(), st.text()))
    fake_api.record = {"id": "rec1", "properties": properties}
    names = [*schema.field_keys, "_owner", "_carry", "_save", "_version", "_resend"]
    names += [f"{f.key}_{k}" for f in schema.fields for k, _ in f.options]
    keys = st.sampled_from(names) | st.text(max_size=6)
    posted = data.draw(st.dictionaries(keys, posted_values))
    client = Client()
    client.force_login(staff_user)
    create = url("record_create", KEY)
    page = client.get(create)
    assert page.status_code == 200
    query = QueryDict(mutable=True)
    for key, values in posted.items():
        query.setlist(key, values)
    query["_submission"] = hidden(page.content, "_submission")
    response = client.post(create, query.urlencode(), "application/x-www-form-urlencoded")
    assert response.status_code < 500
    edit = url("record_edit", KEY, "rec1")
    form = client.get(edit)
    assert form.status_code == 200
    if data.draw(st.booleans()):
        query["_version"] = hidden(form.content, "_version")
    response = client.post(edit, query.urlencode(), "application/x-www-form-urlencoded")
    assert response.status_code < 500


def test_the_form_page_shows_every_field_in_schema_order_read_only_ones_included(
    fake_api, staff_user
):
    cache.clear()
    schema = schema_of(
        ("title", "TEXT"),
        ("lines", "TEXTBOX_LIST"),
        ("files", "FILE_UPLOAD"),
        ("count", "NUMERICAL"),
    )
    fake_api.schema_json = _wire(schema)
    fake_api.record = {
        "id": "rec1",
        "properties": {
            "title": "A",
            "lines": {"old": "kept"},
            "files": [{"url": "https://example.com/plan.pdf", "name": "plan.pdf"}],
        },
    }
    client = Client()
    client.force_login(staff_user)
    text = client.get(url("record_edit", KEY, "rec1")).content.decode()
    positions = [text.index(f'id="field-{key}"') for key in ("title", "lines", "files", "count")]
    assert positions == sorted(positions)
    lines = text[positions[1] : positions[2]]
    assert "no lines in the object’s schema" in lines and "Files are managed" not in lines
    assert "kept" in lines and "<input" not in lines
    files = text[positions[2] : positions[3]]
    assert '<a href="https://example.com/plan.pdf"' in files and "plan.pdf" in files
