"""Whether a call may go to the records API at all while the service is failing.

During an outage every call would wait for its whole deadline, and a page of four calls would
wait four times. A circuit breaker counts the failures in a row (a 5xx, a timeout, a refused
connection; never a 4xx, which is an answer) for a location; after enough of them calls fail at
once until a reset time, and then one call goes as a probe, whose success closes the breaker.

The client defines the interface and the default, which lets every call go; the dashboard
installs a breaker whose state every process shares (recordsadmin/records/services/breaker.py).
"""

from typing import Protocol


class Breaker(Protocol):
    def admit(self, location: str, *, create: bool) -> float:
        """0.0 when a call may go now; else the seconds until the service is tried again.
        A `create` is never the probe: it could be carried out with its answer lost."""
        ...

    def record(self, location: str, *, failed: bool) -> None:
        """How a call that went ended: `failed` for a 5xx, a timeout or no connection."""
        ...


class AlwaysClosed:
    """Every call goes: a client with no breaker installed."""

    def admit(self, location: str, *, create: bool) -> float:
        return 0.0

    def record(self, location: str, *, failed: bool) -> None:
        return None


_installed: Breaker = AlwaysClosed()


def install(breaker: Breaker) -> None:
    """Make `breaker` the one every call asks (the dashboard does at start)."""
    global _installed
    _installed = breaker


def installed() -> Breaker:
    return _installed
