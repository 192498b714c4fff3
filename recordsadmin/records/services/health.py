"""Whether the records API answers, for /healthz."""

import contextlib
import time
from typing import Any

from django.core.cache import cache
from django.db import DatabaseError

from recordsadmin.client import endpoints
from recordsadmin.client.config import connection
from recordsadmin.client.errors import RecordsApiError
from recordsadmin.client.retry import deadline_in
from recordsadmin.windows.stores import status as windows_status

from .breaker import SharedBreaker

HEALTH_DEADLINE_SECONDS = 3.0
HEALTH_CACHE_SECONDS = 15
HEALTH_CACHE_KEY = "records:health"


def api_health() -> dict:
    """Can the records API be reached with our token, and how fast.

    The answer is kept HEALTH_CACHE_SECONDS in the shared cache: /healthz needs no login, and
    a monitor (or anyone) polling it must not spend the location's rate limit.
    """
    # The cache is the database, which may be what is down: the probe stands without it.
    cached = None
    with contextlib.suppress(DatabaseError):
        cached = cache.get(HEALTH_CACHE_KEY)
    if cached is not None:
        return cached
    result = _probe()
    with contextlib.suppress(DatabaseError):
        cache.set(HEALTH_CACHE_KEY, result, HEALTH_CACHE_SECONDS)
    return result


def _probe() -> dict:
    started = time.monotonic()
    result: dict[str, Any] = {"ok": False, "url": "", "latency_ms": None, "error": ""}
    try:
        result["url"] = connection().public_url
        endpoints.objects_list(deadline=deadline_in(HEALTH_DEADLINE_SECONDS))
        result["ok"] = True
    except RecordsApiError as exc:
        result["error"] = str(exc)[:200]
    result["latency_ms"] = round((time.monotonic() - started) * 1000)
    return result


def budget_health() -> dict:
    """Where every process counts its calls to the records API (the shared rate budget):
    {"store": "redis" | "database", "ok": ..., "error": ...}. Not ok means each process paces
    itself alone (recordsadmin/records/services/budget.py)."""
    return windows_status()


def breaker_health() -> dict:
    """The location's circuit breaker as every process sees it: {"state": "closed" | "open" |
    "half-open", "failures": ..., "retry_in_seconds": ..., ...}
    (recordsadmin/records/services/breaker.py)."""
    try:
        service = connection().service
    except RecordsApiError as exc:
        return {"state": "unknown", "error": str(exc)[:200]}
    return SharedBreaker().state(service)
