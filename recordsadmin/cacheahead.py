"""Several entries of the shared cache read in one round trip, when a page knows it needs
them all.

A table view reads the schema, the users, the associations and the user's column layout, each
where it is needed (records/services/schemas.py, records/services/links.py,
accounts/preferences.py). On the database cache each is a query of its own, and under load
every small read of SQLite waits its turn; on Redis each is a round trip. The view names the
keys first (`reading`); each reader then takes its entry with `get`, which answers from what
was read ahead, once, and from the cache otherwise (a second read, or a key not named).
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.core.cache import cache

_MISSING = object()
_ahead: ContextVar[dict[str, Any] | None] = ContextVar("cache_read_ahead", default=None)


@contextmanager
def reading(keys: Iterable[str]) -> Iterator[None]:
    """Within the block, `get` of any of `keys` answers what one `get_many` found (or that it
    found nothing) instead of asking the cache again."""
    keys = list(keys)
    found = cache.get_many(keys)
    token = _ahead.set({key: found.get(key, _MISSING) for key in keys})
    try:
        yield
    finally:
        _ahead.reset(token)


def get(key: str, default: Any = None) -> Any:
    """`cache.get(key, default)`, answered by the read ahead the first time within `reading`:
    an entry is taken once, so that a read after the code itself changed it sees the cache."""
    ahead = _ahead.get()
    if ahead is not None and key in ahead:
        value = ahead.pop(key)
        return default if value is _MISSING else value
    return cache.get(key, default)
