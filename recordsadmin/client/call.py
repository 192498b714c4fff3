"""One call to the records API: its attempts, the retry decision between them, its deadline.

`call()` sends a request and returns the JSON object of the answer, or raises the error from
`errors.py` that says what went wrong, with every attribute set: `maybe_applied` when some
attempt may have reached the service without its answer coming back.
"""

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from recordsadmin.contract.limits import API_VERSION

from . import breaker, budget, gate, ratelimit, retry, transport, wire
from .config import Connection, connection
from .errors import (
    CircuitOpen,
    NotConfigured,
    NotFound,
    OutcomeUnknown,
    RateLimited,
    RecordsApiError,
    Unavailable,
    UnexpectedAnswer,
    UnexpectedCreateAnswer,
)

logger = logging.getLogger("recordsadmin.client")


@dataclass(frozen=True)
class _Request:
    method: str
    path: str
    url: str
    params: Mapping[str, Any] | None
    body: Mapping[str, Any] | None
    headers: Mapping[str, str] = field(repr=False)  # the token: never in a repr or a debug page
    create: bool
    field_keys: tuple[str, ...]
    carries: str


@dataclass(frozen=True)
class _Failure:
    """An attempt that failed: the error to raise if it is the last, and what the retry
    decision needs to know about it."""

    error: RecordsApiError
    status: int | None = None
    never_sent: bool = False
    server_wait: float | None = None
    quota_spent: bool = False


def call(
    method: str,
    path: str,
    *,
    params: Mapping[str, Any] | None = None,
    body: Mapping[str, Any] | None = None,
    location: str | None = None,
    deadline: float | None = None,
    create: bool = False,
    field_keys: Iterable[str] = (),
    carries: str = "",
) -> dict:
    """Send one call and return its JSON object, retrying where it is safe.

    `deadline` is absolute (time.monotonic()); no attempt or wait goes past it. `create` marks a
    POST that makes something: it is sent again only when it surely never reached the service
    (a refused connection, a 429), otherwise a lost answer raises OutcomeUnknown. `field_keys`
    lets a 400/422 place its messages on the fields they name. `location` is where the location
    id goes: "query", "body" or nowhere. `carries` names what a 2xx answer must hold (a key of
    wire.CARRIES); one without it raises UnexpectedAnswer, and is not sent again.
    """
    conn = connection()
    request = _request(conn, method, path, params, body, location, create, field_keys, carries)
    until = retry.deadline(deadline, conn)
    with gate.place(until) as placed:
        if not placed:
            # Never sent: the other calls of the same page held every place till the deadline.
            raise _give_up(request, Unavailable("The records API did not answer in time."))
        return _call(conn, request, until)


def _call(conn: Connection, request: _Request, until: float) -> dict:
    maybe_applied = False
    attempt = 0
    while True:
        attempt += 1
        if until - time.monotonic() <= 0:
            # A create only gets here after attempts that surely never reached the service.
            error = Unavailable(
                "The records API did not answer in time.", maybe_applied=maybe_applied
            )
            raise _give_up(request, error)
        result, failure = _attempt(conn, request, until, attempt, maybe_applied)
        if failure is None:
            return result
        maybe_applied = failure.error.maybe_applied
        _retry_or_raise(conn, request, failure, attempt, until)


def _request(conn: Connection, method, path, params, body, location, create, field_keys, carries):
    if location == "query":
        params = {**(params or {}), "locationId": conn.location_id}
    elif location == "body":
        body = {"locationId": conn.location_id, **(body or {})}
    headers = {
        "Authorization": f"Bearer {conn.token}",
        "Version": API_VERSION,
        "Accept": "application/json",
    }
    url = conn.base_url + path
    return _Request(method, path, url, params, body, headers, create, tuple(field_keys), carries)


def _attempt(
    conn: Connection, request: _Request, until: float, attempt: int, maybe_applied: bool
) -> tuple[dict, _Failure | None]:
    """One attempt: (the answer's JSON, None), or ({}, what failed)."""
    _admit(conn, request, until, maybe_applied)
    answer, failure = _send(conn, request, until, attempt, maybe_applied)
    if answer is None:
        return {}, failure
    maybe_applied = maybe_applied or retry.may_have_applied(answer.status, method=request.method)
    return _read(conn, request, answer, maybe_applied)


def _admit(conn: Connection, request: _Request, until: float, maybe_applied: bool) -> None:
    """Raise, the call never sent, when the circuit breaker is open for the service or the
    location's rate budget has no call left until past the deadline."""
    shut_for = breaker.installed().admit(conn.service, create=request.create)
    if shut_for:
        # Never sent: the service failed too often in a row; it is tried again later.
        raise _give_up(request, CircuitOpen(retry_after=shut_for, maybe_applied=maybe_applied))
    refused_for = budget.installed().acquire(
        conn.location_id, priority=budget.priority(), deadline=budget.acquire_deadline(until)
    )
    if refused_for:
        # Never sent: the location's calls are spent until past this call's deadline.
        error = RateLimited(
            "The records API's rate limit is used up for now; try again shortly.",
            status=None,
            retry_after=refused_for,
            maybe_applied=maybe_applied,
        )
        raise _give_up(request, error)


def _send(
    conn: Connection, request: _Request, until: float, attempt: int, maybe_applied: bool
) -> tuple[transport.Answer | None, _Failure | None]:
    """Send the request once: (its answer, None), or (None, what failed) when none came. What
    came back is told to the breaker, the rate-limit headers' reader and the rate budget."""
    left = until - time.monotonic()
    started = time.monotonic()
    circuit = breaker.installed()
    try:
        answer = transport.attempt(
            request.method,
            request.url,
            params=request.params,
            body=request.body,
            headers=request.headers,
            timeouts=(min(conn.connect_timeout, left), min(conn.read_timeout, left)),
            deadline=until,
        )
    except transport.TransportError as exc:
        if exc.kind == "invalid_url":
            raise NotConfigured("GHL_API_URL is not a valid URL.") from exc
        error = _no_answer(exc, request=request, maybe_applied=maybe_applied)
        circuit.record(conn.service, failed=True)
        _log(request, attempt, started, f"failed: {error.message}")
        return None, _Failure(error, never_sent=exc.never_sent)
    _log(request, attempt, started, answer.status)
    circuit.record(conn.service, failed=answer.status >= 500)
    ratelimit.remember(answer.headers)
    budget.installed().observe(conn.location_id, answer.headers, answer.status)
    return answer, None


def _read(
    conn: Connection, request: _Request, answer: transport.Answer, maybe_applied: bool
) -> tuple[dict, _Failure | None]:
    """What an answer says: its JSON, or the failure a retry may follow; raise when no retry
    should (a 404, a 2xx without what the call needs)."""
    try:
        data = wire.read_answer(
            answer,
            create=request.create,
            field_keys=request.field_keys,
            secret=conn.token,
            maybe_applied=maybe_applied,
        )
    except NotFound as error:
        if request.method == "DELETE" and error.maybe_applied:
            # An earlier attempt deleted it and its answer was lost: that is success.
            return {"success": True}, None
        raise _give_up(request, error) from None
    except RecordsApiError as error:
        return {}, _Failure(
            error,
            status=answer.status,
            server_wait=retry.server_wait(answer.headers, rate_limited=answer.status == 429),
            quota_spent=ratelimit.daily_quota_spent(answer.headers),
        )
    missing = wire.missing_from(data, request.carries)
    if missing:
        # The service had the request (a write may be done) but said nothing we can read.
        cls = UnexpectedCreateAnswer if request.create else UnexpectedAnswer
        error = cls(status=answer.status, missing=missing, maybe_applied=maybe_applied)
        raise _give_up(request, error)
    return data, None


def _no_answer(exc: transport.TransportError, *, request: _Request, maybe_applied: bool):
    """The error for an attempt that got no answer."""
    maybe_applied = maybe_applied or retry.may_have_applied(
        None, never_sent=exc.never_sent, method=request.method
    )
    if exc.never_sent:
        return Unavailable("Could not connect to the records API.", maybe_applied=maybe_applied)
    if request.create:
        return OutcomeUnknown()
    messages = {
        "decode": "The records API answered with a body that could not be decoded.",
        "timeout": f"The records API did not answer within {exc.seconds:.1f} s.",
    }
    message = messages.get(exc.kind, "The connection to the records API failed.")
    return Unavailable(message, maybe_applied=maybe_applied)


def _retry_or_raise(
    conn: Connection, request: _Request, failure: _Failure, attempt: int, until: float
) -> None:
    """Wait before the next attempt, or raise the failure's error when none should follow."""
    wait = retry.next_wait(
        attempt=attempt,
        conn=conn,
        status=failure.status,
        never_sent=failure.never_sent,
        create=request.create,
        quota_spent=failure.quota_spent,
        server_wait=failure.server_wait,
        until=until,
        patience=budget.patience(),
    )
    if wait is None:
        raise _give_up(request, failure.error)
    logger.info("records API %s %s: retrying in %.2fs", request.method, request.path, wait)
    time.sleep(wait)


def _give_up(request: _Request, error: RecordsApiError) -> RecordsApiError:
    # A refusal (4xx) is the answer to a question; only the service failing is worth a warning.
    level = logging.WARNING if isinstance(error, Unavailable | RateLimited) else logging.INFO
    # The text, not the error: a log record kept by a handler must not keep the traceback (and
    # through it the response and its socket) alive.
    logger.log(level, "records API %s %s failed: %s", request.method, request.path, str(error))
    return error


def _log(request: _Request, attempt: int, started: float, outcome: object) -> None:
    ms = (time.monotonic() - started) * 1000
    logger.debug(
        "records API %s %s attempt %d: %s in %.0f ms",
        request.method,
        request.path,
        attempt,
        outcome,
        ms,
    )
