"""Django's Redis cache backend, made to stand a stopped Redis: a cache that cannot be reached is
a cache that holds nothing, not a page that fails.

Every operation that fails with a Redis error answers as on an empty cache (a miss, nothing
stored) and the process leaves Redis alone for SKIP_SECONDS, so that while it is down a page
pays no connect timeouts at all; then it asks again. Sessions (`cached_db`) then come from the
database, schemas and users from the records API.
"""

import logging
import threading
import time

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

SKIP_SECONDS = 5.0


class TolerantRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._down_until = 0.0
        self._lock = threading.Lock()

    def _try(self, operation, *args, miss, **kwargs):
        if time.monotonic() < self._down_until:
            return miss
        try:
            return operation(*args, **kwargs)
        except redis.RedisError as error:
            with self._lock:
                if time.monotonic() >= self._down_until:
                    logger.warning("Redis cache unavailable, working without it: %s", error)
                self._down_until = time.monotonic() + SKIP_SECONDS
            return miss

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(super().add, key, value, timeout, version, miss=False)

    def get(self, key, default=None, version=None):
        return self._try(super().get, key, default, version, miss=default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(super().set, key, value, timeout, version, miss=None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(super().touch, key, timeout, version, miss=False)

    def delete(self, key, version=None):
        return self._try(super().delete, key, version, miss=False)

    def get_many(self, keys, version=None):
        return self._try(super().get_many, keys, version, miss={})

    def has_key(self, key, version=None):
        return self._try(super().has_key, key, version, miss=False)

    def incr(self, key, delta=1, version=None):
        found = self._try(super().incr, key, delta, version, miss=None)
        if found is None:
            raise ValueError(f"Key '{key}' not found (the cache is unavailable)")
        return found

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(super().set_many, data, timeout, version, miss=list(data))

    def delete_many(self, keys, version=None):
        return self._try(super().delete_many, keys, version, miss=None)

    def clear(self):
        return self._try(super().clear, miss=False)
