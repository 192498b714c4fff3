"""One circuit breaker per service called (a location at an address, Connection.service in
recordsadmin/client/config.py), shared by every dashboard process (the interface is
recordsadmin/client/breaker.py).

Its state is kept where the rate budget's windows are (recordsadmin/windows: Redis when
REDIS_URL is set, the database otherwise), so that an outage one process met stops every
process's calls:

- RECORDS_BREAKER_FAILURES failures in a row (a 5xx, a timeout, a refused connection), from
  any process, open the breaker for RECORDS_BREAKER_RESET_SECONDS: every call fails at once,
  saying when the service is tried again.
- Then one call, from whichever process asks first, goes as the probe; its success closes the
  breaker, its failure opens it again for the same time. A create is never the probe (its
  answer could be lost with the record made): a create that finds the breaker waiting for a
  probe sends a read first (the list of objects) as the probe, and goes if that succeeds.
- While all is well a process reads the shared state at most once every TRUST_SECONDS, so a
  call costs no store operation; a failure, or a state seen with failures, makes it read
  (and reset, on its next success) again at once.
"""

import contextlib
import hashlib
import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings

from recordsadmin.client import breaker, endpoints
from recordsadmin.client.errors import RecordsApiError
from recordsadmin.client.retry import deadline_in
from recordsadmin.windows.stores import CLOSED, HALF_OPEN, OPEN, PROBE, Windows, windows

logger = logging.getLogger(__name__)

# How long a process trusts a closed breaker with no failures before it reads the state again.
TRUST_SECONDS = 1.0
# The wait a call is told while another's probe is in flight (its answer comes soon).
PROBE_WAIT_SECONDS = 1.0
# The probe a create sends first: a read that changes nothing.
PROBE_DEADLINE_SECONDS = 5.0


def failures_to_open() -> int:
    """RECORDS_BREAKER_FAILURES; 0 turns the breaker off."""
    return max(0, int(getattr(settings, "RECORDS_BREAKER_FAILURES", 5)))


def reset_seconds() -> float:
    return max(0.1, float(getattr(settings, "RECORDS_BREAKER_RESET_SECONDS", 30.0)))


def _probe_read() -> None:
    endpoints.objects_list(deadline=deadline_in(PROBE_DEADLINE_SECONDS))


class SharedBreaker:
    def __init__(
        self,
        store: Callable[[], Windows] = windows,
        *,
        clock: Callable[[], float] = time.monotonic,
        probe: Callable[[], None] = _probe_read,
    ) -> None:
        self._store = store
        self._clock = clock
        self._probe = probe
        self._lock = threading.Lock()
        # Per location: until when (self._clock) a closed breaker with no failures is trusted.
        self._trusted: dict[str, float] = {}
        # Locations whose breaker this process saw with failures or open: a success resets it.
        self._to_reset: set[str] = set()

    def key(self, location: str) -> str:
        return "breaker:" + hashlib.sha256(location.encode()).hexdigest()[:32]

    def admit(self, location: str, *, create: bool) -> float:
        if not failures_to_open():
            return 0.0
        with self._lock:
            if self._trusted.get(location, 0.0) > self._clock():
                return 0.0
        gate = self._store().gate(self.key(location), probe=not create, probe_seconds=self._hold())
        if gate.state == HALF_OPEN and create and gate.wait == 0:
            # Nobody is probing, and a create may not: a read probes first.
            with contextlib.suppress(RecordsApiError):
                self._probe()
            gate = self._store().gate(self.key(location), probe=False, probe_seconds=0)
        self._remember(location, gate.state, gate.failures)
        if gate.state == PROBE:
            logger.info("records API breaker: this call is the probe")
        if gate.state in (CLOSED, PROBE):
            return 0.0
        if gate.state == OPEN:
            return max(0.1, gate.wait)
        return max(0.1, min(gate.wait, PROBE_WAIT_SECONDS))

    def record(self, location: str, *, failed: bool) -> None:
        limit = failures_to_open()
        if not limit:
            return
        if failed:
            with self._lock:
                self._trusted.pop(location, None)
                self._to_reset.add(location)
            gate = self._store().failed(
                self.key(location), threshold=limit, open_seconds=reset_seconds()
            )
            if gate.state == OPEN and gate.failures == limit:
                logger.warning(
                    "records API breaker open: %d failures in a row; calls fail at once for "
                    "%.0f s, then one probe goes",
                    gate.failures,
                    gate.wait,
                )
            return
        with self._lock:
            reset = location in self._to_reset
            self._to_reset.discard(location)
            self._trusted[location] = self._clock() + TRUST_SECONDS
        if reset:
            self._store().succeeded(self.key(location))

    def state(self, location: str) -> dict:
        """The breaker as every process sees it, claiming nothing (for /healthz)."""
        gate = self._store().gate(self.key(location), probe=False, probe_seconds=0)
        return {
            "state": gate.state,
            "failures": gate.failures,
            "retry_in_seconds": round(gate.wait, 1) if gate.state != CLOSED else 0,
            "opens_after": failures_to_open(),
            "reset_seconds": reset_seconds(),
        }

    def _hold(self) -> float:
        """How long a claimed probe keeps others waiting: if its process dies mid-call,
        another probe may go after this."""
        return reset_seconds()

    def _remember(self, location: str, state: str, failures: int) -> None:
        with self._lock:
            if state == CLOSED and failures == 0:
                self._trusted[location] = self._clock() + TRUST_SECONDS
            else:
                self._trusted.pop(location, None)
                self._to_reset.add(location)


def install() -> SharedBreaker:
    """Make the shared breaker the one every call of this process asks."""
    shared = SharedBreaker()
    breaker.install(shared)
    return shared
