import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Makes sure the demo's staff login `admin` exists. Its password is DEMO_PASSWORD, or a "
        "generated one printed once when the account is first made."
    )

    def handle(self, *args, **options) -> None:
        User = get_user_model()
        password = os.environ.get("DEMO_PASSWORD", "")
        user, created = User.objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True}
        )
        if not (user.is_staff and user.is_superuser and user.is_active):
            user.is_staff = user.is_superuser = user.is_active = True
            user.save(update_fields=["is_staff", "is_superuser", "is_active"])
        if password:
            user.set_password(password)
            user.save(update_fields=["password"])
            shown = "the value of DEMO_PASSWORD"
        elif created:
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save(update_fields=["password"])
            shown = password
        else:
            shown = "the one printed when it was made (set DEMO_PASSWORD to choose a new one)"
        self.stdout.write(f"  Sign in as:  admin\n  Password:    {shown}")
