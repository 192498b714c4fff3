"""One deadline for everything a page asks of the records API, and one reading of where to
ask it."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from recordsadmin.client.config import read_once
from recordsadmin.client.retry import page_deadline


class PageDeadlineMiddleware:
    """Every call a view makes shares the page's GHL_PAGE_DEADLINE, so a page that needs a
    schema, the users and a search still answers in time when each of them is slow.

    A streamed response (a CSV export) is read after this returns: its calls are paced by the
    export itself, not by the page.
    The demo's credentials file is looked at once per page (client/config.py).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with page_deadline(float(settings.GHL_PAGE_DEADLINE)), read_once():
            return self.get_response(request)
