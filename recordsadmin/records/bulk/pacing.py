"""The pace of a bulk job's calls: what the location's shared rate budget leaves to it.

A job's calls are background calls (recordsadmin/client/budget.py): the budget every process
shares (recordsadmin/records/services/budget.py) lets them fill the API's window only up to a
reserve that people browsing find free, so a job takes what people and other jobs leave,
across every worker and machine. What a job decides alone: it stops when an answer says the
day's quota is spent.
"""

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from recordsadmin.client import budget, ratelimit
from recordsadmin.client.errors import CircuitOpen, RateLimited
from recordsadmin.client.retry import deadline_in

# A job gives each call this long, retries and waits for the budget included (a page view
# gives GHL_PAGE_DEADLINE).
CALL_DEADLINE_SECONDS = 60.0

T = TypeVar("T")

# Calls not sent now, to be sent again later: refused for the rate, or held back by the
# circuit breaker while the API is failing (recordsadmin/records/services/breaker.py).
HELD_BACK = (RateLimited, CircuitOpen)


class DailyLimitSpent(Exception):
    """The location's daily quota of calls is spent (X-RateLimit-Daily-Remaining: 0)."""


class Pacer:
    """Makes a job's calls as background calls, pauses the job after a 429 (the budget's
    count was wrong: another app, or a store that was away) or while the circuit breaker is
    open, and stops it when the day is spent."""

    def __init__(self) -> None:
        self._started = time.monotonic()
        self._not_before = 0.0
        self._lock = threading.Lock()

    def daily_spent(self) -> bool:
        """Whether an answer since the job started said that the day's quota is spent: every
        call would be refused until it resets, so the job stops instead of waiting for it."""
        seen = ratelimit.rate_limit_seen()
        return (
            seen is not None
            and seen.at >= self._started
            and seen.daily_remaining is not None
            and seen.daily_remaining <= 0
        )

    def call(self, function: Callable[..., T], /, **kwargs) -> T:
        """`function(**kwargs)` as a background call, with a job's deadline per call."""
        if self.daily_spent():
            raise DailyLimitSpent
        with self._lock:
            wait = self._not_before - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        try:
            with budget.background():
                return function(deadline=deadline_in(CALL_DEADLINE_SECONDS), **kwargs)
        except HELD_BACK as error:
            self.pause(error.retry_after or 1.0)
            raise

    def pause(self, seconds: float) -> None:
        """No call of this job goes for `seconds`."""
        with self._lock:
            self._not_before = max(self._not_before, time.monotonic() + seconds)
