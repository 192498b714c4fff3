from django.apps import AppConfig


class WindowsConfig(AppConfig):
    name = "recordsadmin.windows"
    label = "windows"
    verbose_name = "Call windows"
    default_auto_field = "django.db.models.BigAutoField"
