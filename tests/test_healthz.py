"""/healthz: no login, JSON with the app's status and whether the records API answers."""

import pytest
from django.core.cache import cache

from tests.support.fake_service import TOKEN
from tests.support.stub import Reply


def test_healthy(client, service):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] is True
    assert body["records_api"]["ok"] is True
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


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
