"""/healthz: no login, JSON with the app's status and whether the records API answers."""

import pytest

from tests.fake_service import TOKEN
from tests.stub import Reply


def test_healthy(client, service):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["records_api"]["ok"] is True
    assert body["records_api"]["url"] == service.stub.url
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_the_app_is_up_when_the_records_api_is_not(client, service):
    service.stub.router = lambda seen: Reply(503, json={"message": "maintenance"})
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["records_api"]["ok"] is False
    assert body["records_api"]["error"]
    assert TOKEN not in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_healthy_with_the_embedded_api(client, embedded_api):
    body = client.get("/healthz").json()
    assert body["records_api"]["ok"] is True
    assert body["records_api"]["url"].endswith("/sandbox")
