"""What a user chose once and finds again on every device: a table's columns and density, the
theme, the fields a form carries from one record to the next. Kept on the server, per user and
name (`table:<object key>`, `theme`, ...); each feature owns the shape of its value and checks
it when reading, since an old value may not fit a changed schema.
"""

import hashlib
from typing import Any

from django.core.cache import cache

from recordsadmin import cacheahead

from .models import Preference

MAX_NAME_LENGTH = 200
# Every table view reads the user's table layout, every page the theme: the shared cache
# keeps each value (or that there is none) in front of the database, and preference_set
# writes it through. Its key holds when the user joined, so that the pk of a deleted user,
# given again to a new one, does not find the old user's values.
CACHE_SECONDS = 24 * 3600


def preference_get(*, user, name: str, default: Any = None) -> Any:
    """The user's value for `name`, or `default` (also for anonymous users)."""
    if not getattr(user, "is_authenticated", False):
        return default
    name = name[:MAX_NAME_LENGTH]
    key = _cache_key(user, name)
    kept = cacheahead.get(key)  # {"value": ...}, or {} when the user has none
    if kept is None:
        found = Preference.objects.filter(user=user, name=name).values_list("value", flat=True)
        kept = {"value": found[0]} if found else {}
        cache.set(key, kept, CACHE_SECONDS)
    return kept.get("value", default)


def preference_set(*, user, name: str, value: Any) -> None:
    """Remember `value` (JSON) for the user under `name`; None forgets it."""
    if not getattr(user, "is_authenticated", False):
        return
    name = name[:MAX_NAME_LENGTH]
    if value is None:
        Preference.objects.filter(user=user, name=name).delete()
    else:
        Preference.objects.update_or_create(user=user, name=name, defaults={"value": value})
    # Dropped, not written: the next read takes the value as the database stored it.
    cache.delete(_cache_key(user, name))


def preference_cache_key(*, user, name: str) -> str:
    """Where `preference_get` finds the value in the shared cache (recordsadmin/cacheahead.py
    reads it ahead for a page)."""
    return _cache_key(user, name[:MAX_NAME_LENGTH])


def _cache_key(user, name: str) -> str:
    joined = getattr(user, "date_joined", None)
    stamp = joined.timestamp() if joined else ""
    digest = hashlib.sha256(name.encode()).hexdigest()[:32]
    return f"preference:{user.pk}:{stamp}:{digest}"
