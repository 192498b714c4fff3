"""A form sent after the session ended: the person is told why they must sign in again, and
what they typed comes back to them, unsaved, after they do (recordsadmin/accounts/kept.py)."""

import html
import time

import pytest
from django.test import Client

from recordsadmin.records import services
from tests.conftest import PASSWORD, make_staff

from .helpers import PROPERTY_INPUT, hidden, url

pytestmark = pytest.mark.django_db(transaction=True)


def signed_in(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def idle(client: Client, settings) -> None:
    session = client.session
    session["seen_at"] = time.time() - settings.SESSION_IDLE_SECONDS - 1
    session.save()


def new_form(client: Client, prop, address: str) -> tuple[str, dict]:
    """The New form's address, and its fields filled as a person would send them."""
    new = url("record_create", prop.key)
    form = client.get(new).content.decode()
    return new, {
        **PROPERTY_INPUT,
        "address": address,
        "csrfmiddlewaretoken": hidden(form, "csrfmiddlewaretoken"),
        "_keepable": hidden(form, "_keepable"),
        "_submission": hidden(form, "_submission"),
    }


def test_an_edit_sent_after_the_timeout_comes_back_unsaved_after_signing_in(
    staff_user, prop, embedded, settings
):
    record = services.record_create(
        schema=prop, properties={"address": "1 Kept Road", "price": 100, "status": "Active"}
    )
    client = signed_in(staff_user)
    edit = url("record_edit", prop.key, record.id)
    form = client.get(edit).content.decode()
    data = {
        "csrfmiddlewaretoken": hidden(form, "csrfmiddlewaretoken"),
        "_keepable": hidden(form, "_keepable"),
        "_version": hidden(form, "_version"),
        "address": "1 Kept Road",
        "price": "100.00",
        "status": "Active",
        "description": "Typed for ten minutes",
    }
    idle(client, settings)
    sent = client.post(edit, data)
    assert sent.status_code == 302 and sent["Location"].startswith("/accounts/login/")
    assert not embedded.calls("PUT")

    login = client.get(sent["Location"]).content.decode()
    assert "You were signed out after a while without activity" in login
    assert "what you were saving is kept" in login
    token = hidden(login, "csrfmiddlewaretoken")
    back = client.post(
        sent["Location"],
        {"username": "staffer", "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert back.status_code == 302 and back["Location"] == edit
    page = html.unescape(client.get(edit).content.decode())
    assert "You were signed out before this was saved" in page
    assert "Typed for ten minutes" in page
    assert not embedded.calls("PUT")
    # Once: the form's own page again shows the record as it is.
    assert "Typed for ten minutes" not in html.unescape(client.get(edit).content.decode())


def test_a_new_record_form_comes_back_too_and_to_no_one_else(staff_user, prop, embedded, settings):
    client = signed_in(staff_user)
    new, data = new_form(client, prop, "2 Kept Road")
    idle(client, settings)
    assert client.post(new, data).status_code == 302
    # Someone else signs in on that browser: they do not get it.
    other = make_staff("colleague", "view_record", "add_record")
    login = client.get(f"/accounts/login/?next={new}").content.decode()
    client.post(
        f"/accounts/login/?next={new}",
        {
            "username": other.username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": hidden(login, "csrfmiddlewaretoken"),
        },
    )
    assert "2 Kept Road" not in client.get(new).content.decode()
    assert not embedded.calls("POST", r"/records$")


def test_the_same_person_gets_a_new_record_form_back_with_its_submission(
    staff_user, prop, embedded, settings
):
    client = signed_in(staff_user)
    new, data = new_form(client, prop, "3 Kept Road")
    submission = data["_submission"]
    idle(client, settings)
    client.post(new, data)
    client.force_login(staff_user)
    page = html.unescape(client.get(new).content.decode())
    assert "3 Kept Road" in page and hidden(page, "_submission") == submission


def test_a_form_from_another_site_is_not_kept(staff_user, prop, embedded, settings):
    """Without a valid CSRF token nothing is kept: another site cannot fill a form for them."""
    client = signed_in(staff_user)
    new = url("record_create", prop.key)
    client.get(new)
    idle(client, settings)
    forged = {
        **PROPERTY_INPUT,
        "address": "4 Forged Road",
        "_keepable": "1",
        "csrfmiddlewaretoken": "x" * 64,
    }
    assert client.post(new, forged).status_code == 403  # the CSRF check refuses it first
    client.force_login(staff_user)
    assert "4 Forged Road" not in client.get(new).content.decode()


def test_the_form_sent_by_htmx_from_its_own_page_is_kept_too(staff_user, prop, embedded, settings):
    """With JavaScript the form is sent by htmx (HX-Redirect to the sign-in page): kept the
    same, since the page it was sent from is the form's own."""
    client = signed_in(staff_user)
    new, data = new_form(client, prop, "6 Scripted Road")
    idle(client, settings)
    sent = client.post(
        new,
        data,
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{new}"},
    )
    assert sent.status_code == 200 and sent["HX-Redirect"].startswith("/accounts/login/")
    client.force_login(staff_user)
    assert "6 Scripted Road" in html.unescape(client.get(new).content.decode())


def test_a_form_that_does_not_ask_to_be_kept_is_not(staff_user, prop, embedded, settings):
    """The theme buttons: nothing of them is kept, and the sign-in page does not say that
    anything was."""
    client = signed_in(staff_user)
    form = client.get(url("record_create", prop.key)).content.decode()
    idle(client, settings)
    sent = client.post(
        "/accounts/theme/",
        {"theme": "dark", "csrfmiddlewaretoken": hidden(form, "csrfmiddlewaretoken")},
    )
    login = client.get(sent["Location"]).content.decode()
    assert "You were signed out" in login and "is kept" not in login
    assert "kept_input" not in client.session


def test_a_kept_form_sent_from_another_page_comes_back_where_it_was_kept(
    staff_user, prop, embedded, settings
):
    """ "Save as a new property" on an edit page sends to the New form's address: the input is
    kept under that address, so signing in leads there, not back to the page it came from."""
    client = signed_in(staff_user)
    new, data = new_form(client, prop, "3 Kept Road")
    idle(client, settings)
    sent = client.post(new, data, headers={"Referer": f"http://testserver{prop_edit(prop)}"})
    assert sent.status_code == 302
    assert sent["Location"] == f"/accounts/login/?next={new.replace('/', '%2F')}"


def prop_edit(prop) -> str:
    return url("record_edit", prop.key, "some-record")


def test_a_form_sent_from_a_tab_left_open_after_signing_out_elsewhere_comes_back(
    staff_user, prop, embedded
):
    """Signed out in another tab: the form sent from the tab still open is kept for the
    person who signed out, and only for them."""
    client = signed_in(staff_user)
    new, data = new_form(client, prop, "7 Other Tab Road")
    token = data["csrfmiddlewaretoken"]
    assert client.post("/accounts/logout/", {"csrfmiddlewaretoken": token}).status_code == 302
    sent = client.post(new, data)
    assert sent.status_code == 302 and sent["Location"].startswith("/accounts/login/")
    login = html.unescape(client.get(sent["Location"]).content.decode())
    assert "You are signed out (from another tab or window)" in login
    assert "what you were saving is kept" in login
    client.force_login(staff_user)
    page = html.unescape(client.get(new).content.decode())
    assert "7 Other Tab Road" in page and "You were signed out before this was saved" in page
    assert not embedded.calls("POST", r"/records$")


def test_after_signing_out_elsewhere_another_person_does_not_get_the_form(
    staff_user, prop, embedded
):
    client = signed_in(staff_user)
    new, data = new_form(client, prop, "8 Other Tab Road")
    client.post("/accounts/logout/", {"csrfmiddlewaretoken": data["csrfmiddlewaretoken"]})
    client.post(new, data)
    client.force_login(make_staff("colleague", "view_record", "add_record"))
    assert "8 Other Tab Road" not in html.unescape(client.get(new).content.decode())


def test_what_cannot_be_kept_is_said_not_saved(staff_user, prop, embedded):
    """An edit in a table cell (not kept), sent by htmx after the session ended elsewhere:
    the sign-in page says it was not saved."""
    client = signed_in(staff_user)
    record = services.record_create(
        schema=prop, properties={"address": "9 Cell Road", "price": 100, "status": "Active"}
    )
    form = client.get(url("record_edit", prop.key, record.id)).content.decode()
    token = hidden(form, "csrfmiddlewaretoken")
    client.post("/accounts/logout/", {"csrfmiddlewaretoken": token})
    cell = url("record_cell", prop.key, record.id, "price")
    sent = client.post(
        cell,
        {"price": "5", "csrfmiddlewaretoken": token},
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver/objects/{prop.key}/"},
    )
    assert sent["HX-Redirect"].startswith("/accounts/login/")
    login = html.unescape(client.get(sent["HX-Redirect"]).content.decode())
    assert "You are signed out, so what you sent was not saved" in login
    assert not embedded.calls("PUT")
