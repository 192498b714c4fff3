"""Contacts over HTTP: search, read, create (docs/records-api.md, Contacts)."""

import pytest
from django.db import IntegrityError, transaction

from recordsadmin.sandbox.models import Contact

pytestmark = pytest.mark.django_db(transaction=True)


def test_search_pages_through_every_contact_by_name(sandbox):
    everyone = Contact.objects.filter(location=sandbox.location)
    first = sandbox.post("/contacts/search", json={"locationId": sandbox.location_id})
    assert first.status_code == 200
    body = first.json()
    assert body["total"] == everyone.count() == 20
    assert len(body["contacts"]) == 20
    names = [(c["lastName"], c["firstName"], c["id"]) for c in body["contacts"]]
    assert names == sorted(names)
    pages = [
        sandbox.post("/contacts/search", json={"page": page, "pageLimit": 7}).json()
        for page in (1, 2, 3, 4)
    ]
    assert [len(p["contacts"]) for p in pages] == [7, 7, 6, 0]
    assert [c["id"] for p in pages for c in p["contacts"]] == [c["id"] for c in body["contacts"]]


def test_search_by_part_of_a_name_email_or_phone_in_any_case(sandbox):
    contact = Contact.objects.filter(location=sandbox.location).exclude(phone="").first()
    for query in (
        contact.first_name.upper(),
        f" {contact.name.lower()} ",
        contact.email.split("@")[0],
        contact.phone[-4:],
    ):
        found = sandbox.post("/contacts/search", json={"query": query}).json()
        assert contact.id in [c["id"] for c in found["contacts"]], query
        assert found["total"] >= 1
    none = sandbox.post("/contacts/search", json={"query": "no such person"}).json()
    assert none == {"contacts": [], "total": 0}


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"query": "x" * 76}, 400, "query"),
        ({"pageLimit": 101}, 400, "pageLimit"),
        ({"page": 0}, 400, "page"),
        ({"page": "2"}, 400, "page"),
        ({"query": 5}, 400, "query"),
        ({"filters": []}, 422, "filters"),
    ],
)
def test_a_bad_search_is_refused_naming_what(sandbox, body, status, field):
    response = sandbox.post("/contacts/search", json=body)
    assert response.status_code == status
    assert list(response.json()["errors"]) == [field]


def test_get_a_contact_and_unknown_or_another_locations_is_404(sandbox, other_sandbox):
    contact = Contact.objects.filter(location=sandbox.location).first()
    response = sandbox.get(f"/contacts/{contact.id}")
    assert response.status_code == 200
    got = response.json()["contact"]
    assert (got["id"], got["email"], got["name"]) == (contact.id, contact.email, contact.name)
    assert sandbox.get("/contacts/000000000000000000000000").status_code == 404
    theirs = Contact.objects.filter(location=other_sandbox.location).first()
    assert sandbox.get(f"/contacts/{theirs.id}").status_code == 404


def test_create_a_contact_then_find_it(sandbox):
    response = sandbox.post(
        "/contacts/",
        json={
            "locationId": sandbox.location_id,
            "name": "Zora Quill",
            "email": "zora@example.com",
            "phone": "+1 (555) 010-2030",
            "companyName": None,
        },
    )
    assert response.status_code == 201, response.text
    made = response.json()["contact"]
    assert (made["firstName"], made["lastName"]) == ("Zora", "Quill")
    assert sandbox.get(f"/contacts/{made['id']}").json()["contact"] == made
    found = sandbox.post("/contacts/search", json={"query": "zora q"}).json()
    assert [c["id"] for c in found["contacts"]] == [made["id"]]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 400, "name"),
        ({"firstName": "  "}, 400, "name"),
        ({"email": "not-an-address"}, 400, "email"),
        ({"phone": "12"}, 400, "phone"),
        ({"phone": "call me"}, 400, "phone"),
        ({"firstName": "A" * 101}, 400, "firstName"),
        ({"lastName": ["Quill"]}, 400, "lastName"),
        ({"tags": ["buyer"]}, 422, "tags"),
    ],
)
def test_a_bad_contact_is_refused_naming_what_and_nothing_is_made(sandbox, body, status, field):
    before = Contact.objects.count()
    response = sandbox.post("/contacts/", json=body)
    assert response.status_code == status, response.text
    assert list(response.json()["errors"]) == [field]
    assert Contact.objects.count() == before


def test_an_email_belongs_to_one_contact_of_the_location(sandbox, other_sandbox):
    made = sandbox.post("/contacts/", json={"email": "dup@example.com"}).json()["contact"]
    response = sandbox.post("/contacts/", json={"email": "DUP@example.com", "name": "Other"})
    assert response.status_code == 400
    assert made["id"] in response.json()["errors"]["email"][0]
    elsewhere = other_sandbox.post("/contacts/", json={"email": "dup@example.com"})
    assert elsewhere.status_code == 201


def test_the_database_keeps_one_contact_per_email_even_at_the_same_moment(sandbox):
    """Two creates that both checked before either wrote: the second insert is refused."""
    Contact.objects.create(location=sandbox.location, email="same@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(location=sandbox.location, email="SAME@example.com")
    Contact.objects.create(location=sandbox.location, email="")
    Contact.objects.create(location=sandbox.location, email="")  # no email: no constraint
