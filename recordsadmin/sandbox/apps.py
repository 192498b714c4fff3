from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SandboxConfig(AppConfig):
    name = "recordsadmin.sandbox"
    label = "sandbox"
    verbose_name = "Embedded records API"

    def ready(self) -> None:
        from .indexing import after_migrate
        from .ratelimit import current_rate

        # A bad SANDBOX_RATE_LIMIT stops the server at start, not at its first API call.
        current_rate()
        post_migrate.connect(after_migrate, sender=self, dispatch_uid="sandbox_after_migrate")
