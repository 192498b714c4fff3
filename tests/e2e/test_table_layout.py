"""The table's layout in Chromium: chosen columns, the first column and the header in view
while scrolling, row density, and cards on a phone."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.table_support import LIST, ON_TOP, settled, sign_in
from tests.support.apis import use_records_api
from tests.support.embedded import use_embedded_demo

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def table(page: Page, live_server, embedded_api, staff_user) -> Page:
    page.set_viewport_size({"width": 1366, "height": 768})
    return sign_in(page, live_server.url)


@pytest.fixture
def hundred_rows(page: Page, live_server, settings, staff_user) -> Page:
    use_embedded_demo(settings, live_server.url + "/sandbox", records=120)
    page.set_viewport_size({"width": 1366, "height": 768})
    yield sign_in(page, live_server.url, f"{LIST}?per_page=100", count="1–100 of 120")
    use_records_api(settings, url="")


def headers(page: Page) -> list[str]:
    return [t.strip() for t in page.locator("#records-table thead th").all_inner_texts()]


def test_columns_are_hidden_and_moved_and_remembered_for_the_user(table: Page):
    assert headers(table)[1:3] == ["ADDRESS", "PRICE"]  # uppercase by CSS
    table.get_by_text("Columns and density").click()
    columns = table.get_by_role("group", name="Columns")
    columns.get_by_label("Price", exact=True).uncheck()
    expect(table.get_by_role("columnheader", name="Price", exact=True)).to_have_count(0)
    settled(table)
    move = table.get_by_role("button", name="Move Owner up")
    move.focus()
    table.keyboard.press("Enter")
    settled(table)
    expect(table.get_by_role("button", name="Move Owner up")).to_be_focused()
    table.keyboard.press("Enter")
    settled(table)
    names = headers(table)
    assert names.index("OWNER") == names.index("DESCRIPTION") - 1
    table.reload()
    names = headers(table)
    assert "PRICE" not in names and names.index("OWNER") == names.index("DESCRIPTION") - 1
    assert names[1] == "ADDRESS"  # the primary column stays first


def test_the_primary_column_stays_in_view_when_the_table_scrolls_sideways(table: Page):
    box = table.locator("#records-results")
    width = box.evaluate("el => el.scrollWidth")
    assert width > 1366  # the table is wider than the window
    box.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    region = box.bounding_box()
    # The tick box first, then the primary column beside it, both in view and on top.
    tick = table.locator("tbody tr").first.locator("td.col-select")
    tick_area = tick.bounding_box()
    assert region["x"] <= tick_area["x"] < region["x"] + 4
    assert tick.get_by_role("checkbox").evaluate(ON_TOP)
    cell = table.locator("tbody tr").first.locator("td.col-primary")
    area = cell.bounding_box()
    assert (
        tick_area["x"] + tick_area["width"] - 1
        <= area["x"]
        < tick_area["x"] + tick_area["width"] + 4
    )
    assert cell.evaluate(ON_TOP)  # nothing is drawn over it


def test_the_column_names_stay_in_view_down_a_100_row_page(hundred_rows: Page):
    page = hundred_rows
    header = page.get_by_role("columnheader", name="Price", exact=True)
    page.locator("tbody tr").nth(5).hover()
    for _ in range(30):
        page.mouse.wheel(0, 400)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    row = page.locator("tbody tr").nth(90)
    row.scroll_into_view_if_needed()
    expect(row).to_be_in_viewport()
    area = header.bounding_box()
    assert area["y"] >= 0 and area["y"] + area["height"] <= 768, area
    assert header.evaluate(ON_TOP)


def test_compact_rows_are_remembered(table: Page):
    comfortable = table.locator("tbody tr").first.bounding_box()["height"]
    table.get_by_text("Columns and density").click()
    table.get_by_role("group", name="Row density").get_by_label("Compact").check()
    expect(table.locator("table.records-table--compact")).to_have_count(1)
    compact = table.locator("tbody tr").first.bounding_box()["height"]
    assert compact < comfortable - 6
    table.reload()
    expect(table.locator("table.records-table--compact")).to_have_count(1)
    table.get_by_text("Columns and density").click()
    expect(table.get_by_role("group", name="Row density").get_by_label("Compact")).to_be_checked()


@pytest.fixture
def phone(page: Page, live_server, embedded_api, staff_user) -> Page:
    page.set_viewport_size({"width": 390, "height": 844})
    return sign_in(page, live_server.url)


def test_on_a_phone_rows_are_cards_without_sideways_scrolling(phone: Page):
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    card = phone.locator("tbody tr").first
    assert card.bounding_box()["width"] <= 390
    expect(card.locator("td.col-primary")).to_be_visible()
    expect(card.locator("td.card-field")).to_have_count(3)
    expect(card.locator("td.card-field").first).to_be_visible()
    expect(card.locator("td.card-status")).to_be_visible()
    expect(card.locator("td.col-field_description")).to_be_hidden()
    label = card.locator("td.card-field").first.evaluate(
        "el => getComputedStyle(el, '::before').content"
    )
    assert label == '"Price: "'
    box = card.get_by_role("checkbox").bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24
    # The search row's buttons keep their words whole ("Searc h" was broken to make room).
    for name in ("Search", "Shortcuts"):
        lines = phone.get_by_role("button", name=name, exact=True).evaluate(
            "el => { const r = document.createRange(); r.selectNodeContents(el);"
            " return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size; }"
        )
        assert lines == 1, name


def test_on_a_phone_open_filters_leave_the_results_near(phone: Page):
    phone.get_by_text("Filters", exact=True).click()
    status = phone.get_by_role("group", name="Status")
    box = status.get_by_label("Sold").bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24
    first = phone.locator("tbody tr").first.bounding_box()
    top = first["y"] + phone.evaluate("window.scrollY")
    assert top < 1.5 * 844, top


def test_on_a_phone_the_cards_are_sorted_from_a_menu(phone: Page):
    menu = phone.locator(".sort-menu")
    expect(menu.locator("summary")).to_have_text("Sort: Created, newest first")
    menu.locator("summary").click()
    phone.get_by_role("link", name="Price, high to low").click()
    settled(phone)
    expect(phone).to_have_url(re.compile(r"\?sort=-price$"))
    prices = phone.locator("tbody td.col-field_price").all_inner_texts()
    numbers = [float(p.strip().lstrip("$").replace(",", "")) for p in prices if p.strip()]
    assert numbers == sorted(numbers, reverse=True) and len(numbers) > 5
    expect(phone.locator(".sort-menu summary")).to_have_text("Sort: Price, high to low")
    # At a desktop's width the headers sort, and the menu is not shown.
    phone.set_viewport_size({"width": 1366, "height": 768})
    expect(phone.locator(".sort-menu")).to_be_hidden()


def open_menu(table: Page, name: str):
    """The menu named `name` opened from the keyboard, and focus moved into its panel: its
    summary and the menu."""
    summary = table.locator("summary", has_text=name)
    summary.focus()
    table.keyboard.press("Enter")
    menu = summary.locator("xpath=..")
    expect(menu).to_have_attribute("open", "")
    table.keyboard.press("Tab")  # into the panel
    expect(summary).not_to_be_focused()
    return summary, menu


def test_escape_closes_the_tables_menus_and_gives_focus_back_to_their_summary(table: Page):
    for name in ("Columns and density", "Save view"):
        summary, menu = open_menu(table, name)
        table.keyboard.press("Escape")
        expect(menu).not_to_have_attribute("open", re.compile(".*"))
        expect(summary).to_be_focused()


def test_on_a_phone_the_column_panel_closes_by_its_button_or_a_tap_outside(phone: Page):
    settings = phone.locator("details.table-settings")
    phone.get_by_text("Columns and density").click()
    expect(settings).to_have_attribute("open", "")
    close = settings.get_by_role("button", name="Close")
    expect(close).to_be_in_viewport()
    close.click()
    expect(settings).not_to_have_attribute("open", "")
    expect(phone.get_by_text("Columns and density")).to_be_focused()
    phone.get_by_text("Columns and density").click()
    expect(settings).to_have_attribute("open", "")
    phone.locator("h1").click()  # a tap outside the panel
    expect(settings).not_to_have_attribute("open", "")


def test_the_shortcuts_opened_from_a_menu_give_focus_back_to_its_summary(table: Page):
    """Pressing ? in a menu opens the shortcuts, which take focus, so the menu closes; when they
    close, focus is on the menu's summary, not lost to the page."""
    summary, menu = open_menu(table, "Columns and density")
    table.keyboard.press("?")
    dialog = table.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(menu).not_to_have_attribute("open", re.compile(".*"))
    table.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(summary).to_be_focused()


def test_a_menu_closes_when_focus_moves_out_of_it(table: Page):
    """As a system's menu does: "/" to the search box leaves no panel over the toolbar."""
    for name in ("Columns and density", "Save view"):
        _, menu = open_menu(table, name)
        expect(menu).to_have_attribute("open", "")  # focus inside: it stays open
        table.get_by_label("Search properties").focus()
        expect(menu).not_to_have_attribute("open", re.compile(".*"))
