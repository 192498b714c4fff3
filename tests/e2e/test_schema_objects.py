"""The schema editor in Chromium, by keyboard: an object created (a bad key first, refused with
what was typed kept), found in the objects list and in the embedded API, then its labels and
description edited; an association of Property created (a label another one shows refused
first), seen on a property's page and a showing's, then renamed."""

import re

import pytest
from playwright.sync_api import Page, expect

from recordsadmin.records import services
from tests.conftest import PASSWORD
from tests.e2e.schema_support import SCHEMER, schema_demo, type_into

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(live_server, settings):
    # Ten properties: the demo makes a tenth as many showings, so one.
    with schema_demo(live_server, settings, records=10) as key:
        yield key


def sign_in(page: Page, url: str) -> None:
    page.goto(url)
    page.get_by_label("Username").fill(SCHEMER)
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")


def press(page: Page, locator) -> None:
    """Reach a link or button by focus and follow it with Enter, as the keyboard would."""
    locator.focus()
    page.keyboard.press("Enter")


def retype(page: Page, box, text: str) -> None:
    """What is in `box` replaced by `text`, from the keyboard."""
    box.focus()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(text)


def said(page: Page):
    return page.locator("#messages").get_by_role("status")


def problem(page: Page):
    return page.get_by_role("alert").filter(has_text="There is a problem")


def test_an_object_created_and_edited_by_keyboard(page: Page, live_server, demo):
    from recordsadmin.sandbox.models import ObjectSchema

    base = live_server.url
    sign_in(page, f"{base}/schema/")
    expect(page.get_by_role("heading", name="Schema", exact=True)).to_be_visible()
    press(page, page.get_by_role("link", name="New object"))
    expect(page.get_by_role("heading", name="New object")).to_be_visible()

    # Every input in one run of Tabs; a key with a space in it.
    page.get_by_role("textbox", name="Singular label").focus()
    type_into(page, "Pet")
    type_into(page, "Pets")
    type_into(page, "my pets")
    type_into(page, "Name")
    type_into(page, "name")
    expect(page.get_by_role("combobox", name="Primary display field's type")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.type("Animals in our care")
    press(page, page.get_by_role("button", name="Create the object"))

    # Refused before anything is sent: the summary takes focus, what was typed is kept.
    summary = problem(page)
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("(no spaces): “my pets” does not")
    key = page.get_by_role("textbox", name=re.compile(r"^Key"))
    expect(key).to_have_value("my pets")
    expect(page.get_by_role("textbox", name="Singular label")).to_have_value("Pet")
    expect(page.get_by_role("textbox", name="Plural label")).to_have_value("Pets")
    expect(page.get_by_role("textbox", name="Description")).to_have_value("Animals in our care")
    assert not ObjectSchema.objects.filter(key__in=["custom_objects.pet", "my pets"]).exists()

    # The summary's link leads to the key's input; Enter in it creates the object.
    page.keyboard.press("Tab")
    expect(summary.get_by_role("link", name=re.compile(r"^Key: "))).to_be_focused()
    page.keyboard.press("Enter")
    expect(key).to_be_focused()
    retype(page, key, "pet")
    page.keyboard.press("Enter")

    # Its page: the labels, the key, the description, the primary display field.
    expect(page).to_have_url(f"{base}/schema/custom_objects.pet/")
    expect(said(page)).to_have_text("The object Pets was created.")
    expect(page.get_by_role("heading", name="Pets", level=1)).to_be_visible()
    facts = page.locator("dl.pairs")
    expect(facts).to_contain_text("custom_objects.pet")
    expect(facts).to_contain_text("Pet")
    expect(facts).to_contain_text("Animals in our care")
    name_row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Name"))
    expect(name_row).to_contain_text("Primary display")
    expect(name_row).to_contain_text("Text (one line)")

    # The embedded API has it, with its primary display field.
    stored = ObjectSchema.objects.get(key="custom_objects.pet")
    assert (stored.singular, stored.plural, stored.description) == (
        "Pet",
        "Pets",
        "Animals in our care",
    )
    assert stored.primary_display_property == "custom_objects.pet.name"
    schema = services.schema_get(key="custom_objects.pet")
    assert (schema.singular, schema.plural) == ("Pet", "Pets")

    # The objects list, by the breadcrumb: with its count of records (none yet).
    press(
        page, page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Schema")
    )
    expect(
        page.get_by_role(
            "row", name=re.compile(r"^Pets custom_objects\.pet 0 Animals in our care$")
        )
    ).to_be_visible()
    properties = re.compile(r"^Properties custom_objects\.property 10 ")
    expect(page.get_by_role("row", name=properties)).to_be_visible()

    # Labels and description edited.
    press(page, page.get_by_role("link", name="Pets", exact=True))
    press(page, page.get_by_role("link", name="Edit labels and description"))
    expect(page.get_by_role("heading", name="Edit the object Pets")).to_be_visible()
    singular = page.get_by_role("textbox", name="Singular label")
    expect(singular).to_have_value("Pet")
    retype(page, singular, "Animal")
    page.keyboard.press("Tab")
    page.keyboard.press("ControlOrMeta+a")
    type_into(page, "Animals")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("Every animal we look after")
    press(page, page.get_by_role("button", name="Save"))
    expect(page).to_have_url(f"{base}/schema/custom_objects.pet/")
    expect(said(page)).to_have_text("The object Animals was saved.")
    expect(page.get_by_role("heading", name="Animals", level=1)).to_be_visible()
    expect(facts).to_contain_text("Every animal we look after")
    stored.refresh_from_db()
    assert (stored.singular, stored.plural, stored.description) == (
        "Animal",
        "Animals",
        "Every animal we look after",
    )
    # The table heads itself with the new label at once (the cached schema was dropped).
    press(page, page.get_by_role("link", name="Open the table"))
    expect(page.get_by_role("heading", name="Animals", level=1)).to_be_visible()
    page.goto(f"{base}/schema/")
    expect(
        page.get_by_role(
            "row", name=re.compile(r"^Animals custom_objects\.pet 0 Every animal we look after$")
        )
    ).to_be_visible()
    expect(page.get_by_role("link", name="Pets", exact=True)).to_have_count(0)


def test_an_association_created_shown_on_record_pages_and_renamed_by_keyboard(
    page: Page, live_server, demo
):
    from recordsadmin.sandbox.demo import SHOWING_KEY
    from recordsadmin.sandbox.models import Association, Record

    base = live_server.url
    home = Record.objects.filter(object__key=demo).order_by("created_at", "id").first()
    showing = Record.objects.filter(object__key=SHOWING_KEY).first()
    assert showing is not None, "the demo has a showing"

    sign_in(page, f"{base}/schema/{demo}/")
    expect(page.get_by_role("heading", name="Properties", level=1)).to_be_visible()
    press(page, page.get_by_role("link", name="New association"))
    expect(page.get_by_role("heading", name="New association of Properties")).to_be_visible()

    # "Buyer" heads the contacts on a property's page already (property_buyer): refused.
    # The other object chosen by typing its name's first letters in the closed list.
    page.get_by_role("combobox", name="Linked to").focus()
    page.keyboard.type("Sh")
    expect(page.get_by_role("combobox", name="Linked to")).to_have_value(SHOWING_KEY)
    page.keyboard.press("Tab")
    type_into(page, "property_inspection")
    type_into(page, "Inspected home")
    page.keyboard.type(" buyer ")
    page.keyboard.press("Enter")
    summary = problem(page)
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(
        "The association property_buyer already heads the records it links as “Buyer” on this "
        "object's pages"
    )
    second = page.get_by_role("textbox", name="What the other side is to a property")
    expect(second).to_have_value(" buyer ")
    expect(page.get_by_role("textbox", name=re.compile(r"^Key"))).to_have_value(
        "property_inspection"
    )
    expect(page.get_by_role("textbox", name="What a property is to the other side")).to_have_value(
        "Inspected home"
    )
    expect(page.get_by_role("combobox", name="Linked to")).to_have_value(SHOWING_KEY)
    assert not Association.objects.filter(key="property_inspection").exists()

    retype(page, second, "Inspection")
    page.keyboard.press("Enter")
    expect(said(page)).to_have_text("Properties can now be linked to their Inspection records.")
    row = page.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="property_inspection")
    )
    expect(row).to_have_text(
        re.compile(r"property_inspection\s+Showings\s+Inspected home\s+Inspection")
    )
    made = Association.objects.get(key="property_inspection")
    assert (made.first_object_key, made.second_object_key) == (demo, SHOWING_KEY)
    assert (made.first_label, made.second_label) == ("Inspected home", "Inspection")

    # A property's page has a section for it, headed with its label; a showing's, the other.
    page.goto(f"{base}/objects/{demo}/{home.id}/")
    # Its heading: the label, then the count of linked records.
    section = page.get_by_role("region", name="Inspection (0)", exact=True)
    expect(section.get_by_role("heading", name="Inspection (0)", level=2)).to_be_visible()
    expect(section.get_by_text("No showings linked.")).to_be_visible()
    page.goto(f"{base}/objects/{SHOWING_KEY}/{showing.id}/")
    expect(page.get_by_role("region", name="Inspected home (0)", exact=True)).to_be_visible()

    # Renamed: "Showing" is property_showing's heading, refused; another label is taken.
    page.goto(f"{base}/schema/{demo}/")
    press(page, page.get_by_role("link", name="Rename the labels of property_inspection"))
    expect(
        page.get_by_role("heading", name="Rename the association property_inspection")
    ).to_be_visible()
    expect(second).to_have_value("Inspection")
    retype(page, second, "Showing")
    page.keyboard.press("Enter")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("The association property_showing already heads")
    expect(second).to_have_value("Showing")
    made.refresh_from_db()
    assert made.second_label == "Inspection"

    retype(page, second, "Inspection visit")
    page.keyboard.press("Enter")
    expect(said(page)).to_have_text("The association property_inspection was saved.")
    expect(row).to_contain_text("Inspection visit")
    made.refresh_from_db()
    assert (made.first_label, made.second_label) == ("Inspected home", "Inspection visit")

    page.goto(f"{base}/objects/{demo}/{home.id}/")
    renamed = page.get_by_role("region", name="Inspection visit (0)", exact=True)
    expect(renamed.get_by_text("No showings linked.")).to_be_visible()
    expect(page.get_by_role("region", name=re.compile(r"^Inspection \("))).to_have_count(0)
