"""What can go wrong when the dashboard talks to the records API: one tree, one class per kind.

Every error keeps the HTTP status (None when no answer came back) and the server's own messages,
so a page can show them, and every attribute is set when the error is made. None of them ever
holds the bearer token: the texts are built from the server's messages and from short
descriptions of our own, never from request headers.
"""

from collections.abc import Iterable, Mapping


class RecordsApiError(Exception):
    """The records API refused or failed a call.

    `maybe_applied` is True when some attempt may have reached the service without an answer
    coming back, so that a write (PUT, DELETE) may have been carried out all the same.
    """

    default_message = "The records API could not complete the request."

    def __init__(
        self,
        message: str = "",
        *,
        status: int | None = None,
        messages: Iterable[str] = (),
        maybe_applied: bool = False,
    ) -> None:
        self.status = status
        self.messages: list[str] = [m for m in messages if m]
        self.message = message or (self.messages[0] if self.messages else self.default_message)
        self.maybe_applied = maybe_applied
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message if self.status is None else f"{self.message} (HTTP {self.status})"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status={self.status!r})"


class NotConfigured(RecordsApiError):
    """No token or location to talk to the records API with; the text says what to set."""

    default_message = (
        "The records API is not configured: set GHL_TOKEN and GHL_LOCATION_ID for GoHighLevel, "
        "or run `python manage.py sandbox_demo` (or set SANDBOX_LOCATION_ID and "
        "SANDBOX_TOKEN) for the embedded API."
    )


class AuthenticationFailed(RecordsApiError):
    """401 (or 403): the token is wrong, expired, or not allowed to see this location."""

    default_message = "The records API did not accept the token."


class NotFound(RecordsApiError):
    """404: the object or record does not exist (or belongs to another location)."""

    default_message = "Not found."


class ValidationFailed(RecordsApiError):
    """400 or 422: the request was refused because of what it holds.

    `field_errors` maps a field key (the bare key used in a record's properties) to its
    messages; `messages` keeps the rest, the ones that name no field.
    """

    default_message = "The records API refused the values."

    def __init__(
        self,
        message: str = "",
        *,
        status: int | None = None,
        messages: Iterable[str] = (),
        field_errors: Mapping[str, Iterable[str]] | None = None,
        maybe_applied: bool = False,
    ) -> None:
        super().__init__(message, status=status, messages=messages, maybe_applied=maybe_applied)
        self.field_errors: dict[str, list[str]] = {
            key: list(errors) for key, errors in (field_errors or {}).items()
        }

    def __str__(self) -> str:
        text = super().__str__()
        if self.field_errors:
            text += " [" + ", ".join(sorted(self.field_errors)) + "]"
        return text


class RateLimited(RecordsApiError):
    """429: too many calls; `retry_after` says how many seconds to wait, when known."""

    default_message = "The records API is rate limiting this dashboard; try again shortly."

    def __init__(
        self,
        message: str = "",
        *,
        status: int | None = 429,
        messages: Iterable[str] = (),
        retry_after: float | None = None,
        maybe_applied: bool = False,
    ) -> None:
        super().__init__(message, status=status, messages=messages, maybe_applied=maybe_applied)
        self.retry_after = retry_after


class Unavailable(RecordsApiError):
    """No usable answer: 5xx, a timeout, a refused connection, a redirect or malformed JSON."""

    default_message = "The records API is unavailable right now."


class CircuitOpen(Unavailable):
    """Not sent: the records API failed too often in a row, and the dashboard does not call
    it again before `retry_after` seconds (recordsadmin/client/breaker.py)."""

    default_message = (
        "The records API is unavailable: it failed repeatedly, so the dashboard waits before "
        "calling it again."
    )

    def __init__(self, message: str = "", *, retry_after: float = 0.0, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class UnexpectedAnswer(Unavailable):
    """A 2xx answer that does not carry what the operation returns (a record GET or PUT
    answered `{}`, a search without `records`). It is never read as an empty result: a read
    says so, and a write's outcome is unknown (`maybe_applied`), as when an answer is lost."""

    default_message = "The records API answered in a form we do not understand."

    def __init__(self, message: str = "", *, status: int | None = None, missing: str = "", **kw):
        if not message and missing:
            message = f"{self.default_message[:-1]}: the answer has no {missing}."
        super().__init__(message, status=status, **kw)
        self.missing = missing


class OutcomeUnknown(Unavailable):
    """A create may have reached the server, but its answer was lost; it is not sent again.

    The record may or may not exist: the user must look before trying again.
    """

    default_message = (
        "The records API did not confirm the save; the record may or may not have been created."
    )

    def __init__(self, message: str = "", *, status: int | None = None, **kwargs) -> None:
        kwargs.setdefault("maybe_applied", True)
        super().__init__(message, status=status, **kwargs)


class UnexpectedCreateAnswer(UnexpectedAnswer, OutcomeUnknown):
    """A create answered 2xx without the new record: it may exist, but we cannot say which one
    it is. Both kinds at once, so that every caller that handles a lost create's answer
    handles this one too."""
