"""The real service's rate limit, emulated per token (docs/records-api.md).

settings.SANDBOX_RATE_LIMIT is "N/Ms" or "N/Ns" (N requests per M seconds; the default is the
real service's burst limit) or "off". It is read on every request, so a test can change it.

The window slides: a request is let through when fewer than N requests of the same token were
let through in the last M seconds, which is what a client pacing itself by the headers expects
(a fixed window would let 2N through around a boundary). The counters live in this process,
behind one lock: with several worker processes each keeps its own, so the limit a client sees
is per process. That is enough for an emulation; the dashboard's own limiter is what must hold
across processes. The daily limit is counted per UTC day the same way.
"""

import math
import re
import threading
import time
from collections import deque
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from recordsadmin.contract import limits

# Read from this module on every request, so that a test can lower it.
DAILY_LIMIT = limits.DAILY_LIMIT
# The real service's burst limit, on unless a setting says otherwise.
DEFAULT_RATE = f"{limits.RATE_LIMIT_CALLS}/{limits.RATE_LIMIT_SECONDS}s"
_RATE = re.compile(r"\s*(\d+)\s*/\s*(\d+(?:\.\d+)?)\s*s\s*")
# Past this many keys, those with no request in their window are forgotten (their daily count
# with them), so that requests with random tokens cannot grow memory without bound.
_MAX_KEYS = 10_000


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


class _Window:
    __slots__ = ("day", "day_count", "hits", "rate")

    def __init__(self, rate: Rate) -> None:
        self.rate = rate
        self.hits: deque[float] = deque()
        self.day = ""
        self.day_count = 0


class RateLimiter:
    def __init__(self, clock=time.monotonic, wall=time.gmtime) -> None:
        self._clock = clock
        self._wall = wall
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, rate: Rate) -> Decision:
        """Counts one request of `key` if it is allowed, and says whether it is."""
        now = self._clock()
        today = time.strftime("%Y-%m-%d", self._wall())
        with self._lock:
            window = self._windows.get(key)
            if window is None or window.rate != rate:
                if len(self._windows) >= _MAX_KEYS:
                    self._forget_idle(now)
                window = self._windows[key] = _Window(rate)
            if window.day != today:
                window.day, window.day_count = today, 0
            hits = window.hits
            while hits and hits[0] <= now - rate.seconds:
                hits.popleft()
            if len(hits) >= rate.requests or window.day_count >= DAILY_LIMIT:
                wait = hits[0] + rate.seconds - now if len(hits) >= rate.requests else 3600
                return Decision(
                    False,
                    rate,
                    0,
                    max(DAILY_LIMIT - window.day_count, 0),
                    max(1, math.ceil(wait)),
                )
            hits.append(now)
            window.day_count += 1
            return Decision(
                True, rate, rate.requests - len(hits), DAILY_LIMIT - window.day_count, 0
            )

    def _forget_idle(self, now: float) -> None:
        for key, window in list(self._windows.items()):
            if not window.hits or window.hits[-1] <= now - window.rate.seconds:
                del self._windows[key]

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()


limiter = RateLimiter()
