"""The cache in Redis (REDIS_URL): shared by every process, and a stopped Redis costs pages
nothing (recordsadmin/rediscache.py)."""

import time

import pytest
from django.core.cache import cache

from recordsadmin import rediscache
from tests.conftest import make_staff


@pytest.fixture
def redis_cache(redis_url, settings, monkeypatch):
    """The settings REDIS_URL gives: the cache in Redis, sessions in front of the database."""
    monkeypatch.setattr(rediscache, "SKIP_SECONDS", 0.2)
    # The default cache as recordsadmin/settings.py makes it; the process's own ("local") stays.
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "recordsadmin.rediscache.TolerantRedisCache",
            "LOCATION": redis_url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 2.0},
        },
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    return cache


def test_a_stopped_redis_is_an_empty_cache_and_costs_nothing(redis_cache, redis_server):
    redis_cache.set("k", "v", 60)
    assert redis_cache.get("k") == "v"
    redis_server.stop()
    try:
        assert redis_cache.get("k") is None
        started = time.monotonic()
        for _ in range(100):  # Redis is left alone for a while: no connect timeouts
            assert redis_cache.get("k", "default") == "default"
            redis_cache.set("k", "w", 60)
            assert redis_cache.add("other", 1) is False
            assert redis_cache.get_many(["k", "other"]) == {}
        assert time.monotonic() - started < 0.5
        with pytest.raises(ValueError, match="not found"):
            redis_cache.incr("counter")
    finally:
        redis_server.start()
    time.sleep(0.25)
    redis_cache.set("k", "back", 60)
    assert redis_cache.get("k") == "back"


def test_pages_keep_working_while_redis_is_stopped(redis_cache, redis_server, service, client):
    client.force_login(make_staff("redis-down", "view_record"))
    assert client.get("/objects/custom_objects.property/").status_code == 200
    redis_server.stop()
    try:
        # The session comes from the database, the schema from the records API.
        page = client.get("/objects/custom_objects.property/")
        assert page.status_code == 200
        assert "redis-down" in page.content.decode()
    finally:
        redis_server.start()
