"""Links in Chromium, in one page session: the association column shown from the column
chooser and its cells loaded after the table, then a bulk link of two ticked rows to a contact
found with the picker, run by the real task worker, and the column showing the new links."""

import re

import pytest
from playwright.sync_api import Page, expect

from recordsadmin.records.models import BulkJob, RecordChange
from recordsadmin.sandbox.demo import BUYER_ASSOCIATION
from recordsadmin.sandbox.models import Contact, Relation
from tests.bulk.conftest import WorkerThread
from tests.e2e.table_support import log_in

pytestmark = pytest.mark.django_db(transaction=True)

KEY = "custom_objects.property"


def buyers(record_id: str) -> set[str]:
    rows = Relation.objects.filter(association__key=BUYER_ASSOCIATION, first_record_id=record_id)
    return set(rows.values_list("second_record_id", flat=True))


def cell(page: Page, record_id: str):
    return page.locator(f"#links-{BUYER_ASSOCIATION}-{record_id}")


def sign_in(page: Page, live_server) -> None:
    """Signed in as the staff user, on the table."""
    log_in(page, f"{live_server.url}/accounts/login/?next=/objects/{KEY}/")


def link_page(page: Page, live_server) -> None:
    """Signed in, two rows of the table ticked, and Link to… opened (htmx set it up)."""
    sign_in(page, live_server)
    for box in page.locator("#records-results input[name=ids]").all()[:2]:
        box.check()
    page.get_by_role("button", name="Link to…").click()
    page.wait_for_load_state("load")


def test_show_the_buyers_column_then_link_two_rows_to_a_contact(
    page: Page, live_server, embedded_api, staff_user, settings
):
    # A low bound: the page's cells come in several requests, each asking for the rest.
    settings.RECORDS_LINKS_MAX_CALLS = 8
    sign_in(page, live_server)
    expect(page.locator("#records-count")).to_have_text("1–25 of 60")
    # Hidden by default: no such column until it is ticked.
    expect(page.get_by_role("columnheader", name="Linked: Buyer")).to_have_count(0)
    page.locator(".table-settings summary").click()
    page.get_by_role("checkbox", name="Linked: Buyer").check()
    expect(page.get_by_role("columnheader", name="Linked: Buyer")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Linked: Buyer")).to_be_focused()

    rows = page.locator("#records-results tbody tr")
    ids = [box.get_attribute("value") for box in rows.locator("input[name=ids]").all()[:2]]
    # The cells come after the table: each says how many and names the first ones.
    for record_id in ids:
        linked = buyers(record_id)
        expected = "None" if not linked else re.compile(rf"^{len(linked)} linked: ")
        expect(cell(page, record_id)).to_have_text(expected)
    # Every row's cell in the end: none still holds its link to the record's page.
    expect(page.locator("#records-results .links-cell > a")).to_have_count(0)
    expect(page.locator("#links-loader")).to_have_count(1)

    contact = Contact.objects.exclude(id__in=buyers(ids[0]) | buyers(ids[1])).order_by("id")[0]
    name = f"{contact.first_name} {contact.last_name}".strip()
    before = {record_id: len(buyers(record_id)) for record_id in ids}
    for box in rows.locator("input[name=ids]").all()[:2]:
        box.check()
    page.get_by_role("button", name="Link to…").click()
    expect(page.get_by_role("heading", name="Link properties to a record")).to_be_visible()
    page.wait_for_load_state("load")  # htmx set the page up: a choice before it sends nothing
    page.get_by_label("Link by").select_option(label="Buyer (contacts)")
    search = page.get_by_label("Search contacts")
    # The picker is drawn anew for the association: htmx reads the new search box's hx-*
    # attributes once it has settled (a person is never quicker than that; a test can be).
    busy = page.locator(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")
    expect(busy).to_have_count(0)
    search.fill(contact.email)  # as the user types, the picker follows (htmx)
    # The email is the contact's own: once the search has answered, one is found. Until then
    # the picker still lists the first contacts, where two may share the name.
    expect(page.locator("#link-status")).to_have_text("1 found")
    expect(page.get_by_role("radio", name=re.compile(re.escape(name)))).to_be_visible()
    expect(search).to_be_focused()
    page.get_by_role("radio", name=re.compile(re.escape(name))).check()
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("[data-preview-summary]")).to_have_text(
        f"Link 2 properties to {name} <{contact.email}> (Buyer)"
    )
    with WorkerThread():
        page.get_by_role("button", name="Start: link 2 records").click()
        expect(page.get_by_role("heading", name="Finished")).to_be_visible(timeout=60_000)
    counts = page.locator("[data-job-counts]")
    expect(counts).to_contain_text("2 done")
    expect(counts).to_contain_text("0 failed")
    job = BulkJob.objects.get()
    assert job.kind == "link"
    assert RecordChange.objects.filter(job_id=str(job.pk), action="link", outcome="ok").count() == 2

    # Back to the table: the column is still shown, and its cells count the new link.
    page.goto(f"{live_server.url}/objects/{KEY}/")
    for record_id in ids:
        assert contact.id in buyers(record_id)
        expect(cell(page, record_id)).to_have_text(
            re.compile(rf"^{before[record_id] + 1} linked: ")
        )


def test_the_link_search_keeps_what_is_typed_while_its_results_come(
    page: Page, live_server, embedded_api, staff_user
):
    """Each pause in typing redraws the results, not the search box: a space typed before
    the pause is still there when the next word comes."""
    link_page(page, live_server)
    page.get_by_label("Link by").select_option(label="Buyer (contacts)")
    busy = page.locator(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")
    expect(busy).to_have_count(0)
    contact = Contact.objects.exclude(last_name="").order_by("id")[0]
    search = page.get_by_label("Search contacts")
    with page.expect_response(lambda answer: answer.request.method == "POST"):
        search.press_sequentially(f"{contact.first_name} ")
    expect(busy).to_have_count(0)
    search.press_sequentially(contact.last_name)
    name = f"{contact.first_name} {contact.last_name}"
    expect(search).to_have_value(name)
    expect(search).to_be_focused()
    expect(page.get_by_role("radio", name=re.compile(re.escape(name))).first).to_be_visible()


def test_on_a_phone_the_picker_names_each_contact_with_its_email(
    page: Page, live_server, embedded_api, staff_user
):
    """Contacts may share a name: the email beside each tells them apart, on a phone too (and
    is part of the choice's name for a screen reader)."""
    page.set_viewport_size({"width": 390, "height": 844})
    link_page(page, live_server)
    page.get_by_label("Link by").select_option(label="Buyer (contacts)")
    first = page.locator(".link-results label.check").first
    expect(first.locator(".hint")).to_be_visible()
    expect(first.locator(".hint")).to_contain_text("@")
    expect(first.get_by_role("radio")).to_have_accessible_name(re.compile(r"\S+@\S+"))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a phone"


def test_arrow_keys_on_link_by_go_through_the_associations_keeping_focus(
    page: Page, live_server, embedded_api, staff_user
):
    """Choosing with an arrow key redraws the picker for that association; focus stays on
    Link by, so that the next arrow goes on to the next association."""
    link_page(page, live_server)
    choose = page.get_by_label("Link by")
    expect(choose).to_be_focused()
    labels = [o.strip() for o in choose.locator("option").all_inner_texts()][1:]
    assert len(labels) >= 2, labels
    busy = page.locator(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")
    for label in labels[:2]:
        page.keyboard.press("ArrowDown")
        expect(page.get_by_label(re.compile("^Search "))).to_be_visible()
        expect(busy).to_have_count(0)
        expect(choose.locator("option:checked")).to_have_text(label)
        expect(choose).to_be_focused()


def test_the_links_page_names_each_row_as_written(
    page: Page, live_server, embedded_api, staff_user
):
    """A row's heading is data: a record's id is shown as it is (a table's column headings
    are in capitals, its row headings are not)."""
    sign_in(page, live_server)
    ids = [b.get_attribute("value") for b in page.locator("input[name=ids]").all()[:2]]
    page.goto(f"{live_server.url}/objects/{KEY}/links/?id={ids[0]}&id={ids[1]}")
    assert page.locator("tbody th").all_inner_texts() == ids
