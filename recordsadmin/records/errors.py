"""What the user is told when the records API fails, for every kind of failure.

Pages show these texts; they never show a stack trace, a token or a raw response.
"""

from dataclasses import dataclass

from django.conf import settings

from recordsadmin.records.exceptions import (
    AuthenticationFailed,
    NotConfigured,
    NotFound,
    RateLimited,
    RecordsApiError,
    Unavailable,
    ValidationFailed,
)


@dataclass(frozen=True)
class Problem:
    kind: str
    title: str
    text: str
    retry: bool = False
    retry_after: int | None = None


def explain(error: RecordsApiError) -> Problem:
    if isinstance(error, NotConfigured):
        return Problem("config", "The records API is not set up", str(error.message))
    if isinstance(error, AuthenticationFailed):
        setting = "GHL_TOKEN and GHL_LOCATION_ID" if settings.GHL_TOKEN else "SANDBOX_TOKEN"
        return Problem(
            "auth",
            "The records API rejected the dashboard's token",
            f"Ask whoever runs recordsadmin to check {setting} in its settings.",
        )
    if isinstance(error, RateLimited):
        wait = max(1, round(error.retry_after)) if error.retry_after else None
        when = f"in {wait} second{'s' if wait != 1 else ''}" if wait else "in a few seconds"
        return Problem(
            "rate",
            "Too many requests",
            f"The records API allows only so many requests at a time. Try again {when}.",
            retry=True,
            retry_after=wait,
        )
    if isinstance(error, NotFound):
        return Problem("missing", "Not found", "The records API has no such object or record.")
    if isinstance(error, ValidationFailed):
        detail = "; ".join(error.messages or [error.message])
        return Problem("invalid", "The records API refused this request", detail)
    if isinstance(error, Unavailable):
        return Problem("down", "The records API cannot be reached", _why_down(error), retry=True)
    return Problem("error", "The records API failed", str(error.message), retry=True)


def _why_down(error: Unavailable) -> str:
    """Which failure it was, in our own words (a server's text is not repeated here)."""
    status = error.status or 0
    if status >= 500:
        detail = f"It answered with a server error (HTTP {status})."
    elif 300 <= status < 400:
        detail = f"It answered with a redirect (HTTP {status}), which the dashboard never follows."
    elif status >= 400:
        detail = f"It answered with HTTP {status}."
    elif error.message and error.message != Unavailable.default_message:
        # The client's own words: could not connect, no answer within N s, malformed JSON.
        detail = error.message
    else:
        detail = "It did not answer in time."
    return f"{detail} Try again in a moment."


def error_status(error: RecordsApiError) -> int:
    if isinstance(error, RateLimited):
        return 429
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Unavailable | NotConfigured):
        return 503
    return 502
