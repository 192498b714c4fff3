"""`make demo` makes an all-powerful admin and a read-only viewer, and prints their logins."""

import io

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def run() -> str:
    out = io.StringIO()
    call_command("demo_users", stdout=out)
    return out.getvalue()


def test_admin_and_viewer_are_made_once_with_printed_passwords(monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    monkeypatch.delenv("DEMO_VIEWER_PASSWORD", raising=False)
    first = run()
    assert "Sign in as:  admin" in first and "Read-only:   viewer" in first
    viewer_password = first.split("viewer")[1].split("Password:")[1].split()[0]
    assert authenticate(username="viewer", password=viewer_password)
    viewer = get_user_model().objects.get(username="viewer")
    assert viewer.is_staff and not viewer.is_superuser
    assert viewer.has_perm("records.view_record")
    assert not viewer.has_perm("records.change_record")
    assert not viewer.has_perm("records.add_record")
    assert get_user_model().objects.get(username="admin").is_superuser

    second = run()
    assert viewer_password not in second and "printed when it was made" in second
    viewer_line = second.split("Read-only:   viewer")[1]
    assert "`DEMO_VIEWER_PASSWORD=<password> make demo`" in viewer_line
    assert "manage.py changepassword viewer" in viewer_line
    assert "manage.py changepassword admin" in second.split("Read-only")[0]
    assert authenticate(username="viewer", password=viewer_password), "a later run keeps it"


def test_passwords_from_the_environment(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "admin-secret-1")
    monkeypatch.setenv("DEMO_VIEWER_PASSWORD", "viewer-secret-1")
    output = run()
    assert "DEMO_VIEWER_PASSWORD" in output and "viewer-secret-1" not in output
    assert authenticate(username="viewer", password="viewer-secret-1")
    assert authenticate(username="admin", password="admin-secret-1")
