"""The test settings without the embedded API: the dashboard alone, its records API elsewhere.

tests/test_without_sandbox.py runs the dashboard and its client's tests with these, to show
that the dashboard needs nothing of recordsadmin.sandbox.
"""

import os

# The records API elsewhere (tests.settings clears GHL_* from the environment: keep them).
_ELSEWHERE = {
    "GHL_TOKEN": os.environ.get("GHL_TOKEN", "pit-elsewhere-0123456789"),
    "GHL_LOCATION_ID": os.environ.get("GHL_LOCATION_ID", "loc-elsewhere"),
    "GHL_API_URL": os.environ.get("GHL_API_URL", "http://127.0.0.1:9/"),
}

from tests.settings import *  # noqa: E402, F403

INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "recordsadmin.sandbox"]  # noqa: F405
GHL_TOKEN = _ELSEWHERE["GHL_TOKEN"]
GHL_LOCATION_ID = _ELSEWHERE["GHL_LOCATION_ID"]
GHL_API_URL = _ELSEWHERE["GHL_API_URL"].rstrip("/")
