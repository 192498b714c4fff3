from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, resolve_url
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from recordsadmin.accounts import kept, throttle
from recordsadmin.accounts.forms import StaffAuthenticationForm
from recordsadmin.accounts.theme import THEMES, theme_remember, theme_set


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    """Django's login view, refusing a username+address pair after repeated failures.

    LoginView already keeps `next` within the site (url_has_allowed_host_and_scheme).
    """

    template_name = "accounts/login.html"
    authentication_form = StaffAuthenticationForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        username = request.POST.get("username", "")
        address = throttle.client_address(request)
        wait = throttle.attempt_start(username, address)
        if wait:
            # Not bound: the password is not checked at all, so a locked-out attempt says the
            # same whether it was right or wrong.
            form = self.authentication_form(request, initial={"username": username})
            minutes = max(1, round(wait / 60))
            locked = (
                f"Too many failed sign-ins for this username. Try again in {minutes} "
                f"minute{'' if minutes == 1 else 's'}."
            )
            response = self.render_to_response(self.get_context_data(form=form, locked=locked))
            response.status_code = 429
            response["Retry-After"] = str(wait)
            return response
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            throttle.clear(username, address)
        elif throttle.attempts_left(username, address) == 1:
            minutes = max(1, round(settings.LOGIN_LOCKOUT_SECONDS / 60))
            response.context_data["last_try"] = (
                f"One more failed sign-in will stop sign-ins for this username from here for "
                f"{minutes} minute{'' if minutes == 1 else 's'}."
            )
        return response


class LogoutView(auth_views.LogoutView):
    """Logout by POST only (Django's LogoutView refuses GET). The new session remembers who
    signed out, so that a form they send from a page still open in another tab is kept for
    them (recordsadmin/accounts/kept.py), not lost."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        who = request.user.pk
        response = super().post(request, *args, **kwargs)
        if who is not None:
            request.session[kept.SIGNED_OUT] = who
        return response


@require_POST
def theme_choose(request: HttpRequest) -> HttpResponse:
    """The topbar's theme buttons (base.html). Without JavaScript the form posts here and the
    page comes back in the new theme; through htmx, static/js/theme.js has already changed the
    page, so the answer is empty."""
    theme = request.POST.get("theme", "")
    if theme not in THEMES:
        return HttpResponseBadRequest(f"The theme is one of {', '.join(THEMES)}.")
    theme_set(user=request.user, theme=theme)
    if request.htmx:
        response = HttpResponse(status=204)
    else:
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = resolve_url("records:home")
        response = redirect(back)
    theme_remember(response, theme)
    return response
