"""The filter builder in Chromium, from the keyboard: a condition and an OR group built with
keys alone, the chips above the table, one chip removed, Back and Forward, the search text
marked in cells, and sorting by a second column with Shift. One page session."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from recordsadmin.records import fieldtypes, services
from recordsadmin.sandbox.models import Record
from tests.e2e.table_support import KEY, settled, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def is_table(response) -> bool:
    """The table's answer to htmx: not the counts' or the chart's, which the filter panel asks
    for on their own while it is open."""
    path = urlsplit(response.url).path
    return response.request.headers.get("hx-request") == "true" and path == f"/objects/{KEY}/"


def choose(page: Page, text: str) -> None:
    """Type the start of an option's name into the focused list, as a person picks one, and
    wait for the table (and the builder with it) that the change asks for."""
    with page.expect_response(is_table):
        page.keyboard.type(text)
    settled(page)


def chips(page: Page) -> list[str]:
    return page.locator(".chips .chip__text").all_inner_texts()


def count(page: Page) -> str:
    return page.locator("#records-count").inner_text()


def rows(page: Page) -> list[str]:
    """The table's rows, as their text."""
    return page.locator("#records-table tbody tr").all_inner_texts()


def shows_pending_alone(page: Page, found: str) -> None:
    """The view with the "Status is Sold" chip removed: its count, chips and builder."""
    expect(page.locator("#records-count")).to_have_text(found)
    assert chips(page) == ["Bedrooms is at least 4", "Status is Pending"]
    expect(
        page.get_by_role("group", name="Group 1, condition 1").get_by_label("Value")
    ).to_have_value("Pending")
    expect(page.get_by_role("group", name="Group 1, condition 2")).to_have_count(0)


def test_build_a_filter_by_keyboard_see_chips_remove_one_go_back_and_sort_by_two_columns(
    page: Page, live_server, embedded_api, staff_user
):
    sign_in(page, live_server.url, count="1–25 of 60")
    page.evaluate("window.__noReload = true")
    homes = [r.properties for r in Record.objects.filter(object__key=KEY)]

    def of(test) -> str:
        n = sum(1 for h in homes if test(h))
        return f"1–{min(n, 25)} of {n}" if n else "0 records"

    # A condition: Bedrooms is at least 4.
    page.locator(".filters summary").focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Add condition", exact=True).focus()
    page.keyboard.press("Enter")
    row = page.get_by_role("group", name="Condition 1")
    expect(row.get_by_role("combobox", name="Field")).to_be_focused()
    choose(page, "Bed")
    expect(row.get_by_role("combobox", name="Field")).to_have_value("bedrooms")
    expect(row.get_by_role("combobox", name="Field")).to_be_focused()  # kept through the swap
    page.keyboard.press("Tab")
    choose(page, "is a")
    expect(row.get_by_role("combobox", name="Operator")).to_have_value("gte")
    page.keyboard.press("Tab")
    page.keyboard.type("4")
    page.keyboard.press("Enter")
    at_least_4 = of(lambda h: h["bedrooms"] >= 4)
    expect(page.locator("#records-count")).to_have_text(at_least_4)
    expect(page).to_have_url(re.compile(r"c1\.field=bedrooms&c1\.op=gte&c1\.value=4"))

    # An OR group: Status is Sold, or Status is Pending.
    settled(page)
    page.get_by_role("button", name="Add group").focus()
    page.keyboard.press("Enter")
    group = page.get_by_role("group", name="Group 1", exact=True)
    expect(group.get_by_role("combobox", name="Field")).to_be_focused()
    choose(page, "St")
    page.keyboard.press("Tab")  # the operator: "is"
    page.keyboard.press("Tab")
    choose(page, "Sold")
    page.keyboard.press("Tab")  # the row's remove button
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Add condition to group 1")).to_be_focused()
    page.keyboard.press("Enter")
    second = page.get_by_role("group", name="Group 1, condition 2")
    expect(second.get_by_role("combobox", name="Field")).to_be_focused()
    choose(page, "St")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    choose(page, "Pen")
    both = of(lambda h: h["bedrooms"] >= 4 and h["status"] in ("Sold", "Pending"))
    expect(page.locator("#records-count")).to_have_text(both)
    expect(page.locator(".chip-group__label")).to_have_text("Any of")
    assert chips(page) == ["Bedrooms is at least 4", "Status is Sold", "Status is Pending"]

    # One chip removed: the others stay, in the table and in the builder.
    page.get_by_role("link", name="Remove Status is Sold").focus()
    page.keyboard.press("Enter")
    pending = of(lambda h: h["bedrooms"] >= 4 and h["status"] == "Pending")
    shows_pending_alone(page, pending)
    settled(page)
    removed = {"url": page.url, "rows": rows(page)}

    # Back: both statuses again, in the chips and in the builder.
    page.go_back()
    expect(page.locator("#records-count")).to_have_text(both)
    assert chips(page) == ["Bedrooms is at least 4", "Status is Sold", "Status is Pending"]
    expect(
        page.get_by_role("group", name="Group 1, condition 1").get_by_label("Value")
    ).to_have_value("Sold")
    expect(
        page.get_by_role("group", name="Group 1, condition 2").get_by_label("Value")
    ).to_have_value("Pending")
    assert page.url != removed["url"]

    # Forward: the view with the chip removed again, its address, table, chips and builder.
    settled(page)
    page.go_forward()
    shows_pending_alone(page, pending)
    assert page.url == removed["url"]
    settled(page)
    assert rows(page) == removed["rows"]

    # The search text is marked in the cells.
    settled(page)
    page.get_by_role("link", name="Clear all").click()
    expect(page.locator("#records-count")).to_have_text("1–25 of 60")
    page.get_by_label("Search properties").press_sequentially("oak", delay=20)
    expect(page.locator("#records-table mark").first).to_have_text(re.compile("^oak$", re.I))
    assert page.locator("#records-table a[href*=mark]").count() == 0

    # Sort by price, then by bedrooms too (shift-click), then bedrooms the other way (Shift+Enter).
    settled(page)
    price = page.get_by_role("columnheader", name="Price")
    price.get_by_role("link").click()
    expect(price).to_have_attribute("aria-sort", "ascending")
    settled(page)
    page.get_by_role("columnheader", name="Bedrooms").get_by_role("link").click(modifiers=["Shift"])
    expect(page).to_have_url(re.compile(r"sort=price%2Cbedrooms"))
    bedrooms = page.locator("th.col-field_bedrooms")
    expect(bedrooms).to_have_attribute("data-sort", "ascending")
    expect(bedrooms).not_to_have_attribute("aria-sort", re.compile(".*"))
    expect(bedrooms.locator(".sort__order")).to_have_text("2")
    expect(page.locator("th.col-field_price")).to_have_attribute("aria-sort", "ascending")
    settled(page)
    bedrooms.get_by_role("link").focus()
    page.keyboard.press("Shift+Enter")
    expect(page).to_have_url(re.compile(r"sort=price%2C-bedrooms"))
    expect(page.locator("th.col-field_bedrooms")).to_have_attribute("data-sort", "descending")
    expect(page.locator("th.col-field_bedrooms a")).to_be_focused()
    assert len(page.context.pages) == 1  # Shift did not open a window
    assert page.evaluate("window.__noReload === true")


def test_arrow_keys_at_a_persons_pace_choose_the_field_and_operator_they_show(
    page: Page, live_server, embedded_api, staff_user
):
    """Through a row's field list by arrow keys, a key every quarter second, then at once to
    the operators: the list is the new field's already (not the previous field's, which the
    server would then reset), and what is chosen is what is sent. Then a key every 0.7 s (the
    row is drawn again between keys): no key is lost, and focus stays."""
    sign_in(page, live_server.url, count="1–25 of 60")
    page.locator(".filters summary").focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Add condition", exact=True).focus()
    page.keyboard.press("Enter")
    row = page.get_by_role("group", name="Condition 1")
    field = row.get_by_role("combobox", name="Field")
    expect(field).to_be_focused()
    settled(page)
    values = field.evaluate("el => Array.from(el.options, o => o.value)")
    assert field.input_value() == "address", values
    for _ in range(values.index("status")):
        page.keyboard.press("ArrowDown")
        page.wait_for_timeout(250)
    page.keyboard.press("Tab")
    operator = row.get_by_role("combobox", name="Operator")
    expect(operator).to_be_focused()
    status = services.schema_get(key=KEY).field("status")
    assert operator.evaluate("el => Array.from(el.options, o => o.value)") == list(
        fieldtypes.of(status).operators
    )
    page.keyboard.press("ArrowDown")  # "is not"
    expect(operator).to_have_value("not_eq")
    page.keyboard.press("Tab")
    expect(row.get_by_label("Value")).to_be_focused()
    page.keyboard.type("Sold")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"c1\.field=status&c1\.op=not_eq&c1\.value=Sold"))
    expect(operator).to_have_value("not_eq")
    settled(page)
    assert chips(page) == ["Status is not Sold"]

    # Slowly, the row drawn again between keys: each key moves one option, focus stays.
    field.focus()
    for _ in range(3):
        page.keyboard.press("ArrowDown")
        page.wait_for_timeout(700)
    expect(field).to_be_focused()
    expect(field).to_have_value(values[values.index("status") + 3])
    settled(page)
    expect(field).to_have_value(values[values.index("status") + 3])
    expect(field).to_be_focused()
