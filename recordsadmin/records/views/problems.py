"""What the user is told when the records API fails, for every kind of failure, and the one
decorator that turns a failure escaping a view into the page (or partial) that says so.

Pages show these texts; they never show a stack trace, a token or a raw response.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from recordsadmin.client.errors import (
    AuthenticationFailed,
    CircuitOpen,
    NotConfigured,
    NotFound,
    RateLimited,
    RecordsApiError,
    Unavailable,
    UnexpectedAnswer,
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
    """What a failure means for a page. A write's view says besides what became of the change
    (saved or not, or unknown), which this cannot know: a search is sent as a POST too."""
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
    if isinstance(error, CircuitOpen):
        wait = max(1, round(error.retry_after))
        when = timezone.localtime(timezone.now() + datetime.timedelta(seconds=wait))
        return Problem(
            "down",
            "The records API cannot be reached",
            f"It failed repeatedly, so the dashboard is not calling it for now: it will try "
            f"again at {when:%H:%M:%S} (in {wait} second{'s' if wait != 1 else ''}).",
            retry=True,
            retry_after=wait,
        )
    if isinstance(error, UnexpectedAnswer):
        return Problem(
            "odd",
            "The records API answered in a form we do not understand",
            _why_odd(error),
            retry=True,
        )
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


def _why_odd(error: UnexpectedAnswer) -> str:
    what = f"the {error.missing}" if error.missing else "what was asked for"
    status = f" (HTTP {error.status})" if error.status else ""
    return (
        f"It answered{status} without {what}, so the dashboard cannot show it. "
        "Try again in a moment; if it keeps answering so, the service has changed or a proxy "
        "in between is altering its answers."
    )


def error_status(error: RecordsApiError) -> int:
    if isinstance(error, RateLimited):
        return 429
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, UnexpectedAnswer):
        return 502  # the service answered, in a way we cannot use
    if isinstance(error, Unavailable | NotConfigured):
        return 503
    return 502


def wants_partial(request: HttpRequest) -> bool:
    """An htmx request that swaps a part of the page (not htmx restoring history after a
    cache miss, which wants the whole page)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def problem_status(request: HttpRequest, error: RecordsApiError) -> int:
    """The status of a page or part that says what failed: 200 for a part htmx swaps (it
    swaps only a 2xx), else the error's own."""
    return 200 if wants_partial(request) else error_status(error)


def api_error_page(request: HttpRequest, error: RecordsApiError) -> HttpResponse:
    """The whole page that says what went wrong, with the error's status."""
    return render(
        request, "records/api_error.html", {"problem": explain(error)}, status=error_status(error)
    )


def unsaved_page(request: HttpRequest, error: RecordsApiError) -> HttpResponse:
    """A posted form that cannot be shown again (the API is down and no copy of the object's
    schema is cached, not even a stale one): the page shows what was posted, to copy, and can
    post it again as it was."""
    posted = [
        (name, value)
        for name in request.POST
        if name != "csrfmiddlewaretoken"
        for value in request.POST.getlist(name)
    ]
    context = {
        "problem": explain(error),
        "posted": posted,
        "shown": [(name, value) for name, value in posted if not name.startswith("_") and value],
        "action_url": request.path,
    }
    template, status = "records/record_unsaved.html", error_status(error)
    if wants_partial(request):
        # htmx swaps only a 2xx: the page's part says what happened.
        template, status = template + "#record-page", 200
    return render(request, template, context, status=status)


def shows_api_errors(
    view: Callable | None = None, *, partial: str = "", keeps_input: bool = False
) -> Callable:
    """A view whose records API errors become the page that explains them: for an htmx
    request, `partial` (a 200, since htmx swaps only 2xx) when given; for a POST of a form
    (`keeps_input`), the page that keeps what was posted; else the error page."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except RecordsApiError as error:
                if partial and wants_partial(request):
                    return render(request, partial, {"problem": explain(error)})
                if keeps_input and request.method == "POST":
                    return unsaved_page(request, error)
                return api_error_page(request, error)

        return wrapper

    return decorate(view) if view is not None else decorate


def attempt[T](call: Callable[[], T]) -> tuple[T | None, Problem | None]:
    """For a part of a page that may fail on its own (the rest of the page still shown): the
    call's result, or what to tell the user when the records API failed."""
    try:
        return call(), None
    except RecordsApiError as error:
        return None, explain(error)
