"""axe-core (WCAG 2.2 A and AA, and its best practices) on every kind of page, in both themes,
at a desktop's and a phone's width: a violation fails the test with its rule, its elements and
what is wrong.

One signed-in browser page and one set of data serve the whole module (setting up each case
would cost more than checking it); the module empties the database when it ends, as a
transactional test does. The tests themselves write nothing: the theme is chosen with the
topbar's buttons, as a person would.
"""

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from recordsadmin.accounts.preferences import preference_set
from recordsadmin.records.models import BulkItem, BulkJob, RecordChange, SavedView
from recordsadmin.sandbox.demo import BUYER_ASSOCIATION
from tests.conftest import RECORD_PERMISSIONS, make_staff
from tests.e2e.table_support import log_in
from tests.support.apis import use_records_api
from tests.support.embedded import QUICK_FAILURES, use_embedded_demo
from tests.support.stub import unused_port

KEY = "custom_objects.property"

WIDTHS = {
    "desktop": {"width": 1366, "height": 768},
    "phone": {"width": 390, "height": 844},
}
THEMES = {"light": "Light", "dark": "Dark"}  # the theme and its button
BUTTONS = {**THEMES, "system": "Auto"}
# Everything axe checks by default except its experimental rules: WCAG 2.0 to 2.2, A and AA,
# and Deque's best practices (landmarks, one h1, headings in order, ...).
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
axe = Axe()


class ModuleSettings:
    """Settings changed for the whole module (pytest-django's `settings` lasts one test)."""

    def __init__(self) -> None:
        object.__setattr__(self, "overrides", [])

    def __setattr__(self, name: str, value) -> None:
        override = override_settings(**{name: value})
        override.enable()
        self.overrides.append(override)

    def __getattr__(self, name: str):
        return getattr(django_settings, name)

    def restore(self) -> None:
        for override in reversed(self.overrides):
            override.disable()


@dataclass
class Site:
    base: str
    page: Page
    browser: Browser
    record_id: str
    deleted_id: str
    job_id: str
    running_id: str
    view_id: int
    # The writes of records_catching_up are made (once for the module).
    caught_up: bool = False
    # The page and theme on screen: the next width of the same page only resizes it (the
    # stylesheet's media queries apply as it changes) instead of loading it again.
    showing: tuple[str, str] | None = None


def sign_in(page: Page, base: str) -> None:
    log_in(page, f"{base}/accounts/login/?next=/objects/{KEY}/")
    expect(page.get_by_role("heading", name="Properties")).to_be_visible()


def finished_job(user, record_id: str) -> BulkJob:
    """A bulk edit that ended with one record refused: the report, the failures table and the
    retry button are on its page, and the record it changed (`record_id`) makes it one to
    revert."""
    now = timezone.now()
    job = BulkJob.objects.create(
        kind=BulkJob.Kind.UPDATE,
        status=BulkJob.Status.DONE,
        object_key=KEY,
        user=user,
        username=user.username,
        summary="Set Status to Sold on 3 properties",
        params={"field": "status", "value": "sold"},
        collected=True,
        total=3,
        started_at=now,
        finished_at=now,
    )
    outcomes = [BulkItem.Outcome.DONE, BulkItem.Outcome.SKIPPED, BulkItem.Outcome.FAILED]
    for position, outcome in enumerate(outcomes):
        BulkItem.objects.create(
            job=job,
            position=position,
            record_id=f"record-{position}",
            outcome=outcome,
            reason="The records API refused the value." if outcome == "failed" else "",
            finished_at=now,
        )
    # Made long before the writes records_catching_up shows as the user's latest.
    RecordChange.objects.create(
        at=now - timedelta(days=1),
        user=user,
        username=user.username,
        object_key=KEY,
        record_id=record_id,
        action=RecordChange.Action.UPDATE,
        before={"status": "Active"},
        after={"status": "Sold"},
        changed_fields=["status"],
        outcome=RecordChange.Outcome.OK,
        job_id=str(job.pk),
    )
    return job


def running_job(user) -> BulkJob:
    """A bulk edit halfway through: its progress, its counts so far and Cancel. Its heartbeat
    is in the future, so that it never looks stalled however long the scan takes; no worker
    takes it (it was never queued as a task), and its page polls itself every second."""
    now = timezone.now()
    job = BulkJob.objects.create(
        kind=BulkJob.Kind.UPDATE,
        status=BulkJob.Status.RUNNING,
        object_key=KEY,
        user=user,
        username=user.username,
        summary="Set Status to Pending on 4 properties",
        params={"field": "status", "value": "Pending"},
        collected=True,
        total=4,
        started_at=now,
        heartbeat_at=now + timedelta(days=1),
    )
    outcomes = [BulkItem.Outcome.DONE, BulkItem.Outcome.SKIPPED] + [BulkItem.Outcome.PENDING] * 2
    for position, outcome in enumerate(outcomes):
        BulkItem.objects.create(
            job=job,
            position=position,
            record_id=f"running-{position}",
            outcome=outcome,
            finished_at=None if outcome == BulkItem.Outcome.PENDING else now,
        )
    return job


@pytest.fixture(scope="module")
def db(django_db_setup, django_db_blocker):
    """This module's database: open from its first test to its last, then emptied, as a
    transactional test's is. It stands in for pytest-django's `db` (whose name also has the test
    database made): that one holds a transaction through each test, and SQLite's IMMEDIATE
    transactions (recordsadmin/settings.py) would keep the server's thread from writing."""
    with django_db_blocker.unblock():
        yield
        call_command("flush", interactive=False, verbosity=0)


def saved_views(user, location_id: str) -> SavedView:
    """A private view of the user's whose filter names a field the schema lost (the page says
    so), and a view another user shared."""
    table = {"location_id": location_id, "object_key": KEY}
    team = make_staff("maya", "view_record")
    SavedView.objects.create(
        owner=team, name="Pending", params="f.status=Pending", shared=True, **table
    )
    return SavedView.objects.create(
        owner=user,
        name="Sold, cheapest first",
        params="f.status=Sold&sort=price&min.lot_size=100",
        labels={"lot_size": "Lot size"},
        **table,
    )


@pytest.fixture(scope="module")
def site(db, browser: Browser):
    """A staff user signed in on a page, 30 demo properties (two pages of the table), one record
    edited and one deleted through the dashboard (so both have a history), and a finished
    bulk job."""
    from recordsadmin.sandbox.models import Record

    settings = ModuleSettings()
    # The module's own server: a test that uses pytest-django's `live_server` is made
    # transactional, and its database emptied after it.
    live_server = LiveServer("localhost")
    user = make_staff("staffer", *RECORD_PERMISSIONS, "manage_schema")
    location, _ = use_embedded_demo(settings, live_server.url + "/sandbox", records=30)
    first, second, third = Record.objects.filter(object__key=KEY).order_by("id")[:3]
    job = finished_job(user, str(third.id))
    running = running_job(user)
    view = saved_views(user, location.id)
    # The Buyer column shown (first after the primary one): its cells on every table scanned.
    links = {"order": [f"links_{BUYER_ASSOCIATION}"], "hidden": [], "density": "comfortable"}
    preference_set(user=user, name=f"table:{KEY}", value=links)
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server.url)

    page.goto(f"{live_server.url}/objects/{KEY}/{first.id}/edit/")
    page.get_by_role("textbox", name="Bedrooms").fill("7")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#messages").get_by_role("status")).to_be_visible()
    page.goto(f"{live_server.url}/objects/{KEY}/{second.id}/delete/")
    page.get_by_role("button", name=re.compile("^Delete “")).click()
    expect(page.locator("#messages").get_by_role("status")).to_be_visible()

    yield Site(
        live_server.url,
        page,
        browser,
        str(first.id),
        str(second.id),
        str(job.pk),
        str(running.pk),
        view.pk,
    )

    context.close()
    live_server.stop()
    use_records_api(settings, url="")
    settings.restore()


# Each page: its address, or a function that leads the signed-in page there and waits for what
# must be checked to be on screen.


def records_with_filters(page: Page, site: Site) -> None:
    page.goto(f"{site.base}/objects/{KEY}/")
    page.locator(".filters summary").click()  # the filters' checkboxes, open
    expect(page.get_by_role("checkbox", name="Select this page")).to_be_visible()
    expect(page.locator("#facet-status-1")).not_to_be_empty()  # the counts, loaded


def records_with_counts(page: Page, site: Site) -> None:
    """The filter panel open on a filtered table, its counts in: some are 0, dimmed."""
    page.goto(f"{site.base}/objects/{KEY}/?f.property_type=single_family")
    expect(page.locator("#facet-amenities-1")).to_have_text("0")
    expect(page.locator("#facets-loader.htmx-request")).to_have_count(0)


def records_with_chart(page: Page, site: Site) -> None:
    """The overview panel open on a histogram of prices (an SVG of links and its table)."""
    page.goto(f"{site.base}/objects/{KEY}/")
    page.locator("#overview summary").click()
    # The panel's loader asks for its chart half a second after the panel opens
    # (records/_chart_search.html): that answer first, so that its indicator does not fade in
    # under axe after the price chart has come.
    page.wait_for_timeout(600)
    page.wait_for_function(QUIET, timeout=15_000)
    page.get_by_label("Chart of").select_option("price")
    expect(page.get_by_role("heading", name="Properties by Price")).to_be_visible()
    # No request in flight anywhere (the chart's loader and its indicator each carry the class
    # while one is): axe must not meet an indicator halfway through its fade.
    expect(page.locator(".htmx-request")).to_have_count(0)


def records_with_conditions(page: Page, site: Site) -> None:
    """The filter builder with a condition, a refused value and an OR group, the chips above
    the table, the search text marked in cells and two sort columns. Five of the demo's
    properties match, so the one the fixture deleted (which one depends on the ids drawn) never
    leaves the table empty."""
    query = (
        "q=street&c1.field=bedrooms&c1.op=gte&c1.value=2&c2.field=price&c2.op=gt&c2.value=lots"
        "&g1.match=any&g1.c1.field=status&g1.c1.value=Active&g1.c2.field=status"
        "&g1.c2.value=Sold&sort=bedrooms,-price"
    )
    page.goto(f"{site.base}/objects/{KEY}/?{query}")
    expect(page.get_by_role("group", name="Group 1", exact=True)).to_be_visible()
    expect(page.get_by_role("list", name="Active filters")).to_be_visible()
    expect(page.locator("#records-table mark").first).to_be_visible()


def records_field_suggestions(page: Page, site: Site) -> None:
    """The search box's list of searchable fields open, one of them chosen by ↓."""
    page.goto(f"{site.base}/objects/{KEY}/")
    box = page.get_by_role("combobox", name="Search properties")
    # Focused, not typed into: typing would redraw the table after the scan began.
    box.focus()
    box.press("ArrowDown")
    expect(page.get_by_role("listbox", name="Search one field")).to_be_visible()
    expect(box).to_have_attribute("aria-activedescendant", "q-field-1")


def edit_with_an_error(page: Page, site: Site) -> None:
    page.goto(f"{site.base}/objects/{KEY}/{site.record_id}/edit/")
    page.get_by_role("textbox", name="Price").fill("12.345")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_be_visible()
    expect(page.get_by_role("textbox", name="Price")).to_be_focused()  # the field in error


def cell_editor(page: Page, site: Site) -> None:
    page.goto(f"{site.base}/objects/{KEY}/")
    # The parts that load after the table (the links column's cells, the saved views' counts)
    # are in first: the editor is opened on a settled page, as a person would.
    page.wait_for_load_state("networkidle")
    cell = page.locator("#records-results tbody tr").first.locator('td[data-field="bedrooms"]')
    cell.dblclick()
    expect(cell.locator("[data-cell-editor] input[name=bedrooms]")).to_be_focused()


def shortcuts(page: Page, site: Site) -> None:
    page.goto(f"{site.base}/objects/{KEY}/")
    page.locator("#records-results").focus()
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()


def undo_path(site: Site) -> str:
    from recordsadmin.records.models import RecordChange

    change = RecordChange.objects.filter(record_id=site.record_id, action="update").latest("id")
    return f"/objects/{KEY}/{site.record_id}/undo/{change.pk}/"


def tick_two_rows(page: Page, site: Site) -> None:
    page.goto(f"{site.base}/objects/{KEY}/")
    rows = page.locator("#records-results tbody input[type=checkbox]")
    rows.nth(0).check()
    rows.nth(1).check()


def bulk_edit_preview(page: Page, site: Site) -> None:
    """The bulk edit with a field and value chosen, and its preview of what changes."""
    tick_two_rows(page, site)
    page.get_by_role("button", name="Edit selected…").click()
    # Until the page has loaded htmx has not set the field list up: a choice would send nothing.
    page.wait_for_url("**/bulk/**")
    page.get_by_role("combobox", name="Field").select_option(label="Status")
    page.get_by_role("combobox", name="New value").select_option(label="Sold")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="Preview")).to_be_visible()


def bulk_delete_preview(page: Page, site: Site) -> None:
    """The delete's preview: the records listed, the search restated."""
    tick_two_rows(page, site)
    page.get_by_role("button", name="Delete selected…").click()
    expect(page.get_by_role("heading", name="Delete properties")).to_be_visible()


def import_checked(page: Page, site: Site) -> None:
    """The import's map page after a check: a row with errors and the rows to be sent."""
    page.goto(f"{site.base}/objects/{KEY}/import/")
    # As many columns as a real file has: the rows to be sent are wider than a phone.
    csv = (
        "Address,Price,Status,Listed on,Property type,Bedrooms,Square feet,Agent email\n"
        "1 Axe Road,350000,Active,2026-03-15,Condo,3,1200,ana.axe@example.com\n"
        "2 Axe Road,lots,Active,,House,4,2100,ben.axe@example.com\n"
    )
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "axe.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
    )
    page.get_by_role("button", name="Upload").click()
    page.get_by_role("button", name="Check the rows").click()
    expect(page.get_by_role("heading", name="Preview")).to_be_visible()


def conflict(page: Page, site: Site) -> None:
    """The edit form saved over a change someone made since it was opened."""
    from recordsadmin.records import services

    page.goto(f"{site.base}/objects/{KEY}/{site.record_id}/edit/")
    page.get_by_role("textbox", name="Bedrooms").fill("8")
    schema = services.schema_get(key=KEY)
    services.record_update(schema=schema, record_id=site.record_id, properties={"bedrooms": 2})
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("^Someone changed this"))).to_be_visible()


def post_by_script(page: Page, path: str, fields: dict[str, str]) -> None:
    """Post a form of the script's making (not one of the dashboard's): no CSRF token."""
    with page.expect_navigation():
        page.evaluate(
            """([action, fields]) => {
                const form = document.createElement("form");
                form.method = "post";
                form.action = action;
                for (const [name, value] of Object.entries(fields)) {
                    const input = document.createElement("textarea");
                    input.name = name;
                    input.value = value;
                    form.appendChild(input);
                }
                document.body.appendChild(form);
                form.submit();
            }""",
            [path, fields],
        )


def csrf_refused(page: Page, site: Site) -> None:
    page.goto(f"{site.base}/")
    post_by_script(page, f"/objects/{KEY}/new/", {"address": "No token"})
    expect(page.get_by_role("heading", name="This form could not be checked")).to_be_visible()


def too_large(page: Page, site: Site) -> None:
    page.goto(f"{site.base}/")
    big = "x" * (django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    post_by_script(page, f"/objects/{KEY}/new/", {"description": big})
    expect(page.get_by_role("heading", name="Too much to send")).to_be_visible()


def saved_view_menu(page: Page, site: Site) -> None:
    """A saved view open: its tab, the others, their counts, what was dropped, its menu."""
    page.goto(f"{site.base}/objects/{KEY}/views/{site.view_id}/")
    expect(page.locator(f"#view-count-{site.view_id}")).not_to_be_empty()
    expect(page.get_by_text("This view's filter on “Lot size” was dropped")).to_be_visible()
    page.locator("summary", has_text="This view").click()
    expect(page.get_by_role("button", name="Set as my default")).to_be_visible()


def save_view_mistake(page: Page, site: Site) -> None:
    """The save form, come back in place with its message."""
    page.goto(f"{site.base}/objects/{KEY}/all/")
    page.locator("summary", has_text="Save view").click()
    page.get_by_role("textbox", name="Name of the view").fill("   ")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Give the view a name.")).to_be_visible()
    expect(page.get_by_role("textbox", name="Name of the view")).to_be_focused()


def records_with_links(page: Page, site: Site) -> None:
    """The Buyer column's cells loaded after the table (a count and names, or None)."""
    page.goto(f"{site.base}/objects/{KEY}/")
    first = page.locator("#records-results tbody td.col-links").first
    expect(first).to_have_text(re.compile(r"^(None|\d+ linked: .+)$"))
    expect(page.locator("#links-loader.htmx-request")).to_have_count(0)


def bulk_link_preview(page: Page, site: Site) -> None:
    """The bulk link form: the association chosen, the picker's results, one picked, and
    the preview."""
    tick_two_rows(page, site)
    page.get_by_role("button", name="Link to…").click()
    expect(page.get_by_role("heading", name="Link properties to a record")).to_be_visible()
    # A choice made before htmx has set the page up sends nothing: under load the select
    # was there before the page had loaded.
    page.wait_for_load_state("load")
    page.get_by_label("Link by").select_option(label="Buyer (contacts)")
    page.wait_for_function(QUIET)  # the picker drawn anew and set up by htmx
    page.get_by_label("Search contacts").fill("a")
    page.get_by_role("radio").first.check()
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="Preview")).to_be_visible()


def schema_field_with_errors(page: Page, site: Site) -> None:
    """The schema editor's new field sent empty: the summary and each input's message."""
    page.goto(f"{site.base}/schema/{KEY}/fields/new/")
    page.get_by_role("button", name="Create the field").click()
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_be_focused()


def schema_option_in_use(page: Page, site: Site) -> None:
    """A field's edit asking before it removes an option records hold (nothing is saved)."""
    page.goto(f"{site.base}/schema/{KEY}/fields/status/")
    page.get_by_role("checkbox", name="Remove option 3").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("checkbox", name="Remove it all the same")).to_be_visible()


def buyers():
    """The Property's association with contacts (its Buyer section)."""
    from recordsadmin.records import services

    return next(a for a in services.association_list(object_key=KEY) if a.with_contacts())


def schema_association_counted(page: Page, site: Site) -> None:
    """An association's delete confirmation with its latest count of relations, one record
    not counted ("at least")."""
    association = buyers()
    if not BulkJob.objects.filter(kind=BulkJob.Kind.COUNT).exists():
        user = get_user_model().objects.get(username="staffer")
        now = timezone.now()
        job = BulkJob.objects.create(
            kind=BulkJob.Kind.COUNT,
            status=BulkJob.Status.DONE,
            object_key=KEY,
            user=user,
            username=user.username,
            summary=f"Count the relations of the association {association.key}",
            params={
                "association": association.id,
                "association_key": association.key,
                "from": KEY,
            },
            collected=True,
            total=3,
            started_at=now,
            finished_at=now,
        )
        for position, (outcome, relations) in enumerate((("done", 2), ("done", 0), ("failed", 0))):
            BulkItem.objects.create(
                job=job,
                position=position,
                record_id=f"record-{position}",
                outcome=outcome,
                data={"relations": relations},
                finished_at=now,
            )
    page.goto(f"{site.base}/schema/{KEY}/associations/{association.id}/delete/")
    expect(page.get_by_text("At least 2 relations go with it")).to_be_visible()


def with_buyers(site: Site) -> str:
    """A demo property that has buyers (contacts linked to it) and a showing."""
    from recordsadmin.sandbox.models import Relation

    linked = Relation.objects.filter(association__key="property_buyer").order_by("pk").first()
    return f"/objects/{KEY}/{linked.first_record_id}/"


def record_related(page: Page, site: Site) -> None:
    """A record page with its related records: a section that lists contacts, one empty."""
    page.goto(site.base + with_buyers(site))
    expect(page.get_by_role("region", name=re.compile("^Buyer"))).to_be_visible()


def related_picker(page: Page, site: Site) -> None:
    """The search that links a contact, open with its results, then a refused long search."""
    page.goto(site.base + with_buyers(site))
    buyers = page.get_by_role("region", name=re.compile("^Buyer"))
    buyers.get_by_role("link", name="Link a contact").click()
    search = buyers.get_by_role("searchbox", name="Search contacts")
    search.fill("a")
    expect(buyers.locator(".related__found-count")).to_contain_text("found")
    expect(buyers.get_by_role("button", name=re.compile("^Link ")).first).to_be_visible()


def link_page_refused(site: Site) -> str:
    """The search as a page of its own (no JavaScript), with a search too long to send."""
    return with_buyers(site) + f"related/{buyers().id}/link/?q={'z' * 80}"


def related_new(page: Page, site: Site) -> None:
    """The short form that creates a showing and links it, come back with its error."""
    page.goto(site.base + with_buyers(site))
    showings = page.get_by_role("region", name=re.compile("^Showing"))
    showings.get_by_role("link", name="New showing").click()
    showings.get_by_role("button", name="Create and link").click()
    expect(showings.locator(".error").first).to_be_visible()


def records_catching_up(page: Page, site: Site) -> None:
    """The table just after the user's own create, edit and delete while search lags behind
    them: rows marked new, just saved and just deleted (struck through), and the count saying
    search may be catching up. The lags are on for this page alone."""
    from recordsadmin.records import services
    from recordsadmin.sandbox.models import Record

    with override_settings(SANDBOX_SEARCH_LAG=3600, RECORDS_SEARCH_LAG_SECONDS=3600):
        if not site.caught_up:
            user = get_user_model().objects.get(username="staffer")
            schema = services.schema_get(key=KEY)
            newest = Record.objects.filter(object__key=KEY).order_by("-created_at")[:2]
            changed, deleted = (
                services.record_get(schema=schema, record_id=record.id) for record in newest
            )
            services.record_update_logged(
                user=user, schema=schema, record=changed, properties={"bedrooms": 9}
            )
            services.record_delete_logged(user=user, schema=schema, record=deleted)
            values = {"address": "1 Catching Up Lane", "price": 250000, "status": "Active"}
            services.record_create_logged(user=user, schema=schema, properties=values)
            site.caught_up = True
        page.goto(f"{site.base}/objects/{KEY}/")
        rows = page.locator("#records-results tbody tr")
        expect(rows.first).to_contain_text("1 Catching Up Lane")
        expect(rows.first.get_by_text("New", exact=True)).to_be_visible()
        expect(page.locator("#records-results").get_by_text("Just saved")).to_be_visible()
        expect(page.locator("#records-results").get_by_text("Just deleted")).to_be_visible()
        expect(page.locator("#records-count")).to_contain_text("may still be catching up")


def running_job_page(page: Page, site: Site) -> None:
    """A running job's page, polling itself: scanned between two of its redraws."""
    page.goto(f"{site.base}/jobs/{site.running_id}/")
    expect(page.get_by_role("heading", name="Running")).to_be_visible()
    expect(page.get_by_role("button", name="Cancel")).to_be_visible()


def job_revert(page: Page, site: Site) -> None:
    """The question asked before a job is reverted (not the job's page, where a job with
    nothing to revert is sent back)."""
    page.goto(f"{site.base}/jobs/{site.job_id}/revert/")
    expect(page.get_by_role("button", name="Revert the job")).to_be_visible()


def deleted_record(page: Page, site: Site) -> None:
    """The page of a record the dashboard deleted (a 404): who deleted it, its history and
    Restore."""
    page.goto(f"{site.base}/objects/{KEY}/{site.deleted_id}/")
    expect(page.get_by_role("heading", name="This property no longer exists")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Restore “"))).to_be_visible()
    expect(page.get_by_role("heading", name="History")).to_be_visible()


def schema_association_rename(page: Page, site: Site) -> None:
    """The form that renames both labels of an association."""
    page.goto(f"{site.base}/schema/{KEY}/associations/{buyers().id}/")
    heading = page.get_by_role("heading", name=re.compile("^Rename the association "))
    expect(heading).to_be_visible()
    expect(page.get_by_role("button", name="Save", exact=True)).to_be_visible()


def related_unlink(page: Page, site: Site) -> None:
    """The question an Unlink in the Buyer section asks, open in the section (nothing sent)."""
    page.goto(site.base + with_buyers(site))
    section = page.get_by_role("region", name=re.compile("^Buyer"))
    section.get_by_role("link", name=re.compile("^Unlink ")).first.click()
    expect(section.get_by_role("button", name=re.compile("^Unlink “"))).to_be_focused()


def related_unlinked(page: Page, site: Site) -> None:
    """The section drawn again after the unlink (records/_related_changed.html): its notice,
    focused, with Undo, and the record's history with the unlink. Each theme unlinks one of
    the demo's buyers."""
    related_unlink(page, site)
    section = page.get_by_role("region", name=re.compile("^Buyer"))
    section.get_by_role("button", name=re.compile("^Unlink “")).click()
    expect(section.get_by_role("status").filter(has_text="Unlinked Buyer")).to_be_focused()
    expect(section.get_by_role("button", name="Undo")).to_be_visible()
    expect(page.locator("#record-history")).to_contain_text("Unlinked")


def record_unsaved(page: Page, site: Site) -> None:
    """A new record saved while the records API cannot be reached and no copy of the
    object's schema is kept: the page shows what was typed, to copy or to send again. The API
    is away for the save alone (at an address nobody listens on: its breaker is not the
    demo's)."""
    page.goto(f"{site.base}/objects/{KEY}/new/")
    page.get_by_role("textbox", name="Address").fill("1 Unsaved Way")
    page.get_by_role("textbox", name="Price").fill("350000")
    away = f"http://127.0.0.1:{unused_port()}"
    with override_settings(GHL_API_URL=away, **QUICK_FAILURES):
        cache.clear()
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.get_by_role("heading", name="Nothing was saved")).to_be_visible()
    expect(page.get_by_role("textbox", name="The same, as text to copy")).to_contain_text(
        "address: 1 Unsaved Way"
    )
    expect(page.get_by_role("button", name="Send again")).to_be_visible()


def saved_view_asked(page: Page, site: Site) -> None:
    """A saved view's link followed from another site: asked before the view's columns become
    the user's (records/saved_view_confirm_open.html)."""
    elsewhere = "http://elsewhere.example/"
    target = f"{site.base}/objects/{KEY}/views/{site.view_id}/open/"
    page.route(
        elsewhere,
        lambda route: route.fulfill(
            content_type="text/html", body=f'<a href="{target}">A saved view</a>'
        ),
    )
    try:
        page.goto(elsewhere)
        page.get_by_role("link", name="A saved view").click()
        expect(page.get_by_role("heading", name=re.compile("^Open the view “"))).to_be_visible()
    finally:
        page.unroute(elsewhere)
    expect(page.get_by_role("button", name=re.compile("^Open “"))).to_be_visible()


def saved_view_counts(page: Page, site: Site) -> None:
    """Each saved view and its count, as a page of its own (without JavaScript's tabs)."""
    page.goto(f"{site.base}/objects/{KEY}/views/counts/")
    expect(page.get_by_role("heading", name="Saved views of properties")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="Pending (shared)")).to_contain_text(
        re.compile(r"\d+ records?|not counted")
    )


def forbidden(page: Page, site: Site) -> None:
    """A 403: the delete of a view another user shared, which this user may not change."""
    shared = SavedView.objects.get(name="Pending", shared=True)
    page.goto(f"{site.base}/objects/{KEY}/views/{shared.pk}/delete/")
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()


def export_finished(page: Page, site: Site) -> None:
    """The export page once its download has finished: the status says how it ended."""
    page.goto(f"{site.base}/objects/{KEY}/export/")
    with page.expect_download():
        page.get_by_role("button", name="Download CSV").click()
    status = page.locator("#export-status")
    expect(status).to_contain_text(re.compile(r"The export finished: \d+ records"))
    expect(page.locator("#job-announce")).to_contain_text("The export finished")


def folder_path(end: str):
    """The schema editor's page of the Property's first folder (it holds fields)."""

    def path(site: Site) -> str:
        from recordsadmin.records import services

        folder = services.folder_list(schema=services.schema_get(key=KEY))[0]
        return f"/schema/{KEY}/folders/{folder.id}/{end}"

    return path


def address(path_of):
    def visit(page: Page, site: Site) -> None:
        page.goto(site.base + path_of(site))

    return visit


PAGES = {
    "home": address(lambda site: "/"),
    "records": records_with_filters,
    "records-conditions": records_with_conditions,
    "records-counts": records_with_counts,
    "records-field-suggestions": records_field_suggestions,
    "records-chart": records_with_chart,
    "counts-page": address(lambda site: f"/objects/{KEY}/facets/?f.status=Sold"),
    "chart-page": address(lambda site: f"/objects/{KEY}/chart/?chart=listed_on"),
    "record": address(lambda site: f"/objects/{KEY}/{site.record_id}/"),
    "record-new": address(lambda site: f"/objects/{KEY}/new/"),
    "record-edit-error": edit_with_an_error,
    "record-delete": address(lambda site: f"/objects/{KEY}/{site.record_id}/delete/"),
    "export": address(lambda site: f"/objects/{KEY}/export/"),
    "import": address(lambda site: f"/objects/{KEY}/import/"),
    "bulk-job": address(lambda site: f"/jobs/{site.job_id}/"),
    "bulk-job-running": running_job_page,
    "bulk-job-revert": job_revert,
    "restore": address(lambda site: f"/objects/{KEY}/{site.deleted_id}/restore/"),
    "record-deleted": deleted_record,
    "not-found": address(lambda site: "/no/such/page/"),
    "method-not-allowed": address(lambda site: f"/objects/{KEY}/bulk/start/"),
    "cell-editor": cell_editor,
    "shortcuts": shortcuts,
    "undo": address(undo_path),
    "bulk-edit-preview": bulk_edit_preview,
    "bulk-delete-preview": bulk_delete_preview,
    "import-checked": import_checked,
    "conflict": conflict,
    "csrf-refused": csrf_refused,
    "too-large": too_large,
    "saved-view": saved_view_menu,
    "save-view-mistake": save_view_mistake,
    "saved-view-delete": address(lambda site: f"/objects/{KEY}/views/{site.view_id}/delete/"),
    "records-links": records_with_links,
    "bulk-link-preview": bulk_link_preview,
    "links-page": address(lambda site: f"/objects/{KEY}/links/?id={site.record_id}"),
    "schema-objects": address(lambda site: "/schema/"),
    "schema-object": address(lambda site: f"/schema/{KEY}/"),
    "schema-object-new": address(lambda site: "/schema/new/"),
    "schema-object-edit": address(lambda site: f"/schema/{KEY}/edit/"),
    "schema-folder-new": address(lambda site: f"/schema/{KEY}/folders/new/"),
    "schema-folder-rename": address(folder_path("")),
    "schema-folder-delete": address(folder_path("delete/")),
    "schema-field-errors": schema_field_with_errors,
    "schema-option-in-use": schema_option_in_use,
    "schema-field-delete": address(lambda site: f"/schema/{KEY}/fields/price/delete/"),
    "schema-association-new": address(lambda site: f"/schema/{KEY}/associations/new/"),
    "schema-association-counted": schema_association_counted,
    "record-related": record_related,
    "related-picker": related_picker,
    "related-new": related_new,
    "related-link-page": address(link_page_refused),
    "records-catching-up": records_catching_up,
    "schema-association-rename": schema_association_rename,
    "related-unlink": related_unlink,
    "related-unlinked": related_unlinked,
    "record-unsaved": record_unsaved,
    "saved-view-asked": saved_view_asked,
    "saved-view-counts": saved_view_counts,
    "forbidden": forbidden,
    "export-finished": export_finished,
}


# The page at rest: no htmx request in flight or swap settling (the counts, links and saved
# views' counts load after the table), and no transition running (a loader fading in or out
# has a contrast of its own for a moment). Endless animations (a spinner) do not count.
QUIET = """() =>
    !document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added") &&
    document.getAnimations().every(
        a => a.playState !== "running" || a.effect.getComputedTiming().iterations === Infinity
    )"""


# Rows shown with nothing in them: a table styled as cards on a phone hides every cell but a
# few of its own (static/css/table.css); another table must not lose its cells that way.
EMPTY_ROWS = """() => [...document.querySelectorAll("tbody tr")]
    .filter(tr => tr.getClientRects().length)
    .filter(tr => ![...tr.cells].some(cell => cell.getClientRects().length))
    .map(tr => tr.closest("table").className)"""


def violations(page: Page) -> str:
    """axe's violations on the page at rest, one line per element: rule, element, what is
    wrong."""
    page.wait_for_function(QUIET, timeout=15_000)
    if page.locator("#facets-loader").is_visible():
        # The counts' loader asks half a second after its panel is open (hx-trigger "panel-open once
        # delay:500ms"): a page quiet before then may be fading its "Counting…" in under axe.
        page.wait_for_timeout(600)
        page.wait_for_function(QUIET, timeout=15_000)
    found = axe.run(page, options=AXE_OPTIONS).response["violations"]
    lines = []
    for rule in found:
        for node in rule["nodes"]:
            target = " ".join(map(str, node["target"]))
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"{rule['id']} ({rule['impact']}): {target}: {summary}")
    return "\n".join(lines)


def other(theme: str) -> str:
    return "dark" if theme == "light" else "light"


def choose_theme(page: Page, theme: str) -> None:
    """Press the topbar's button for `theme`, and wait until the server has it."""
    button = page.get_by_role("group", name="Theme").get_by_role("button", name=BUTTONS[theme])
    if button.get_attribute("aria-pressed") != "true":
        with page.expect_response(lambda response: response.url.endswith("/accounts/theme/")):
            button.click()
    expect(button).to_have_attribute("aria-pressed", "true")


# Each page in both themes at the desktop's width, and at the phone's in the dark theme: the
# phone's layout is the same in both themes, and each theme's colours are scanned at the
# desktop's width. What only a phone shows (the records as cards with their labels, the sort
# menu, the filters' panel, tables that wrap, the schema's tables as cards, the saved view's
# menu as a panel at the foot, the builder's rows stacked, the chart scaled down) is scanned in
# the light theme too, on the pages that have it; the sign-in page below is scanned in all four.
PHONE_ONLY = {
    "records",
    "records-counts",
    "records-catching-up",
    "record",
    "import-checked",
    "records-conditions",
    "records-chart",
    "records-links",
    "saved-view",
    "schema-objects",
    "schema-object",
    "bulk-job",
}
# In this order, so that each page is set up once per theme.
ORDER = [("light", "desktop"), ("light", "phone"), ("dark", "desktop"), ("dark", "phone")]
VIEWS = [
    (name, theme, width)
    for name in PAGES
    for theme, width in ORDER
    if (theme, width) != ("light", "phone") or name in PHONE_ONLY
]


@pytest.mark.parametrize(("name", "theme", "width"), VIEWS, ids=["-".join(v) for v in VIEWS])
def test_axe_finds_nothing(site: Site, name: str, theme: str, width: str):
    page = site.page
    page.set_viewport_size(WIDTHS[width])
    if site.showing != (name, theme):
        site.showing = None
        # A dialog left open by the page before (the shortcuts) would cover the topbar.
        page.evaluate("document.querySelectorAll('dialog[open]').forEach(d => d.close())")
        # The user's theme against the opposite system setting: the choice must win.
        page.emulate_media(color_scheme=other(theme))
        choose_theme(page, theme)
        PAGES[name](page, site)
        site.showing = (name, theme)
    expect(page.locator("html")).to_have_attribute("data-theme", theme)
    assert not (found := violations(page)), f"axe on {name}, {theme}, {width}:\n{found}"
    assert not (empty := page.evaluate(EMPTY_ROWS)), f"rows showing nothing, in tables {empty}"
    if width == "phone":
        # Nothing wider than the phone: a table scrolls in its box or is drawn as cards.
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= WIDTHS["phone"]["width"], f"{name} is {wide} px wide on a phone"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("theme", THEMES)
def test_axe_finds_nothing_on_the_sign_in_page(site: Site, theme: str, width: str):
    """Signed out there is no choice yet: the system's setting decides."""
    context = site.browser.new_context(viewport=WIDTHS[width], color_scheme=theme)
    try:
        page = context.new_page()
        page.goto(f"{site.base}/accounts/login/")
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        expect(page.locator("html")).to_have_attribute("data-theme", "system")
        assert not (found := violations(page)), (
            f"axe on the sign-in page, {theme}, {width}:\n{found}"
        )
    finally:
        context.close()


def test_the_theme_switch_recolours_the_page_at_once_and_the_server_keeps_it(site: Site):
    page = site.page
    site.showing = None
    page.emulate_media(color_scheme="light")
    page.goto(f"{site.base}/")
    choose_theme(page, "light")
    background = "getComputedStyle(document.body).backgroundColor"
    light = page.evaluate(background)
    page.evaluate("window.__noReload = true")

    with page.expect_response(lambda response: response.url.endswith("/accounts/theme/")):
        page.get_by_role("group", name="Theme").get_by_role("button", name="Dark").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert page.evaluate(background) == "rgb(13, 17, 23)"  # --bg of the dark theme
    assert page.evaluate("window.__noReload === true")

    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    choose_theme(page, "system")  # follows the emulated system: light again
    assert page.evaluate(background) == light
