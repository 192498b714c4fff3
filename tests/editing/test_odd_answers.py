"""Answers that do not carry what the operation returns, through the proxy in front of the
embedded API: the record page, the edit form, the delete page, a save, a create and the
table say that the API answered in a form we do not understand; a write keeps the input and
says its outcome is unknown, as its history row does. Never a 500."""

import pytest

from recordsadmin.records import services
from recordsadmin.records.models import RecordChange
from tests.support.stub import Reply

from .helpers import PROPERTY_INPUT, hidden, url
from .test_faults import EDIT_UNCONFIRMED, UNCONFIRMED, assert_input_kept, edit_data

pytestmark = pytest.mark.django_db(transaction=True)

ODD = "answered in a form we do not understand"
# What a record GET, PUT or POST answered instead of `{"record": {...}}`.
SHAPES = {
    "empty": Reply(200, json={}),
    "another key": Reply(200, json={"data": {"id": "x1", "properties": {"address": "A"}}}),
    "no id": Reply(200, json={"record": {"properties": {"address": "A"}}}),
    "a list": Reply(200, json=[{"id": "x1"}]),
}
HTMX = {"HX-Request": "true"}


@pytest.fixture
def record(prop):
    return services.record_create(
        schema=prop, properties={"address": "Before", "price": 1, "status": "Pending"}
    )


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("page", ["record_detail", "record_edit", "record_delete"])
def test_a_record_read_in_an_odd_shape_is_said_so(staff, prop, embedded, record, page, shape):
    embedded.fail("GET", rf"/records/{record.id}$", SHAPES[shape])
    response = staff.get(url(page, prop.key, record.id))
    assert response.status_code == 502
    text = response.content.decode()
    assert ODD in text and "HTTP 200" in text
    assert len(embedded.writes) == 1  # the fixture's create, nothing since


@pytest.mark.parametrize("shape", SHAPES)
def test_an_edit_saved_but_answered_in_an_odd_shape_keeps_the_input(
    staff, prop, embedded, record, shape
):
    form = staff.get(url("record_edit", prop.key, record.id)).content.decode()
    # The API carries the PUT out; its answer does not hold the record.
    embedded.fail("PUT", r"/records/", SHAPES[shape], applied=True)
    response = staff.post(url("record_edit", prop.key, record.id), edit_data(form))
    assert response.status_code == 200
    text = response.content.decode()
    assert ODD in text and EDIT_UNCONFIRMED in text
    assert_input_kept(text)
    assert len(embedded.calls("PUT", r"/records/")) == 1, "not sent again"
    change = RecordChange.objects.get(action="update")
    assert change.outcome == "unknown" and ODD in change.error
    # It was applied: the record has the new values.
    assert (
        services.record_get(schema=prop, record_id=record.id).properties["address"]
        == (PROPERTY_INPUT["address"])
    )


@pytest.mark.parametrize("shape", SHAPES)
def test_a_create_answered_in_an_odd_shape_is_unconfirmed(staff, prop, embedded, shape):
    page = staff.get(url("record_create", prop.key))
    embedded.fail("POST", r"/records$", SHAPES[shape], applied=True)
    data = {**PROPERTY_INPUT, "_submission": hidden(page.content, "_submission")}
    response = staff.post(url("record_create", prop.key), data, headers=HTMX)
    assert response.status_code == 200
    text = response.content.decode()
    assert ODD in text and UNCONFIRMED in text
    assert_input_kept(text)
    assert len(embedded.calls("POST", r"/records$")) == 1
    change = RecordChange.objects.get(action="create")
    assert change.outcome == "unknown" and ODD in change.error
    again = staff.post(url("record_create", prop.key), data)
    assert UNCONFIRMED in again.content.decode()
    assert len(embedded.calls("POST", r"/records$")) == 1, "no blind resend"


@pytest.mark.parametrize(
    "reply",
    [
        Reply(200, json={}),
        Reply(200, json={"data": [], "total": 0}),
        Reply(200, json={"records": None, "total": 3}),
    ],
    ids=["empty", "another key", "null"],
)
def test_a_search_without_records_is_not_an_empty_table(staff, prop, embedded, reply):
    embedded.fail("POST", r"/records/search$", reply)
    response = staff.get(url("record_list", prop.key), headers=HTMX)
    text = response.content.decode()
    assert ODD in text and "list of records" in text
    assert "No records" not in text
