"""Saved views in Chromium, in one page session: save the table as a view by keyboard, find it
as a tab with its record count, open it again (its search and its columns), make it the
default, and see the table open on it."""

import re

import pytest
from playwright.sync_api import Page, expect

from recordsadmin.sandbox.models import Record
from tests.e2e.table_support import LIST, settled, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

KEY = "custom_objects.property"


def headers(page: Page) -> list[str]:
    return [t.strip() for t in page.locator("#records-table thead th").all_inner_texts()]


def test_a_view_is_saved_by_keyboard_opened_from_its_tab_and_becomes_the_default(
    page: Page, live_server, embedded_api, staff_user
):
    page.set_viewport_size({"width": 1366, "height": 900})
    sold = Record.objects.filter(object__key=KEY, properties__status="Sold").count()
    assert 0 < sold < 60
    of_sold = re.compile(rf" of {sold}\s*$")
    sign_in(page, live_server.url)
    base = live_server.url

    # The table as the view should keep it: Sold only, cheapest first, without Bedrooms.
    page.get_by_text("Filters", exact=True).click()
    page.get_by_role("group", name="Status").get_by_label("Sold").check()
    expect(page.locator("#records-count")).to_have_text(of_sold)
    page.get_by_role("link", name="Price", exact=True).click()
    settled(page)
    page.get_by_text("Columns and density").click()
    page.get_by_role("group", name="Columns").get_by_label("Bedrooms", exact=True).uncheck()
    expect(page.get_by_role("columnheader", name="Bedrooms")).to_have_count(0)
    settled(page)

    # Saved by keyboard: the menu opens with Enter, the name is typed, Enter saves.
    summary = page.locator("summary", has_text="Save view")
    summary.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    name = page.get_by_role("textbox", name="Name of the view")
    expect(name).to_be_focused()
    page.keyboard.type("Sold, cheapest first")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/views/\d+/\?"))
    assert "f.status=Sold" in page.url and "sort=price" in page.url

    tabs = page.get_by_role("navigation", name="Saved views")
    tab = tabs.get_by_role("link", name=re.compile("^Sold, cheapest first"))
    expect(tab).to_have_attribute("aria-current", "page")
    expect(tab).to_be_focused()  # where the keyboard left off: on the new tab
    expect(tab).to_contain_text(f"{sold} record")  # its count, loaded after the page
    expect(page.locator("#messages")).to_contain_text("Saved the view “Sold, cheapest first”.")

    # All records, with every column shown again.
    tabs.get_by_role("link", name="All records").click()
    expect(page.locator("#records-count")).to_have_text("1–25 of 60")
    page.get_by_text("Columns and density").click()
    page.get_by_role("group", name="Columns").get_by_label("Bedrooms", exact=True).check()
    expect(page.get_by_role("columnheader", name="Bedrooms")).to_have_count(1)
    settled(page)

    # The view opens with its search and its columns.
    tab.click()
    expect(page.locator("#records-count")).to_have_text(of_sold)
    expect(page.get_by_role("group", name="Status").get_by_label("Sold")).to_be_checked()
    expect(page.get_by_role("columnheader", name="Price")).to_have_attribute(
        "aria-sort", "ascending"
    )
    assert "BEDROOMS" not in headers(page)
    expect(tab).to_have_attribute("aria-current", "page")

    # Set as my default, then open the table as from anywhere else: it opens on the view.
    page.locator("summary", has_text="This view").click()
    page.get_by_role("button", name="Set as my default").click()
    expect(tabs.get_by_role("link", name=re.compile("^Sold, cheapest first"))).to_contain_text(
        "Default"
    )
    page.goto(f"{base}{LIST}")
    expect(page).to_have_url(re.compile(r"/views/\d+/\?f\.status=Sold&sort=price$"))
    expect(tab).to_have_attribute("aria-current", "page")
    expect(page.locator("#records-count")).to_have_text(of_sold)
