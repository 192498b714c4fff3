"""What may be tried again, how long to wait first, and the deadline no call goes past.

One place decides (as stripe-python's client does): `should_retry` says whether a failed
attempt is worth another, `delay` how long to wait before it, `deadline` when the call must
have ended, retries and waits included, and `next_wait` puts the three together.
"""

import contextlib
import contextvars
import email.utils
import random
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime

from .config import Connection

# Worth asking again: a limit (429) and a gateway that could not reach or wait for the service.
# A 500 is not retried (it may be a half-done write), and a 504 may have reached the service:
# `may_have_applied` counts it as possibly carried out.
RETRY_STATUSES = frozenset({429, 502, 503, 504})

# The longest wait a server's answer is believed to ask for (a minute: the documented rate
# window is 10 s), so that a broken or hostile header cannot stop calls for hours.
MOST_WAIT = 60.0

# The deadline of the page being served: every call it makes shares it, so a page that makes
# four calls still answers within GHL_PAGE_DEADLINE. Outside a page (a bulk job, a streamed
# export after its view returned) each call has a deadline of its own.
_page_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "records_page_deadline", default=None
)


def deadline_in(seconds: float) -> float:
    """An absolute deadline (time.monotonic()) `seconds` from now."""
    return time.monotonic() + seconds


@contextlib.contextmanager
def page_deadline(seconds: float) -> Iterator[float]:
    """Within this block, no call to the records API ends later than `seconds` from now."""
    token = _page_deadline.set(deadline_in(seconds))
    try:
        yield _page_deadline.get()
    finally:
        _page_deadline.reset(token)


def deadline(given: float | None, conn: Connection) -> float:
    """The call's deadline: the caller's (or the connection's page deadline from now), never
    later than the page's."""
    page = _page_deadline.get()
    own = given if given is not None else deadline_in(conn.page_deadline)
    return own if page is None else min(own, page)


def should_retry(
    *,
    attempt: int,
    conn: Connection,
    status: int | None,
    never_sent: bool,
    create: bool,
    quota_spent: bool = False,
) -> bool:
    """Whether a failed attempt is worth another: an answer with a status in RETRY_STATUSES
    (not a 429 that says the day's quota is spent: waiting cannot help today), or no answer
    at all. A create that may have reached the service (no answer to a request that left, a
    5xx) is never sent twice; a 429 or a connection never made surely did not create it."""
    if attempt > conn.max_retries:
        return False
    if status is None:
        return never_sent or not create
    if create and status >= 500:
        return False
    return status in RETRY_STATUSES and not (status == 429 and quota_spent)


def next_wait(
    *,
    attempt: int,
    conn: Connection,
    status: int | None,
    never_sent: bool,
    create: bool,
    quota_spent: bool = False,
    server_wait: float | None = None,
    until: float,
    patience: float | None = None,
) -> float | None:
    """Seconds to wait before the next attempt, or None when none should follow: the failure
    is not worth another (should_retry), the wait would end past the call's deadline `until`
    (a RateLimited then says how long), or it is a 429 whose wait is longer than the `patience`
    of work that would rather be skipped than late (budget.background(wait=...))."""
    again = should_retry(
        attempt=attempt,
        conn=conn,
        status=status,
        never_sent=never_sent,
        create=create,
        quota_spent=quota_spent,
    )
    if not again:
        return None
    wait = delay(attempt, conn, server_wait)
    if time.monotonic() + wait >= until:
        return None
    if status == 429 and patience is not None and wait > patience:
        return None
    return wait


def delay(attempt: int, conn: Connection, server_wait: float | None = None) -> float:
    """How long to wait before the next attempt: what the server asks for, with a little
    jitter so that many waiting clients do not come back in the same instant; else exponential
    backoff with full jitter, uniform(0, min(cap, base * 2**(attempt-1)))."""
    if server_wait is not None:
        return server_wait + random.uniform(0, min(1.0, conn.backoff_base))
    return random.uniform(0, min(conn.backoff_cap, conn.backoff_base * 2 ** (attempt - 1)))


def server_wait(headers: Mapping[str, str], *, rate_limited: bool = False) -> float | None:
    """Seconds the server asks us to wait: Retry-After, or the rate-limit window when it is
    spent (a 429 says so even when its X-RateLimit-Remaining does not); never more than
    MOST_WAIT, whatever a header says."""
    wait = _retry_after(headers.get("Retry-After", "").strip())
    if wait is None:
        remaining = headers.get("X-RateLimit-Remaining", "").strip()
        interval = headers.get("X-RateLimit-Interval-Milliseconds", "").strip()
        if (rate_limited or remaining == "0") and interval:
            try:
                wait = max(0.0, float(interval) / 1000)
            except ValueError:
                return None
    return None if wait is None else min(wait, MOST_WAIT)


def _retry_after(text: str) -> float | None:
    """A Retry-After's seconds (a number of them, or an HTTP date); None when there is none."""
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def may_have_applied(status: int | None, *, never_sent: bool = False, method: str = "") -> bool:
    """Whether the service may have carried out an attempt that failed: no answer to a
    request that left, a garbled 2xx, a 500 or a 504. A gateway's 502 or 503 did not pass the
    call on, a 429 refused it, and a 4xx is the answer to a question. A GET changes nothing,
    whatever became of it."""
    if method == "GET":
        return False
    if status is None:
        return not never_sent
    return status < 300 or status in (500, 504)
