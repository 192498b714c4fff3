"""A person signs in through the login page in Chromium and lands on the dashboard."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

# Screenshots for a person to look at (test-results/ is ignored by git).
SHOTS = Path(__file__).resolve().parents[2] / "test-results"


def test_sign_in_and_see_the_home_page(page: Page, live_server, embedded_api, staff_user):
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=%2F$"))
    page.get_by_label("Username").fill("staffer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Objects")).to_be_visible()
    expect(page.get_by_label("Signed in as")).to_have_text("staffer")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_a_wrong_password_is_announced(page: Page, live_server, staff_user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("staffer")
    page.get_by_label("Password").fill("not the password")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    expect(page.get_by_label("Username")).to_have_value("staffer")


def test_the_page_loads_no_blocked_resources(page: Page, live_server, staff_user):
    """The CSP blocks nothing the page needs: htmx and our script run under it."""
    violations = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.evaluate("typeof htmx") == "object"
    assert page.evaluate("htmx.config.allowEval") is False
    assert violations == []


@pytest.mark.parametrize(("width", "height"), [(1366, 800), (390, 844)])
def test_the_table_fits_desktop_and_phone_widths(
    browser, live_server, embedded_api, staff_user, width, height
):
    """Nothing but the table's own scroll area is wider than the screen, and the header still
    says who is signed in and which location is in use."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/objects/custom_objects.property/")
    page.get_by_label("Username").fill("staffer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#records-count")).to_have_text("1–25 of 60")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    expect(page.get_by_label("Signed in as")).to_be_visible()
    expect(page.locator(".location__id")).to_be_visible()
    expect(page.get_by_label("Search properties")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.screenshot(path=str(SHOTS / f"table-{width}.png"), full_page=False)
    context.close()
