"""Where and as whom the dashboard calls the records API, read from settings at call time.

With GHL_TOKEN set: the real service (GHL_API_URL, GHL_TOKEN, GHL_LOCATION_ID). Without it:
the embedded API, whose demo location and token come from SANDBOX_LOCATION_ID and
SANDBOX_TOKEN, or else from the file `sandbox_demo` writes (SANDBOX_CREDENTIALS_FILE). The
client reads that file as a file: it knows the embedded API only through HTTP and this file.
"""

import contextlib
import contextvars
import functools
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

from .errors import NotConfigured


@dataclass(frozen=True)
class Connection:
    """Where and as whom to call; `base_url` holds no secrets, so it may be shown."""

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
        return self.base_url

    @property
    def service(self) -> str:
        """The service called, as the circuit breaker counts its failures: the location at
        this address (processes that share the database but call another address do not
        shut each other's calls)."""
        return f"{self.base_url} {self.location_id}"


def without_secrets(url: str) -> str:
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


# Within `read_once`, what the credentials file said, by its path.
_read: contextvars.ContextVar[dict[str, tuple[str, str] | None] | None] = contextvars.ContextVar(
    "records_credentials_read", default=None
)


@contextlib.contextmanager
def read_once() -> Iterator[None]:
    """Within the block (one page), the credentials file is looked at once. A page asks for
    the connection several times (cache keys, the history's location, each call), and each
    look at the file is a system call that lets the process's other threads take the
    interpreter: under load the page waited its turn again after each."""
    token = _read.set({})
    try:
        yield
    finally:
        _read.reset(token)


def embedded_credentials() -> tuple[str, str] | None:
    """(location id, token) of the embedded API's demo location: from the settings when both
    are set, else from the credentials file, else None."""
    location_id = getattr(settings, "SANDBOX_LOCATION_ID", "")
    token = getattr(settings, "SANDBOX_TOKEN", "")
    if location_id and token:
        return location_id, token
    path = str(getattr(settings, "SANDBOX_CREDENTIALS_FILE", "") or "")
    if not path:
        return None
    read = _read.get()
    if read is not None and path in read:
        return read[path]
    try:
        found = _credentials_file(path, os.stat(path).st_mtime_ns)
    except OSError:
        found = None
    if read is not None:
        read[path] = found
    return found


@functools.lru_cache(maxsize=4)
def _credentials_file(path: str, changed: int) -> tuple[str, str] | None:
    """The file's (location id, token), read once per version of it (`changed`, its mtime):
    every call and every page reads the credentials, the file changes only with the demo."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    location_id, token = data.get("locationId"), data.get("token")
    if isinstance(location_id, str) and isinstance(token, str) and location_id and token:
        return location_id, token
    return None


def location_id() -> str:
    """The location in use, "" when none is configured (for labels, history rows)."""
    if settings.GHL_TOKEN:
        return settings.GHL_LOCATION_ID
    found = embedded_credentials()
    return found[0] if found else ""


def connection() -> Connection:
    """The current connection settings; NotConfigured says what to set when they are missing."""
    token = getattr(settings, "GHL_TOKEN", "")
    location = getattr(settings, "GHL_LOCATION_ID", "")
    embedded = not token
    if embedded:
        credentials = embedded_credentials()
        if credentials is None:
            raise NotConfigured()
        location, token = credentials
    elif not location:
        raise NotConfigured("GHL_TOKEN is set but GHL_LOCATION_ID is not: set both.")
    base_url = without_secrets((getattr(settings, "GHL_API_URL", "") or "").strip())
    if not base_url.startswith(("http://", "https://")):
        raise NotConfigured("GHL_API_URL must be an http:// or https:// URL.")
    return Connection(
        base_url=base_url,
        location_id=location,
        token=token,
        connect_timeout=float(settings.GHL_CONNECT_TIMEOUT),
        read_timeout=float(settings.GHL_READ_TIMEOUT),
        page_deadline=float(settings.GHL_PAGE_DEADLINE),
        max_retries=int(getattr(settings, "GHL_MAX_RETRIES", 3)),
        backoff_base=float(getattr(settings, "GHL_BACKOFF_BASE", 0.25)),
        backoff_cap=float(getattr(settings, "GHL_BACKOFF_CAP", 4.0)),
        embedded=embedded,
    )
