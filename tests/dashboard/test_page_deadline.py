"""Every records view answers within the page's deadline when the records API never does
(docs/reliability.md item 18): a page that says the API cannot be reached, or a form that keeps
what was typed and says what happened, never a hang. The list view's own cases are in
tests/dashboard/test_record_list.py."""

import time

import pytest

from tests.support.fake_service import KEY
from tests.support.forms import hidden_inputs
from tests.support.stub import Reply

RECORD = f"/objects/{KEY}/rec1/"
FORM = {"address": "1 Main Street", "price": "100001", "status": "active"}
UNREACHABLE = "cannot be reached"

# (address, form sent or None for a GET, what the answer says)
VIEWS = {
    "record page": (RECORD, None, UNREACHABLE),
    "edit form": (f"{RECORD}edit/", None, UNREACHABLE),
    "edit sent": (f"{RECORD}edit/", {"price": "200000"}, UNREACHABLE),
    "new form": (f"/objects/{KEY}/new/", None, "New property"),
    "new record sent": (f"/objects/{KEY}/new/", {}, "We could not confirm the save"),
    "delete page": (f"{RECORD}delete/", None, UNREACHABLE),
    "delete sent": (f"{RECORD}delete/", {}, UNREACHABLE),
    "export page": (f"/objects/{KEY}/export/", None, "Export"),
}


@pytest.mark.parametrize("view", VIEWS)
def test_a_stuck_api_never_hangs_a_records_view(view, staff_client, service, settings):
    settings.GHL_READ_TIMEOUT = 10
    address, sent, says = VIEWS[view]
    staff_client.get(f"/objects/{KEY}/")  # the schema and the users, read while the API answers
    form = None
    if sent is not None:  # the form as a browser sends it: read while the API answers
        form = {**FORM, **hidden_inputs(staff_client.get(address).content.decode()), **sent}
    service.stub.router = lambda seen: Reply(200, json={}, delay=10)
    started = time.monotonic()
    response = staff_client.post(address, form) if form else staff_client.get(address)
    took = time.monotonic() - started
    assert took < settings.GHL_PAGE_DEADLINE + 1, f"{view}: {took:.1f} s"
    assert response.status_code in (200, 503), f"{view}: {response.status_code}"
    page = response.content.decode()
    assert says in page, f"{view}: {page[:1500]}"
    if sent:
        assert 'value="1 Main Street"' in page, f"{view}: what was typed is kept"
