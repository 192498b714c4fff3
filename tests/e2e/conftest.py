"""Browser tests drive Debian's Chromium through Playwright; no browser is ever downloaded."""

import shutil

import pytest
from playwright.sync_api import expect

# The suite runs beside other work (make test): a page may take longer than Playwright's 5 s
# default to show what it will show.
expect.set_options(timeout=10_000)

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps calling home, and this machine refuses every connection.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("Chromium is not installed: run `make test`, or apt-get install chromium.")
    return {**browser_type_launch_args, "executable_path": path, "args": CHROMIUM_FLAGS}


def pytest_collection_modifyitems(items):
    for item in items:
        if "e2e" in item.path.parts:
            item.add_marker(pytest.mark.e2e)
