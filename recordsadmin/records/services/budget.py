"""One rate budget per location, shared by every dashboard process, web and task worker alike.

The records API allows X-RateLimit-Max calls per X-RateLimit-Interval-Milliseconds per app and
location, however many processes make them. Every call the dashboard makes takes a place in one
sliding window per location, kept where all processes see it (recordsadmin/windows: Redis when
REDIS_URL is set, the database otherwise):

- a person's call (a page) may fill the window to the limit less RECORDS_BUDGET_SAFETY (at
  most one call in fifty);
- a background call (bulk jobs, imports, exports) as far, while no person has made a call
  within the last interval; once someone has, only to the limit less a reserve
  (RECORDS_BUDGET_RESERVE of it, at least one call, on top of the safety), so that a person
  finds a place at once, and background work takes what people leave: while people use the
  reserve and more, the window stays above the background's line and jobs wait. People's
  calls are also counted in a window of their own, which is how every process knows.
- A call is counted from when it is sent until an interval after its answer came (the service
  counted it somewhere between), so that it never leaves our window before the service's.
- Background calls go evenly, at most a tenth of their line in each tenth of the interval, so
  that places free up all the time and a person never waits for a whole interval.
- The window follows what the answers announce: the limit itself, and when an answer says
  fewer calls remain than ours account for (another app on the same location), the window is
  filled up to what the service counts. A 429 fills it to the limit.

Until an answer has announced a limit the contract's (docs/records-api.md) is assumed; an answer
without the headers (the embedded API with its emulation off) lets calls go unpaced. When the
shared store is unavailable (Redis stopped), each process counts alone at
1/RECORDS_BUDGET_PROCESSES of the limit, so that a fleet stays under it together.
"""

import hashlib
import math
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.conf import settings

from recordsadmin.client import budget, ratelimit
from recordsadmin.contract import limits
from recordsadmin.windows.stores import Windows, windows


@dataclass(frozen=True)
class Limit:
    calls: int
    seconds: float


CONTRACT_LIMIT = Limit(limits.RATE_LIMIT_CALLS, float(limits.RATE_LIMIT_SECONDS))


class SharedBudget:
    def __init__(
        self,
        store: Callable[[], Windows] = windows,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._store = store
        self._clock = clock
        self._sleep = sleep
        # What the answers of this process announced, per location: a Limit, or None when an
        # answer carried no limit at all.
        self._limits: dict[str, Limit | None] = {}
        # The window's count when this thread's last call took its place.
        self._local = threading.local()

    def window_key(self, location: str) -> str:
        return "budget:" + hashlib.sha256(location.encode()).hexdigest()[:32]

    def limit(self, location: str) -> Limit | None:
        return self._limits.get(location, CONTRACT_LIMIT)

    def line(self, limit: Limit, priority: str, *, shared: bool, people: bool = True) -> int:
        """How full the window may be for a call of `priority` to take a place; `people`
        says whether people have made calls lately (background work then leaves a reserve)."""
        calls = limit.calls
        if not shared:
            calls = max(1, calls // max(1, int(getattr(settings, "RECORDS_BUDGET_PROCESSES", 4))))
        # At most one in fifty: a limit of a few dozen calls keeps them all.
        safety = min(max(0, int(getattr(settings, "RECORDS_BUDGET_SAFETY", 1))), calls // 50)
        line = calls - safety
        if priority != budget.PEOPLE and people:
            fraction = float(getattr(settings, "RECORDS_BUDGET_RESERVE", 0.05))
            line -= max(1, math.ceil(calls * fraction))
        return max(1, line)

    def acquire(self, location: str, *, priority: str, deadline: float) -> float:
        limit = self.limit(location)
        if limit is None:
            return 0.0
        store = self._store()
        key = self.window_key(location)
        people_key = key + ":people"
        while True:
            shared = store.status()["ok"]
            if priority == budget.PEOPLE:
                line = self.line(limit, priority, shared=shared)
                taken = store.take(key, limit=line, seconds=limit.seconds)
            else:
                # A limit of 0 takes nothing: it only reads how many calls people made.
                lately = store.take(people_key, limit=0, seconds=limit.seconds).count
                line = self.line(limit, priority, shared=shared, people=lately > 0)
                # Evenly: at most a tenth of its line in each tenth of the interval. In a burst,
                # its calls would all leave the window at once an interval later, and a person
                # arriving between two bursts would find no place until the next.
                taken = store.take(
                    key + ":even", limit=math.ceil(line / 10), seconds=limit.seconds / 10
                )
                if taken.allowed:
                    taken = store.take(key, limit=line, seconds=limit.seconds)
            if taken.allowed:
                self._local.count = taken.count
                self._local.call = (key, taken.call, limit.seconds)
                if priority == budget.PEOPLE:
                    store.take(people_key, limit=limit.calls, seconds=limit.seconds)
                return 0.0
            wait = max(0.01, taken.wait)
            if priority != budget.PEOPLE:
                # Jobs waiting in several processes must not all ask at the same instant.
                wait += random.uniform(0, limit.seconds / max(1, limit.calls))
            if self._clock() + wait > deadline:
                return wait
            self._sleep(wait)
            limit = self.limit(location) or limit

    def observe(self, location: str, headers: Mapping[str, str], status: int) -> None:
        seen = ratelimit.announced(headers)
        if seen is None or seen.max <= 0 or seen.interval_ms <= 0:
            if 200 <= status < 300:
                self._limits[location] = None  # the service announces no limit
            return
        calls = seen.max
        limit = Limit(calls, seen.interval_ms / 1000)
        self._limits[location] = limit
        taken = getattr(self._local, "call", None)
        if taken is not None:
            # The service counted the call by the time it answered: it stays in our window
            # from now, never leaving it before it leaves the service's.
            self._local.call = None
            key, call, seconds = taken
            self._store().settle(key, call, seconds=seconds)
        counted = calls if status == 429 else calls - seen.remaining
        ours = getattr(self._local, "count", 0)
        if counted > ours:
            self._store().fill(self.window_key(location), count=counted, seconds=limit.seconds)


def install() -> SharedBudget:
    """Make the shared budget the one every call of this process asks."""
    shared = SharedBudget()
    budget.install(shared)
    return shared
