"""The rows every flush puts back, put back in two inserts.

After each test marked `transaction=True`, pytest-django flushes every table, and Django's
post_migrate makes the content types and permissions again, one app at a time: about 35 ms a
test on SQLite, more on PostgreSQL, over some two thousand such tests. The rows are the same
every time, so the suite keeps them once, after its database is made, and a flush writes them
back in one insert per table, with the same ids. The embedded API's own post_migrate work
(its indexes, recordsadmin/sandbox/indexing.py) still runs after every flush.
"""

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.management import create_contenttypes
from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import post_migrate

AUTH_UID = "django.contrib.auth.management.create_permissions"
UID = "tests.support.flush.restore"


class Rows:
    def __init__(self, using: str) -> None:
        self.content_types = list(ContentType.objects.using(using).order_by("pk"))
        self.permissions = list(Permission.objects.using(using).order_by("pk"))

    def restore(self, sender, using: str, apps=apps, **kwargs) -> None:
        try:
            apps.get_model("contenttypes", "ContentType")
        except LookupError:  # a database migrated without the content types (one app's)
            return
        if ContentType.objects.using(using).exists():  # a migrate, not a flush
            return
        ContentType.objects.using(using).bulk_create(self.content_types)
        Permission.objects.using(using).bulk_create(self.permissions)
        ContentType.objects.clear_cache()


def keep_rows(using: str = "default") -> None:
    """Take the rows as the migrated test database has them, and write them back after each
    flush instead of Django's receivers."""
    rows = Rows(using)
    post_migrate.disconnect(create_contenttypes)
    post_migrate.disconnect(create_permissions, dispatch_uid=AUTH_UID)
    # Once per flush: post_migrate is sent once per app, this receiver listens to one.
    post_migrate.connect(
        rows.restore, sender=apps.get_app_config("contenttypes"), dispatch_uid=UID, weak=False
    )
