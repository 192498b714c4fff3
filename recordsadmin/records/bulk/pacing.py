"""The pace of a bulk job's calls: just under the rate limit the API announces.

The records API allows `X-RateLimit-Max` calls per `X-RateLimit-Interval-Milliseconds` per
location (100 per 10 s on the real service); every answer says how many are left.
"""

import threading
import time
from collections import deque
from collections.abc import Callable

from recordsadmin.client import ratelimit
from recordsadmin.client.errors import RateLimited
from recordsadmin.client.retry import deadline_in

# A job gives each call this long, retries included (a page view gives GHL_PAGE_DEADLINE).
CALL_DEADLINE_SECONDS = 60.0


class DailyLimitSpent(Exception):
    """The location's daily quota of calls is spent (X-RateLimit-Daily-Remaining: 0)."""


class Pacer:
    """Lets a call go when the API's announced limit has room for it, counting our own calls.

    Our calls of the last interval are kept by the time they finished (later than the server
    counted them, so we err on the safe side), and in-flight calls count too. `reserve` calls of
    each interval are left to people browsing the dashboard meanwhile. When the last answer says
    that none remain (others have used more than the reserve), one call is let through per 1/max
    of the interval until the answers say there is room again; a 429 all the same pauses the
    job for as long as the API asks.

    Until an answer has announced a limit, one call at a time goes; if answers announce none
    (the embedded API with its rate limit off), calls are not paced.
    """

    def __init__(self, *, reserve: int = 2, clock: Callable[[], float] = time.monotonic):
        self.reserve = max(0, reserve)
        self._clock = clock
        self._started = clock()
        self._done: deque[float] = deque()
        self._in_flight = 0
        self._answered = False
        self._not_before = 0.0
        self._lock = threading.Condition()

    def _limit(self) -> tuple[int, float] | None:
        """(calls, seconds) we may use, None when unpaced; from the latest answer of this job."""
        seen = ratelimit.rate_limit_seen()
        if seen is None or seen.at < self._started or seen.max <= 0 or seen.interval_ms <= 0:
            return None if self._answered else (1, 0.0)
        return max(1, seen.max - self.reserve), seen.interval_ms / 1000

    def wait_for(self, now: float) -> float:
        """Seconds until a call may go; 0 when it may go now."""
        if now < self._not_before:
            return self._not_before - now
        limit = self._limit()
        if limit is None:
            return 0.0
        calls, seconds = limit
        if seconds == 0.0:  # no limit announced yet: one call at a time
            return 0.0 if self._in_flight == 0 else 0.05
        while self._done and self._done[0] <= now - seconds:
            self._done.popleft()
        if len(self._done) + self._in_flight >= calls:
            return max(0.005, self._done[0] + seconds - now) if self._done else 0.05
        seen = ratelimit.rate_limit_seen()
        if seen is not None and seen.at >= self._started and seen.remaining <= 0:
            # Others have spent the limit: probe once per 1/max of the interval, one at a time.
            step = seconds / max(1, seen.max)
            last = max(self._done[-1] if self._done else seen.at, seen.at)
            if self._in_flight or now < last + step:
                return max(0.01, last + step - now)
        return 0.0

    def daily_spent(self) -> bool:
        """Whether an answer to this job said that the day's quota is spent: every call would
        be refused until it resets, so the job stops instead of waiting for it."""
        seen = ratelimit.rate_limit_seen()
        return (
            seen is not None
            and seen.at >= self._started
            and seen.daily_remaining is not None
            and seen.daily_remaining <= 0
        )

    def acquire(self) -> None:
        with self._lock:
            while True:
                if self.daily_spent():
                    raise DailyLimitSpent
                wait_for = self.wait_for(self._clock())
                if wait_for <= 0:
                    self._in_flight += 1
                    return
                self._lock.wait(timeout=wait_for)

    def release(self) -> None:
        with self._lock:
            self._in_flight -= 1
            self._answered = True
            self._done.append(self._clock())
            self._lock.notify_all()

    def pause(self, seconds: float) -> None:
        """The API refused a call for the rate (429): no call goes for `seconds`."""
        with self._lock:
            self._not_before = max(self._not_before, self._clock() + seconds)

    def call(self, function: Callable, /, **kwargs):
        """`function(**kwargs)` once the limit has room for it."""
        self.acquire()
        try:
            return function(deadline=deadline_in(CALL_DEADLINE_SECONDS), **kwargs)
        except RateLimited as error:
            self.pause(error.retry_after or 1.0)
            raise
        finally:
            self.release()
