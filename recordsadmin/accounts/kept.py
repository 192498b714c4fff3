"""What a person typed into a form when their session ended: kept through the sign-in, given
back to the same person on the same page (docs/reliability.md item 10).

A form sent after the idle timeout, or from a page left open in another tab after signing out
there, never reaches its view: the person is sent to the sign-in page. Its fields (not the
CSRF token) are kept in the new session with who sent them and where; after signing in they
land on that page again (`next`), whose view asks `take()` for them and shows the form as it
was sent, saved by nobody yet. Only a form that asks for it (a hidden KEEPABLE field) and whose
CSRF token was valid is kept, so that another site cannot fill a person's form for them. The
field's value says where the form comes back: "1" for the address it was sent to (the record
forms, templates/records/record_form.html), or a path of this site for a form sent to an
address that has no page of its own (the bulk forms' steps, templates/records/bulk_selection.html,
come back on the bulk page). Sent by htmx, a form is kept when the page it was sent from is that
page. Passwords are never kept.
"""

import time
from urllib.parse import urlsplit

from django.http import HttpRequest, QueryDict
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.http import url_has_allowed_host_and_scheme

KEPT_INPUT = "kept_input"
# Who signed out in this browser (accounts/views.py LogoutView): a form sent afterwards from a
# page still open in another tab is kept for them.
SIGNED_OUT = "signed_out_user"
# The hidden field of a form that is kept past signing out.
KEEPABLE = "_keepable"
# Kept for the time a person takes to sign in again; an older one is dropped.
KEPT_SECONDS = 30 * 60
NOT_KEPT = ("csrfmiddlewaretoken",)


def keep(request: HttpRequest, *, user: int | None = None) -> dict | None:
    """What the request sent, to keep past signing out for `user` (by default the request's):
    None for what is not a form of ours."""
    if request.method != "POST" or KEEPABLE not in request.POST:
        return None
    back = back_to(request)
    htmx = getattr(request, "htmx", None)
    if htmx and urlsplit(htmx.current_url or "").path != back:
        return None
    refused = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
    if refused is not None:
        return None
    data = {
        k: v
        for k, v in request.POST.lists()
        if k not in NOT_KEPT and k != KEEPABLE and "password" not in k.lower()
    }
    owner = request.user.pk if user is None else user
    return {"user": owner, "path": back, "data": data, "at": time.time()}


def back_to(request: HttpRequest) -> str:
    """The path of the page a kept form comes back on: the one its KEEPABLE field names when
    that is a path of this site, else the address it was sent to."""
    named = request.POST.get(KEEPABLE, "")
    if named.startswith("/") and url_has_allowed_host_and_scheme(named, allowed_hosts=None):
        return urlsplit(named).path
    return request.path


def kept_path(request: HttpRequest) -> str | None:
    """Where the form kept in this session comes back, if one is."""
    kept = request.session.get(KEPT_INPUT)
    return kept.get("path") if isinstance(kept, dict) else None


def take(request: HttpRequest) -> QueryDict | None:
    """The form this person sent to this page before being signed out, once; else None."""
    kept = request.session.get(KEPT_INPUT)
    if not isinstance(kept, dict) or kept.get("path") != request.path:
        return None
    del request.session[KEPT_INPUT]
    fresh = time.time() - float(kept.get("at") or 0) <= KEPT_SECONDS
    if kept.get("user") != request.user.pk or not fresh:
        return None
    data = QueryDict(mutable=True)
    for key, values in (kept.get("data") or {}).items():
        data.setlist(key, [str(v) for v in values])
    return data
