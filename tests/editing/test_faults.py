"""Whatever the records API does, a failed save re-renders the form with everything the user
typed and says what happened; nothing is ever sent twice (docs/reliability.md items 20, 26)."""

import html
import re

import pytest
from django.core.cache import cache
from django.http import QueryDict

from recordsadmin.client import breaker, endpoints, transport
from recordsadmin.client.config import connection
from recordsadmin.client.errors import RecordsApiError
from recordsadmin.records import services
from recordsadmin.records.models import RecordChange
from tests.support.stub import Reply, Stub, unused_port

from .helpers import PROPERTY_INPUT, hidden, url

pytestmark = pytest.mark.django_db(transaction=True)

UNCONFIRMED = "We could not confirm the save"
EDIT_UNCONFIRMED = "your changes may or may not have been saved"
NOTHING_SAVED = "Nothing was saved; your input is still here."
NOT_AN_OPTION = {
    "statusCode": 422,
    "message": ["status: 'Active' is not an option; use one of the keys: Pending"],
    "error": "Unprocessable Entity",
}
# Each fault: the reply, what a create then says, what an edit then says. A create is never
# sent twice, so any failure without an answer is unconfirmed; a PUT is retried on a gateway's
# 502/503/504, which did nothing, but a timeout, a dropped answer or a 500 may have saved it.
FAULTS = {
    "500": (
        Reply(500, json={"statusCode": 500, "message": "Internal"}),
        UNCONFIRMED,
        EDIT_UNCONFIRMED,
    ),
    "503": (Reply(503, json={"message": "Unavailable"}), UNCONFIRMED, NOTHING_SAVED),
    "timeout": (Reply(200, json={}, delay=2.5), UNCONFIRMED, EDIT_UNCONFIRMED),
    "dropped": (Reply(close=True), UNCONFIRMED, EDIT_UNCONFIRMED),
    "429": (
        Reply(429, json={"message": "Too many requests"}, headers={"Retry-After": "60"}),
        NOTHING_SAVED,
        NOTHING_SAVED,
    ),
    "422": (Reply(422, json=NOT_AN_OPTION), NOTHING_SAVED, NOTHING_SAVED),
}


def assert_input_kept(text: str) -> None:
    assert 'value="1 Test Lane"' in text
    assert 'value="350000"' in text
    assert 'value="agent@example.com"' in text
    assert re.search(r'name="features" value="pool"[^>]*checked', text)
    assert 'value="Open plan"' in text
    assert re.search(r'value="condo"[^>]*checked', text)


@pytest.mark.parametrize("fault", FAULTS)
def test_create_failures_keep_the_input(staff, prop, embedded, fault):
    reply, message, _ = FAULTS[fault]
    page = staff.get(url("record_create", prop.key))
    embedded.fail("POST", r"/records$", reply)
    data = {**PROPERTY_INPUT, "_submission": hidden(page.content, "_submission")}
    response = staff.post(url("record_create", prop.key), data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    text = response.content.decode()
    assert message in text
    assert_input_kept(text)
    if fault != "429":
        assert len(embedded.calls("POST", r"/records$")) == 1, "a create is sent once"
    if fault == "422":
        error_at = text.index('id="id_status_error"')
        assert "is not an option" in text[error_at : error_at + 300]
        assert 'href="#id_status"' in text
    change = RecordChange.objects.get(action="create")
    assert change.outcome == ("unknown" if message == UNCONFIRMED else "failed")
    assert change.error


def test_an_unconfirmed_create_is_not_resent_until_the_user_says_so(staff, prop, embedded):
    page = staff.get(url("record_create", prop.key))
    embedded.fail("POST", r"/records$", Reply(503, json={}))
    data = {**PROPERTY_INPUT, "_submission": hidden(page.content, "_submission")}
    first = staff.post(url("record_create", prop.key), data)
    assert UNCONFIRMED in first.content.decode()
    embedded.heal()
    again = staff.post(url("record_create", prop.key), data)
    assert again.status_code == 200 and UNCONFIRMED in again.content.decode()
    assert len(embedded.calls("POST", r"/records$")) == 1, "no blind resend"
    resent = staff.post(url("record_create", prop.key), {**data, "_resend": "1"})
    assert resent.status_code == 303
    assert len(embedded.calls("POST", r"/records$")) == 2


def test_a_refused_connection_keeps_the_input(staff, prop, embedded):
    page = staff.get(url("record_create", prop.key))
    embedded.refuse()
    data = {**PROPERTY_INPUT, "_submission": hidden(page.content, "_submission")}
    response = staff.post(url("record_create", prop.key), data)
    assert response.status_code == 200
    text = response.content.decode()
    assert NOTHING_SAVED in text and "cannot be reached" in text
    assert_input_kept(text)
    assert RecordChange.objects.get(action="create").outcome == "failed"


def test_with_only_a_stale_schema_the_form_comes_back_with_the_input(staff, prop, embedded):
    page = staff.get(url("record_create", prop.key))
    cache.delete(services.schema_cache_key(prop.key))  # expired; the stale copy is kept
    embedded.refuse()
    data = {**PROPERTY_INPUT, "_submission": hidden(page.content, "_submission")}
    response = staff.post(url("record_create", prop.key), data)
    assert response.status_code == 200
    text = response.content.decode()
    assert NOTHING_SAVED in text
    assert_input_kept(text)


def test_without_any_schema_the_posted_values_are_shown_and_can_be_sent_again(
    staff, prop, embedded, settings
):
    create = url("record_create", prop.key)
    page = staff.get(create)
    submission = hidden(page.content, "_submission")
    cache.clear()
    embedded.refuse()
    data = {**PROPERTY_INPUT, "description": "Line one\nLine two", "_submission": submission}
    response = staff.post(create, data)
    assert response.status_code == 503
    text = response.content.decode()
    assert "Nothing was saved" in text and NOTHING_SAVED in text
    assert "<code>address</code></dt><dd>1 Test Lane</dd>" in text
    assert "<code>features</code></dt><dd>pool</dd>" in text
    assert "<code>features</code></dt><dd>garage</dd>" in text
    assert "Line one<br>Line two" in text
    assert "rooms_kitchen: Open plan" in text, "the text to copy"
    again = _resend_pairs(text)
    assert ("_submission", submission) in again and ("address", "1 Test Lane") in again
    htmx = staff.post(create, data, headers={"HX-Request": "true"})
    assert htmx.status_code == 200 and b"<html" not in htmx.content
    assert b'id="record-page"' in htmx.content

    # Back again, at another address: "Send again" posts the same form, and it is saved once.
    with Stub() as back:
        back.router = embedded.route
        settings.GHL_API_URL = back.url
        transport.close_pool()
        sent = staff.post(create, _as_query(again))
        assert sent.status_code == 303, sent.content.decode()[:2000]
        assert staff.post(create, _as_query(again)).status_code == 303
        creates = [s for s in back.requests if s.method == "POST" and s.path.endswith("/records")]
        assert len(creates) == 1, "the second send points at the first's record"
    change = RecordChange.objects.get(action="create")
    assert change.outcome == "ok" and change.after["properties"]["address"] == "1 Test Lane"


def _resend_pairs(text: str) -> list[tuple[str, str]]:
    form = text[text.index('<form method="post"') : text.index("Send again")]
    return [
        (name, html.unescape(value))
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
        if name != "csrfmiddlewaretoken"
    ]


def _as_query(pairs) -> QueryDict:
    query = QueryDict(mutable=True)
    for name, value in pairs:
        query.appendlist(name, value)
    return query


def edit_data(text: str) -> dict:
    return {
        **PROPERTY_INPUT,
        "address": "1 Test Lane",
        "_version": hidden(text, "_version"),
    }


def edit_meeting(staff, prop, embedded, method: str, reply):
    """A record's edit form sent while the API answers its `method` calls with `reply`: the
    record, and the page that came back (a 200: the form again)."""
    record = services.record_create(
        schema=prop, properties={"address": "Before", "price": 1, "status": "Pending"}
    )
    form = staff.get(url("record_edit", prop.key, record.id)).content.decode()
    embedded.fail(method, r"/records/", reply)
    response = staff.post(url("record_edit", prop.key, record.id), edit_data(form))
    assert response.status_code == 200
    return record, response.content.decode()


@pytest.mark.parametrize("fault", FAULTS)
def test_edit_failures_keep_the_input(staff, prop, embedded, fault):
    reply, _, message = FAULTS[fault]
    record, text = edit_meeting(staff, prop, embedded, "PUT", reply)
    assert message in text
    assert_input_kept(text)
    assert services.record_get(schema=prop, record_id=record.id).properties["address"] == "Before"
    if fault == "422":
        assert 'id="id_status_error"' in text
    unconfirmed = message == EDIT_UNCONFIRMED
    assert (NOTHING_SAVED in text) is not unconfirmed
    if unconfirmed:
        check = url("record_detail", prop.key, record.id)
        assert f'<a href="{check}" target="_blank" rel="noopener">Open the record' in text
    change = RecordChange.objects.get(action="update")
    assert change.outcome == ("unknown" if unconfirmed else "failed")


@pytest.mark.parametrize("fault", ["500", "503", "timeout", "dropped"])
def test_an_edit_whose_read_before_the_save_fails_says_nothing_was_saved(
    staff, prop, embedded, fault
):
    # The record is read just before the save (is it still the version the form showed?):
    # when that read fails, no PUT was sent, whatever became of the read.
    _record, text = edit_meeting(staff, prop, embedded, "GET", FAULTS[fault][0])
    assert NOTHING_SAVED in text and EDIT_UNCONFIRMED not in text
    assert_input_kept(text)
    assert not embedded.calls("PUT")


def test_an_edit_saved_but_answered_with_500_is_not_called_unsaved(staff, prop, embedded):
    record = services.record_create(
        schema=prop, properties={"address": "Before", "price": 1, "status": "Pending"}
    )
    form = staff.get(url("record_edit", prop.key, record.id)).content.decode()
    original = embedded.route

    def save_then_fail(seen):
        answer = original(seen)
        return Reply(500, json={"message": "Internal"}) if seen.method == "PUT" else answer

    embedded.stub.router = save_then_fail
    response = staff.post(url("record_edit", prop.key, record.id), edit_data(form))
    text = response.content.decode()
    assert response.status_code == 200
    assert EDIT_UNCONFIRMED in text and NOTHING_SAVED not in text
    assert 'value="1 Test Lane"' in text
    saved = services.record_get(schema=prop, record_id=record.id)
    assert saved.properties["address"] == "1 Test Lane", "the PUT had been applied"
    assert RecordChange.objects.get(action="update").outcome == "unknown"


def test_edit_when_the_api_is_refused_keeps_the_input(staff, prop, embedded):
    record = services.record_create(
        schema=prop, properties={"address": "Before", "price": 1, "status": "Pending"}
    )
    form = staff.get(url("record_edit", prop.key, record.id)).content.decode()
    embedded.refuse()
    response = staff.post(url("record_edit", prop.key, record.id), edit_data(form))
    assert response.status_code == 200
    text = response.content.decode()
    assert NOTHING_SAVED in text and "cannot be reached" in text
    assert_input_kept(text)


def test_edit_without_any_schema_shows_what_was_posted(staff, prop, embedded):
    record = services.record_create(
        schema=prop, properties={"address": "Before", "price": 1, "status": "Pending"}
    )
    form = staff.get(url("record_edit", prop.key, record.id)).content.decode()
    cache.clear()
    embedded.refuse()
    response = staff.post(url("record_edit", prop.key, record.id), edit_data(form))
    assert response.status_code == 503
    text = response.content.decode()
    assert NOTHING_SAVED in text and "<code>address</code></dt><dd>1 Test Lane</dd>" in text
    assert ("_version", hidden(form, "_version")) in _resend_pairs(text)


def test_edit_with_an_untrusted_version_and_the_api_down_keeps_the_input(staff, prop, embedded):
    record = services.record_create(
        schema=prop, properties={"address": "Before", "price": 1, "status": "Pending"}
    )
    staff.get(url("record_edit", prop.key, record.id))
    embedded.refuse()
    data = {**PROPERTY_INPUT, "_version": "forged"}
    response = staff.post(url("record_edit", prop.key, record.id), data)
    assert response.status_code == 200
    text = response.content.decode()
    assert NOTHING_SAVED in text
    assert_input_kept(text)


@pytest.mark.parametrize(
    ("body", "under_field"),
    [
        ({"statusCode": 400, "message": "agent_phone must be a phone number"}, "agent_phone"),
        ({"message": "bad", "errors": {"bedrooms": ["bedrooms is too many"]}}, "bedrooms"),
        ({"statusCode": 400, "message": "Something else entirely"}, None),
        ({"message": "bad", "errors": {"owner": ["owner u9 is not a user"]}}, "_owner"),
        ({"statusCode": 422, "message": ["owner must be a user of this location"]}, "_owner"),
    ],
)
def test_api_messages_are_placed_under_the_field_they_name(
    staff, prop, embedded, body, under_field
):
    page = staff.get(url("record_create", prop.key))
    embedded.fail("POST", r"/records$", Reply(400, json=body))
    data = {**PROPERTY_INPUT, "_submission": hidden(page.content, "_submission")}
    text = staff.post(url("record_create", prop.key), data).content.decode()
    summary = text[text.index("error-summary") : text.index("</ul>", text.index("error-summary"))]
    if under_field:
        error_at = text.index(f'id="id_{under_field}_error"')
        assert under_field.strip("_") in text[error_at : error_at + 200]
        assert f'href="#id_{under_field}"' in summary
        assert f'aria-describedby="id_{under_field}_error' in text
    else:
        assert "Something else entirely" in summary
        assert 'class="error"' not in text.split("error-summary", 1)[1].split("_owner")[0]


@pytest.mark.parametrize(
    ("reply", "applied"),
    [
        (Reply(500, json={"message": "Internal"}), True),
        (Reply(200, json={}, delay=1.0), True),
        (Reply(close=True), True),
        (Reply(200, body=b"<html>"), True),
        (Reply(502), False),
        (Reply(503), False),
        (Reply(504), True),  # the gateway gave up waiting: the service may have done it
        (Reply(302, headers={"Location": "http://elsewhere/"}), False),
        (Reply(422, json={"message": "no"}), False),
        (None, False),  # nobody listening: the connection is refused
    ],
)
def test_what_a_failed_put_may_have_done(settings, reply, applied):
    """As the records client reports it: may the PUT have changed the record?"""
    from tests.support.apis import FAST_FAILURE, use_records_api
    from tests.support.stub import Stub

    with Stub() as stub:
        stub.default = reply or Reply()
        target = stub.url if reply else f"http://127.0.0.1:{unused_port()}"
        use_records_api(
            settings,
            url=target,
            token="t" * 30,
            location_id="loc1",
            clear_cache=False,
            **{**FAST_FAILURE, "GHL_MAX_RETRIES": 0},
        )
        with pytest.raises(RecordsApiError) as caught:
            endpoints.record_update("custom_objects.x", "rec1", {"properties": {"a": 1}})
    assert services.update_may_have_applied(caught.value) is applied, repr(caught.value)


@pytest.mark.parametrize(
    ("reply", "outcome", "says"),
    [
        (Reply(500, json={"message": "Internal"}), "unknown", "could not confirm the delete"),
        (Reply(close=True), "unknown", "could not confirm the delete"),
        (Reply(503), "failed", "cannot be reached"),
        (Reply(422, json={"message": "no"}), "failed", "refused this request"),
    ],
)
def test_a_failed_delete_says_whether_it_may_have_happened(
    staff, prop, embedded, reply, outcome, says
):
    record = services.record_create(
        schema=prop, properties={"address": "5 Doubt Road", "price": 1, "status": "Active"}
    )
    embedded.fail("DELETE", r"/records/", reply)
    response = staff.post(url("record_delete", prop.key, record.id), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert says in response.content.decode()
    assert RecordChange.objects.get(action="delete").outcome == outcome


def test_while_the_breaker_is_open_forms_keep_the_input_and_send_nothing(
    staff, prop, embedded, settings
):
    """docs/reliability.md items 23 and 26: the create and the edit come back at once with
    every value and the time the API is tried again; no write reaches the API."""
    settings.RECORDS_BREAKER_FAILURES = 2
    record = services.record_create(
        schema=prop, properties={"address": "Before", "price": 1, "status": "Pending"}
    )
    form = staff.get(url("record_edit", prop.key, record.id)).content.decode()
    page = staff.get(url("record_create", prop.key))
    service = connection().service
    for _ in range(2):  # two failures seen by this process's breaker
        breaker.installed().record(service, failed=True)
    sent = len(embedded.stub.requests)
    data = {**PROPERTY_INPUT, "_submission": hidden(page.content, "_submission")}
    for response in (
        staff.post(url("record_create", prop.key), data),
        staff.post(url("record_edit", prop.key, record.id), edit_data(form)),
    ):
        assert response.status_code == 200
        text = response.content.decode()
        assert "it will try again at" in text and text.count(NOTHING_SAVED) == 1
        assert_input_kept(text)
    assert len(embedded.stub.requests) == sent  # not even the edit's read went
    assert RecordChange.objects.get(action="create").outcome == "failed"
