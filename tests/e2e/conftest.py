"""Browser tests drive Debian's Chromium through Playwright; no browser is ever downloaded."""

import json
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


# htmx errors that mean a page is wrong, not the network or the server: a swap with no place
# to go, a target that does not exist, a script handler that threw.
HTMX_FAULTS = (
    "htmx:oobErrorNoTarget",
    "htmx:targetError",
    "htmx:swapError",
    "htmx:onLoadError",
    "htmx:historyCacheError",
)
_REPORT_HTMX_FAULTS = """
for (const name of NAMES) {
  document.addEventListener(name, (event) => {
    const where = event.detail && (event.detail.target || event.detail.content || event.detail.elt);
    console.error("page fault: " + name + " at " + (where && where.id ? "#" + where.id : where));
  }, true);
}
""".replace("NAMES", json.dumps(HTMX_FAULTS))


@pytest.fixture
def context(context):
    """Every page of every test runs under watch: a test fails when the CSP refused something a
    page did (an inline style, a script), when a script threw, or when htmx met a fault above."""
    faults: list[str] = []

    def on_console(message) -> None:
        text = message.text
        if "Content Security Policy" in text or text.startswith("page fault: "):
            faults.append(f"{message.type}: {text}")

    context.add_init_script(_REPORT_HTMX_FAULTS)
    context.on("console", on_console)
    context.on("weberror", lambda error: faults.append(f"uncaught: {error.error}"))
    yield context
    assert not faults, "the pages did something they should not:\n" + "\n".join(faults)
