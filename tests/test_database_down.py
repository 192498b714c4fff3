"""The dashboard's own database away for a moment (a restart): pages say so with a 503, never a
500 page, and work again by themselves when it is back."""

from importlib import import_module

import pytest
from django.conf import settings
from django.db import OperationalError

from tests.conftest import make_staff

pytestmark = pytest.mark.django_db

# The session engine in use: the first thing a page reads from the database (or its cache).
SessionStore = import_module(settings.SESSION_ENGINE).SessionStore


@pytest.fixture
def signed_in(client):
    client.raise_request_exception = False
    client.force_login(make_staff("db-down", "view_record"))
    return client


def test_a_database_that_cannot_be_reached_is_a_503_that_says_so(signed_in, service, monkeypatch):
    def refused(self):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    monkeypatch.setattr(SessionStore, "load", refused)
    page = signed_in.get("/")
    assert page.status_code == 503
    assert page["Retry-After"] == "10"
    text = page.content.decode()
    assert "database is unavailable" in text and "Connection refused" not in text
    monkeypatch.undo()  # the database is back: the same session works again
    assert signed_in.get("/objects/custom_objects.property/").status_code == 200


def test_any_other_error_is_still_the_500_page(signed_in, monkeypatch):
    def broken(self):
        raise RuntimeError("a bug")

    monkeypatch.setattr(SessionStore, "load", broken)
    page = signed_in.get("/")
    assert page.status_code == 500
    assert "Something went wrong" in page.content.decode()
