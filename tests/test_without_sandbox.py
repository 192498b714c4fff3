"""The dashboard without its embedded API: with recordsadmin.sandbox out of INSTALLED_APPS and
GHL_* pointing elsewhere, it starts, serves its pages, and its client's tests pass.

Run in fresh processes (tests/settings_without_sandbox.py), since INSTALLED_APPS is fixed once
Django starts; each has its own data directory, so the suite's test database is not touched.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.support.stub import unused_port

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = "tests.settings_without_sandbox"


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    elsewhere = f"http://127.0.0.1:{unused_port()}"
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))}
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "RECORDSADMIN_DATA_DIR": str(tmp_path),
        "GHL_TOKEN": "pit-elsewhere-0123456789",
        "GHL_LOCATION_ID": "loc-elsewhere",
        "GHL_API_URL": elsewhere,
    }


def run(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_the_settings_leave_the_embedded_api_out(env):
    shown = run("-c", "import django; django.setup(); from django.apps import apps; "
                "print(apps.is_installed('recordsadmin.sandbox'))", env=env)  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == "False"


def test_the_dashboard_starts_and_serves_its_pages_without_the_embedded_api(env):
    for command in (["migrate", "--noinput", "-v0"], ["createcachetable"], ["check"]):
        done = run("manage.py", *command, env=env)
        assert done.returncode == 0, done.stdout + done.stderr
    port = unused_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [str(gunicorn), "recordsadmin.wsgi", f"--bind=127.0.0.1:{port}", "--log-level=warning"],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        health = _first_answer(f"{base}/healthz")
        assert health.status_code == 200
        assert health.json()["database"] is True
        assert health.json()["records_api"]["ok"] is False  # nobody answers there
        login = requests.get(f"{base}/accounts/login/", timeout=60)
        assert login.status_code == 200 and "Sign in" in login.text
        # The embedded API is not served: its public OpenAPI document is not there.
        spec = requests.get(f"{base}/sandbox/openapi.json", timeout=60, allow_redirects=False)
        assert spec.status_code != 200
    finally:
        server.terminate()
        server.wait(timeout=10)


def _first_answer(url: str) -> requests.Response:
    for _ in range(100):
        try:
            return requests.get(url, timeout=60)
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"nothing answers at {url}")


def test_the_client_tests_pass_without_the_embedded_api(env):
    tests = run(
        "-m",
        "pytest",
        "tests/records",
        "--ignore=tests/records/test_embedded.py",  # the embedded API's own round trip
        "--ignore=tests/records/test_relations.py",  # relations against the embedded API
        "--confcutdir=tests/records",  # the suite's conftest sets up the embedded API
        f"--ds={SETTINGS}",
        "-p",
        "no:cacheprovider",
        "-q",
        env=env,
        timeout=600,
    )
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    assert " passed" in tests.stdout and "error" not in tests.stdout.splitlines()[-1]
