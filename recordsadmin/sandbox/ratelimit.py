"""The real service's rate limit, emulated per token (docs/records-api.md).

settings.SANDBOX_RATE_LIMIT is "N/Ms" or "N/Ns" (N requests per M seconds; the default is the
real service's burst limit) or "off". It is read on every request, so a test can change it.

The window slides: a request is let through when fewer than N requests of the same token were
let through in the last M seconds, which is what a client pacing itself by the headers expects
(a fixed window would let 2N through around a boundary). The counts are kept in the shared
windows of recordsadmin/windows (Redis when REDIS_URL is set, the database otherwise), so the
limit holds across every process of the embedded API, as the real service's does. The daily
limit is counted per UTC day the same way.
"""

import math
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from recordsadmin.contract import limits
from recordsadmin.windows.stores import Windows, windows

# Read from this module on every request, so that a test can lower it.
DAILY_LIMIT = limits.DAILY_LIMIT
# The real service's burst limit, on unless a setting says otherwise.
DEFAULT_RATE = f"{limits.RATE_LIMIT_CALLS}/{limits.RATE_LIMIT_SECONDS}s"
_RATE = re.compile(r"\s*(\d+)\s*/\s*(\d+(?:\.\d+)?)\s*s\s*")
# A day's count lives a little longer than the day, whatever the clocks' skew.
DAY_SECONDS = 25 * 3600


@dataclass(frozen=True)
class Rate:
    requests: int
    seconds: float

    @property
    def interval_ms(self) -> int:
        return round(self.seconds * 1000)


def parse_rate(value: str) -> Rate | None:
    """Rate("100/10s") -> Rate(100, 10.0); "off" -> None. Anything else: ImproperlyConfigured."""
    text = (value or "").strip()
    if text.lower() == "off":
        return None
    match = _RATE.fullmatch(text)
    if match:
        rate = Rate(int(match.group(1)), float(match.group(2)))
        if rate.requests > 0 and rate.seconds > 0:
            return rate
    raise ImproperlyConfigured(
        f"SANDBOX_RATE_LIMIT must look like {DEFAULT_RATE} (requests per seconds) or be off, "
        f"not {value!r}."
    )


def current_rate() -> Rate | None:
    return parse_rate(getattr(settings, "SANDBOX_RATE_LIMIT", DEFAULT_RATE))


@dataclass(frozen=True)
class Decision:
    allowed: bool
    rate: Rate
    remaining: int
    daily_remaining: int
    retry_after: int  # whole seconds until a request would be let through; 0 when allowed

    def headers(self) -> dict[str, str]:
        """The real service's headers. No Retry-After, even on a 429: it documents none, so a
        client must get by on the interval there, and here too (retry_after is only said in
        the 429's message)."""
        return {
            "X-RateLimit-Max": str(self.rate.requests),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Interval-Milliseconds": str(self.rate.interval_ms),
            "X-RateLimit-Limit-Daily": str(DAILY_LIMIT),
            "X-RateLimit-Daily-Remaining": str(self.daily_remaining),
        }


class RateLimiter:
    """The emulated limit, counted in the shared windows (recordsadmin/windows): every process
    of the embedded API, on every machine using the same Redis or database, counts the same
    calls of a token, as the real service counts a location's calls whatever server answers."""

    def __init__(self, store: Windows | None = None) -> None:
        """`store` holds the counts; the shared store (recordsadmin/windows) by default."""
        self._store = (lambda: store) if store is not None else windows

    def hit(self, key: str, rate: Rate) -> Decision:
        """Counts one request of `key` if it is allowed, and says whether it is."""
        store = self._store()
        window = f"sandbox:{key}:{rate.requests}/{rate.seconds}"
        taken = store.take(window, limit=rate.requests, seconds=rate.seconds)
        day = f"sandbox:{key}:{time.strftime('%Y-%m-%d', time.gmtime())}"
        if not taken.allowed:
            # A refused call is not counted for the day; its headers say the day's count as
            # every process of the API has counted it.
            daily = max(DAILY_LIMIT - store.counted(day), 0)
            return Decision(False, rate, 0, daily, max(1, math.ceil(taken.wait)))
        day_count = store.count_up(day, seconds=DAY_SECONDS)
        if day_count > DAILY_LIMIT:
            return Decision(False, rate, 0, 0, 3600)
        return Decision(True, rate, rate.requests - taken.count, DAILY_LIMIT - day_count, 0)

    def reset(self) -> None:
        """Forget every count (tests start afresh)."""
        self._store().clear()


limiter = RateLimiter()
