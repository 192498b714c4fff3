"""Fixtures for the record pages: a schema with every dataType, the embedded API in the live
server, and a recording proxy in front of it that can also misbehave on chosen calls."""

import pytest

from recordsadmin.client.domain import Schema
from recordsadmin.records import services
from recordsadmin.sandbox.demo import PROPERTY_KEY
from tests.support import schemas
from tests.support.embedded import QUICK_FAILURES, proxied_demo

KEY = "custom_objects.thing"


def _field(key, data_type, position, **extra):
    return schemas.field(key, data_type, position=position, object_key=KEY, **extra)


# One field of every dataType, in a known order.
FIELDS = [
    _field("title", "TEXT", 0, placeholder="A short name"),
    _field("story", "LARGE_TEXT", 1, description="As long as you like"),
    _field("count", "NUMERICAL", 2),
    _field("price", "MONETORY", 3),
    _field("phone", "PHONE", 4),
    _field("email", "EMAIL", 5),
    _field("day", "DATE", 6),
    _field("status", "SINGLE_OPTIONS", 7, choices=["new", "old"]),
    _field("size", "RADIO", 8, choices=["small", "large"]),
    _field("tags", "MULTIPLE_OPTIONS", 9, choices=["red", "blue", "green"]),
    _field("extras", "CHECKBOX", 10, choices=["wifi", "pool"]),
    _field("notes", "TEXTBOX_LIST", 11, choices=["food", "vet"]),
    _field("files", "FILE_UPLOAD", 12),
]
OBJECT = schemas.obj(
    KEY, singular="Thing", plural="Things", primary="title", required=("title", "status")
)


@pytest.fixture
def every_type() -> Schema:
    return schemas.schema(OBJECT, FIELDS)


# -- the embedded API over HTTP -----------------------------------------------------------------


@pytest.fixture
def embedded(live_server, settings):
    """The demo location in the embedded API, reached through a recording proxy."""
    with proxied_demo(
        live_server,
        settings,
        records=3,
        **QUICK_FAILURES,
    ) as proxy:
        yield proxy


@pytest.fixture
def prop(embedded) -> Schema:
    """The demo's Property object: every dataType, address/price/status required."""
    return services.schema_get(key=PROPERTY_KEY)


@pytest.fixture
def staff(client, staff_user):
    client.force_login(staff_user)
    return client
