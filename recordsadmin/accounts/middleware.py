"""Every dashboard page requires a signed-in staff user (docs/reliability.md items 5, 6, 7, 10)."""

import time
from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect

from recordsadmin.accounts import kept

# Touching the session on every request would write it on every request; once a minute is
# precise enough for an idle timeout measured in hours.
_TOUCH_INTERVAL = 60


class SessionTimeoutMiddleware:
    """Ends a session idle past SESSION_IDLE_SECONDS or older than SESSION_COOKIE_AGE."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            started = request.session.setdefault("started_at", now)
            seen = request.session.get("seen_at", now)
            if (
                now - seen > settings.SESSION_IDLE_SECONDS
                or now - started > settings.SESSION_COOKIE_AGE
            ):
                typed = kept.keep(request)
                logout(request)
                idle = now - seen > settings.SESSION_IDLE_SECONDS
                messages.warning(
                    request,
                    "You were signed out after "
                    + ("a while without activity" if idle else "the longest a session lasts")
                    + ". Sign in again to go on"
                    + (": what you were saving is kept and comes back." if typed else "."),
                )
                if typed:
                    request.session[kept.KEPT_INPUT] = typed
                request.signed_out_now = True  # said here: StaffRequiredMiddleware adds nothing
            elif now - seen >= _TOUCH_INTERVAL or "seen_at" not in request.session:
                request.session["seen_at"] = now
        return self.get_response(request)


class StaffRequiredMiddleware:
    """Sends signed-out users to the login page and refuses users who are not staff.

    Views opt out with Django's @login_not_required (login, health) and the embedded API,
    which has its own bearer-token auth. An htmx request gets HX-Redirect, so that htmx loads
    the login page as a page instead of swapping it into a table.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True):
            return None
        if not request.user.is_authenticated:
            return self._to_login(request)
        if not request.user.is_staff:
            raise PermissionDenied("Only staff users can use the dashboard.")
        return None

    @staticmethod
    def _to_login(request: HttpRequest) -> HttpResponse:
        login_url = resolve_url(settings.LOGIN_URL)
        if request.method == "POST" and not getattr(request, "signed_out_now", False):
            _keep_or_say_lost(request)
        if getattr(request, "htmx", False):
            # The page the user is on, not the partial htmx asked for.
            target = request.htmx.current_url_abs_path or "/"
            return HttpResponseClientRedirect(f"{login_url}?{urlencode({'next': target})}")
        target = request.get_full_path()
        if request.method not in ("GET", "HEAD"):
            # A form sent: back to the page it was sent from, not to the address it was sent
            # to, which may have no page of its own (a GET of it is refused). A form whose
            # input is kept goes to the page that gives it back (recordsadmin/accounts/kept.py).
            back = kept.kept_path(request)
            if back != request.path:
                target = back or _sent_from(request)
        return HttpResponseRedirect(f"{login_url}?{urlencode({'next': target})}")


def _sent_from(request: HttpRequest) -> str:
    """The path of the page on this site a form was sent from (its Referer), else the address
    it was sent to (a record's form is sent to its own page's address)."""
    referer = request.headers.get("Referer", "")
    parts = urlsplit(referer)
    if (
        parts.netloc
        and parts.path.startswith("/")
        and not parts.path.startswith("//")
        and (
            url_has_allowed_host_and_scheme(
                referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            )
        )
    ):
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.get_full_path()


def _keep_or_say_lost(request: HttpRequest) -> None:
    """A form sent by someone signed out (in another tab, say): kept for the person who
    signed out in this browser, when it asks to be; else the sign-in page says it was not
    saved, so that nobody takes it for sent."""
    owner = request.session.get(kept.SIGNED_OUT)
    typed = kept.keep(request, user=owner) if owner is not None else None
    if typed:
        request.session[kept.KEPT_INPUT] = typed
        messages.warning(
            request,
            "You are signed out (from another tab or window). Sign in again to go on: what "
            "you were saving is kept and comes back.",
        )
    else:
        messages.warning(
            request,
            "You are signed out, so what you sent was not saved. Sign in again, then send it "
            "again.",
        )
