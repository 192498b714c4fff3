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


def test_redis_url_puts_the_shared_cache_in_redis_and_sessions_in_front_of_the_database():
    """With REDIS_URL every process shares its cache in Redis (schemas, users, counts), and
    sessions are read from that cache with the database behind it; without it the cache is
    the database's table. The process-local cache stays in each process."""
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps({name: [c['BACKEND'], c['LOCATION']] "
        "for name, c in settings.CACHES.items()} | {'sessions': settings.SESSION_ENGINE}))"
    )
    redis = {**PRODUCTION_ENV, "REDIS_URL": "redis://cache.example:6379/2"}
    shown = json.loads(run_python(code, redis).stdout)
    assert shown["default"] == [
        "recordsadmin.rediscache.TolerantRedisCache",
        "redis://cache.example:6379/2",
    ]
    assert shown["sessions"] == "django.contrib.sessions.backends.cached_db"
    assert shown["local"][0] == "django.core.cache.backends.locmem.LocMemCache"
    alone = json.loads(run_python(code, PRODUCTION_ENV).stdout)
    assert alone["default"] == [
        "django.core.cache.backends.db.DatabaseCache",
        "recordsadmin_cache",
    ]
    assert alone["sessions"] == "django.contrib.sessions.backends.cached_db"


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


def test_production_headers_on_real_responses(tmp_path):
    """HSTS, the __Host- cookies and the HTTPS redirect as a browser gets them, and /healthz
    exempt from the redirect (load balancers probe over plain HTTP)."""
    code = """
import django, json
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
from django.conf import settings
from django.test.utils import override_settings
# The hashed static files exist only after collectstatic; the headers do not depend on them.
plain_static = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
override_settings(STORAGES=plain_static).enable()
client = Client(HTTP_HOST="records.example.com")
plain = client.get("/accounts/login/")
health = client.get("/healthz")
page = client.get("/accounts/login/", secure=True)
cookie = page.cookies["__Host-csrftoken"]
from django.contrib.auth import get_user_model
get_user_model().objects.create_user("staff", password="a-long-password-4", is_staff=True)
signed = client.post(
    "/accounts/login/", {"username": "staff", "password": "a-long-password-4"}, secure=True
)
session = signed.cookies.get("__Host-sessionid")
def seen(morsel):
    return {key: morsel[key] for key in ("secure", "httponly", "samesite", "path", "domain")}
print(json.dumps({
    "plain": plain.status_code, "to": plain.get("Location", ""), "health": health.status_code,
    "hsts": page.get("Strict-Transport-Security", ""), "csrf": seen(cookie),
    "signed": signed.status_code, "session": seen(session) if session else None,
}))
"""
    env = {**PRODUCTION_ENV, "RECORDSADMIN_DATA_DIR": str(tmp_path)}
    run_python(
        "import django; django.setup(); from django.core.management import "
        "call_command; call_command('migrate', verbosity=0); "
        "call_command('createcachetable', verbosity=0)",
        env,
    )
    result = run_python(code, env)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["plain"] == 301 and seen["to"].startswith("https://records.example.com/")
    assert seen["health"] in (200, 503)  # answered, not redirected
    assert "max-age=31536000" in seen["hsts"] and "includeSubDomains" in seen["hsts"]
    # docs/reliability.md item 4, on the Set-Cookie a browser gets: a __Host- cookie is Secure,
    # has Path=/ and no Domain, or the browser drops it.
    csrf, session = seen["csrf"], seen["session"]
    assert csrf["secure"] and csrf["samesite"] == "Lax" and csrf["path"] == "/"
    assert not csrf["domain"]
    assert seen["signed"] == 302 and session, seen
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    assert session["path"] == "/" and not session["domain"]


def test_production_reaches_its_embedded_api_over_https_at_its_own_name():
    code = (
        "import django; django.setup(); from django.conf import settings as s; print(s.GHL_API_URL)"
    )
    assert run_python(code, PRODUCTION_ENV).stdout.strip() == "https://records.example.com/sandbox"
    local = {**PRODUCTION_ENV, "DJANGO_HTTPS": "0", "PORT": "8123"}
    assert run_python(code, local).stdout.strip() == "http://127.0.0.1:8123/sandbox"
