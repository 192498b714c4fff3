"""Settings from the environment, and production settings that pass Django's deploy checks."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "k" * 20 + "-production-like-secret-" + "z9Y8x7W6v5U4t3S2r1Q0" * 2,
    "ALLOWED_HOSTS": "records.example.com",
    "DJANGO_SETTINGS_MODULE": "recordsadmin.settings",
}


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GHL_"))}
    clean.pop("ALLOWED_HOSTS", None)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_missing_secret_key_with_debug_off_names_the_variable():
    result = run_python(
        "import django; django.setup()", {"DJANGO_SETTINGS_MODULE": "recordsadmin.settings"}
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_debug_is_off_unless_asked_for():
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    assert run_python(code, PRODUCTION_ENV).stdout.strip() == "False"
    asked = run_python(
        code, {"DJANGO_DEBUG": "1", "DJANGO_SETTINGS_MODULE": "recordsadmin.settings"}
    )
    assert asked.stdout.strip() == "True"


def test_production_settings_pass_the_deploy_check():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GHL_"))},
            **PRODUCTION_ENV,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_cookies_and_hsts():
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, "
        "s.CSRF_COOKIE_SAMESITE, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS]))"
    )
    result = run_python(code, PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    session, csrf, s_secure, c_secure, httponly, s_site, c_site, hsts, subdomains = json.loads(
        result.stdout
    )
    assert session.startswith("__Host-")
    assert csrf.startswith("__Host-")
    assert s_secure
    assert c_secure
    assert httponly
    assert s_site in {"Lax", "Strict"}
    assert c_site in {"Lax", "Strict"}
    assert hsts >= 31536000
    assert subdomains


def test_a_real_token_without_a_location_is_refused():
    env = {**PRODUCTION_ENV, "GHL_TOKEN": "pit-something"}
    result = run_python("import django; django.setup()", env)
    assert result.returncode != 0
    assert "GHL_LOCATION_ID" in result.stderr
    assert "pit-something" not in result.stderr
