"""Names as long as the records API allows (100 characters, with spaces or none) keep every
page within its window: the filter builder and the export page on a phone, the column chooser
and the schema editor's field table on a desktop."""

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import Page, expect

from recordsadmin.records import services
from tests.e2e.table_support import KEY, LIST, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

SPACED = ("Long label with many words that keeps going on and on so that it fills " * 2)[:100]
UNBROKEN = "X" * 100
PAGE_WIDTH = "document.documentElement.scrollWidth"


@pytest.fixture
def long_names(embedded_api, staff_user):
    schema = services.schema_get(key=KEY)
    services.field_create(schema=schema, key="long_label", name=SPACED.strip(), data_type="TEXT")
    schema = services.schema_get(key=KEY)
    services.field_create(schema=schema, key="long_nospace", name=UNBROKEN, data_type="TEXT")
    staff_user.user_permissions.add(Permission.objects.get(codename="manage_schema"))


def test_a_phone_shows_the_builder_and_the_export_page_within_its_width(
    page: Page, live_server, long_names
):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server.url)
    page.locator(".filters summary").click()
    page.get_by_role("button", name="Add condition", exact=True).click()
    expect(page.get_by_role("group", name="Condition 1")).to_be_visible()
    assert page.evaluate(PAGE_WIDTH) <= 390
    page.goto(f"{live_server.url}{LIST}export/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert UNBROKEN in page.content()
    assert page.evaluate(PAGE_WIDTH) <= 390


def test_a_desktop_shows_the_column_chooser_and_the_field_table_within_their_boxes(
    page: Page, live_server, long_names
):
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server.url)
    page.get_by_text("Columns and density").click()
    panel = page.locator(".table-settings__panel")
    expect(panel).to_be_visible()
    assert panel.evaluate("el => el.scrollWidth <= el.clientWidth"), "the chooser scrolls sideways"
    page.goto(f"{live_server.url}/schema/{KEY}/")
    expect(page.get_by_role("heading", name="Properties", level=1)).to_be_visible()
    for box in page.locator(".table-scroll").all():
        assert box.evaluate("el => el.scrollWidth <= el.clientWidth"), "a field table is too wide"
