"""The dashboard's own pages for what Django answers bare: a form too large to read (413, and a
body too large for any form is not read at all), a missing record or object (404), and a visit
to an address that only takes a sent form (405)."""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import get_resolver


class RequestTooLargeMiddleware:
    """Reads a posted form just before CsrfViewMiddleware does (it sits above it): a form over
    DATA_UPLOAD_MAX_MEMORY_SIZE then gets 413 and the dashboard's page, where Django would
    answer a bare 400, or its debug page with DEBUG on.

    Views exempt from CSRF (the embedded API) read their own bodies and answer for themselves.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view, args, kwargs) -> HttpResponse | None:
        if request.method != "POST" or getattr(view, "csrf_exempt", False):
            return None
        # Django writes a posted file to a temporary file whatever its size: a body larger
        # than any form of the dashboard (an import's file with its form, for a person signed
        # in; the sign-in form's text otherwise) is refused by its length, unread.
        whole = settings.MAX_REQUEST_BYTES
        signed_in = request.user.is_authenticated
        if not signed_in:
            whole = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > whole:
            if not signed_in and getattr(view, "login_required", True):
                # Signed out meanwhile (the session timed out on the import page): sign in
                # first, as for any page of the dashboard; the body stays unread.
                return redirect_to_login(request.get_full_path())
            return render(request, "413.html", {"limit": whole, "whole": True}, status=413)
        try:
            request.POST  # noqa: B018 (reading it is the check)
        except RequestDataTooBig:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            return render(request, "413.html", {"limit": limit}, status=413)
        return None


class NotFoundPageMiddleware:
    """A page of the dashboard that is not there (a record, an object, a saved view that a
    view looked for) gets the dashboard's own 404 page, which says what is missing, in every
    mode: with DEBUG on, as in `make demo`, Django would answer its debug page instead, with
    no way back. An address that matches no page still gets Django's own answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        match = request.resolver_match
        if not isinstance(exception, Http404) or match is None or "records" not in match.app_names:
            return None
        return get_resolver().resolve_error_handler(404)(request, exception)


class MethodNotAllowedPageMiddleware:
    """A visit (GET) to an address that only takes a form sent from a page (Cancel, Start,
    Save view...) gets a page that says so and leads back, instead of Django's empty 405 that a
    browser shows as its own error: a bookmark, a link copied from the address bar, or a
    sign-in that came back to where a form was sent. The answer keeps its status and Allow."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or response.content or request.method != "GET":
            return response
        if request.headers.get("HX-Request"):
            return response  # htmx swaps no 405: a page drawn would only use up the messages
        match = request.resolver_match
        key = match.kwargs.get("key") if match else None
        page = render(request, "405.html", {"key": key}, status=405)
        page["Allow"] = response.get("Allow", "")
        return page
