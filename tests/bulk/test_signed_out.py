"""Bulk work sent after the session ended: the selection and the step come back on the bulk
page after signing in, nothing started (recordsadmin/accounts/kept.py); a bulk page asked for
with nothing to give back leads to the table, never to a "method not allowed" page."""

import html
import re
import time
from urllib.parse import quote

import pytest
from django.test import Client

from recordsadmin.records.models import BulkJob
from recordsadmin.sandbox.models import Record as SandboxRecord
from tests.bulk.conftest import KEY
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

LIST = f"/objects/{KEY}/"
BULK = f"/objects/{KEY}/bulk/"
START = f"/objects/{KEY}/bulk/start/"
LOGIN_TO_BULK = f"/accounts/login/?next={quote(BULK, safe='')}"


def idle(client: Client, settings) -> None:
    session = client.session
    session["seen_at"] = time.time() - settings.SESSION_IDLE_SECONDS - 1
    session.save()


def sign_in_again(client: Client, location: str) -> str:
    """Signs in from the sign-in page at `location`; the address it sends the person to."""
    client.get(location)
    back = client.post(location, {"username": "staffer", "password": PASSWORD})
    assert back.status_code == 302
    return back["Location"]


def words(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def keepable(page: str) -> str:
    return re.search(r'name="_keepable" value="([^"]*)"', page).group(1)


def test_a_start_sent_after_the_timeout_comes_back_as_its_preview_after_signing_in(
    records_api, staff_client, settings
):
    location = records_api(records=6)
    ids = list(
        SandboxRecord.objects.filter(location=location, object__key=KEY)
        .order_by("id")
        .values_list("id", flat=True)[:2]
    )
    form = {"ids": ids, "query": "?q=Oak", "action": "delete"}
    preview = staff_client.post(BULK, form).content.decode()
    assert keepable(preview) == BULK
    submission = re.search(r'name="submission" value="([^"]+)"', preview).group(1)
    idle(staff_client, settings)
    sent = staff_client.post(
        START, {**form, "submission": submission, "_keepable": keepable(preview)}
    )
    assert sent.status_code == 302 and sent["Location"] == LOGIN_TO_BULK
    assert sign_in_again(staff_client, sent["Location"]) == BULK

    page = staff_client.get(BULK)
    text = words(page)
    assert page.status_code == 200
    assert "You were signed out before this was started" in text
    assert "Delete 2 properties" in text
    assert all(f'name="ids" value="{i}"' in page.content.decode() for i in ids)
    assert not BulkJob.objects.exists()
    assert SandboxRecord.objects.filter(pk__in=ids).count() == 2
    # Given back once: asked again, the bulk page has no selection and leads to the table.
    again = staff_client.get(BULK)
    assert again.status_code == 302 and again["Location"] == LIST


def test_the_tables_bulk_form_sent_after_the_timeout_comes_back_with_its_ticks(
    records_api, staff_client, settings
):
    location = records_api(records=4)
    table = staff_client.get(LIST).content.decode()
    ids = list(
        SandboxRecord.objects.filter(location=location, object__key=KEY).values_list(
            "id", flat=True
        )[:3]
    )
    idle(staff_client, settings)
    form = {"ids": ids, "query": "?", "action": "update", "_keepable": keepable(table)}
    sent = staff_client.post(BULK, form)
    assert sent["Location"] == LOGIN_TO_BULK
    login = staff_client.get(sent["Location"])
    assert "what you were saving is kept" in login.content.decode()
    sign_in_again(staff_client, sent["Location"])
    text = words(staff_client.get(BULK))
    assert "3 selected records" in text and "Choose a field…" in text


def test_a_bulk_page_asked_for_with_nothing_kept_leads_to_the_table(records_api, staff_client):
    """Signed out from another tab, a person on the preview sends Start: the sign-in leads
    back to the page it was sent from, the bulk page, which says where to choose again."""
    records_api(records=3)
    staff_client.logout()
    sent = staff_client.post(
        START,
        {"all": "1", "query": "?", "action": "delete"},
        headers={"Referer": f"http://testserver{BULK}"},
    )
    assert sent["Location"] == LOGIN_TO_BULK
    assert sign_in_again(staff_client, sent["Location"]) == BULK
    page = staff_client.get(BULK, follow=True)
    assert page.redirect_chain == [(LIST, 302)]
    assert "Tick records in the table first" in words(page)


def test_a_kept_form_naming_another_site_comes_back_at_its_own_address(
    records_api, staff_client, settings
):
    records_api(records=3)
    idle(staff_client, settings)
    form = {"all": "1", "query": "?", "action": "update", "_keepable": "//elsewhere.example/x"}
    sent = staff_client.post(BULK, form)
    assert sent["Location"] == LOGIN_TO_BULK
    assert staff_client.session["kept_input"]["path"] == BULK
