"""The rate limit the records API announces in its answers' X-RateLimit-* headers.

The real service allows a number of calls per interval and per day for each app and location;
every answer says how many are left. Bulk jobs pace themselves by the latest announcement.
"""

import time
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimitSeen:
    """The X-RateLimit-* headers of one answer; `at` is when it arrived (time.monotonic())."""

    max: int
    remaining: int
    interval_ms: int
    at: float
    # X-RateLimit-Daily-Remaining, None when the answer did not say.
    daily_remaining: int | None = None


# The most an answer is believed to announce. The service's documented limit is 100 calls per
# 10 s (docs/records-api.md); a header beyond these (a broken proxy, a hostile answer) is read as
# these, so that one answer cannot make the budget count a million calls (each is stored) or
# stop every call for years.
MOST_CALLS = 1000
MOST_INTERVAL_MS = 60_000

_seen: RateLimitSeen | None = None


def rate_limit_seen() -> RateLimitSeen | None:
    """The rate limit announced by the last answer that carried one, in this process."""
    return _seen


def forget() -> None:
    """Forget what was announced (a new location, or a test starting afresh)."""
    global _seen
    _seen = None


def _int_or_none(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def daily_quota_spent(headers: Mapping[str, str]) -> bool:
    return _int_or_none(headers.get("X-RateLimit-Daily-Remaining")) == 0


def announced(headers: Mapping[str, str], *, at: float | None = None) -> RateLimitSeen | None:
    """What an answer's headers announce, when they announce the whole limit (else None),
    within MOST_CALLS and MOST_INTERVAL_MS; `at` is when it arrived (time.monotonic(), now by
    default)."""
    try:
        calls = min(int(headers["X-RateLimit-Max"]), MOST_CALLS)
        remaining = int(headers["X-RateLimit-Remaining"])
        interval_ms = min(int(headers["X-RateLimit-Interval-Milliseconds"]), MOST_INTERVAL_MS)
    except (KeyError, ValueError):
        return None
    return RateLimitSeen(
        max=calls,
        remaining=max(0, min(remaining, calls)),
        interval_ms=interval_ms,
        at=time.monotonic() if at is None else at,
        daily_remaining=_int_or_none(headers.get("X-RateLimit-Daily-Remaining")),
    )


def remember(headers: Mapping[str, str], *, at: float | None = None) -> None:
    """Keep what an answer announces, when it announces the whole limit; `at` is when it
    arrived (time.monotonic(), now by default)."""
    global _seen
    seen = announced(headers, at=at)
    if seen is not None:
        _seen = seen
