"""The records table from the keyboard and for screen readers, in Chromium: focus after a
redraw, skip links, row keys, the shortcuts dialog, one short announcement per search."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.table_support import focused, settled, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def table(page: Page, live_server, embedded_api, staff_user) -> Page:
    page.set_viewport_size({"width": 1366, "height": 768})
    return sign_in(page, live_server.url)


def test_enter_on_a_sort_header_keeps_focus_on_it(table: Page):
    link = table.get_by_role("columnheader", name="Price").get_by_role("link")
    link.focus()
    table.keyboard.press("Enter")
    header = table.get_by_role("columnheader", name="Price")
    expect(header).to_have_attribute("aria-sort", "ascending")
    settled(table)
    expect(header.get_by_role("link")).to_be_focused()
    table.keyboard.press("Tab")
    assert focused(table)["text"] != "Skip to content"
    assert focused(table)["tag"] != "BODY"


def test_enter_on_next_keeps_focus_on_next_and_the_last_page_on_its_number(table: Page):
    pages = table.get_by_role("navigation", name="Pages")
    pages.get_by_role("link", name="Next").focus()
    table.keyboard.press("Enter")
    expect(table.locator("#records-count")).to_have_text("26–50 of 60")
    settled(table)
    expect(pages.get_by_role("link", name="Next")).to_be_focused()
    table.keyboard.press("Enter")
    expect(table.locator("#records-count")).to_have_text("51–60 of 60")
    settled(table)
    # "Next" is no link on the last page: focus goes to the page's number, not the body.
    expect(pages.locator("[aria-current=page]")).to_be_focused()


def test_skip_links_jump_from_the_search_box_to_the_rows_and_to_the_pages(table: Page):
    table.get_by_label("Search properties").focus()
    table.keyboard.press("Tab")
    expect(table.get_by_role("link", name="Skip to results")).to_be_focused()
    table.keyboard.press("Enter")
    first = table.locator("#records-table tbody tr").first
    expect(first).to_be_focused()
    table.get_by_label("Search properties").focus()
    presses = 0
    while focused(table)["text"] != "Next ›" and presses < 20:
        if focused(table)["text"] == "Skip to pages":
            table.keyboard.press("Enter")
        else:
            table.keyboard.press("Tab")
        presses += 1
    assert focused(table)["text"] == "Next ›"
    assert presses <= 8, presses


def test_arrows_and_j_k_move_between_rows_x_ticks_enter_opens(table: Page):
    rows = table.locator("#records-table tbody tr")
    table.get_by_role("link", name="Skip to results").focus()
    table.keyboard.press("Enter")
    expect(rows.nth(0)).to_be_focused()
    table.keyboard.press("ArrowDown")
    expect(rows.nth(1)).to_be_focused()
    table.keyboard.press("j")
    expect(rows.nth(2)).to_be_focused()
    table.keyboard.press("k")
    expect(rows.nth(1)).to_be_focused()
    table.keyboard.press("ArrowUp")
    expect(rows.nth(0)).to_be_focused()
    table.keyboard.press("j")
    table.keyboard.press("x")
    expect(rows.nth(1).get_by_role("checkbox")).to_be_checked()
    expect(table.locator("[data-bulk-count]")).to_have_text("1 selected")
    expect(rows.nth(1)).to_be_focused()
    href = rows.nth(1).locator("a.record-link").get_attribute("href")
    table.keyboard.press("Enter")
    expect(table).to_have_url(re.compile(re.escape(href) + "$"))


def test_b_goes_from_a_ticked_row_to_the_bulk_actions(table: Page):
    table.locator("body").press("j")
    table.keyboard.press("b")  # nothing ticked: the actions cannot act, "Select all" can
    expect(table.locator("[data-bulk-all]")).to_be_focused()
    table.locator("#records-table tbody tr").first.focus()
    for _ in range(5):
        table.keyboard.press("j")
    table.keyboard.press("x")
    expect(table.locator("[data-bulk-count]")).to_have_text("1 selected")
    table.keyboard.press("b")
    edit = table.get_by_role("button", name="Edit selected…")
    expect(edit).to_be_focused()
    table.keyboard.press("Enter")
    expect(table.get_by_role("heading", name="Set a field on properties")).to_be_visible()
    expect(table.locator(".bulk-edit__selection")).to_contain_text("1 selected record")


def test_e_edits_the_row(table: Page):
    rows = table.locator("#records-table tbody tr")
    table.locator("body").press("j")
    expect(rows.nth(0)).to_be_focused()
    href = rows.nth(0).locator("a.record-link").get_attribute("href")
    table.keyboard.press("e")
    expect(table).to_have_url(re.compile(re.escape(href) + "edit/$"))


def test_question_mark_lists_every_shortcut_in_a_dialog(table: Page):
    table.locator("body").press("?")
    dialog = table.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    for text in ("Search", "Next row", "Open the record", "Edit the record", "Tick the row"):
        expect(dialog).to_contain_text(text)
    expect(dialog).to_contain_text("Save and add another")
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()
    # It opens at its top, its title and first shortcuts in view, at any height.
    assert dialog.evaluate("el => el.scrollTop") == 0
    expect(dialog.get_by_role("heading", name="Keyboard shortcuts")).to_be_in_viewport()
    table.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    table.set_viewport_size({"width": 390, "height": 600})
    table.locator("body").press("?")
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()
    assert dialog.evaluate("el => el.scrollTop") == 0
    expect(dialog.get_by_role("heading", name="Keyboard shortcuts")).to_be_in_viewport()
    table.keyboard.press("Escape")
    table.set_viewport_size({"width": 1366, "height": 768})
    # Typed into the search box, "?" is just a character.
    table.get_by_label("Search properties").press("?")
    expect(dialog).to_be_hidden()
    table.get_by_role("button", name="Shortcuts").click()
    expect(dialog).to_be_visible()


def test_a_search_is_announced_in_one_short_sentence_not_the_table(table: Page):
    region = table.locator("#records-table")
    assert region.get_attribute("aria-live") is None
    expect(region.locator("[aria-live], [role=status]")).to_have_count(1)  # the bulk count
    table.get_by_label("Search properties").press_sequentially("zzz-none", delay=20)
    expect(table.get_by_role("heading", name=re.compile("No records match"))).to_be_visible()
    status = table.get_by_role("status").filter(has_text="found")
    expect(status).to_have_text("No properties found")
    table.get_by_role("link", name="Clear the search and filters").click()
    expect(status).to_have_text("60 properties found")
    assert table.locator("#records-table").get_attribute("aria-live") is None
