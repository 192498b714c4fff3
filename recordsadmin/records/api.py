"""The HTTP client of the records API: the only module that imports `requests`.

It knows the wire: headers, where `locationId` goes, timeouts, what may be retried and how long
to wait (after stripe-python's `_http_client.py`), and one function, `_result`, that turns any
response into a result or an exception from `exceptions.py`. It speaks JSON dicts; `services.py`
turns them into schemas and records.

Settings are read at call time: GHL_API_URL, GHL_TOKEN, GHL_LOCATION_ID, GHL_CONNECT_TIMEOUT,
GHL_READ_TIMEOUT, GHL_PAGE_DEADLINE, and (optional) GHL_MAX_RETRIES, GHL_BACKOFF_BASE,
GHL_BACKOFF_CAP. With GHL_TOKEN unset the embedded API's location and token come from
`recordsadmin.sandbox.credentials.load()`.
"""

import contextlib
import contextvars
import email.utils
import logging
import os
import random
import re
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, DecodeError, NewConnectionError

from .exceptions import (
    AuthenticationFailed,
    NotConfigured,
    NotFound,
    OutcomeUnknown,
    RateLimited,
    RecordsApiError,
    Unavailable,
    ValidationFailed,
)

logger = logging.getLogger(__name__)

API_VERSION = "2021-07-28"
# Worth asking again: a limit (429) and a gateway that could not reach or wait for the service.
# A 500 is not retried (it may be a half-done write), and a 504 may have reached the service:
# request() counts it as possibly applied.
RETRY_STATUSES = frozenset({429, 502, 503, 504})
MAX_MESSAGE_LENGTH = 300
# Path segments we put into a URL: object keys and ids. Anything else is refused before sending
# (an id like "../users" must not reach another endpoint).
_SEGMENT = re.compile(r"^[A-Za-z0-9_\-:.]{1,200}$")


@dataclass(frozen=True)
class Connection:
    """Where and as whom to call, read from settings at call time."""

    base_url: str
    location_id: str
    token: str = field(repr=False)
    connect_timeout: float = 3.05
    read_timeout: float = 10.0
    page_deadline: float = 15.0
    max_retries: int = 3
    backoff_base: float = 0.25
    backoff_cap: float = 4.0
    embedded: bool = False

    @property
    def public_url(self) -> str:
        """The base URL: safe to show and log (connection() strips user info and query)."""
        return self.base_url


def _without_secrets(url: str) -> str:
    """The URL without user info, query or fragment (requests would turn user info into a
    Basic Authorization header in place of our bearer token)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def connection() -> Connection:
    """The current connection settings; NotConfigured says what to set when they are missing."""
    token = getattr(settings, "GHL_TOKEN", "")
    location_id = getattr(settings, "GHL_LOCATION_ID", "")
    embedded = not token
    if embedded:
        credentials = _sandbox_credentials()
        if credentials is None:
            raise NotConfigured()
        location_id, token = credentials
    elif not location_id:
        raise NotConfigured("GHL_TOKEN is set but GHL_LOCATION_ID is not: set both.")
    base_url = _without_secrets((getattr(settings, "GHL_API_URL", "") or "").strip())
    if not base_url.startswith(("http://", "https://")):
        raise NotConfigured("GHL_API_URL must be an http:// or https:// URL.")
    return Connection(
        base_url=base_url,
        location_id=location_id,
        token=token,
        connect_timeout=float(settings.GHL_CONNECT_TIMEOUT),
        read_timeout=float(settings.GHL_READ_TIMEOUT),
        page_deadline=float(settings.GHL_PAGE_DEADLINE),
        max_retries=int(getattr(settings, "GHL_MAX_RETRIES", 3)),
        backoff_base=float(getattr(settings, "GHL_BACKOFF_BASE", 0.25)),
        backoff_cap=float(getattr(settings, "GHL_BACKOFF_CAP", 4.0)),
        embedded=embedded,
    )


def _sandbox_credentials() -> tuple[str, str] | None:
    try:
        from recordsadmin.sandbox import credentials
    except ImportError:
        return None
    loaded = credentials.load()
    if not loaded or not all(loaded):
        return None
    return loaded[0], loaded[1]


def deadline_in(seconds: float | None = None) -> float:
    """An absolute deadline (time.monotonic()) `seconds` from now; GHL_PAGE_DEADLINE by default."""
    if seconds is None:
        seconds = float(settings.GHL_PAGE_DEADLINE)
    return time.monotonic() + seconds


# The deadline of the page being served: every call it makes shares it, so a page that makes
# four calls still answers within GHL_PAGE_DEADLINE (RELIABILITY 18). Outside a page (a bulk
# job, a streamed export after its view returned) each call has a deadline of its own.
_page_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "records_page_deadline", default=None
)


@contextlib.contextmanager
def page_deadline(seconds: float | None = None) -> Iterator[float]:
    """Within this block, no call to the records API ends later than `seconds` from now."""
    token = _page_deadline.set(deadline_in(seconds))
    try:
        yield _page_deadline.get()
    finally:
        _page_deadline.reset(token)


def _deadline(given: float | None, conn: Connection) -> float:
    page = _page_deadline.get()
    own = given if given is not None else time.monotonic() + conn.page_deadline
    return own if page is None else min(own, page)


# -- the session ------------------------------------------------------------------------------
# The read timeout bounds each wait on the socket, not a whole answer: a server that sends a
# header, a chunk size or a gzip header a byte at a time would hold a page for ever. So every
# call has a watchdog: at the deadline it shuts the call's socket down, which ends whatever
# read is waiting. The connections tell the watchdog which socket is theirs.


class _Watch:
    """The connection one call is using, and whether its deadline cut it."""

    def __init__(self) -> None:
        self.connection: HTTPConnection | None = None
        self.cut = False
        self.over = False
        self._lock = threading.Lock()

    def attach(self, connection: HTTPConnection) -> None:
        with self._lock:
            self.connection = connection
            late = self.cut
        if late:
            raise TimeoutError("The deadline passed before the request was sent.")

    def cut_now(self) -> None:
        with self._lock:
            if self.over:
                return
            self.cut = True
            sock = getattr(self.connection, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def finish(self) -> None:
        with self._lock:
            self.over = True


_watching = threading.local()


class _Watched:
    """Tells the current call's watchdog which connection (and socket) it is using."""

    def request(self, *args, **kwargs):
        watch = getattr(_watching, "watch", None)
        if watch is not None:
            watch.attach(self)
        return super().request(*args, **kwargs)

    def getresponse(self, *args, **kwargs):
        watch = getattr(_watching, "watch", None)
        if watch is not None:
            watch.attach(self)  # the socket exists now, if connect() made it just before
        return super().getresponse(*args, **kwargs)


class _HTTPConnection(_Watched, HTTPConnection):
    pass


class _HTTPSConnection(_Watched, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class _Adapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


@contextlib.contextmanager
def _watchdog(seconds: float) -> Iterator[_Watch]:
    watch = _Watch()
    timer = threading.Timer(max(0.0, seconds), watch.cut_now)
    timer.daemon = True
    _watching.watch = watch
    timer.start()
    try:
        yield watch
    finally:
        timer.cancel()
        watch.finish()
        _watching.watch = None


_session: requests.Session | None = None
_session_pid: int | None = None
_session_lock = threading.Lock()


def session() -> requests.Session:
    """One pooled Session per process (re-made after a fork), so calls reuse TCP connections."""
    global _session, _session_pid
    with _session_lock:
        if _session is None or _session_pid != os.getpid():
            new = requests.Session()
            new.trust_env = False  # no proxies or .netrc from the environment
            # Retries are ours (below); urllib3 must not resend anything by itself.
            adapter = _Adapter(pool_connections=4, pool_maxsize=16, max_retries=0)
            new.mount("http://", adapter)
            new.mount("https://", adapter)
            _session, _session_pid = new, os.getpid()
        return _session


def close_session() -> None:
    """Drop the pooled connections (tests use it to start from a cold pool)."""
    global _session
    with _session_lock:
        if _session is not None:
            _session.close()
        _session = None


# -- one call, with retries ---------------------------------------------------------------------


def segment(value: str) -> str:
    """A path segment (an object key or an id), checked and quoted; NotFound when malformed."""
    value = str(value)
    if not _SEGMENT.match(value) or value.strip(".") == "":
        raise NotFound("No such object or record.", status=None)
    return quote(value, safe="")


def request(
    method: str,
    path: str,
    *,
    params: Mapping[str, Any] | None = None,
    body: Mapping[str, Any] | None = None,
    location: str | None = None,
    deadline: float | None = None,
    create: bool = False,
    field_keys: Iterable[str] = (),
) -> dict:
    """Send one call to the records API and return its JSON object, retrying where it is safe.

    `deadline` is absolute (time.monotonic()); no attempt or wait goes past it. `create` marks a
    POST that makes something: it is sent again only when it surely never reached the server
    (refused connection, 429), otherwise a lost answer raises OutcomeUnknown. `field_keys` lets
    a 400/422 place its messages on the fields they name. `location` is where the location id
    goes: "query", "body" or nowhere.
    """
    conn = connection()
    if location == "query":
        params = {**(params or {}), "locationId": conn.location_id}
    elif location == "body":
        body = {"locationId": conn.location_id, **(body or {})}
    deadline = _deadline(deadline, conn)
    url = conn.base_url + path
    headers = {
        "Authorization": f"Bearer {conn.token}",
        "Version": API_VERSION,
        "Accept": "application/json",
    }
    field_keys = tuple(field_keys)
    attempt = 0
    # True once an attempt may have reached the service without our hearing how it ended: a
    # write given up on then may still have been applied (error.maybe_applied says so).
    maybe_done = False

    def fail(error: RecordsApiError) -> RecordsApiError:
        error.maybe_applied = maybe_done
        return _give_up(method, path, error)

    while True:
        attempt += 1
        left = deadline - time.monotonic()
        if left <= 0:
            # A create only gets here after attempts that surely never reached the server.
            raise fail(Unavailable("The records API did not answer in time."))
        started = time.monotonic()
        try:
            with _watchdog(left) as watch:
                try:
                    response = session().request(
                        method,
                        url,
                        params=params,
                        json=body,
                        headers=headers,
                        timeout=(min(conn.connect_timeout, left), min(conn.read_timeout, left)),
                        allow_redirects=False,
                        stream=True,  # the body is read by _read_body, under the deadline
                    )
                    _read_body(response, deadline=deadline)
                    if watch.cut:  # a cut can look like the end of a body with no length
                        raise requests.exceptions.ReadTimeout("No answer by the deadline.")
                except requests.RequestException as exc:
                    if watch.cut:  # the watchdog ended it: the deadline, not the network
                        raise requests.exceptions.ReadTimeout("No answer by the deadline.") from exc
                    raise
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema) as exc:
            raise NotConfigured("GHL_API_URL is not a valid URL.") from exc
        except requests.RequestException as exc:
            waited = left if watch.cut else min(conn.read_timeout, left)
            error = _transport_error(exc, create=create, seconds=waited)
            _log(method, path, attempt, started, f"failed: {error.message}")
            maybe_done = maybe_done or not _never_sent(exc)
            if isinstance(error, OutcomeUnknown):
                raise fail(error) from exc
            server_wait = None
        else:
            _log(method, path, attempt, started, response.status_code)
            _remember_rate_limit(response)
            try:
                return _result(response, create=create, field_keys=field_keys, secret=conn.token)
            except NotFound as exc:
                if method == "DELETE" and maybe_done:
                    # An earlier attempt deleted it and its answer was lost: that is success.
                    return {"success": True}
                raise fail(exc) from None
            except (RateLimited, Unavailable) as exc:
                # 502 and 503 come from a gateway that did not pass the call on, 429 from a
                # limit that refused it; a 500, a 504 or a garbled 2xx came after the service
                # had the request.
                status = response.status_code
                if status < 300 or status in (500, 504):
                    maybe_done = True
                if status not in RETRY_STATUSES or isinstance(exc, OutcomeUnknown):
                    raise fail(exc) from None
                if status == 429 and _daily_quota_spent(response):
                    # The day's quota, not the 10-second window: waiting cannot help today.
                    raise fail(exc) from None
                error = exc
                server_wait = _server_wait(response, rate_limited=status == 429)
            except RecordsApiError as exc:
                raise fail(exc) from None
        if attempt > conn.max_retries:
            raise fail(error)
        delay = _backoff(attempt, conn)
        if server_wait is not None:
            # What the server asks for, plus a little jitter so that many waiting clients do
            # not all come back in the same instant.
            delay = server_wait + random.uniform(0, min(1.0, conn.backoff_base))
        if time.monotonic() + delay >= deadline:
            # Sleeping would end past the page's deadline: give up now, and say how long to wait.
            if isinstance(error, RateLimited) and server_wait is not None:
                error.retry_after = server_wait
            raise fail(error)
        logger.info("records API %s %s: retrying in %.2fs", method, path, delay)
        time.sleep(delay)


def _give_up(method: str, path: str, error: RecordsApiError) -> RecordsApiError:
    # A refusal (4xx) is the answer to a question; only the service failing is worth a warning.
    level = logging.WARNING if isinstance(error, Unavailable | RateLimited) else logging.INFO
    # The text, not the error: a log record kept by a handler must not keep the traceback (and
    # through it the response and its socket) alive.
    logger.log(level, "records API %s %s failed: %s", method, path, str(error))
    return error


def _log(method: str, path: str, attempt: int, started: float, outcome: object) -> None:
    ms = (time.monotonic() - started) * 1000
    logger.debug("records API %s %s attempt %d: %s in %.0f ms", method, path, attempt, outcome, ms)


def _backoff(attempt: int, conn: Connection) -> float:
    """Exponential backoff with full jitter: uniform(0, min(cap, base * 2**(attempt-1)))."""
    return random.uniform(0, min(conn.backoff_cap, conn.backoff_base * 2 ** (attempt - 1)))


def _read_body(response: requests.Response, *, deadline: float) -> None:
    """Read the whole answer in pieces, stopping at the deadline (the watchdog ends a read that
    is still waiting then); the connection goes back to the pool once it is all read."""
    raw = response.raw
    chunks = []
    try:
        while True:
            if time.monotonic() >= deadline:
                raise requests.exceptions.ReadTimeout("The answer did not arrive in time.")
            chunk = raw.read1(64 * 1024, decode_content=True)
            if not chunk:
                break
            chunks.append(chunk)
    except requests.RequestException:
        response.close()
        raise
    except DecodeError as exc:
        response.close()
        raise requests.exceptions.ContentDecodingError(str(exc)) from exc
    except Exception as exc:  # urllib3's own errors while reading: as requests would say
        response.close()
        if "timed out" in str(exc).lower() or isinstance(exc, TimeoutError):
            raise requests.exceptions.ReadTimeout(str(exc)) from exc
        raise requests.exceptions.ChunkedEncodingError(str(exc)) from exc
    response._content = b"".join(chunks)
    response._content_consumed = True
    response.close()  # with the body consumed, this returns the connection to the pool


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the request surely never left: the connection itself could not be made."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
    if isinstance(exc, requests.exceptions.SSLError):
        # A certificate refused at the handshake: nothing was sent. Any other TLS error may
        # come while the answer is read (a proxy closing the connection), after the request.
        return any(isinstance(e, ssl.SSLCertVerificationError) for e in _causes(exc))
    if isinstance(exc, requests.ConnectionError):
        # Refused, unreachable, DNS: NewConnectionError (a ConnectTimeoutError in urllib3 2).
        return isinstance(reason, ConnectTimeoutError | NewConnectionError)
    return False


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything it wraps, as requests and urllib3 nest them."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        wrapped = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        wrapped += list(current.args)
        todo += [w for w in wrapped if isinstance(w, BaseException)]


def _transport_error(exc: requests.RequestException, *, create: bool, seconds: float):
    if _never_sent(exc):
        return Unavailable("Could not connect to the records API.")
    if create:
        return OutcomeUnknown()
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return Unavailable("The records API answered with a body that could not be decoded.")
    if isinstance(exc, requests.Timeout | requests.exceptions.ChunkedEncodingError) or (
        "timed out" in str(exc)
    ):
        return Unavailable(f"The records API did not answer within {seconds:.1f} s.")
    return Unavailable("The connection to the records API failed.")


def _server_wait(response: requests.Response, *, rate_limited: bool = False) -> float | None:
    """Seconds the server asks us to wait: Retry-After, or the rate-limit window when it is
    spent (a 429 says so even when its X-RateLimit-Remaining does not)."""
    retry_after = response.headers.get("Retry-After", "").strip()
    if retry_after:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(retry_after)
            except (TypeError, ValueError):
                when = None
            if when is not None:
                if when.tzinfo is None:
                    when = when.replace(tzinfo=UTC)
                return max(0.0, (when - datetime.now(UTC)).total_seconds())
    remaining = response.headers.get("X-RateLimit-Remaining", "").strip()
    interval = response.headers.get("X-RateLimit-Interval-Milliseconds", "").strip()
    if (rate_limited or remaining == "0") and interval:
        try:
            return max(0.0, float(interval) / 1000)
        except ValueError:
            return None
    return None


# -- the rate limit the service announces ------------------------------------------------------


@dataclass(frozen=True)
class RateLimitSeen:
    """The X-RateLimit-* headers of one answer; `at` is when it arrived (time.monotonic())."""

    max: int
    remaining: int
    interval_ms: int
    at: float
    # X-RateLimit-Daily-Remaining, None when the answer did not say.
    daily_remaining: int | None = None


_rate_limit_seen: RateLimitSeen | None = None


def rate_limit_seen() -> RateLimitSeen | None:
    """The rate limit announced by the last answer that carried one, in this process; bulk jobs
    pace themselves by it."""
    return _rate_limit_seen


def _int_or_none(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _daily_quota_spent(response: requests.Response) -> bool:
    return _int_or_none(response.headers.get("X-RateLimit-Daily-Remaining")) == 0


def _remember_rate_limit(response: requests.Response) -> None:
    global _rate_limit_seen
    try:
        seen = RateLimitSeen(
            max=int(response.headers["X-RateLimit-Max"]),
            remaining=int(response.headers["X-RateLimit-Remaining"]),
            interval_ms=int(response.headers["X-RateLimit-Interval-Milliseconds"]),
            at=time.monotonic(),
            daily_remaining=_int_or_none(response.headers.get("X-RateLimit-Daily-Remaining")),
        )
    except (KeyError, ValueError):
        return
    _rate_limit_seen = seen


# -- the answer --------------------------------------------------------------------------------


def _result(
    response: requests.Response,
    *,
    create: bool = False,
    field_keys: Iterable[str] = (),
    secret: str = "",
) -> dict:
    """The JSON object of a 2xx answer, or the exception that says what went wrong."""
    status = response.status_code
    if 200 <= status < 300:
        if not response.content.strip():
            return {}
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            cls = OutcomeUnknown if create else Unavailable
            raise cls("The records API answered with malformed JSON.", status=status)
        return data
    if 300 <= status < 400:
        # Redirects are never followed: the token must not travel to another host.
        raise Unavailable("The records API answered with a redirect.", status=status)
    data = _json_or_empty(response)
    messages = _messages(data, secret)
    if status in (400, 422):
        return _raise_validation(status, messages, data.get("errors"), field_keys, secret)
    if status in (401, 403):
        raise AuthenticationFailed(status=status, messages=messages)
    if status == 404:
        raise NotFound(status=status, messages=messages)
    if status == 429:
        raise RateLimited(status=status, messages=messages, retry_after=_server_wait(response))
    if status >= 500:
        cls = OutcomeUnknown if create else Unavailable
        raise cls(status=status, messages=messages)
    raise RecordsApiError(status=status, messages=messages)


def _json_or_empty(response: requests.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _clean(text: Any, secret: str) -> str:
    text = " ".join(str(text).split())
    if secret and secret in text:
        text = text.replace(secret, "[token]")
    return text[:MAX_MESSAGE_LENGTH]


def _messages(data: dict, secret: str) -> list[str]:
    raw = data.get("message", data.get("msg"))
    if raw is None:
        raw = data.get("error")
    items = raw if isinstance(raw, list) else [raw]
    return [_clean(m, secret) for m in items if m not in (None, "")]


def _raise_validation(status, messages, errors, field_keys, secret):
    field_errors: dict[str, list[str]] = {}
    rest: list[str] = []
    if isinstance(errors, dict) and errors:
        for key, items in errors.items():
            items = items if isinstance(items, list) else [items]
            field_errors[_clean(key, secret)] = [_clean(m, secret) for m in items if m]
        placed = {m for items in field_errors.values() for m in items}
        rest = [m for m in messages if m not in placed]
    else:
        keys = sorted(set(field_keys), key=len, reverse=True)
        for message in messages:
            named = [k for k in keys if re.search(rf"(?<![\w]){re.escape(k)}(?![\w])", message)]
            for key in named:
                field_errors.setdefault(key, []).append(message)
            if not named:
                rest.append(message)
    raise ValidationFailed(
        messages[0] if messages else "",
        status=status,
        messages=rest,
        field_errors=field_errors,
    )


# -- the calls the dashboard makes -------------------------------------------------------------
# Where locationId goes is the real service's rule (ghl-notes.md): the body on create and search,
# the query on update and on GET of objects and users, nowhere on delete or a record GET; it
# answers 422 to a locationId anywhere else.


def objects_list(*, deadline: float | None = None) -> dict:
    return request("GET", "/objects/", location="query", deadline=deadline)


def object_get(key: str, *, deadline: float | None = None) -> dict:
    path = f"/objects/{segment(key)}"
    params = {"fetchProperties": "true"}
    return request("GET", path, params=params, location="query", deadline=deadline)


def records_search(key: str, body: Mapping[str, Any], *, deadline: float | None = None) -> dict:
    path = f"/objects/{segment(key)}/records/search"
    return request("POST", path, body=body, location="body", deadline=deadline)


def record_get(key: str, record_id: str, *, deadline: float | None = None) -> dict:
    return request(
        "GET", f"/objects/{segment(key)}/records/{segment(record_id)}", deadline=deadline
    )


def record_create(
    key: str, body: Mapping[str, Any], *, field_keys=(), deadline: float | None = None
) -> dict:
    return request(
        "POST",
        f"/objects/{segment(key)}/records",
        body=body,
        location="body",
        create=True,
        field_keys=field_keys,
        deadline=deadline,
    )


def record_update(
    key: str, record_id: str, body: Mapping[str, Any], *, field_keys=(), deadline=None
) -> dict:
    return request(
        "PUT",
        f"/objects/{segment(key)}/records/{segment(record_id)}",
        body=body,
        location="query",
        field_keys=field_keys,
        deadline=deadline,
    )


def record_delete(key: str, record_id: str, *, deadline: float | None = None) -> dict:
    path = f"/objects/{segment(key)}/records/{segment(record_id)}"
    return request("DELETE", path, deadline=deadline)


def users_list(*, deadline: float | None = None) -> dict:
    return request("GET", "/users/", location="query", deadline=deadline)
