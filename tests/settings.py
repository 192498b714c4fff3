"""Settings for the test suite: the production settings module, over plain HTTP, with a key.

DEBUG stays off, as in production; only the HTTPS-only parts are off because live_server and
Chromium speak plain HTTP on loopback.
"""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key-" + "x" * 40)
os.environ["DJANGO_HTTPS"] = "0"
os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")
# A folder of the run's own for the test database, the demo's credentials file and the collected
# files; with pytest-xdist each worker has its own (the workers inherit the controller's
# environment, so a folder the controller chose would be shared by all of them).
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["RECORDSADMIN_DATA_DIR"] = tempfile.mkdtemp(
        prefix=f"recordsadmin-tests-{os.environ['PYTEST_XDIST_WORKER']}-"
    )
else:
    os.environ.setdefault("RECORDSADMIN_DATA_DIR", tempfile.mkdtemp(prefix="recordsadmin-tests-"))
# Tests that exercise the rate limit turn it on for themselves.
os.environ.setdefault("SANDBOX_RATE_LIMIT", "off")
# Search is consistent at once, except in the tests of its lag, which turn it on themselves.
os.environ["SANDBOX_SEARCH_LAG"] = "0"
os.environ["RECORDS_SEARCH_LAG_SECONDS"] = "0"
for name in ("GHL_TOKEN", "GHL_LOCATION_ID", "GHL_API_URL"):
    os.environ.pop(name, None)

from recordsadmin.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The test database is a file, as in a deployment, not Django's in-memory default: live_server
# then gives each server thread its own connection (in memory they would share one), and
# concurrent writers wait on the WAL file's busy timeout instead of failing at once.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(os.environ["RECORDSADMIN_DATA_DIR"], "test.sqlite3")
    }
os.environ.setdefault(
    "DJANGO_ALLOW_ASYNC_UNSAFE", "true"
)  # Playwright runs an event loop in the test thread

# Tests read static files from the source folders; production serves the collected,
# hashed copies (collectstatic, see the README).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT = os.path.join(os.environ["RECORDSADMIN_DATA_DIR"], "staticfiles")
os.makedirs(STATIC_ROOT, exist_ok=True)
