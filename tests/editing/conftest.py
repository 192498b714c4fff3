"""Fixtures for the record pages: a schema with every dataType, the embedded API in the live
server, and a recording proxy in front of it that can also misbehave on chosen calls."""

import re
from dataclasses import dataclass, field

import pytest
import requests

from recordsadmin.records import services
from recordsadmin.records.types import Schema, parse_schema
from tests.apis import use_embedded_demo, use_records_api
from tests.stub import Reply, Seen, Stub

KEY = "custom_objects.thing"


def _field(key, name, data_type, position, **extra):
    return {
        "id": f"fld{position:05d}",
        "name": name,
        "fieldKey": f"{KEY}.{key}",
        "dataType": data_type,
        "position": position,
        **extra,
    }


def _options(*keys):
    return [{"key": k, "label": k.replace("_", " ").title()} for k in keys]


# One field of every dataType, in a known order.
FIELDS = [
    _field("title", "Title", "TEXT", 0, placeholder="A short name"),
    _field("story", "Story", "LARGE_TEXT", 1, description="As long as you like"),
    _field("count", "Count", "NUMERICAL", 2),
    _field("price", "Price", "MONETORY", 3),
    _field("phone", "Phone", "PHONE", 4),
    _field("email", "Email", "EMAIL", 5),
    _field("day", "Day", "DATE", 6),
    _field("status", "Status", "SINGLE_OPTIONS", 7, options=_options("new", "old")),
    _field("size", "Size", "RADIO", 8, options=_options("small", "large")),
    _field("tags", "Tags", "MULTIPLE_OPTIONS", 9, options=_options("red", "blue", "green")),
    _field("extras", "Extras", "CHECKBOX", 10, options=_options("wifi", "pool")),
    _field("notes", "Notes", "TEXTBOX_LIST", 11, options=_options("food", "vet")),
    _field("files", "Files", "FILE_UPLOAD", 12),
]
OBJECT = {
    "id": "obj1",
    "key": KEY,
    "labels": {"singular": "Thing", "plural": "Things"},
    "primaryDisplayProperty": f"{KEY}.title",
    "requiredProperties": [f"{KEY}.title", f"{KEY}.status"],
}


@pytest.fixture
def every_type() -> Schema:
    return parse_schema({"object": OBJECT, "fields": FIELDS})


# -- the embedded API over HTTP -----------------------------------------------------------------


@dataclass
class Proxy:
    """A stub that forwards to the embedded API and records what crossed the wire; `fail`
    answers matching calls itself (method, path regex) with a scripted reply instead."""

    stub: Stub
    upstream: str
    faults: list = field(default_factory=list)

    def fail(self, method: str, path: str, reply: Reply) -> None:
        self.faults.append((method, re.compile(path), reply))

    def heal(self) -> None:
        self.faults.clear()

    def refuse(self) -> None:
        """From now on nobody listens at this address: every call is a refused connection,
        at the same URL, so what the dashboard cached for it stays usable."""
        from recordsadmin.records import api

        self.stub.stop()
        api.close_session()  # the pooled keep-alive connections would still be answered

    def route(self, seen: Seen) -> Reply:
        for method, path, reply in self.faults:
            if seen.method == method and path.search(seen.path):
                return reply
        response = requests.request(
            seen.method,
            self.upstream + seen.path,
            params=seen.query,
            data=seen.body or None,
            headers={
                k: v
                for k, v in seen.headers.items()
                if k.lower() in ("authorization", "version", "content-type", "accept")
            },
            timeout=10,
        )
        return Reply(response.status_code, body=response.content)

    def calls(self, method: str, path: str = "") -> list[Seen]:
        return [s for s in self.stub.requests if s.method == method and re.search(path, s.path)]

    @property
    def writes(self) -> list[Seen]:
        return [
            s
            for s in self.stub.requests
            if s.method in ("PUT", "DELETE") or (s.method == "POST" and "search" not in s.path)
        ]


@pytest.fixture
def embedded(live_server, settings):
    """The demo location in the embedded API, reached through a recording proxy."""
    with Stub() as stub:
        use_embedded_demo(
            settings,
            stub.url,
            records=3,
            GHL_CONNECT_TIMEOUT=1,
            GHL_READ_TIMEOUT=1,
            GHL_PAGE_DEADLINE=3,
            GHL_MAX_RETRIES=1,
            GHL_BACKOFF_BASE=0.01,
            GHL_BACKOFF_CAP=0.02,
        )
        proxy = Proxy(stub=stub, upstream=live_server.url + "/sandbox")
        stub.router = proxy.route
        yield proxy
    use_records_api(settings, url="")


@pytest.fixture
def prop(embedded) -> Schema:
    """The demo's Property object: every dataType, address/price/status required."""
    from recordsadmin.sandbox.demo import PROPERTY_KEY

    return services.schema_get(key=PROPERTY_KEY)


@pytest.fixture
def staff(client, staff_user):
    client.force_login(staff_user)
    return client
