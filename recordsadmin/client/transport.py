"""One attempt at one call: pooled connections, a watchdog at the deadline, the whole body read.

`attempt()` sends one request and returns an `Answer` (status, headers, body) or raises
`TransportError`, which says what failed and whether the request surely never left. It decides
nothing about retries or what an answer means: `call.py` and `wire.py` do.

The read timeout bounds each wait on the socket, not a whole answer: a server that sends a
header, a chunk size or a gzip header a byte at a time would hold a page for ever. So every
attempt has a watchdog: at the deadline it shuts the attempt's socket down, which ends whatever
read is waiting. The connections tell the watchdog which socket is theirs.
"""

import contextlib
import heapq
import itertools
import os
import socket
import ssl
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, DecodeError, NewConnectionError

CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True)
class Answer:
    """What came back for one attempt, read whole."""

    status: int
    headers: Mapping[str, str]
    content: bytes


class TransportError(Exception):
    """No answer came back. `never_sent` when the request surely never left (the connection
    could not be made); `kind` is "connect", "timeout", "decode", "invalid_url" or "broken"."""

    def __init__(self, kind: str, *, never_sent: bool, seconds: float = 0.0):
        super().__init__(kind)
        self.kind = kind
        self.never_sent = never_sent
        self.seconds = seconds


# -- the watchdog -----------------------------------------------------------------------------


class _Watch:
    """The connection one attempt is using, and whether its deadline cut it."""

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
    """Tells the current attempt's watchdog which connection (and socket) it is using."""

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


class _Watchdog:
    """One thread per process that cuts the attempts whose deadline has passed (a thread per
    attempt would cost more to start than a quick answer takes)."""

    def __init__(self) -> None:
        self._due: list[tuple[float, int, _Watch]] = []
        self._ticket = itertools.count()
        self._lock = threading.Condition()
        self._pid: int | None = None

    def watch(self, watch: _Watch, deadline: float) -> None:
        with self._lock:
            if self._pid != os.getpid():  # the first attempt in this process (or a fork)
                self._due.clear()
                self._pid = os.getpid()
                threading.Thread(target=self._run, name="records-watchdog", daemon=True).start()
            heapq.heappush(self._due, (deadline, next(self._ticket), watch))
            self._lock.notify()

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._due:
                    self._lock.wait()
                deadline, _, watch = self._due[0]
                left = deadline - time.monotonic()
                if left > 0:
                    self._lock.wait(left)
                    continue
                heapq.heappop(self._due)
            watch.cut_now()  # nothing when the attempt ended in time


_watchdog_thread = _Watchdog()


@contextlib.contextmanager
def _watchdog(deadline: float) -> Iterator[_Watch]:
    watch = _Watch()
    _watching.watch = watch
    _watchdog_thread.watch(watch, deadline)
    try:
        yield watch
    finally:
        watch.finish()
        _watching.watch = None


# -- the session -------------------------------------------------------------------------------

_adapter: HTTPAdapter | None = None
_adapter_pid: int | None = None
_adapter_lock = threading.Lock()


def adapter() -> HTTPAdapter:
    """One pool of connections per process (made again after a fork), so calls reuse them.

    Requests go to requests' transport adapter as prepared requests, without a Session: a
    Session's cookies, redirects and environment settings are all things this client must not
    use, and cost more than the rest of an attempt."""
    global _adapter, _adapter_pid
    with _adapter_lock:
        if _adapter is None or _adapter_pid != os.getpid():
            # Retries are ours (retry.py); urllib3 must not resend anything by itself.
            _adapter, _adapter_pid = (
                _Adapter(pool_connections=4, pool_maxsize=16, max_retries=0),
                os.getpid(),
            )
        return _adapter


def close_pool() -> None:
    """Drop the pooled connections (the next call starts from a cold pool)."""
    global _adapter
    with _adapter_lock:
        if _adapter is not None:
            _adapter.close()
        _adapter = None


# -- one attempt -------------------------------------------------------------------------------


def attempt(
    method: str,
    url: str,
    *,
    params: Mapping[str, Any] | None,
    body: Mapping[str, Any] | None,
    headers: Mapping[str, str],
    timeouts: tuple[float, float],
    deadline: float,
) -> Answer:
    """Send the request once and read its whole answer, within `deadline` (time.monotonic())."""
    left = deadline - time.monotonic()
    with _watchdog(deadline) as watch:
        try:
            request = requests.Request(method, url, params=params, json=body, headers=headers)
            # The adapter follows no redirect: the token must not travel to another host.
            # The body is read by _read_body, under the deadline (stream).
            response = adapter().send(request.prepare(), stream=True, timeout=timeouts)
            content = _read_body(response, deadline=deadline)
            if watch.cut:  # a cut can look like the end of a body with no length
                raise requests.exceptions.ReadTimeout("No answer by the deadline.")
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema) as exc:
            raise TransportError("invalid_url", never_sent=True) from exc
        except requests.RequestException as exc:
            if watch.cut:  # the watchdog ended it: the deadline, not the network
                raise TransportError("timeout", never_sent=False, seconds=left) from exc
            raise transport_error(exc, seconds=min(timeouts[1], left)) from exc
    return Answer(response.status_code, response.headers, content)


def _read_body(response: requests.Response, *, deadline: float) -> bytes:
    """The whole answer, read in pieces and stopped at the deadline (the watchdog ends a read
    that is still waiting then); the connection goes back to the pool once it is all read."""
    raw = response.raw
    chunks = []
    try:
        while True:
            if time.monotonic() >= deadline:
                raise requests.exceptions.ReadTimeout("The answer did not arrive in time.")
            chunk = raw.read1(CHUNK_BYTES, decode_content=True)
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
    response.close()  # with the body consumed, this returns the connection to the pool
    return b"".join(chunks)


def transport_error(exc: requests.RequestException, *, seconds: float) -> TransportError:
    """What a failure of requests means for us: its kind, and whether the request left."""
    if never_sent(exc):
        return TransportError("connect", never_sent=True)
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return TransportError("decode", never_sent=False)
    if isinstance(exc, requests.Timeout | requests.exceptions.ChunkedEncodingError) or (
        "timed out" in str(exc)
    ):
        return TransportError("timeout", never_sent=False, seconds=seconds)
    return TransportError("broken", never_sent=False)


def never_sent(exc: requests.RequestException) -> bool:
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
