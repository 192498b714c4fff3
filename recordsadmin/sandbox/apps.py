from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SandboxConfig(AppConfig):
    name = "recordsadmin.sandbox"
    label = "sandbox"
    verbose_name = "Embedded records API"

    def ready(self) -> None:
        # Here, not at the top: these import the models, which only exist once apps are loaded
        # (Django's documented place for it, not a way round an import circle).
        from . import signals  # noqa: PLC0415
        from .indexing import after_migrate  # noqa: PLC0415
        from .ratelimit import current_rate  # noqa: PLC0415
        from .search import after_migrate as reindex_after_migrate  # noqa: PLC0415

        # A bad SANDBOX_RATE_LIMIT stops the server at start, not at its first API call.
        current_rate()
        post_migrate.connect(after_migrate, sender=self, dispatch_uid="sandbox_after_migrate")
        # After the text index is made, so that the index follows the texts written again.
        post_migrate.connect(
            reindex_after_migrate, sender=self, dispatch_uid="sandbox_reindex_after_migrate"
        )
        signals.connect()
        post_migrate.connect(
            signals.after_migrate, sender=self, dispatch_uid="sandbox_schema_after_migrate"
        )
