import os
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Makes sure the demo's staff logins exist: `admin`, who may do everything, and `viewer`, "
        "who may only look at records. Their passwords are DEMO_PASSWORD and "
        "DEMO_VIEWER_PASSWORD, or generated ones printed once when the accounts are first made."
    )

    def handle(self, *args, **options) -> None:
        _admin, admin_password = self._ensure("admin", "DEMO_PASSWORD", superuser=True)
        viewer, viewer_password = self._ensure("viewer", "DEMO_VIEWER_PASSWORD", superuser=False)
        # Only this permission: the demo's read-only login sees no Edit, Delete or New buttons.
        viewer.user_permissions.set(
            Permission.objects.filter(content_type__app_label="records", codename="view_record")
        )
        self.stdout.write(f"  Sign in as:  admin\n  Password:    {admin_password}")
        self.stdout.write(f"  Read-only:   viewer\n  Password:    {viewer_password}")

    def _ensure(self, username: str, variable: str, *, superuser: bool):
        """The user, made staff and active; and how to tell its password."""
        User = get_user_model()
        password = os.environ.get(variable, "")
        user, created = User.objects.get_or_create(
            username=username, defaults={"is_staff": True, "is_superuser": superuser}
        )
        if not (user.is_staff and user.is_active and user.is_superuser == superuser):
            user.is_staff = user.is_active = True
            user.is_superuser = superuser
            user.save(update_fields=["is_staff", "is_superuser", "is_active"])
        if password:
            user.set_password(password)
            user.save(update_fields=["password"])
            shown = f"the value of {variable}"
        elif created:
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save(update_fields=["password"])
            shown = password
        else:
            # The generated one was printed once and is not kept: say how to get a known one.
            shown = (
                "the one printed when it was made. To choose one, run "
                f"`{variable}=<password> make demo`; to reset it, "
                f"`.venv/bin/python manage.py changepassword {username}`"
            )
        return user, shown
