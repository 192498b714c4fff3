"""Where the client finds the embedded API's demo credentials: settings, else the file."""

import json
import os

from django.http import HttpResponse

from recordsadmin.client import config


def write(path, location_id: str, token: str, *, at: float) -> None:
    path.write_text(json.dumps({"locationId": location_id, "token": token}))
    os.utime(path, (at, at))


def test_the_file_is_read_again_when_the_demo_writes_it_anew(settings, tmp_path):
    settings.GHL_TOKEN = ""  # the embedded API's mode
    settings.SANDBOX_LOCATION_ID = settings.SANDBOX_TOKEN = ""
    settings.SANDBOX_CREDENTIALS_FILE = path = tmp_path / "sandbox-credentials.json"
    assert config.embedded_credentials() is None
    write(path, "loc1", "pit-one", at=1_000_000)
    assert config.embedded_credentials() == ("loc1", "pit-one")
    write(path, "loc2", "pit-two", at=1_000_001)
    assert config.embedded_credentials() == ("loc2", "pit-two")
    path.write_text("{broken")
    assert config.embedded_credentials() is None
    path.unlink()
    assert config.embedded_credentials() is None


def test_settings_win_over_the_file(settings, tmp_path):
    settings.GHL_TOKEN = ""  # the embedded API's mode
    settings.SANDBOX_CREDENTIALS_FILE = path = tmp_path / "sandbox-credentials.json"
    write(path, "loc1", "pit-one", at=1_000_000)
    settings.SANDBOX_LOCATION_ID, settings.SANDBOX_TOKEN = "env-loc", "env-token"
    assert config.embedded_credentials() == ("env-loc", "env-token")
    assert config.location_id() == "env-loc"


def demo_file(settings, tmp_path):
    settings.GHL_TOKEN = ""  # the embedded API's mode
    settings.SANDBOX_LOCATION_ID = settings.SANDBOX_TOKEN = ""
    settings.SANDBOX_CREDENTIALS_FILE = path = tmp_path / "sandbox-credentials.json"
    write(path, "loc1", "pit-one", at=1_000_000)
    return path


def counting_stats(monkeypatch, path) -> list[str]:
    looked = []
    real = os.stat

    def stat(name, *args, **kwargs):
        if str(name) == str(path):
            looked.append(str(name))
        return real(name, *args, **kwargs)

    monkeypatch.setattr(config.os, "stat", stat)
    return looked


def test_within_read_once_the_file_is_looked_at_once(settings, tmp_path, monkeypatch):
    path = demo_file(settings, tmp_path)
    looked = counting_stats(monkeypatch, path)
    with config.read_once():
        assert config.embedded_credentials() == ("loc1", "pit-one")
        write(path, "loc2", "pit-two", at=1_000_001)
        assert config.connection().location_id == "loc1"  # the page's answer, to its end
        assert config.location_id() == "loc1"
    assert len(looked) == 1
    assert config.embedded_credentials() == ("loc2", "pit-two")  # the next page's
    assert config.embedded_credentials() == ("loc2", "pit-two")  # outside a page: each time
    assert len(looked) == 3


def test_a_page_looks_at_the_file_once(settings, tmp_path, monkeypatch, rf):
    """PageDeadlineMiddleware wraps each page in read_once (records/middleware.py)."""
    from recordsadmin.records.middleware import PageDeadlineMiddleware

    path = demo_file(settings, tmp_path)
    looked = counting_stats(monkeypatch, path)

    def view(request):
        for _ in range(4):  # cache keys, the history's location, the calls
            config.connection()
        return HttpResponse("ok")

    assert PageDeadlineMiddleware(view)(rf.get("/")).status_code == 200
    assert len(looked) == 1
