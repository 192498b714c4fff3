from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "recordsadmin.records"
    label = "records"

    def ready(self) -> None:
        # Here, not at the top: it imports the services, which import the models, which only
        # exist once apps are loaded (Django's documented place, not a way round a circle).
        from . import receivers  # noqa: F401, PLC0415
        from .services import breaker, budget  # noqa: PLC0415

        # Every call to the records API, from any process, draws from one budget per location
        # and passes one circuit breaker per location.
        budget.install()
        breaker.install()
