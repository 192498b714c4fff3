"""What the views call: schemas, records and users of the configured location.

Keyword-only functions named `<entity>_<action>` (HackSoft). They speak schemas and records,
never HTTP: `api.py` does the wire, `types.py` reads the answers. Values go in and come out as
the dashboard holds them (option keys, plain numbers for MONETORY); the wire forms the real
service wants are made here.
"""

import contextlib
import datetime
import hashlib
import logging
import time
from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError

from . import api
from .exceptions import (
    NotFound,
    OutcomeUnknown,
    RateLimited,
    RecordsApiError,
    Unavailable,
    ValidationFailed,
)
from .types import (
    Filter,
    Page,
    Record,
    Schema,
    Sort,
    User,
    parse_page,
    parse_record,
    parse_schema,
    parse_user,
)

logger = logging.getLogger(__name__)

MAX_PER_PAGE = 100
# A stale schema or user list is served when a refresh fails; it is kept this long.
STALE_SCHEMA_SECONDS = 7 * 24 * 3600
# ...and once served, it stands in for the fresh copy this long, so that while the service is
# down each page does not first wait out its deadline on a schema call.
STALE_SERVED_SECONDS = 30
HEALTH_DEADLINE_SECONDS = 3.0
HEALTH_CACHE_SECONDS = 15
HEALTH_CACHE_KEY = "records:health"
TIME_FIELDS = frozenset({"createdAt", "updatedAt"})
RANGE_OPERATORS = frozenset({"gt", "gte", "lt", "lte"})


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


# -- schemas ---------------------------------------------------------------------------------


def schema_list(*, deadline: float | None = None) -> list[Schema]:
    """The location's custom objects (the only ones the records endpoints serve), without fields."""
    data = api.objects_list(deadline=deadline)
    schemas = [parse_schema(o) for o in data.get("objects") or () if isinstance(o, dict)]
    return [s for s in schemas if s.is_custom]


def _cache_key(kind: str, name: str = "") -> str:
    conn = api.connection()
    # The token is not part of the key: the location says whose data it is.
    digest = hashlib.sha256(f"{conn.base_url}|{conn.location_id}|{name}".encode()).hexdigest()
    return f"records:{kind}:{digest[:40]}"


def _schema_cache_key(key: str) -> str:
    return _cache_key("schema", key)


def _cached(cache_key: str, fetch, *, what: str) -> dict:
    """The API's JSON for `fetch()`, from the cache while fresh (GHL_SCHEMA_CACHE_SECONDS).

    The cache holds the API's own JSON, not pickled objects, so a deploy never meets an old
    class. When a refresh fails for want of the service, the last good copy is served.
    """
    data = cache.get(cache_key)
    if data is not None:
        return data
    try:
        data = fetch()
    except (Unavailable, RateLimited) as exc:
        data = cache.get(cache_key + ":stale")
        if data is None:
            raise
        logger.warning("records API: serving a stale copy of %s (%s)", what, str(exc))
        cache.set(cache_key, data, STALE_SERVED_SECONDS)
        return data
    except NotFound:
        cache.delete_many([cache_key, cache_key + ":stale"])
        raise
    cache.set(cache_key, data, int(settings.GHL_SCHEMA_CACHE_SECONDS))
    cache.set(cache_key + ":stale", data, STALE_SCHEMA_SECONDS)
    return data


def schema_get(*, key: str, deadline: float | None = None) -> Schema:
    """One object schema with its fields, cached: a warm page costs no schema call."""
    fetch = partial(api.object_get, key, deadline=deadline)
    return _schema_from(_cached(_schema_cache_key(key), fetch, what=key), key)


def _schema_from(data: dict, key: str) -> Schema:
    schema = parse_schema(data)
    if not schema.is_custom:
        raise NotFound(f"{key} is not a custom object.", status=None)
    return schema


def schema_invalidate(*, key: str) -> None:
    """Forget the cached schema (fresh and stale) after it changed (the embedded API's schema
    and field writes call it through the records app's signal receivers)."""
    try:
        cache_key = _schema_cache_key(key)
    except RecordsApiError:  # not configured: nothing can be cached either
        return
    cache.delete_many([cache_key, cache_key + ":stale"])


def user_list_invalidate() -> None:
    """Forget the cached user list (after the embedded API's users changed)."""
    try:
        cache_key = _cache_key("users")
    except RecordsApiError:
        return
    cache.delete_many([cache_key, cache_key + ":stale"])


# -- records ---------------------------------------------------------------------------------


def record_search(
    *,
    schema: Schema,
    query: str = "",
    filters: Iterable[Filter] = (),
    sort: Sort | None = None,
    page: int = 1,
    per_page: int = 25,
    deadline: float | None = None,
) -> Page:
    """One page of the schema's records matching `query` and all `filters`."""
    page = max(1, int(page))
    per_page = min(MAX_PER_PAGE, max(1, int(per_page)))
    body: dict[str, Any] = {"page": page, "pageLimit": per_page}
    if query.strip():
        body["query"] = query.strip()
    wire_filters = _wire_filters(schema, filters)
    if wire_filters:
        body["filters"] = wire_filters
    if sort is not None:
        body["sort"] = [_wire_sort(schema, sort)]
    data = api.records_search(schema.key, body, deadline=deadline)
    return parse_page(data, schema=schema, page=page, per_page=per_page)


def record_count(*, schema: Schema, deadline: float | None = None) -> int:
    return record_search(schema=schema, per_page=1, deadline=deadline).total


def record_get(*, schema: Schema, record_id: str, deadline: float | None = None) -> Record:
    data = api.record_get(schema.key, record_id, deadline=deadline)
    raw = data.get("record") if isinstance(data.get("record"), dict) else data
    location = raw.get("locationId")
    if location and location != api.connection().location_id:
        # Another location's record is not ours to show (RELIABILITY 15).
        raise NotFound("No such record.", status=None)
    return parse_record(data, schema)


def record_create(
    *,
    schema: Schema,
    properties: Mapping[str, Any],
    owner: str | None = None,
    followers: Iterable[str] | None = None,
    deadline: float | None = None,
) -> Record:
    """Create a record. It is sent once: a lost answer raises OutcomeUnknown, never a resend."""
    body: dict[str, Any] = {"properties": _wire_properties(schema, properties, creating=True)}
    if owner:
        body["owner"] = [owner]
    if followers:
        body["followers"] = list(followers)
    data = api.record_create(schema.key, body, field_keys=schema.field_keys, deadline=deadline)
    record = parse_record(data, schema)
    if not record.id:
        # A 2xx without the record: it may exist, but we cannot say which one it is.
        raise OutcomeUnknown("The records API answered without the new record.")
    return record


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
    body: dict[str, Any] = {"properties": _wire_properties(schema, properties, creating=False)}
    if owner is not UNSET:
        body["owner"] = [owner] if owner else []
    if followers is not UNSET:
        body["followers"] = list(followers or ())
    data = api.record_update(
        schema.key, record_id, body, field_keys=schema.field_keys, deadline=deadline
    )
    return parse_record(data, schema)


def record_delete(*, schema: Schema, record_id: str, deadline: float | None = None) -> None:
    api.record_delete(schema.key, record_id, deadline=deadline)


# -- users and health ------------------------------------------------------------------------


def user_list(*, deadline: float | None = None) -> list[User]:
    """Who can own a record; cached like schemas, since every table and record page asks."""
    fetch = partial(api.users_list, deadline=deadline)
    data = _cached(_cache_key("users"), fetch, what="the users")
    return [parse_user(u) for u in data.get("users") or () if isinstance(u, dict) and u.get("id")]


def api_health() -> dict:
    """For /healthz: can the records API be reached with our token, and how fast.

    The answer is kept HEALTH_CACHE_SECONDS in the shared cache: /healthz needs no login, and
    a monitor (or anyone) polling it must not spend the location's rate limit.
    """
    # The cache is the database, which may be what is down: the probe stands without it.
    cached = None
    with contextlib.suppress(DatabaseError):
        cached = cache.get(HEALTH_CACHE_KEY)
    if cached is not None:
        return cached
    result = _api_probe()
    with contextlib.suppress(DatabaseError):
        cache.set(HEALTH_CACHE_KEY, result, HEALTH_CACHE_SECONDS)
    return result


def _api_probe() -> dict:
    started = time.monotonic()
    result: dict[str, Any] = {"ok": False, "url": "", "latency_ms": None, "error": ""}
    try:
        result["url"] = api.connection().public_url
        api.objects_list(deadline=api.deadline_in(HEALTH_DEADLINE_SECONDS))
        result["ok"] = True
    except RecordsApiError as exc:
        result["error"] = str(exc)[:200]
    result["latency_ms"] = round((time.monotonic() - started) * 1000)
    return result


# -- the wire forms ----------------------------------------------------------------------------


def _wire_properties(schema: Schema, properties: Mapping[str, Any], *, creating: bool) -> dict:
    """Only the schema's own field keys go out (RELIABILITY 14); values in the real wire form."""
    unknown = sorted(k for k in properties if schema.field(k) is None)
    if unknown:
        raise ValidationFailed(
            "Not fields of this object: " + ", ".join(unknown),
            field_errors={k: [f"{k} is not a field of {schema.singular}."] for k in unknown},
        )
    wire = {}
    for key, value in properties.items():
        if creating and value is None:
            continue  # on create, "no value" is simply not sending the field
        wire[key] = _wire_value(schema.field(key).data_type, value)
    return wire


def _wire_value(data_type: str, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime.date | datetime.datetime):
        value = (
            value.date().isoformat() if isinstance(value, datetime.datetime) else value.isoformat()
        )
    if isinstance(value, tuple | set | frozenset):
        value = list(value)
    if data_type == "MONETORY" and not isinstance(value, dict):
        return {"currency": "default", "value": value}
    return value


def _wire_field(schema: Schema, name: str) -> str:
    if name in TIME_FIELDS or name == "owner":
        return name
    if schema.field(name) is None:
        raise ValidationFailed(
            f"{name} is not a field of {schema.singular}.", field_errors={name: ["Unknown field."]}
        )
    return f"properties.{name}"


def _wire_filters(schema: Schema, filters: Iterable[Filter]) -> list[dict]:
    """Our filters as the POST search wants them; gt/gte/lt/lte on one field make one range,
    and `eq` with a list of values means any of them (an OR group)."""
    wire: list[dict] = []
    ranges: dict[str, dict] = {}
    for f in filters:
        field = _wire_field(schema, f.field)
        data_type = schema.field(f.field).data_type if schema.field(f.field) else ""
        if f.operator in RANGE_OPERATORS:
            if field not in ranges:
                ranges[field] = {}
                wire.append({"field": field, "operator": "range", "value": ranges[field]})
            ranges[field][f.operator] = _wire_scalar(f.value)
        elif f.operator in ("exists", "not_exists"):
            wire.append({"field": field, "operator": f.operator})
        elif f.operator in ("eq", "not_eq", "contains", "not_contains", "range"):
            values = f.value if isinstance(f.value, list | tuple | set | frozenset) else None
            if values is not None and f.operator == "eq" and data_type not in ("TEXTBOX_LIST",):
                items = [
                    {"field": field, "operator": "eq", "value": _wire_scalar(v)} for v in values
                ]
                if len(items) == 1:
                    wire.append(items[0])
                elif items:
                    wire.append({"group": "OR", "filters": items})
            else:
                value = f.value if f.operator == "range" else _wire_scalar(f.value)
                wire.append({"field": field, "operator": f.operator, "value": value})
        else:
            raise ValidationFailed(f"Unknown filter operator: {f.operator}.")
    return wire


def _wire_scalar(value: Any) -> Any:
    return _wire_value("", value)


def _wire_sort(schema: Schema, sort: Sort) -> dict:
    direction = "desc" if str(sort.direction).lower().startswith("desc") else "asc"
    return {"field": _wire_field(schema, sort.field), "direction": direction}
