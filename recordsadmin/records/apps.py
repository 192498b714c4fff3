from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "recordsadmin.records"
    label = "records"

    def ready(self) -> None:
        from . import signals  # noqa: F401 (connects the receivers)
