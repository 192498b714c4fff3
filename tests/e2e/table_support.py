"""Signing in and waiting for the records table, for the browser tests of the table."""

from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

KEY = "custom_objects.property"
LIST = f"/objects/{KEY}/"


def log_in(page: Page, url: str, username: str = "staffer") -> None:
    """Open `url` (the sign-in page, or a page that leads to it) and sign in as `username`
    (a user made with the tests' password)."""
    page.goto(url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def sign_in(page: Page, base: str, path: str = LIST, *, count: str = "1–25 of 60") -> Page:
    log_in(page, f"{base}/accounts/login/?next={path}")
    expect(page.get_by_role("heading", name="Properties")).to_be_visible()
    expect(page.locator("#records-count")).to_have_text(count)
    return page


def settled(page: Page) -> None:
    """Wait until htmx has swapped and processed the new table."""
    busy = page.locator(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")
    expect(busy).to_have_count(0)


def focused(page: Page) -> dict:
    """What has focus: its tag, id and text."""
    return page.evaluate(
        "(() => { const e = document.activeElement;"
        " return {tag: e.tagName, id: e.id, text: (e.innerText || '').trim()}; })()"
    )


# True when the element itself is what the browser shows at its centre (nothing drawn over it).
ON_TOP = """el => {
  const r = el.getBoundingClientRect();
  return el.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2));
}"""
