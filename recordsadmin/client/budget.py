"""The share of the location's rate limit a call may use, and who waits when it is spent.

Every attempt at the records API first asks the installed budget for a place (`acquire`) and
then tells it what the answer announced (`observe`). The client defines the interface and the
default, which lets every call go; the dashboard installs a budget shared by all its processes
(recordsadmin/records/services/budget.py). A call has a priority: a person waiting for a page
(PEOPLE, the default) or work in the background (BACKGROUND: bulk jobs, imports, exports,
counts), which runs inside `background()` and takes only what people leave. Work that would
rather be skipped than late (counts beside the table) says how long it may wait for a place:
`background(wait=...)`.
"""

import contextlib
import contextvars
import time
from collections.abc import Iterator, Mapping
from typing import Protocol

PEOPLE = "people"
BACKGROUND = "background"

_priority: contextvars.ContextVar[str] = contextvars.ContextVar(
    "records_call_priority", default=PEOPLE
)


# How long a call may wait for the rate limit (a place in the budget, a 429's Retry-After);
# None: as long as its deadline allows.
_patience: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "records_call_patience", default=None
)


def priority() -> str:
    """PEOPLE, or BACKGROUND within `background()`."""
    return _priority.get()


def patience() -> float | None:
    """The seconds a call may wait for the rate limit, within `background(wait=...)`."""
    return _patience.get()


def acquire_deadline(until: float) -> float:
    """The deadline to ask the budget with for a call that must end by `until`: sooner within
    `background(wait=...)`, so that a call finding no place soon is refused (not sent) at once
    instead of waiting."""
    wait = _patience.get()
    return until if wait is None else min(until, time.monotonic() + wait)


@contextlib.contextmanager
def background(*, wait: float | None = None) -> Iterator[None]:
    """Calls made within this block yield to people's. With `wait`, a call that gets no place
    in the budget within `wait` seconds, or that the service answers 429 asking for a longer
    wait, raises RateLimited instead of waiting."""
    token = _priority.set(BACKGROUND)
    waiting = _patience.set(wait)
    try:
        yield
    finally:
        _patience.reset(waiting)
        _priority.reset(token)


class Budget(Protocol):
    def acquire(self, location: str, *, priority: str, deadline: float) -> float:
        """Wait for a place for one call and take it: 0.0. When none comes before `deadline`
        (time.monotonic()), take none and return at once the seconds until one would."""
        ...

    def observe(self, location: str, headers: Mapping[str, str], status: int) -> None:
        """What an answer said about the limit (its X-RateLimit-* headers and status)."""
        ...


class Unlimited:
    """Every call goes at once: a client with no budget installed."""

    def acquire(self, location: str, *, priority: str, deadline: float) -> float:
        return 0.0

    def observe(self, location: str, headers: Mapping[str, str], status: int) -> None:
        return None


_installed: Budget = Unlimited()


def install(budget: Budget) -> None:
    """Make `budget` the one every call asks (the dashboard does at start)."""
    global _installed
    _installed = budget


def installed() -> Budget:
    return _installed
