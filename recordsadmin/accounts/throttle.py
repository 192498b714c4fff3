"""Failed-login throttling (RELIABILITY.md item 9).

Failures are counted per (username, client address) in the shared cache, so every process of
the dashboard sees the same count. Another username from the same address, or the same username
from another address, is not affected: one attacker cannot lock a colleague out everywhere.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        # Behind our own proxy the last hop it appended is the client; earlier hops are
        # whatever the client chose to send.
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def _key(username: str, address: str) -> str:
    digest = hashlib.sha256(f"{username.strip().lower()}\0{address}".encode()).hexdigest()
    return f"login-failures:{digest}"


def seconds_locked(username: str, address: str) -> int:
    """How long this pair must still wait, or 0 when it may try."""
    entry = cache.get(_key(username, address))
    if not entry or entry["count"] < settings.LOGIN_MAX_FAILURES:
        return 0
    return max(0, int(entry["until"] - time.time()))


def record_failure(username: str, address: str) -> None:
    key = _key(username, address)
    entry = cache.get(key) or {"count": 0, "until": 0}
    entry["count"] += 1
    entry["until"] = time.time() + settings.LOGIN_LOCKOUT_SECONDS
    cache.set(key, entry, settings.LOGIN_LOCKOUT_SECONDS)


def clear(username: str, address: str) -> None:
    cache.delete(_key(username, address))
