"""At most so many calls at once for one piece of work that asks several side by side (a
record's page: the record, its sections' relations, their linked records).

The limit is a semaphore in a context variable: the threads of that work run in copies of
its context (records/services/parallel.py), so they share it, and each call holds a place
while it is sent and answered (call.py). A fixed share per part would leave places idle: a
section with five linked records would read them one at a time while an empty one waits for
nothing.
"""

import contextlib
import threading
import time
from collections.abc import Iterator
from contextvars import ContextVar

_places: ContextVar[threading.Semaphore | None] = ContextVar("records_call_places", default=None)


@contextlib.contextmanager
def at_most(calls: int) -> Iterator[None]:
    """The calls made within (in this thread and the threads it starts) go `calls` at a time."""
    token = _places.set(threading.BoundedSemaphore(max(1, calls)))
    try:
        yield
    finally:
        _places.reset(token)


@contextlib.contextmanager
def place(until: float) -> Iterator[bool]:
    """A place for one call, waited for until `until` (time.monotonic()); yields whether it
    got one (always, outside at_most)."""
    places = _places.get()
    if places is None:
        yield True
        return
    got = places.acquire(timeout=max(0.0, until - time.monotonic()))
    try:
        yield got
    finally:
        if got:
            places.release()
