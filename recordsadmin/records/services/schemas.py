"""Object schemas and the location's users, cached: every table and record page needs them.

The cache holds the API's own JSON, not pickled objects, so that a deploy never meets an old
class; it is shared by every process (Django's cache). When a refresh fails for want of the
service, the last good copy is served.
"""

import hashlib
import logging
from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.core.cache import cache

from recordsadmin import cacheahead
from recordsadmin.client import endpoints, wire
from recordsadmin.client.config import connection
from recordsadmin.client.domain import Schema, User
from recordsadmin.client.errors import NotFound, RateLimited, RecordsApiError, Unavailable

logger = logging.getLogger(__name__)

# A stale schema or user list is served when a refresh fails; it is kept this long.
STALE_SCHEMA_SECONDS = 7 * 24 * 3600
# ...and once served, it stands in for the fresh copy this long, so that while the service is
# down each page does not first wait out its deadline on a schema call.
STALE_SERVED_SECONDS = 30


def cache_key(kind: str, name: str = "") -> str:
    """The cache key of a `kind` of data ("schema", "users") of the configured location."""
    conn = connection()
    # The token is not part of the key: the location says whose data it is.
    digest = hashlib.sha256(f"{conn.base_url}|{conn.location_id}|{name}".encode()).hexdigest()
    return f"records:{kind}:{digest[:40]}"


def schema_cache_key(key: str) -> str:
    return cache_key("schema", key)


def _cached(key: str, fetch: Callable[[], dict], *, what: str) -> dict:
    """The API's JSON for `fetch()`, from the cache while fresh (GHL_SCHEMA_CACHE_SECONDS)."""
    data = cacheahead.get(key)
    if data is not None:
        return data
    try:
        data = fetch()
    except (Unavailable, RateLimited) as exc:
        data = cache.get(key + ":stale")
        if data is None:
            raise
        logger.warning("records API: serving a stale copy of %s (%s)", what, str(exc))
        cache.set(key, data, STALE_SERVED_SECONDS)
        return data
    except NotFound:
        cache.delete_many([key, key + ":stale"])
        raise
    cache.set(key, data, int(settings.GHL_SCHEMA_CACHE_SECONDS))
    cache.set(key + ":stale", data, STALE_SCHEMA_SECONDS)
    return data


def _forget(kind: str, name: str = "") -> None:
    try:
        key = cache_key(kind, name)
    except RecordsApiError:  # not configured: nothing can be cached either
        return
    cache.delete_many([key, key + ":stale"])


def schema_list(*, deadline: float | None = None) -> list[Schema]:
    """The location's custom objects (the only ones the records endpoints serve), without fields."""
    schemas = wire.parse_schemas(endpoints.objects_list(deadline=deadline))
    return [s for s in schemas if s.is_custom]


def schema_get(*, key: str, deadline: float | None = None) -> Schema:
    """One object schema with its fields, cached: a warm page costs no schema call."""
    fetch = partial(endpoints.object_get, key, deadline=deadline)
    schema = wire.parse_schema(_cached(schema_cache_key(key), fetch, what=key))
    if not schema.is_custom:
        raise NotFound(f"{key} is not a custom object.", status=None)
    return schema


def schema_known(*, key: str) -> Schema | None:
    """The object schema as the cache holds it (fresh or stale), with no call to the records
    API; None when it holds none. For a page that only names the object (a job's breadcrumb)
    and must not wait on, or fail with, the API."""
    try:
        name = schema_cache_key(key)
        data = cache.get(name) or cache.get(name + ":stale")
        return wire.parse_schema(data) if data else None
    except RecordsApiError:
        return None


def schema_invalidate(*, key: str) -> None:
    """Forget the cached schema (fresh and stale) after it changed."""
    _forget("schema", key)


def user_list(*, deadline: float | None = None) -> list[User]:
    """Who can own a record; cached like schemas."""
    fetch = partial(endpoints.users_list, deadline=deadline)
    return wire.parse_users(_cached(users_cache_key(), fetch, what="the users"))


def users_cache_key() -> str:
    return cache_key("users")


def user_list_invalidate() -> None:
    """Forget the cached user list (after the location's users changed)."""
    _forget("users")
