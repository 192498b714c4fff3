"""A record's related records in Chromium, by keyboard where a person would use it: the search
that links a contact, the refused long search, unlink and Undo, create-and-link, Escape. One
page session does it all (templates/records/_related_section.html, static/js/related.js)."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from recordsadmin.records import services
from recordsadmin.records.models import RecordChange
from tests.conftest import PASSWORD
from tests.support.apis import use_records_api
from tests.support.embedded import use_embedded_demo

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(live_server, settings):
    from recordsadmin.sandbox.demo import PROPERTY_KEY

    use_embedded_demo(settings, live_server.url + "/sandbox", records=20)
    schema = services.schema_get(key=PROPERTY_KEY)
    record = services.record_create(
        schema=schema, properties={"address": "12 Keyboard Court", "price": 1, "status": "Active"}
    )
    yield schema, record
    use_records_api(settings, url="")


def settled(page: Page) -> None:
    busy = page.locator(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")
    expect(busy).to_have_count(0)


def test_link_unlink_undo_and_create_by_keyboard(page: Page, live_server, staff_user, demo):
    from recordsadmin.sandbox.models import Contact

    schema, record = demo
    person = Contact.objects.exclude(first_name="").order_by("id").first()
    name = f"{person.first_name} {person.last_name}".strip()
    page.goto(f"{live_server.url}/objects/{schema.key}/{record.id}/")
    page.get_by_label("Username").fill("staffer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    buyers = page.get_by_role("region", name=re.compile("^Buyer"))
    expect(buyers.get_by_text("No contacts linked.")).to_be_visible()

    # The search opens with focus in it; typing finds, the count is announced.
    buyers.get_by_role("link", name="Link a contact").click()
    search = buyers.get_by_role("searchbox", name="Search contacts")
    expect(search).to_be_focused()
    page.keyboard.type(person.email)
    status = buyers.locator(".related__found-count")
    expect(status).to_have_text(re.compile(r"^1 contact found"))
    # Down arrow to the result, Enter links it; what was done takes focus.
    page.keyboard.press("ArrowDown")
    link_button = buyers.get_by_role("button", name=re.compile(f"^Link {re.escape(name)}"))
    expect(link_button).to_be_focused()
    page.keyboard.press("Enter")
    notice = buyers.get_by_role("status").filter(has_text="Linked Buyer")
    expect(notice).to_be_focused()
    expect(buyers.get_by_role("listitem").filter(has_text=person.email)).to_be_visible()
    expect(page.locator("#record-history")).to_contain_text("Linked")

    # Too long a search: refused, the text kept, the input marked.
    buyers.get_by_role("link", name="Link a contact").click()
    expect(search).to_be_focused()
    long = "y" * 80
    search.fill(long)
    expect(status).to_have_text(re.compile("at most 75 characters long; this one has 80"))
    expect(search).to_have_value(long)
    expect(search).to_have_attribute("aria-invalid", "true")
    # Escape closes the search; focus goes back to the section's first button.
    page.keyboard.press("Escape")
    expect(buyers.get_by_role("searchbox")).to_have_count(0)
    expect(buyers.get_by_role("link", name="Link a contact")).to_be_focused()

    # Unlink asks first; Escape there gives focus back to that Unlink.
    unlink = buyers.get_by_role("link", name=f"Unlink {name}")
    unlink.click()
    confirm = buyers.get_by_role("button", name=f"Unlink “{name}”")
    expect(confirm).to_be_focused()
    page.keyboard.press("Escape")
    expect(confirm).to_have_count(0)
    expect(unlink).to_be_focused()
    # Then Undo after it.
    page.keyboard.press("Enter")
    expect(confirm).to_be_focused()
    page.keyboard.press("Enter")
    expect(buyers.get_by_role("status").filter(has_text="Unlinked Buyer")).to_be_focused()
    expect(buyers.get_by_text("No contacts linked.")).to_be_visible()
    page.keyboard.press("Tab")
    undo = buyers.get_by_role("button", name="Undo")
    expect(undo).to_be_focused()
    page.keyboard.press("Enter")
    expect(buyers.get_by_role("status").filter(has_text="again")).to_be_visible()
    expect(buyers.get_by_role("listitem").filter(has_text=person.email)).to_be_visible()

    # Create a showing and link it in one step; a missing required field is said in place.
    showings = page.get_by_role("region", name=re.compile("^Showing"))
    showings.get_by_role("link", name="New showing").click()
    visitor = showings.get_by_role("textbox", name="Visitor")
    expect(visitor).to_be_focused()
    page.keyboard.type("Dana Keys")
    showings.get_by_role("button", name="Create and link").click()
    settled(page)
    expect(showings.locator(".error")).to_have_count(1)
    expect(visitor).to_have_value("Dana Keys")
    showings.get_by_label("Visit date").fill("2026-06-01")
    showings.get_by_role("button", name="Create and link").click()
    expect(showings.get_by_role("link", name="Dana Keys", exact=True)).to_be_visible()
    expect(showings.get_by_role("status")).to_contain_text("Created the showing “Dana Keys”")

    # Five more buyers make two pages: Next turns it in place, focus stays in the pager.
    buyers_association = next(
        a for a in services.association_list(object_key=schema.key) if a.with_contacts()
    )
    for other in Contact.objects.exclude(pk=person.pk).order_by("id")[:5]:
        services.relation_create_logged(
            user=None,
            schema=schema,
            record=record,
            association=buyers_association,
            other_id=other.id,
        )
    page.reload()
    buyers.get_by_role("link", name="Next").click()
    # Focus on the pager, whose name says what is shown now.
    pager = buyers.get_by_role("navigation", name="Buyer: page 2 of 2, 6 linked")
    expect(pager).to_contain_text("Page 2 of 2")
    expect(pager).to_be_focused()

    actions = list(
        RecordChange.objects.filter(record_id=record.id)
        .order_by("pk")
        .values_list("action", "outcome")
    )
    assert actions[:4] == [
        ("link", "ok"),
        ("unlink", "ok"),
        ("link", "ok"),
        ("link", "ok"),
    ]


def test_without_javascript_each_step_is_a_page(browser: Browser, live_server, staff_user, demo):
    from recordsadmin.sandbox.models import Contact

    schema, record = demo
    person = Contact.objects.exclude(first_name="").order_by("id")[1]
    name = f"{person.first_name} {person.last_name}".strip()
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/objects/{schema.key}/{record.id}/")
        page.get_by_label("Username").fill("staffer")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()

        buyers = page.get_by_role("region", name=re.compile("^Buyer"))
        buyers.get_by_role("link", name="Link a contact").click()
        expect(page.get_by_role("heading", level=1, name="Link a contact")).to_be_visible()
        page.get_by_role("searchbox", name="Search contacts").fill(person.email)
        page.get_by_role("button", name="Search", exact=True).click()
        expect(page.locator(".related__found-count")).to_have_text(re.compile("^1 contact found"))
        page.get_by_role("button", name=f"Link {name}").click()

        expect(page.locator("#messages")).to_contain_text(f"Linked Buyer “{name}”.")
        expect(buyers.get_by_role("listitem").filter(has_text=person.email)).to_be_visible()
        buyers.get_by_role("link", name=f"Unlink {name}").click()
        page.get_by_role("button", name=f"Unlink “{name}”").click()
        expect(buyers.get_by_text("No contacts linked.")).to_be_visible()
        buyers.get_by_role("button", name="Undo").click()
        expect(page.locator("#messages")).to_contain_text(f"Linked Buyer “{name}” again.")
        expect(buyers.get_by_role("listitem").filter(has_text=person.email)).to_be_visible()
    finally:
        context.close()
