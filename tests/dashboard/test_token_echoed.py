"""A records API that echoes the bearer token in its error messages never gets it onto a page
or into a log line (docs/reliability.md item 16, over whole pages: the client's own cases are in
tests/records/test_api_faults.py)."""

import html
import logging

import pytest

from tests.support.fake_service import KEY, TOKEN
from tests.support.forms import hidden_inputs
from tests.support.stub import Reply

ECHO = f"Authorization: Bearer {TOKEN}"
FORM = {"address": "1 Main Street", "price": "100001", "status": "active"}


def echoing(service, status: int):
    """Writes and reads of records answered `status` with the token in every message."""
    route = service.route

    def answer(seen):
        if "/records" in seen.path:
            body = {"statusCode": status, "message": [f"{ECHO} refused"], "error": ECHO}
            return Reply(status, json=body)
        return route(seen)

    return answer


@pytest.mark.parametrize("status", [400, 404, 422, 500])
def test_an_api_that_echoes_the_token_never_shows_it(staff_client, service, caplog, status):
    caplog.set_level(logging.DEBUG)
    table = f"/objects/{KEY}/"
    staff_client.get(table)  # the schema and the users, read while the API answers
    new = f"/objects/{KEY}/new/"
    form = {**FORM, **hidden_inputs(staff_client.get(new).content.decode())}
    service.stub.router = echoing(service, status)
    pages = [
        staff_client.get(table, headers={"HX-Request": "true"}),
        staff_client.get(f"{table}rec1/"),
        staff_client.get(f"{table}rec1/edit/"),
        staff_client.post(new, form),
    ]
    assert [seen for seen in service.stub.requests if "/records" in seen.path]
    for response in pages:
        assert response.status_code != 500  # a page that says what the API answered
        text = response.content.decode()
        assert TOKEN not in text and TOKEN not in html.unescape(text)
        assert TOKEN not in str(response.headers)
    assert caplog.records and TOKEN not in caplog.text
