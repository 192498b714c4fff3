from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "recordsadmin.sandbox"
    label = "sandbox"
    verbose_name = "Embedded records API"
