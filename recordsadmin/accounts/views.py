from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.utils.text import format_lazy

from recordsadmin.accounts import throttle
from recordsadmin.accounts.forms import StaffAuthenticationForm


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
            form = self.get_form()
            minutes = max(1, round(wait / 60))
            form.add_error(
                None,
                format_lazy(
                    "Too many failed sign-ins for this username. Try again in {} minute{}.",
                    minutes,
                    "" if minutes == 1 else "s",
                ),
            )
            response = self.render_to_response(self.get_context_data(form=form))
            response.status_code = 429
            response["Retry-After"] = str(wait)
            return response
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            throttle.clear(username, address)
        return response


class LogoutView(auth_views.LogoutView):
    """Logout by POST only (Django's LogoutView refuses GET)."""
