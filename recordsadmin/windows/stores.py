"""Three stores of sliding windows with one interface: in Redis, in the database, in memory.

A window `key` holds the times of the calls of its last `seconds`. `take` lets one more call in
when fewer than `limit` are there, in one atomic step; `settle` moves a call's time to now (to
when its answer came: the server counted it by then, so it leaves our window no sooner than the
server's); `fill` makes the window hold at least `count` calls from now on (calls counted
elsewhere: another app on the same location, or a 429 that says the window is full);
`count_up` counts calls per period (a day) without keeping them, and `counted` reads that count.

Each store also keeps circuit breakers (recordsadmin/records/services/breaker.py): per key, the
failures in a row, the time until which the breaker is open, and until when a probe call that
one caller claimed is in flight. `failed` counts a failure and opens the breaker at a threshold;
`gate` says whether a call may go, and lets one caller, once the open time has passed, claim the
probe; `succeeded` closes it.
"""

import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

import redis
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Min

from .models import BreakerState, WindowCall, WindowCounter

logger = logging.getLogger(__name__)

T = TypeVar("T")

# The database store forgets, every SWEEP_EVERY takes of a process, the calls older than
# KEEP_SECONDS (longer than any window: the real service's is 10 s) and the spent counters.
SWEEP_EVERY = 1000
KEEP_SECONDS = 3600.0

# After Redis fails, this process counts in memory this long before it asks Redis again, so
# that a stopped Redis costs one connect timeout per interval, not one per call.
REDIS_RETRY_SECONDS = 5.0


@dataclass(frozen=True)
class Taken:
    """What `take` decided: `count` is the calls in the window (this one included when
    allowed); `wait` the seconds until the oldest leaves it (0 when allowed); `call` names the
    call taken, for `settle` ("" when none was)."""

    allowed: bool
    count: int
    wait: float
    call: str = ""


# Breaker states, as `gate` and `failed` report them.
CLOSED, OPEN, HALF_OPEN, PROBE = "closed", "open", "half-open", "probe"
# A breaker nobody has failed or asked about for this long is forgotten (Redis, the database).
BREAKER_KEEP_SECONDS = 86400


@dataclass(frozen=True)
class Gate:
    """A breaker as `gate` or `failed` found it. `state`: CLOSED; OPEN for `wait` more
    seconds; HALF_OPEN when its open time has passed but this caller may not probe (another's
    probe is in flight for `wait` seconds at most, or the caller did not ask to); PROBE when
    this caller's call is the one probe. `failures` counts the failures in a row."""

    state: str
    wait: float = 0.0
    failures: int = 0


def _gate(
    failures: int, open_until: float, probe_until: float, now: float, probe: bool
) -> tuple[Gate, bool]:
    """The gate of a breaker's stored state at `now`, and whether the caller claims the probe
    (then the store sets its probe time)."""
    if not open_until:
        return Gate(CLOSED, 0.0, failures), False
    if now < open_until:
        return Gate(OPEN, open_until - now, failures), False
    if probe and probe_until <= now:
        return Gate(PROBE, 0.0, failures), True
    return Gate(HALF_OPEN, max(0.0, probe_until - now), failures), False


class Windows(Protocol):
    kind: str

    def take(self, key: str, *, limit: int, seconds: float) -> Taken: ...

    def settle(self, key: str, call: str, *, seconds: float) -> None: ...

    def fill(self, key: str, *, count: int, seconds: float) -> None: ...

    def count_up(self, key: str, *, seconds: float) -> int: ...

    def counted(self, key: str) -> int: ...

    def gate(self, key: str, *, probe: bool, probe_seconds: float) -> Gate: ...

    def failed(self, key: str, *, threshold: int, open_seconds: float) -> Gate: ...

    def succeeded(self, key: str) -> None: ...

    def clear(self) -> None: ...

    def status(self) -> dict: ...


class MemoryWindows:
    """The windows of this process only: the fallback while Redis is away, and for tests."""

    kind = "memory"

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        # Per key, (time, call) oldest first.
        self._calls: dict[str, deque[tuple[float, str]]] = {}
        self._counters: dict[str, tuple[int, float]] = {}
        # Per breaker key: [failures, open until, probe until].
        self._breakers: dict[str, list] = {}
        self._lock = threading.Lock()

    def _window(self, key: str, now: float, seconds: float) -> deque[tuple[float, str]]:
        calls = self._calls.setdefault(key, deque())
        while calls and calls[0][0] <= now - seconds:
            calls.popleft()
        return calls

    def take(self, key: str, *, limit: int, seconds: float) -> Taken:
        now = self._clock()
        with self._lock:
            calls = self._window(key, now, seconds)
            if len(calls) < limit:
                call = uuid.uuid4().hex
                calls.append((now, call))
                return Taken(True, len(calls), 0.0, call)
            wait = calls[0][0] + seconds - now if calls else seconds
            return Taken(False, len(calls), max(0.0, wait))

    def settle(self, key: str, call: str, *, seconds: float) -> None:
        now = self._clock()
        with self._lock:
            calls = self._window(key, now, seconds)
            for index, (_, name) in enumerate(calls):
                if name == call:
                    del calls[index]
                    calls.append((now, call))
                    return

    def fill(self, key: str, *, count: int, seconds: float) -> None:
        now = self._clock()
        with self._lock:
            calls = self._window(key, now, seconds)
            calls.extend([(now, "")] * max(0, count - len(calls)))

    def count_up(self, key: str, *, seconds: float) -> int:
        now = self._clock()
        with self._lock:
            count, expires = self._counters.get(key, (0, 0.0))
            if expires <= now:
                count, expires = 0, now + seconds
            self._counters[key] = (count + 1, expires)
            return count + 1

    def counted(self, key: str) -> int:
        count, expires = self._counters.get(key, (0, 0.0))
        return count if expires > self._clock() else 0

    def gate(self, key: str, *, probe: bool, probe_seconds: float) -> Gate:
        now = self._clock()
        with self._lock:
            state = self._breakers.get(key, [0, 0.0, 0.0])
            gate, claimed = _gate(*state, now, probe)
            if claimed:
                state[2] = now + probe_seconds
                self._breakers[key] = state
            return gate

    def failed(self, key: str, *, threshold: int, open_seconds: float) -> Gate:
        now = self._clock()
        with self._lock:
            state = self._breakers.setdefault(key, [0, 0.0, 0.0])
            state[0] += 1
            if state[0] >= threshold:
                state[1], state[2] = now + open_seconds, 0.0
                return Gate(OPEN, open_seconds, state[0])
            return Gate(CLOSED, 0.0, state[0])

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._breakers.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()
            self._counters.clear()
            self._breakers.clear()

    def status(self) -> dict:
        return {"store": self.kind, "ok": True, "error": ""}


# KEYS[1] the window; ARGV: limit, seconds, a member prefix unique to this call.
# The time is Redis's own, so that every machine counts on one clock.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local limit = tonumber(ARGV[1])
local seconds = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - seconds)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(seconds * 1000) + 1000)
  return {1, count + 1, '0'}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local wait = seconds
if oldest[2] then wait = tonumber(oldest[2]) + seconds - now end
return {0, count, tostring(wait)}
"""

# KEYS[1] the window; ARGV: the call. Its time becomes now, if it is still there.
_SETTLE = """
local t = redis.call('TIME')
redis.call('ZADD', KEYS[1], 'XX', tonumber(t[1]) + tonumber(t[2]) / 1000000, ARGV[1])
return 1
"""

# KEYS[1] the window; ARGV: the count it must hold at least, seconds, a member prefix.
_FILL = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local target = tonumber(ARGV[1])
local seconds = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - seconds)
local count = redis.call('ZCARD', KEYS[1])
for i = count + 1, target do
  redis.call('ZADD', KEYS[1], now, ARGV[3] .. ':' .. i)
end
redis.call('PEXPIRE', KEYS[1], math.ceil(seconds * 1000) + 1000)
return count
"""

# KEYS[1] the counter; ARGV[1] the seconds it lives from its first count.
_COUNT_UP = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[1]) * 1000)) end
return count
"""


# KEYS[1] the breaker (a hash); ARGV: "1" when the caller may probe, the probe's seconds.
_GATE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local v = redis.call('HMGET', KEYS[1], 'failures', 'open_until', 'probe_until')
local failures = tonumber(v[1] or '0')
local open_until = tonumber(v[2] or '0')
local probe_until = tonumber(v[3] or '0')
if open_until == 0 then return {'closed', '0', failures} end
if now < open_until then return {'open', tostring(open_until - now), failures} end
if ARGV[1] == '1' and probe_until <= now then
  redis.call('HSET', KEYS[1], 'probe_until', tostring(now + tonumber(ARGV[2])))
  return {'probe', '0', failures}
end
local wait = probe_until - now
if wait < 0 then wait = 0 end
return {'half-open', tostring(wait), failures}
"""

# KEYS[1] the breaker; ARGV: the threshold, the seconds it opens for, the seconds it is kept.
_FAILED = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[3]) * 1000))
if failures >= tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'open_until', tostring(now + tonumber(ARGV[2])), 'probe_until', '0')
  return {'open', ARGV[2], failures}
end
return {'closed', '0', failures}
"""


def _redis_gate(found) -> Gate:
    state, wait, failures = found
    state = state.decode() if isinstance(state, bytes) else str(state)
    return Gate(state, max(0.0, float(wait)), int(failures))


class RedisWindows:
    """The windows in Redis: shared by every process and machine that uses the same server.

    When Redis fails, the windows of this process (a MemoryWindows) stand in for
    REDIS_RETRY_SECONDS at a time, and `status()` says so: calls keep their pace by this
    process's own count rather than failing.
    """

    kind = "redis"

    def __init__(self, url: str, *, prefix: str = "recordsadmin:windows:") -> None:
        self.url = url
        self._prefix = prefix
        self._redis = redis.Redis.from_url(
            url, socket_connect_timeout=0.5, socket_timeout=2.0, health_check_interval=30
        )
        self._take = self._redis.register_script(_TAKE)
        self._fill = self._redis.register_script(_FILL)
        self._settle = self._redis.register_script(_SETTLE)
        self._count_up = self._redis.register_script(_COUNT_UP)
        self._gate = self._redis.register_script(_GATE)
        self._failed = self._redis.register_script(_FAILED)
        self.fallback = MemoryWindows()
        self._down_until = 0.0
        self._error = ""

    def _run(self, in_redis: Callable[[], T], in_memory: Callable[[MemoryWindows], T]) -> T:
        if time.monotonic() < self._down_until:
            return in_memory(self.fallback)
        try:
            result = in_redis()
        except redis.RedisError as exc:
            if not self._error:
                logger.warning("Redis unavailable, counting calls in this process: %s", exc)
            self._error = str(exc)[:200] or type(exc).__name__
            self._down_until = time.monotonic() + REDIS_RETRY_SECONDS
            return in_memory(self.fallback)
        if self._error:
            logger.warning("Redis is back: calls are counted there again")
            self._error = ""
        return result

    def take(self, key: str, *, limit: int, seconds: float) -> Taken:
        def in_redis() -> Taken:
            member = uuid.uuid4().hex
            allowed, count, wait = self._take(
                keys=[self._prefix + key], args=[limit, seconds, member]
            )
            call = member if allowed else ""
            return Taken(bool(allowed), int(count), max(0.0, float(wait)), call)

        return self._run(in_redis, lambda m: m.take(key, limit=limit, seconds=seconds))

    def settle(self, key: str, call: str, *, seconds: float) -> None:
        def in_redis() -> None:
            self._settle(keys=[self._prefix + key], args=[call])

        self._run(in_redis, lambda m: m.settle(key, call, seconds=seconds))

    def fill(self, key: str, *, count: int, seconds: float) -> None:
        def in_redis() -> None:
            self._fill(keys=[self._prefix + key], args=[count, seconds, uuid.uuid4().hex])

        self._run(in_redis, lambda m: m.fill(key, count=count, seconds=seconds))

    def count_up(self, key: str, *, seconds: float) -> int:
        def in_redis() -> int:
            return int(self._count_up(keys=[self._prefix + "count:" + key], args=[seconds]))

        return self._run(in_redis, lambda m: m.count_up(key, seconds=seconds))

    def counted(self, key: str) -> int:
        # The counter expires with its period, so a missing key is a period not counted yet.
        return self._run(
            lambda: int(self._redis.get(self._prefix + "count:" + key) or 0),
            lambda m: m.counted(key),
        )

    def gate(self, key: str, *, probe: bool, probe_seconds: float) -> Gate:
        def in_redis() -> Gate:
            args = ["1" if probe else "0", probe_seconds]
            return _redis_gate(self._gate(keys=[self._prefix + "breaker:" + key], args=args))

        return self._run(in_redis, lambda m: m.gate(key, probe=probe, probe_seconds=probe_seconds))

    def failed(self, key: str, *, threshold: int, open_seconds: float) -> Gate:
        def in_redis() -> Gate:
            args = [threshold, open_seconds, BREAKER_KEEP_SECONDS]
            return _redis_gate(self._failed(keys=[self._prefix + "breaker:" + key], args=args))

        return self._run(
            in_redis, lambda m: m.failed(key, threshold=threshold, open_seconds=open_seconds)
        )

    def succeeded(self, key: str) -> None:
        self._run(
            lambda: self._redis.delete(self._prefix + "breaker:" + key),
            lambda m: m.succeeded(key),
        )

    def clear(self) -> None:
        self.fallback.clear()
        try:
            keys = list(self._redis.scan_iter(match=self._prefix + "*", count=1000))
            if keys:
                self._redis.delete(*keys)
        except redis.RedisError:
            pass

    def status(self) -> dict:
        if time.monotonic() >= self._down_until:
            try:
                self._redis.ping()
                self._error = ""
            except redis.RedisError as exc:
                self._error = str(exc)[:200] or type(exc).__name__
                self._down_until = time.monotonic() + REDIS_RETRY_SECONDS
        return {"store": self.kind, "ok": not self._error, "error": self._error}


class DatabaseWindows:
    """The windows in the database: shared by every process that uses it.

    Each operation is one short transaction. On PostgreSQL an advisory lock per key keeps two
    processes from counting the same window at once; SQLite (IMMEDIATE transactions, see
    recordsadmin/settings.py) lets one writer in at a time anyway. When the database fails,
    this process's own count stands in, as for Redis.
    """

    kind = "database"

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self.fallback = MemoryWindows(clock)
        self._error = ""
        self._takes = 0

    def _lock(self, key: str) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])

    def _run(self, in_db: Callable[[], T], in_memory: Callable[[MemoryWindows], T]) -> T:
        try:
            with transaction.atomic():
                result = in_db()
        except DatabaseError as exc:
            self._error = str(exc)[:200] or type(exc).__name__
            logger.warning("database unavailable, counting calls in this process: %s", exc)
            return in_memory(self.fallback)
        self._error = ""
        return result

    def take(self, key: str, *, limit: int, seconds: float) -> Taken:
        self._takes += 1
        if self._takes % SWEEP_EVERY == 0:
            self.sweep()

        def in_db() -> Taken:
            now = self._clock()
            self._lock(key)
            WindowCall.objects.filter(key=key, at__lte=now - seconds).delete()
            calls = WindowCall.objects.filter(key=key)
            count = calls.count()
            if count < limit:
                call = WindowCall.objects.create(key=key, at=now)
                return Taken(True, count + 1, 0.0, str(call.pk))
            oldest = calls.aggregate(oldest=Min("at"))["oldest"]
            wait = oldest + seconds - now if oldest is not None else seconds
            return Taken(False, count, max(0.0, wait))

        return self._run(in_db, lambda m: m.take(key, limit=limit, seconds=seconds))

    def settle(self, key: str, call: str, *, seconds: float) -> None:
        if call.isdigit():
            self._run(
                lambda: WindowCall.objects.filter(pk=int(call), key=key).update(at=self._clock()),
                lambda m: m.settle(key, call, seconds=seconds),
            )

    def fill(self, key: str, *, count: int, seconds: float) -> None:
        def in_db() -> None:
            now = self._clock()
            self._lock(key)
            WindowCall.objects.filter(key=key, at__lte=now - seconds).delete()
            missing = count - WindowCall.objects.filter(key=key).count()
            WindowCall.objects.bulk_create(
                [WindowCall(key=key, at=now) for _ in range(max(0, missing))]
            )

        self._run(in_db, lambda m: m.fill(key, count=count, seconds=seconds))

    def count_up(self, key: str, *, seconds: float) -> int:
        def in_db() -> int:
            now = self._clock()
            self._lock(key)
            counter = WindowCounter.objects.filter(key=key).first()
            if counter is None or counter.expires <= now:
                WindowCounter.objects.update_or_create(
                    key=key, defaults={"count": 1, "expires": now + seconds}
                )
                return 1
            WindowCounter.objects.filter(key=key).update(count=F("count") + 1)
            return counter.count + 1

        return self._run(in_db, lambda m: m.count_up(key, seconds=seconds))

    def counted(self, key: str) -> int:
        def in_db() -> int:
            counter = WindowCounter.objects.filter(key=key, expires__gt=self._clock()).first()
            return counter.count if counter else 0

        return self._run(in_db, lambda m: m.counted(key))

    def gate(self, key: str, *, probe: bool, probe_seconds: float) -> Gate:
        def in_db() -> Gate:
            now = self._clock()
            row = BreakerState.objects.filter(key=key).first()
            if row is None:
                return Gate(CLOSED)
            gate, claimed = _gate(row.failures, row.open_until, row.probe_until, now, probe)
            if claimed:
                # One caller wins the probe: the update holds only while no other claimed it.
                won = BreakerState.objects.filter(
                    key=key, open_until=row.open_until, probe_until__lte=now
                ).update(probe_until=now + probe_seconds)
                if not won:
                    return Gate(HALF_OPEN, probe_seconds, row.failures)
            return gate

        return self._run(in_db, lambda m: m.gate(key, probe=probe, probe_seconds=probe_seconds))

    def failed(self, key: str, *, threshold: int, open_seconds: float) -> Gate:
        def in_db() -> Gate:
            now = self._clock()
            self._lock(key)
            row, _ = BreakerState.objects.get_or_create(key=key)
            row.failures += 1
            row.kept_until = now + BREAKER_KEEP_SECONDS
            if row.failures >= threshold:
                row.open_until, row.probe_until = now + open_seconds, 0.0
            row.save()
            if row.open_until > now:
                return Gate(OPEN, row.open_until - now, row.failures)
            return Gate(CLOSED, 0.0, row.failures)

        return self._run(
            in_db, lambda m: m.failed(key, threshold=threshold, open_seconds=open_seconds)
        )

    def succeeded(self, key: str) -> None:
        self._run(
            lambda: BreakerState.objects.filter(key=key).delete(),
            lambda m: m.succeeded(key),
        )

    def sweep(self) -> None:
        """Forget the calls of windows no longer asked about (a key is emptied only when it is
        asked about again: requests with ever new tokens must not grow the table)."""
        now = self._clock()
        self._run(
            lambda: (
                WindowCall.objects.filter(at__lt=now - KEEP_SECONDS).delete(),
                WindowCounter.objects.filter(expires__lt=now).delete(),
                BreakerState.objects.filter(kept_until__lt=now).delete(),
            ),
            lambda m: None,
        )

    def clear(self) -> None:
        self.fallback.clear()
        WindowCall.objects.all().delete()
        WindowCounter.objects.all().delete()
        BreakerState.objects.all().delete()

    def status(self) -> dict:
        return {"store": self.kind, "ok": not self._error, "error": self._error}


_stores: dict[str, Windows] = {}
_stores_lock = threading.Lock()


def windows() -> Windows:
    """The store every process shares: Redis when settings.REDIS_URL is set, else the
    database. One per process (and per URL, so that a test can point elsewhere)."""
    url = getattr(settings, "REDIS_URL", "") or ""
    store = _stores.get(url)
    if store is None:
        with _stores_lock:
            store = _stores.get(url)
            if store is None:
                store = _stores[url] = RedisWindows(url) if url else DatabaseWindows()
    return store


def status() -> dict:
    """Where calls are counted, and whether that store answers (for /healthz)."""
    return windows().status()
