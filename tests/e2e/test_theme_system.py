"""Dark mode follows the system, in Chromium: with no stored choice, the page takes the
system's dark or light setting (static/css/app.css, light-dark() under color-scheme "light
dark"), at once when the setting changes; a stored choice wins over it."""

import pytest
from playwright.sync_api import Page, expect

from recordsadmin.accounts.preferences import preference_get, preference_set
from tests.e2e.table_support import log_in

pytestmark = pytest.mark.django_db(transaction=True)

# A page with the topbar that needs no records API.
PAGE = "/no/such/page/"
DARK_BG = "rgb(13, 17, 23)"  # --bg of the dark theme (#0d1117)
LIGHT_BG = "rgb(246, 247, 249)"  # --bg of the light theme (#f6f7f9)
BACKGROUND = "getComputedStyle(document.body).backgroundColor"
TEXT = "getComputedStyle(document.body).color"


def sign_in(page: Page, base: str) -> None:
    """Signed in, on a page with the topbar (a 404: it needs no records API)."""
    log_in(page, f"{base}/accounts/login/")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto(base + PAGE)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_with_no_choice_the_page_follows_the_systems_setting(page: Page, live_server, staff_user):
    page.emulate_media(color_scheme="dark")
    sign_in(page, live_server.url)
    assert preference_get(user=staff_user, name="theme", default=None) is None
    expect(page.locator("html")).to_have_attribute("data-theme", "system")
    expect(
        page.get_by_role("group", name="Theme").get_by_role("button", name="Auto")
    ).to_have_attribute("aria-pressed", "true")
    assert page.evaluate(BACKGROUND) == DARK_BG
    assert page.evaluate(TEXT) == "rgb(230, 237, 243)"  # --text of the dark theme (#e6edf3)
    # The system turns light: the open page follows, without a reload.
    page.emulate_media(color_scheme="light")
    assert page.evaluate(BACKGROUND) == LIGHT_BG
    assert page.evaluate(TEXT) == "rgb(27, 35, 48)"  # #1b2330
    page.reload()
    assert page.evaluate(BACKGROUND) == LIGHT_BG


def test_a_stored_choice_wins_over_the_system(page: Page, live_server, staff_user):
    preference_set(user=staff_user, name="theme", value="light")
    page.emulate_media(color_scheme="dark")
    sign_in(page, live_server.url)
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    assert page.evaluate(BACKGROUND) == LIGHT_BG
    preference_set(user=staff_user, name="theme", value="dark")
    page.emulate_media(color_scheme="light")
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert page.evaluate(BACKGROUND) == DARK_BG
