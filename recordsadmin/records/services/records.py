"""Records of the configured location: search, read, create, update, delete.

Values go in and come out as the dashboard holds them (option keys, plain numbers for
MONETORY); the client writes and reads the wire forms.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from recordsadmin.client import endpoints, wire
from recordsadmin.client.config import connection
from recordsadmin.client.domain import UNSET, Filter, FilterGroup, Page, Record, Schema, Sort
from recordsadmin.client.errors import NotFound


def record_search(
    *,
    schema: Schema,
    query: str = "",
    filters: Iterable[Filter | FilterGroup] = (),
    sort: Sort | Sequence[Sort] | None = None,
    page: int = 1,
    per_page: int = 25,
    deadline: float | None = None,
) -> Page:
    """One page of the schema's records matching `query` and all `filters` (a FilterGroup
    among them joins its own members by AND or OR), in the order of `sort` (one key or a
    list)."""
    page, per_page = wire.page_bounds(page, per_page)
    body = wire.search_body(
        schema, query=query, filters=filters, sort=sort, page=page, per_page=per_page
    )
    data = endpoints.records_search(schema.key, body, deadline=deadline)
    return wire.parse_page(data, schema=schema, page=page, per_page=per_page)


def record_count(*, schema: Schema, deadline: float | None = None) -> int:
    return record_search(schema=schema, per_page=1, deadline=deadline).total


def record_get(*, schema: Schema, record_id: str, deadline: float | None = None) -> Record:
    data = endpoints.record_get(schema.key, record_id, deadline=deadline)
    location = wire.record_location(data)
    if location and location != connection().location_id:
        # Another location's record is not ours to show.
        raise NotFound("No such record.", status=None)
    return wire.parse_record(data, schema)


def record_create(
    *,
    schema: Schema,
    properties: Mapping[str, Any],
    owner: str | None = None,
    followers: Iterable[str] | None = None,
    deadline: float | None = None,
) -> Record:
    """Create a record. It is sent once: a lost or unreadable answer raises OutcomeUnknown,
    never a resend."""
    body = wire.record_body(
        schema, properties, creating=True, owner=owner, followers=followers or ()
    )
    data = endpoints.record_create(
        schema.key, body, field_keys=schema.field_keys, deadline=deadline
    )
    # The client checked that the answer carries the record (else UnexpectedCreateAnswer).
    return wire.parse_record(data, schema)


def record_update(
    *,
    schema: Schema,
    record_id: str,
    properties: Mapping[str, Any],
    owner: str | None = UNSET,
    followers: Iterable[str] | None = UNSET,
    deadline: float | None = None,
) -> Record:
    """Change only what is passed: `properties` holds the changed values (None clears one);
    `owner`/`followers` are left alone unless given (None or [] clears them)."""
    body = wire.record_body(schema, properties, creating=False, owner=owner, followers=followers)
    data = endpoints.record_update(
        schema.key, record_id, body, field_keys=schema.field_keys, deadline=deadline
    )
    return wire.parse_record(data, schema)


def record_delete(*, schema: Schema, record_id: str, deadline: float | None = None) -> None:
    endpoints.record_delete(schema.key, record_id, deadline=deadline)
