"""Pointing the dashboard at a records API in tests: the embedded one, a stub, a proxy."""

from django.core.cache import cache

from recordsadmin.client import transport

# Tiny timeouts and backoff: fault tests must stay fast.
FAST_FAILURE = {
    "GHL_CONNECT_TIMEOUT": 0.5,
    "GHL_READ_TIMEOUT": 0.5,
    "GHL_PAGE_DEADLINE": 2.0,
    "GHL_BACKOFF_BASE": 0.01,
    "GHL_BACKOFF_CAP": 0.05,
}


def use_records_api(
    settings,
    *,
    url: str,
    token: str = "",
    location_id: str = "",
    clear_cache: bool = True,
    **more,
):
    """Point the dashboard at a records API: the real-service mode with `token` and
    `location_id`, else the embedded API's mode (SANDBOX_* in `more`). Drops the pooled
    connection and (when the test has a database) the schema cache, so nothing from an earlier
    test leaks in."""
    settings.GHL_API_URL = url
    settings.GHL_TOKEN = token
    settings.GHL_LOCATION_ID = location_id
    for name, value in more.items():
        setattr(settings, name, value)
    if clear_cache:
        cache.clear()
    transport.close_pool()
