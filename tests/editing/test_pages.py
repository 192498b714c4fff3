"""Create, edit, delete and restore through the dashboard, against the embedded API over HTTP."""

import html
import json
import re
import threading
import time

import pytest
import requests as http
from django.test import Client

from recordsadmin.accounts.preferences import preference_get, preference_set
from recordsadmin.records import services
from recordsadmin.records.models import RecordChange
from recordsadmin.records.views.editing import carry_preference

from .helpers import PROPERTY_INPUT, hidden, url

pytestmark = pytest.mark.django_db(transaction=True)


def create(client, prop, data=None, headers=None, **extra):
    page = client.get(url("record_create", prop.key))
    submission = hidden(page.content, "_submission")
    return client.post(
        url("record_create", prop.key),
        {**(data or PROPERTY_INPUT), "_submission": submission, **extra},
        headers=headers,
    )


def new_record(prop, **properties):
    values = {"address": "9 Base Road", "price": 100, "status": "Active", **properties}
    return services.record_create(schema=prop, properties=values)


def test_the_new_page_has_every_field_in_schema_order(staff, prop):
    page = staff.get(url("record_create", prop.key))
    assert page.status_code == 200
    text = page.content.decode()
    positions = [text.index(f'id="field-{f.key}"') for f in prop.fields]
    assert positions == sorted(positions)
    assert 'name="_owner"' in text and "Maya Patel" in text
    assert "(required)" in text


def test_create_sends_only_schema_fields_once_and_shows_the_record(staff, prop, embedded):
    response = create(staff, prop, {**PROPERTY_INPUT, "id": "x", "locationId": "y", "Price": "1"})
    assert response.status_code == 303
    (sent,) = embedded.calls("POST", r"/records$")
    body = sent.json
    assert set(body) <= {"locationId", "properties", "owner", "followers"}
    assert body["locationId"] != "y"
    assert set(body["properties"]) == {
        "address", "price", "status", "property_type", "bedrooms", "agent_email", "features",
        "rooms",
    }  # fmt: skip
    assert body["properties"]["rooms"] == {"kitchen": "Open plan"}
    record_id = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    page = staff.get(response["Location"])
    assert page.status_code == 200
    assert b"1 Test Lane" in page.content and b"Open plan" in page.content
    assert not embedded.calls("POST", r"/search$"), "the new record is not searched for"
    assert not embedded.calls("GET", rf"/records/{record_id}$"), "it is the create's answer"
    again = staff.get(response["Location"])  # shown from the answer once; later pages read it
    assert b"1 Test Lane" in again.content
    assert len(embedded.calls("GET", rf"/records/{record_id}$")) == 1
    change = RecordChange.objects.get(action="create")
    assert (change.outcome, change.record_id, change.username) == ("ok", record_id, "staffer")
    assert change.after["properties"]["address"] == "1 Test Lane"


def test_invalid_input_comes_back_200_with_errors_and_nothing_sent(staff, prop, embedded):
    data = {**PROPERTY_INPUT, "address": "", "agent_email": "nope", "bedrooms": "many"}
    response = create(staff, prop, data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    text = response.content.decode()
    assert 'class="error-summary' in text and "autofocus" in text
    assert 'href="#id_address"' in text and 'href="#id_agent_email"' in text
    assert 'value="many"' in text and 'value="nope"' in text
    assert "<html" not in text, "htmx gets the page's partial"
    assert not embedded.writes


@pytest.mark.parametrize("action", ["save", "another", "continue"])
def test_the_three_save_buttons(staff, prop, action):
    response = create(staff, prop, _save=action, _carry=["status", "features"])
    assert response.status_code == 303
    location = response["Location"]
    if action == "save":
        assert location.endswith("/") and "/edit/" not in location
    elif action == "continue":
        assert location.endswith("/edit/")
    else:
        assert "/new/?" in location and "status=Active" in location
        page = staff.get(location).content.decode()
        assert '<option value="Active" selected>' in page
        assert re.search(r'name="features" value="pool"[^>]*checked', page)
        assert 'value="1 Test Lane"' not in page


def test_a_create_form_sent_twice_makes_one_record(staff, prop, embedded):
    page = staff.get(url("record_create", prop.key))
    data = {**PROPERTY_INPUT, "_submission": hidden(page.content, "_submission")}
    first = staff.post(url("record_create", prop.key), data)
    second = staff.post(url("record_create", prop.key), data)
    assert first.status_code == second.status_code == 303
    assert first["Location"] == second["Location"]
    assert len(embedded.calls("POST", r"/records$")) == 1


def test_a_create_form_sent_twice_at_once_makes_one_record(staff_user, prop, embedded, live_server):
    original = embedded.route

    def slow(seen):
        if seen.method == "POST" and seen.path.endswith("/records"):
            time.sleep(0.5)  # the second send arrives while the first is still at the API
        return original(seen)

    embedded.stub.router = slow
    client = Client()
    client.force_login(staff_user)
    cookies = {k: v.value for k, v in client.cookies.items()}
    page = http.get(live_server.url + url("record_create", prop.key), cookies=cookies)
    cookies |= dict(page.cookies.items())
    data = {
        **PROPERTY_INPUT,
        "_submission": hidden(page.text, "_submission"),
        "csrfmiddlewaretoken": hidden(page.text, "csrfmiddlewaretoken"),
    }
    answers = []

    def send():
        answers.append(
            http.post(
                live_server.url + url("record_create", prop.key),
                data=data,
                cookies=cookies,
                headers={"Referer": live_server.url},
                allow_redirects=False,
                timeout=30,
            )
        )

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [303, 303], [a.text[:300] for a in answers]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    assert len(embedded.calls("POST", r"/records$")) == 1


def test_an_owner_change_shows_in_the_history_by_name(staff, prop, embedded):
    record = new_record(prop)
    users = services.user_list()
    form = staff.get(url("record_edit", prop.key, record.id)).content.decode()
    data = {
        "address": "9 Base Road",
        "price": "100.00",
        "status": "Active",
        "_owner": users[0].id,
        "_version": hidden(form, "_version"),
    }
    assert staff.post(url("record_edit", prop.key, record.id), data).status_code == 303
    page = html.unescape(staff.get(url("record_detail", prop.key, record.id)).content.decode())
    assert re.search(rf"Owner:\s+nobody →\s+{re.escape(users[0].name)}\s*<", page)


def test_edit_sends_only_what_changed_and_null_for_a_cleared_field(staff, prop, embedded):
    record = new_record(prop, bedrooms=3, agent_email="a@example.com", features=["pool"])
    form = staff.get(url("record_edit", prop.key, record.id))
    assert form.status_code == 200
    text = form.content.decode()
    assert 'value="9 Base Road"' in text and 'value="100.00"' in text
    data = {
        "address": "9 Base Road",
        "price": "100.00",
        "status": "Active",
        "bedrooms": "4",
        "agent_email": "",
        "features": ["pool"],
        "_owner": "",
        "_version": hidden(text, "_version"),
        # Not fields of the schema: they never reach the API (docs/reliability.md item 14).
        "id": "other",
        "locationId": "elsewhere",
        "createdAt": "2000-01-01",
        "Bedrooms": "7",
    }
    response = staff.post(url("record_edit", prop.key, record.id), data)
    assert response.status_code == 303, response.content.decode()[:2000]
    (put,) = embedded.calls("PUT")
    assert put.json["properties"] == {"bedrooms": 4, "agent_email": None}
    assert set(put.json) <= {"locationId", "properties", "followers"}  # the owner is unchanged
    assert put.json.get("locationId") != "elsewhere"
    after = services.record_get(schema=prop, record_id=record.id)
    assert after.properties["bedrooms"] == 4 and after.properties.get("agent_email") is None
    page = staff.get(url("record_detail", prop.key, record.id)).content.decode()
    assert "History" in page and "Changed" in page and "Bedrooms" in page


def test_an_edit_that_changes_nothing_sends_nothing(staff, prop, embedded):
    record = new_record(prop)
    text = staff.get(url("record_edit", prop.key, record.id)).content.decode()
    data = {"address": "9 Base Road", "price": "100", "status": "Active"}
    data["_version"] = hidden(text, "_version")
    response = staff.post(url("record_edit", prop.key, record.id), data)
    assert response.status_code == 303
    assert not embedded.calls("PUT")


def test_lost_update_b_gets_a_conflict_not_a_put(client, staff_user, prop, embedded):
    """docs/reliability.md item 27: A and B open the form, A saves, B saves."""
    record = new_record(prop, bedrooms=2)
    a, b = Client(), Client()
    a.force_login(staff_user)
    b.force_login(staff_user)
    edit = url("record_edit", prop.key, record.id)
    base = {"address": "9 Base Road", "price": "100", "status": "Active", "bedrooms": "2"}
    version_a = hidden(a.get(edit).content, "_version")
    version_b = hidden(b.get(edit).content, "_version")
    assert a.post(edit, {**base, "price": "200", "_version": version_a}).status_code == 303
    assert len(embedded.calls("PUT")) == 1

    conflict = b.post(edit, {**base, "bedrooms": "5", "_version": version_b})
    assert conflict.status_code == 200
    assert len(embedded.calls("PUT")) == 1, "no PUT for B"
    text = conflict.content.decode()
    assert "changed this property while you were editing" in text
    assert "$200.00" in text, "A's current value"
    assert ">5<" in text, "B's input"

    keep = {name: value for name, value in _pairs(text) if name != "csrfmiddlewaretoken"}
    assert keep["bedrooms"] == "5" and keep["price"] == "100"
    response = b.post(edit, keep | {"_save": "save"})
    assert response.status_code == 303
    put = embedded.calls("PUT")[-1]
    assert put.json["properties"] == {"bedrooms": 5}, "B's change only; A's price stays"
    after = services.record_get(schema=prop, record_id=record.id)
    assert (after.properties["price"], after.properties["bedrooms"]) == (200, 5)


def _pairs(text: str):
    form = text[text.index("Keep my changes") - 4000 : text.index("Keep my changes")]
    form = form[form.index("<form") :]
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form):
        yield name, html.unescape(value)


def test_a_tampered_version_is_never_trusted(staff, prop, embedded):
    record = new_record(prop)
    data = {"address": "Changed", "price": "100", "status": "Active", "_version": "forged"}
    response = staff.post(url("record_edit", prop.key, record.id), data)
    assert response.status_code == 200
    assert b"while you were editing" in response.content
    assert not embedded.calls("PUT")


def test_delete_confirms_then_the_record_is_gone_and_can_be_restored(staff, prop, embedded):
    record = new_record(prop, address="77 Gone Street", bedrooms=4)
    confirm = staff.get(url("record_delete", prop.key, record.id))
    assert confirm.status_code == 200
    assert "Delete property “77 Gone Street”?" in confirm.content.decode()
    assert not embedded.calls("DELETE")

    original = embedded.route
    seen_before_the_call = []

    def watch(seen):
        if seen.method == "DELETE":
            row = RecordChange.objects.filter(action="delete", record_id=record.id).first()
            seen_before_the_call.append(row and (row.outcome, row.before["properties"]))
        return original(seen)

    embedded.stub.router = watch
    response = staff.post(url("record_delete", prop.key, record.id))
    assert response.status_code == 303
    assert response["Location"] == url("record_list", prop.key)
    assert len(embedded.calls("DELETE")) == 1
    # The history row, with the whole record, was written before the DELETE went out.
    assert seen_before_the_call == [("pending", record.properties)]
    listing = staff.get(response["Location"]).content.decode()
    restore_link = url("record_restore", prop.key, record.id)
    assert f'<a href="{restore_link}">Restore it</a>' in listing
    gone = staff.get(url("record_detail", prop.key, record.id))
    assert gone.status_code == 404
    assert "This property no longer exists" in gone.content.decode()
    change = RecordChange.objects.get(action="delete")
    assert change.outcome == "ok" and change.before["properties"]["bedrooms"] == 4

    restore_page = staff.get(url("record_restore", prop.key, record.id))
    assert restore_page.status_code == 200 and b"77 Gone Street" in restore_page.content
    restored = staff.post(url("record_restore", prop.key, record.id))
    assert restored.status_code == 303
    new_id = restored["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert new_id != record.id
    again = services.record_get(schema=prop, record_id=new_id)
    assert again.properties["address"] == "77 Gone Street" and again.properties["bedrooms"] == 4
    page = staff.get(restored["Location"]).content.decode()
    assert "new id" in page and record.id in page
    # A second restore makes no second record.
    staff.post(url("record_restore", prop.key, record.id))
    assert len(embedded.calls("POST", r"/records$")) == 2  # the seed record and the restore


def test_every_write_is_in_the_history_before_and_after_the_call(staff, prop, embedded):
    from tests.support.stub import Reply

    record = new_record(prop)
    embedded.fail("DELETE", r"/records/", Reply(503, json={"message": "down"}))
    response = staff.post(url("record_delete", prop.key, record.id))
    assert response.status_code == 503
    assert b"cannot be reached" in response.content
    change = RecordChange.objects.get(action="delete")
    assert change.outcome == "failed" and change.error
    assert change.before["id"] == record.id and json.dumps(change.before)


def test_state_changing_views_need_post_and_csrf(staff, staff_user, prop):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    record = new_record(prop)
    for name in ("record_delete", "record_edit"):
        assert client.post(url(name, prop.key, record.id), {}).status_code == 403
    assert client.post(url("record_create", prop.key), {}).status_code == 403
    for name in ("record_delete", "record_edit", "record_restore"):
        assert staff.put(url(name, prop.key, record.id)).status_code == 405
    assert (
        client.post(url("record_delete", prop.key, record.id), HTTP_HX_REQUEST="true").status_code
        == 403
    )
    assert services.record_get(schema=prop, record_id=record.id)


def test_restore_needs_post_and_csrf(staff_user, prop, embedded):

    record = new_record(prop)
    services.record_delete_logged(user=staff_user, schema=prop, record=record)
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    restore = url("record_restore", prop.key, record.id)
    page = client.get(restore)
    assert page.status_code == 200
    creates = len(embedded.calls("POST", r"/records$"))
    assert client.post(restore, {}).status_code == 403
    assert client.post(restore, {}, HTTP_HX_REQUEST="true").status_code == 403
    assert client.put(restore).status_code in (403, 405)
    assert len(embedded.calls("POST", r"/records$")) == creates
    assert not RecordChange.objects.filter(action="restore").exists()
    # With the page's token the same POST restores it: the refusals above were the CSRF check.
    token = hidden(page.content, "csrfmiddlewaretoken")
    assert client.post(restore, {"csrfmiddlewaretoken": token}).status_code == 303
    assert len(embedded.calls("POST", r"/records$")) == creates + 1


def test_an_untouched_multiline_description_is_not_sent_again(staff, prop, embedded):
    record = new_record(prop, description="Line one\nLine two", address=" 9 Base Road ")
    text = staff.get(url("record_edit", prop.key, record.id)).content.decode()
    data = {
        # What a browser posts for the untouched fields: CRLF in the textarea.
        "address": " 9 Base Road ",
        "description": "Line one\r\nLine two",
        "price": "100.00",
        "status": "Active",
        "bedrooms": "5",
        "_version": hidden(text, "_version"),
    }
    response = staff.post(url("record_edit", prop.key, record.id), data)
    assert response.status_code == 303, response.content.decode()[:2000]
    (put,) = embedded.calls("PUT")
    assert put.json["properties"] == {"bedrooms": 5}


def test_stored_values_stricter_than_the_form_do_not_block_an_edit(staff, prop, embedded):
    record = new_record(prop, price=12.345, square_feet=1.12345678901234)
    text = staff.get(url("record_edit", prop.key, record.id)).content.decode()
    assert 'value="12.345"' in text
    data = {
        "address": "9 Base Road",
        "price": "12.345",
        "square_feet": "1.12345678901234",
        "status": "Active",
        "bedrooms": "2",
        "_version": hidden(text, "_version"),
    }
    response = staff.post(url("record_edit", prop.key, record.id), data)
    assert response.status_code == 303, response.content.decode()[:3000]
    (put,) = embedded.calls("PUT")
    assert put.json["properties"] == {"bedrooms": 2}
    typed = staff.post(url("record_edit", prop.key, record.id), {**data, "price": "12.346"})
    assert typed.status_code == 200 and b'id="id_price_error"' in typed.content
    assert len(embedded.calls("PUT")) == 1


def _live_session(user, live_server, path: str):
    """Cookies of a signed-in browser and the CSRF token of the form at `path`."""
    client = Client()
    client.force_login(user)
    cookies = {k: v.value for k, v in client.cookies.items()}
    page = http.get(live_server.url + path, cookies=cookies, timeout=30)
    assert page.status_code == 200, page.text[:300]
    cookies |= dict(page.cookies.items())
    return cookies, hidden(page.text, "csrfmiddlewaretoken")


def test_a_restore_sent_twice_at_once_makes_one_record(staff_user, prop, embedded, live_server):

    record = new_record(prop, address="12 Twice Lane")
    services.record_delete_logged(user=staff_user, schema=prop, record=record)
    original = embedded.route

    def slow(seen):
        if seen.method == "POST" and seen.path.endswith("/records"):
            time.sleep(0.5)  # the second restore arrives while the first is at the API
        return original(seen)

    embedded.stub.router = slow
    restore = url("record_restore", prop.key, record.id)
    cookies, token = _live_session(staff_user, live_server, restore)
    creates_before = len(embedded.calls("POST", r"/records$"))
    answers = []

    def send():
        answers.append(
            http.post(
                live_server.url + restore,
                data={"csrfmiddlewaretoken": token},
                cookies=cookies,
                headers={"Referer": live_server.url},
                allow_redirects=False,
                timeout=30,
            )
        )

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [303, 303], [a.text[:300] for a in answers]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    assert len(embedded.calls("POST", r"/records$")) == creates_before + 1
    assert RecordChange.objects.filter(action="restore").count() == 1


def test_an_unconfirmed_restore_is_not_sent_again_until_the_user_says_so(
    staff, staff_user, prop, embedded
):
    from tests.support.stub import Reply

    record = new_record(prop, address="13 Unsure Road")
    services.record_delete_logged(user=staff_user, schema=prop, record=record)
    restore = url("record_restore", prop.key, record.id)
    creates = len(embedded.calls("POST", r"/records$"))
    embedded.fail("POST", r"/records$", Reply(500, json={"message": "Internal"}))
    first = staff.post(restore)
    assert first.status_code == 200
    assert "may or may not have been made again" in first.content.decode()
    assert "Nothing was changed" not in first.content.decode()
    embedded.heal()
    again = staff.post(restore)
    assert b"may or may not have been made again" in again.content
    assert len(embedded.calls("POST", r"/records$")) == creates + 1, "no blind resend"
    resent = staff.post(restore, {"_resend": "1"})
    assert resent.status_code == 303
    assert len(embedded.calls("POST", r"/records$")) == creates + 2


def test_a_deleted_records_page_says_who_deleted_it_and_offers_the_restore(
    staff, staff_user, viewer, prop, embedded
):

    record = new_record(prop, address="31 Former Street", bedrooms=2)
    record = services.record_update_logged(
        user=staff_user, schema=prop, record=record, properties={"bedrooms": 3}
    )
    services.record_delete_logged(user=staff_user, schema=prop, record=record)
    detail = url("record_detail", prop.key, record.id)
    restore = url("record_restore", prop.key, record.id)
    page = staff.get(detail)
    assert page.status_code == 404
    text = page.content.decode()
    # Its changes cannot be undone any more: the history does not offer it.
    assert "Updated" in text or "Changed" in text
    assert "Undo this change" not in text
    assert "This property no longer exists" in text
    assert "“31 Former Street”" in text and "deleted by staffer on" in text
    history_at = text.index('id="history-title"')
    assert "Deleted" in text[history_at:] and "Bedrooms" in text[history_at:]
    assert f'<form method="post" action="{restore}"' in text
    assert "csrfmiddlewaretoken" in text

    looker = Client()
    looker.force_login(viewer)
    seen = looker.get(detail)
    assert seen.status_code == 404 and b"deleted by staffer" in seen.content
    assert restore.encode() not in seen.content, "no restore for a user without add"

    restored = staff.post(restore)
    new_id = restored["Location"].rstrip("/").rsplit("/", 1)[-1]
    after = staff.get(detail).content.decode()
    assert f'href="{url("record_detail", prop.key, new_id)}"' in after
    assert f'<form method="post" action="{restore}"' not in after
    assert "Restore this record" not in after  # neither the history's link


def test_the_history_of_another_location_is_not_this_ones(staff, staff_user, prop, embedded):
    # The same database once served another location (the demo's, before GHL_* were set):
    # its changes of a record with this id are not this record's.
    record = new_record(prop, address="31 Former Street", bedrooms=2)
    services.record_delete_logged(user=staff_user, schema=prop, record=record)
    RecordChange.objects.update(location_id="another-location")
    creates = len(embedded.calls("POST"))
    detail = url("record_detail", prop.key, record.id)
    restore = url("record_restore", prop.key, record.id)
    page = staff.get(detail)
    assert page.status_code == 404
    assert b"deleted by staffer" not in page.content and b"31 Former Street" not in page.content
    assert staff.get(restore).status_code == 404
    assert staff.post(restore).status_code == 404
    assert len(embedded.calls("POST")) == creates  # nothing restored


def test_a_record_deleted_elsewhere_is_a_plain_not_found(staff, prop, embedded):
    record = new_record(prop)
    services.record_delete(schema=prop, record_id=record.id)
    page = staff.get(url("record_detail", prop.key, record.id))
    assert page.status_code == 404
    assert b"This record does not exist" in page.content


def test_files_are_shown_as_links_on_the_form_and_never_sent(staff, prop, embedded):
    photo = {"url": "https://example.com/front.jpg", "name": "front.jpg"}
    record = new_record(prop, photos=[photo])
    text = staff.get(url("record_edit", prop.key, record.id)).content.decode()
    field = text[text.index('id="field-photos"') :]
    field = field[: field.index('id="field-', 1)]
    assert '<a href="https://example.com/front.jpg"' in field and "front.jpg" in field
    assert "Files are managed in GoHighLevel" in field and "<input" not in field
    data = {
        "address": "9 Base Road",
        "price": "100.00",
        "status": "Active",
        "bedrooms": "6",
        "photos": "https://evil.example/x.jpg",  # a crafted post: not a field of the form
        "_version": hidden(text, "_version"),
    }
    assert staff.post(url("record_edit", prop.key, record.id), data).status_code == 303
    (put,) = embedded.calls("PUT")
    assert put.json["properties"] == {"bedrooms": 6}
    after = services.record_get(schema=prop, record_id=record.id)
    assert after.properties["photos"] == [photo]


def test_a_record_with_a_very_long_name_is_named_cut_short(staff, prop, embedded):
    # One long value (a pasted paragraph, a row of x's) must not fill the heading, the
    # breadcrumb, the messages and every label that names the record.
    long_name = "Z" + "x" * 2999
    created = create(staff, prop, {**PROPERTY_INPUT, "address": long_name})
    assert created.status_code in (302, 303)
    page = staff.get(created["Location"]).content.decode()
    shown = "Z" + "x" * 99 + "…"
    assert f"<h1>{shown}</h1>" in page
    assert f'<span aria-current="page">{shown}</span>' in page
    assert f"“{shown}” created" in page
    assert long_name not in page.split('id="main"', 1)[1].split("<dl", 1)[0]
    table = staff.get(url("record_list", prop.key)).content.decode()
    assert f'aria-label="Select {shown}"' in table


def test_an_edit_of_a_record_deleted_meanwhile_can_be_saved_as_a_new_one(
    staff, staff_user, prop, embedded
):
    record = new_record(prop, address="5 Vanishing Road", bedrooms=2)
    edit = url("record_edit", prop.key, record.id)
    form = staff.get(edit).content.decode()
    data = {
        "_version": hidden(form, "_version"),
        "address": "5 Vanishing Road",
        "price": "100.00",
        "status": "Active",
        "bedrooms": "6",
    }
    services.record_delete_logged(user=staff_user, schema=prop, record=record)
    refused = staff.post(edit, data)
    assert refused.status_code == 200
    text = refused.content.decode()
    assert "This record was deleted while you were editing it." in text
    assert 'value="6"' in text  # what was typed is still there
    new = url("record_create", prop.key)
    assert (
        f'value="as-new" class="button button--primary" formaction="{new}" id="save-as-new">'
        in text
    )
    # The error summary, which has focus, links to that button at the form's foot.
    assert '<a href="#save-as-new">Save it as a new property: what you typed goes' in text
    assert "Save as a new property</button>" in text
    # That button sends the same form, with the one-time id it came with, to the create; the
    # user's pins of the New form stay as they were (this form has none).
    preference_set(user=staff_user, name=carry_preference(prop), value=["status"])
    made = staff.post(new, {**data, "_submission": hidden(text, "_submission"), "_save": "as-new"})
    assert made.status_code == 303
    new_id = made["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert new_id != record.id
    again = services.record_get(schema=prop, record_id=new_id).properties
    assert again["address"] == "5 Vanishing Road" and again["bedrooms"] == 6
    assert preference_get(user=staff_user, name=carry_preference(prop)) == ["status"]


def test_a_long_value_carried_over_comes_back_through_the_session(staff, prop):
    """Carried in the address it would be refused (Django redirects to at most 16 KB, and
    gunicorn reads request lines of at most 4 KB): the record is saved and the next form
    gets the value all the same, once."""
    text = "Grand hall with a view. " + "Éé 漢字 " * 2000
    response = create(staff, prop, _save="another", description=text, _carry=["description"])
    assert response.status_code == 303
    location = response["Location"]
    assert location.endswith("/new/?records%3Acarried=1") and len(location) < 100
    page = staff.get(location).content.decode()
    assert html.escape(text.strip()) in page
    assert re.search(r'name="_carry" value="description"[^>]*checked', page)
    # Once: the same address later gives a plain form.
    assert html.escape(text.strip()) not in staff.get(location).content.decode()
