from django import forms
from django.contrib.auth.forms import AuthenticationForm


class StaffAuthenticationForm(AuthenticationForm):
    """Only staff accounts may sign in to the dashboard."""

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if not user.is_staff:
            raise forms.ValidationError(
                "This account is not allowed to use the dashboard. Ask an administrator for "
                "staff access.",
                code="not_staff",
            )
