"""A visit to an address that only takes a sent form gets a page that says so (405, with Allow),
not Django's empty answer that a browser shows as its own error; and a form sent by someone
signed out comes back, after signing in, to the page it was sent from."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

BULK_START = "/objects/custom_objects.property/bulk/start/"
BULK = "/objects/custom_objects.property/bulk/"
TABLE = "/objects/custom_objects.property/"


@pytest.mark.parametrize("who", ["staff_user", "viewer"])
@pytest.mark.parametrize("address", [BULK_START, "/accounts/logout/", "/accounts/theme/"])
def test_a_visit_to_a_form_only_address_gets_a_page_that_says_so(address, who, request):
    client = Client()
    client.force_login(request.getfixturevalue(who))
    response = client.get(address)
    assert response.status_code == 405
    assert "POST" in response["Allow"]
    page = response.content.decode()
    assert "<h1>Nothing to show here</h1>" in page and "Nothing was changed." in page
    # Back to the object's table when the address names one, else to the dashboard.
    back = f'href="{TABLE}">Back to the records' if address.startswith(TABLE) else 'href="/">'
    assert back in page


def test_an_htmx_visit_or_another_method_keeps_the_bare_answer(staff_user):
    client = Client()
    client.force_login(staff_user)
    htmx = client.get(BULK_START, headers={"HX-Request": "true"})
    assert htmx.status_code == 405 and htmx.content == b""
    put = client.put(BULK_START)
    assert put.status_code == 405 and put.content == b""


def next_of(response) -> str:
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/accounts/login/"
    return parse_qs(location.query)["next"][0]


def test_a_form_sent_signed_out_comes_back_to_the_page_it_was_sent_from(client):
    sent_from = f"{TABLE}?f.status=Active"
    answer = client.post(BULK, {"ids": ["a"]}, headers={"Referer": f"http://testserver{sent_from}"})
    assert next_of(answer) == sent_from


@pytest.mark.parametrize(
    "referer",
    [
        None,
        "https://elsewhere.example/objects/",
        "not a url",
        "http://testserver//elsewhere.example/objects/",
    ],
)
def test_without_a_referer_of_this_site_it_comes_back_to_the_address_sent_to(client, referer):
    headers = {"Referer": referer} if referer else {}
    assert next_of(client.post(BULK, {"ids": ["a"]}, headers=headers)) == BULK
