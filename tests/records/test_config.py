"""Where the client finds the embedded API's demo credentials: settings, else the file."""

import json
import os

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
