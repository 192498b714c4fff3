"""Bulk jobs against the embedded records API over HTTP, run by the real task worker."""

import threading

import pytest
from django_tasks_db.management.commands.db_worker import Worker

from recordsadmin.client import transport
from recordsadmin.records import services
from recordsadmin.sandbox import ratelimit
from recordsadmin.sandbox.models import Record as SandboxRecord
from tests.support.apis import use_records_api
from tests.support.embedded import use_embedded_demo
from tests.support.proxy import Proxy
from tests.support.stub import Stub

KEY = "custom_objects.property"


def run_worker(max_tasks: int | None = None) -> None:
    """The django-tasks-db worker, in this thread, until the queue is empty."""
    Worker(
        queue_names=["default"],
        interval=0.05,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id="tests",
        excluded_queue_names=[],
    ).run()


class WorkerThread:
    """The worker in a thread beside a browser test, polling the queue until stopped."""

    def __init__(self) -> None:
        self.worker = Worker(
            queue_names=["default"],
            interval=0.1,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="tests-thread",
            excluded_queue_names=[],
        )
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        from django.db import connection

        try:
            self.worker.run()
        finally:
            connection.close()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.worker.running = False
        self.thread.join(timeout=30)


@pytest.fixture
def records_api(live_server, settings):
    """A function that makes a demo location of `records` properties and points the dashboard
    at it, with the embedded API's rate limit at `rate`."""

    def make(records: int = 20, rate: str = "off"):
        settings.SANDBOX_RATE_LIMIT = rate
        ratelimit.limiter.reset()
        location, _ = use_embedded_demo(settings, live_server.url + "/sandbox", records=records)
        return location

    yield make
    ratelimit.limiter.reset()
    use_records_api(settings, url="")
    transport.close_pool()


@pytest.fixture
def schema(records_api):
    def get(records: int = 20, rate: str = "off"):
        records_api(records=records, rate=rate)
        return services.schema_get(key=KEY)

    return get


def sandbox_records(schema=None):
    """The embedded API's property records (one demo location per test)."""
    return SandboxRecord.objects.filter(object__key=KEY)


@pytest.fixture
def proxied(live_server, settings):
    """A function that makes a demo location of `records` properties and points the dashboard
    at it through a Proxy (returned), the client not retrying, the rate limit off."""
    with Stub() as stub:
        proxy = Proxy(stub=stub, upstream=live_server.url + "/sandbox")
        stub.router = proxy.route

        def make(records: int = 4) -> Proxy:
            settings.SANDBOX_RATE_LIMIT = "off"
            ratelimit.limiter.reset()
            use_embedded_demo(settings, stub.url, records=records, GHL_MAX_RETRIES=0)
            return proxy

        yield make
    use_records_api(settings, url="")
    transport.close_pool()
