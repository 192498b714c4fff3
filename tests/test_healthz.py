"""/healthz: no login, JSON with the app's status and whether the records API answers."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from recordsadmin.client import config
from recordsadmin.records.bulk.tasks import run_bulk_job
from recordsadmin.records.services import breaker
from recordsadmin.windows import stores
from tests.support.fake_service import TOKEN
from tests.support.stub import Reply


def test_healthy(client, service):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] is True
    assert body["records_api"]["ok"] is True
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    head = client.head("/healthz")  # a monitor that asks for the status only
    assert head.status_code == 200 and head.content == b""


def test_the_api_address_and_error_are_for_staff_only(client, service, staff_user):
    service.stub.router = lambda seen: Reply(503, json={"message": "maintenance"})
    anonymous = client.get("/healthz").json()["records_api"]
    assert set(anonymous) == {"ok", "latency_ms"}
    client.force_login(staff_user)
    staff = client.get("/healthz").json()["records_api"]
    assert staff["url"] == service.stub.url
    assert staff["error"]


def test_the_app_is_up_when_the_records_api_is_not(client, service, staff_user):
    service.stub.router = lambda seen: Reply(503, json={"message": "maintenance"})
    client.force_login(staff_user)
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["records_api"]["ok"] is False
    assert body["records_api"]["error"]
    assert TOKEN not in response.content.decode()


def test_polling_healthz_does_not_spend_the_rate_limit(client, service):
    """No login is needed, so the probe's answer is shared for a few seconds."""
    for _ in range(10):
        assert client.get("/healthz").json()["records_api"]["ok"] is True
    assert len(service.stub.requests) == 1
    cache.clear()
    client.get("/healthz")
    assert len(service.stub.requests) == 2


def test_a_database_that_does_not_answer_is_an_error(client, service, monkeypatch):
    from django.db import DatabaseError
    from django.db.backends.utils import CursorWrapper

    def broken(self, sql, params=None):
        raise DatabaseError("database is down")

    with monkeypatch.context() as patched:
        patched.setattr(CursorWrapper, "execute", broken)
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["database"] is False


@pytest.mark.django_db(transaction=True)
def test_healthy_with_the_embedded_api(client, embedded_api, staff_user):
    client.force_login(staff_user)
    body = client.get("/healthz").json()
    assert body["records_api"]["ok"] is True
    assert body["records_api"]["url"].endswith("/sandbox")


@pytest.mark.django_db
def test_it_says_where_calls_are_counted_and_how_the_task_queue_stands(client, service):
    body = client.get("/healthz").json()
    assert body["rate_budget"] == {"store": "database", "ok": True}
    assert body["jobs"] == {"queued": 0, "running": 0, "oldest_queued_seconds": None}
    run_bulk_job.enqueue(job_id="00000000-0000-0000-0000-000000000000")
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=5))
    jobs = client.get("/healthz").json()["jobs"]
    assert jobs["queued"] == 1 and 299 <= jobs["oldest_queued_seconds"] <= 310


def test_with_redis_away_the_budget_says_each_process_paces_alone(
    client, service, staff_user, redis_url, redis_server, monkeypatch
):
    monkeypatch.setattr(stores, "REDIS_RETRY_SECONDS", 0.1)
    client.force_login(staff_user)
    assert client.get("/healthz").json()["rate_budget"]["store"] == "redis"
    redis_server.stop()
    try:
        budget = client.get("/healthz").json()["rate_budget"]
        assert budget["store"] == "redis" and budget["ok"] is False and budget["error"]
    finally:
        redis_server.start()


def test_healthz_shows_the_breaker(client, service, settings, staff_user):
    settings.RECORDS_BREAKER_FAILURES = 2
    assert client.get("/healthz").json()["breaker"] == {"state": "closed", "retry_in_seconds": 0}
    shared = breaker.SharedBreaker()
    for _ in range(2):
        shared.record(config.connection().service, failed=True)
    public = client.get("/healthz").json()["breaker"]
    assert public["state"] == "open" and 25 < public["retry_in_seconds"] <= 30
    client.force_login(staff_user)
    staff = client.get("/healthz").json()["breaker"]
    assert staff["failures"] == 2 and staff["opens_after"] == 2 and staff["reset_seconds"] == 30
