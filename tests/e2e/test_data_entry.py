"""Entering records at keyboard speed, in Chromium against the embedded API: where focus starts,
the shortcuts that save, values carried to the next record without Tab stops of their own,
numbers that say what is wrong with them, and a warning before unsaved input is lost."""

import re

import pytest
from playwright.sync_api import Page, expect

from recordsadmin.accounts.preferences import preference_get
from tests.e2e.test_record_lifecycle import sign_in
from tests.support.apis import use_records_api
from tests.support.embedded import use_embedded_demo

pytestmark = pytest.mark.django_db(transaction=True)

MOD = "Control"


@pytest.fixture
def demo(live_server, settings):
    from recordsadmin.sandbox.demo import PROPERTY_KEY

    use_embedded_demo(settings, live_server.url + "/sandbox", records=3)
    yield PROPERTY_KEY
    use_records_api(settings, url="")


def wait_for(page: Page, condition) -> None:
    """Wait up to 5 s for `condition()`: a dialog is seen by a handler, not a locator."""
    for _ in range(50):
        if condition():
            return
        page.wait_for_timeout(100)
    assert condition()


def new_form(page: Page, base: str, key: str) -> None:
    sign_in(page, base, f"/objects/{key}/new/")
    expect(page.get_by_role("heading", name="New property")).to_be_visible()


def fill_required(page: Page, address: str) -> None:
    """The three required fields by keyboard only, from the Address field (focused here, so
    that each test fails for its own point, not for where focus starts)."""
    page.get_by_role("textbox", name="Address").focus()
    page.keyboard.type(address)
    page.keyboard.press("Tab")
    page.keyboard.type("350000")
    page.keyboard.press("Tab")
    page.keyboard.type("Active")


def status(page: Page):
    return page.locator("#messages").get_by_role("status")


def test_focus_starts_in_the_first_field_on_new_after_another_and_on_edit(
    page: Page, live_server, staff_user, demo
):
    new_form(page, live_server.url, demo)
    address = page.get_by_role("textbox", name="Address")
    expect(address).to_be_focused()

    fill_required(page, "1 First Street")
    page.get_by_role("button", name="Save and add another").click()
    expect(status(page)).to_contain_text("created")
    expect(address).to_have_value("")
    expect(address).to_be_focused()
    # Read out without moving focus: said again in a live region once the page is in.
    expect(page.locator("#messages-said")).to_contain_text("created")
    expect(address).to_be_focused()

    # With an error, the first field in error: here the second one.
    page.keyboard.type("2 Second Street")
    page.keyboard.press("Enter")
    price = page.get_by_role("textbox", name="Price")
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_be_visible()
    expect(price).to_be_focused()

    page.goto(f"{live_server.url}/objects/{demo}/")
    page.locator("#records-table td.col-primary a").first.click()
    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", name=re.compile("^Edit property"))).to_be_visible()
    expect(address).to_be_focused()


def test_shortcuts_save_and_add_another_or_save_and_the_record_page_offers_new(
    page: Page, live_server, staff_user, demo
):
    new_form(page, live_server.url, demo)
    actions = page.locator(".form-actions")
    expect(actions.get_by_text("Ctrl+Enter")).to_be_visible()
    expect(actions.get_by_text("Ctrl+S")).to_be_visible()

    fill_required(page, "3 Shortcut Road")
    page.keyboard.press(f"{MOD}+Enter")
    expect(status(page)).to_contain_text("“3 Shortcut Road” created. Add the next one.")
    expect(page.get_by_role("heading", name="New property")).to_be_visible()

    fill_required(page, "4 Shortcut Road")
    page.keyboard.press(f"{MOD}+s")
    expect(page.get_by_role("heading", name="4 Shortcut Road")).to_be_visible()
    # The record page gives its message focus, which reads it: nothing said twice.
    expect(page.locator("#messages .alert").first).to_be_focused()
    page.wait_for_timeout(400)
    expect(page.locator("#messages-said")).to_have_text("")
    page.get_by_role("link", name="New property").click()
    expect(page.get_by_role("heading", name="New property")).to_be_visible()
    expect(page.get_by_role("textbox", name="Address")).to_be_focused()


def test_values_are_carried_without_tab_stops_and_remembered(
    page: Page, live_server, staff_user, demo
):
    new_form(page, live_server.url, demo)
    # From the last field, one Tab reaches Save: no pin or keep box in between.
    page.get_by_role("combobox", name="Owner").focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save", exact=True)).to_be_focused()

    fill_required(page, "5 Pin Lane")
    # The keyboard's way: Alt+K in the Status field; the mouse's: the pin beside Bedrooms.
    page.keyboard.press("Alt+k")
    status_pin = page.get_by_role("button", name="Keep Status for the next record")
    expect(status_pin).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("status").filter(has_text="Status will be kept")).to_be_attached()
    page.get_by_role("textbox", name="Bedrooms").fill("3")
    bedrooms_pin = page.get_by_role("button", name="Keep Bedrooms for the next record")
    expect(bedrooms_pin).to_have_attribute("tabindex", "-1")
    bedrooms_pin.click()
    expect(bedrooms_pin).to_have_attribute("aria-pressed", "true")
    page.get_by_role("textbox", name="Address").focus()
    page.keyboard.press(f"{MOD}+Enter")

    expect(status(page)).to_contain_text("created")
    expect(page.get_by_role("combobox", name="Status")).to_have_value("Active")
    expect(page.get_by_role("textbox", name="Bedrooms")).to_have_value("3")
    expect(page.get_by_role("textbox", name="Price")).to_have_value("")
    assert preference_get(user=staff_user, name=f"carry:{demo}") == ["status", "bedrooms"]

    # A New form opened afresh (another day, another device) has the same pins pressed.
    page.goto(f"{live_server.url}/objects/{demo}/new/")
    expect(page.get_by_role("button", name="Keep Status for the next record")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.get_by_text("Keep values for the next record (2 kept)")).to_be_visible()


def test_letters_in_a_number_are_kept_and_the_message_says_what_to_type(
    page: Page, live_server, staff_user, demo
):
    new_form(page, live_server.url, demo)
    page.get_by_role("textbox", name="Address").focus()
    page.keyboard.type("6 Number Way")
    page.keyboard.press("Tab")
    page.keyboard.type("35o000")
    page.keyboard.press("Enter")
    price = page.get_by_role("textbox", name="Price")
    expect(price).to_have_value("35o000")
    expect(price).to_have_accessible_description(re.compile("Enter a number, like 350000"))
    expect(price).to_be_focused()


def test_options_are_chosen_by_typing_and_a_checkbox_group_is_one_tab_stop(
    page: Page, live_server, staff_user, demo
):
    new_form(page, live_server.url, demo)
    fill_required(page, "7 Option Lane")
    # Property type (radios): Tab lands on the chosen "No value"; typing a name chooses.
    page.keyboard.press("Tab")
    page.keyboard.type("con")
    condo = page.get_by_role("radio", name="Condo")
    expect(condo).to_be_checked()
    expect(condo).to_be_focused()
    # Amenities (checkboxes): one Tab stop whatever the number of options.
    page.get_by_role("group", name="Features").get_by_role("checkbox").last.focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("checkbox", name="Gym")).to_be_focused()
    # Typing a name ticks it and moves there; after a pause, typing is a new choice.
    page.keyboard.type("do")
    expect(page.get_by_role("checkbox", name="Doorman")).to_be_checked()
    page.wait_for_timeout(1100)
    page.keyboard.type("e")
    expect(page.get_by_role("checkbox", name="Elevator")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Doorman")).to_be_checked()
    page.wait_for_timeout(1100)
    page.keyboard.type("p")
    expect(page.get_by_role("checkbox", name="Parking")).to_be_checked()
    page.keyboard.type("x")  # no option starts "px": nothing changes
    expect(page.get_by_role("checkbox", name="Parking")).to_be_checked()
    # Space unticks; the arrows move without ticking.
    page.keyboard.press(" ")
    expect(page.get_by_role("checkbox", name="Parking")).not_to_be_checked()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("checkbox", name="Gym")).to_be_focused()
    expect(page.get_by_role("checkbox", name="Gym")).not_to_be_checked()
    # One Tab leaves the group for the next field.
    page.keyboard.press("Tab")
    expect(page.get_by_role("textbox", name="Kitchen")).to_be_focused()
    page.keyboard.press(f"{MOD}+s")
    expect(page.get_by_role("heading", name="7 Option Lane")).to_be_visible()
    fields = page.locator(".record-fields")
    expect(fields).to_contain_text("Condo")
    expect(fields).to_contain_text("Doorman")
    expect(fields).to_contain_text("Elevator")
    expect(fields).not_to_contain_text("Parking")


def test_a_typed_date_is_read_in_the_common_forms_and_a_wrong_one_is_kept_and_explained(
    page: Page, live_server, staff_user, demo
):
    new_form(page, live_server.url, demo)
    fill_required(page, "8 Calendar Court")
    listed = page.get_by_role("textbox", name="Listed on")
    listed.fill("03/31/2026x")
    page.keyboard.press(f"{MOD}+s")
    expect(listed).to_have_value("03/31/2026x")
    expect(listed).to_have_accessible_description(re.compile("Enter a date, like 2026-03-15"))
    expect(listed).to_be_focused()
    # The calendar beside it is for the mouse: out of the Tab order, and what it picks is
    # written into the text.
    calendar = page.get_by_role("button", name="Choose Listed on from a calendar")
    expect(calendar).to_have_attribute("tabindex", "-1")
    page.locator("#field-listed_on .date-picker__input").fill("2026-04-02")
    expect(listed).to_have_value("2026-04-02")
    listed.fill("Mar 31, 2026")
    page.keyboard.press(f"{MOD}+s")
    expect(page.get_by_role("heading", name="8 Calendar Court")).to_be_visible()
    expect(page.locator(".record-fields")).to_contain_text("Mar 31, 2026")


def test_leaving_unsaved_input_asks_first_but_not_after_a_save_or_on_cancel(
    page: Page, live_server, staff_user, demo
):
    new_form(page, live_server.url, demo)
    asked: list[str] = []

    def stay(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    page.get_by_role("textbox", name="Address").focus()
    page.keyboard.type("7 Unsaved Court")
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Properties").click()
    wait_for(page, lambda: asked == ["beforeunload"])
    expect(page.get_by_role("heading", name="New property")).to_be_visible()

    # Cancel is the user's choice to drop the input: no question.
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("heading", name="Properties")).to_be_visible()

    # Nor after a save, nor when leaving the form untouched.
    page.get_by_role("link", name="New property").click()
    fill_required(page, "8 Saved Court")
    page.keyboard.press(f"{MOD}+Enter")
    expect(status(page)).to_contain_text("created")
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Properties").click()
    expect(page.get_by_role("heading", name="Properties")).to_be_visible()
    assert asked == ["beforeunload"]

    # An edit that came back with an error is still unsaved.
    page.get_by_role("link", name="New property").click()
    page.get_by_role("textbox", name="Address").focus()
    page.keyboard.type("9 Error Court")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_be_visible()
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Properties").click()
    wait_for(page, lambda: asked == ["beforeunload", "beforeunload"])


def test_on_a_mac_the_hints_say_command_and_command_keys_save(
    page: Page, live_server, staff_user, demo
):
    page.add_init_script("Object.defineProperty(navigator, 'platform', {get: () => 'MacIntel'})")
    new_form(page, live_server.url, demo)
    hint = page.locator(".form-actions kbd.shortcut").first
    expect(hint).to_have_text("⌘+S")
    fill_required(page, "9 Command Row")
    page.keyboard.press("Meta+Enter")
    expect(status(page)).to_contain_text("“9 Command Row” created")
    expect(page.get_by_role("textbox", name="Address")).to_be_focused()
    fill_required(page, "10 Command Row")
    page.keyboard.press("Meta+s")
    expect(page.get_by_role("heading", name="10 Command Row")).to_be_visible()


# Each pin and the inputs people see in its field (not the unseen date picker): none may overlap.
PINS_OVER_INPUTS = """() => [...document.querySelectorAll(".record-form .field > .pin")]
    .filter(pin => {
        const p = pin.getBoundingClientRect();
        const seen = "input:not([type=hidden], [aria-hidden=true]), select, textarea";
        return [...pin.parentElement.querySelectorAll(seen)]
            .map(e => e.getBoundingClientRect())
            .some(r => r.width && p.left < r.right && r.left < p.right
                && p.top < r.bottom && r.top < p.bottom);
    })
    .map(pin => pin.getAttribute("aria-label"))"""


def test_no_pin_covers_an_input(page: Page, live_server, staff_user, demo):
    new_form(page, live_server.url, demo)
    assert page.locator(".record-form .field > .pin").count() > 10
    assert page.evaluate(PINS_OVER_INPUTS) == []


def test_a_save_from_the_keyboard_that_comes_back_with_errors_shows_the_field_in_error(
    page: Page, live_server, staff_user, demo
):
    """Sent by Enter in a field far down a long form: the page comes back with focus on the
    field in error and that field on screen, whatever the scroll was."""
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server.url, f"/objects/{demo}/")
    page.locator("#records-table td.col-primary a").first.click()
    page.get_by_role("link", name="Edit").click()
    phone = page.get_by_role("textbox", name="Agent phone")
    phone.focus()
    phone.fill("call me")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_be_attached()
    expect(phone).to_be_focused()
    expect(phone).to_be_in_viewport()

    # Ctrl+S from the foot of the form, with the first error far above it.
    page.get_by_role("textbox", name="Price").fill("lots")
    page.get_by_role("textbox", name="Description").focus()
    page.keyboard.press("Control+s")
    price = page.get_by_role("textbox", name="Price")
    expect(price).to_be_focused()
    expect(price).to_be_in_viewport()
