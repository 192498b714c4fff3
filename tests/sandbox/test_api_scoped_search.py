"""Field-scoped queries over HTTP: `key:value` in search's `query` looks in one searchable
property (recordsadmin/contract/textquery.py, docs/records-api.md), in both forms of the call.

The demo's property object searches `address` and `description`; `price` is a field that is
not searchable.
"""

import pytest

from recordsadmin.contract.limits import MAX_QUERY_LENGTH
from recordsadmin.sandbox.demo import PROPERTY_KEY

from .conftest import SEED_PROPERTIES

pytestmark = pytest.mark.django_db(transaction=True)

SEARCH = f"/objects/{PROPERTY_KEY}/records/search"


def found(sandbox, query: str) -> tuple[set[str], set[str]]:
    """The ids that the GET form and the POST form find for `query`, which must agree."""
    got = sandbox.get(SEARCH, params={"query": query, "limit": 100})
    posted = sandbox.post(SEARCH, json={"query": query, "pageLimit": 100})
    assert got.status_code == posted.status_code == 200, (got.text, posted.text)
    by_get = {r["id"] for r in got.json()["records"]}
    by_post = {r["id"] for r in posted.json()["records"]}
    assert by_get == by_post
    assert got.json()["total"] == posted.json()["total"] == len(by_get)
    return by_get


def make(sandbox, address: str, description: str) -> str:
    properties = {**SEED_PROPERTIES, "address": address, "description": description}
    response = sandbox.create(properties)
    assert response.status_code == 200, response.text
    return response.json()["record"]["id"]


def test_a_scoped_query_finds_matches_in_that_property_only(sandbox):
    on_road = make(sandbox, "17 Quillfeather Road", "Bright and quiet")
    near_park = make(sandbox, "2 Elm Street", "Two minutes from Quillfeather Park")
    assert found(sandbox, "quillfeather") == {on_road, near_park}
    assert found(sandbox, "address:quillfeather") == {on_road}
    assert found(sandbox, "description:quillfeather") == {near_park}
    # Key and value in any letter case, the value trimmed.
    assert found(sandbox, "ADDRESS: QuillFeather ROAD ") == {on_road}
    assert found(sandbox, "Description:QUILLFEATHER park") == {near_park}
    assert found(sandbox, "address:quillfeather park") == set()


def test_an_unsearchable_or_unknown_key_is_searched_as_plain_text(sandbox):
    priced = make(sandbox, "3 Zephyrine Close", "Asking price:95000 firm")
    tinted = make(sandbox, "4 Zephyrine Close", "colour:teal shutters")
    # price is a field, but not searchable; colour is no field at all. Neither is refused.
    assert found(sandbox, "price:95000") == {priced}
    assert found(sandbox, "colour:teal") == {tinted}
    assert found(sandbox, "price:350000") == set()


def test_the_query_limit_counts_the_key_too(sandbox):
    key = "address:"
    at_limit = key + "q" * (MAX_QUERY_LENGTH - len(key))
    assert found(sandbox, at_limit) == set()
    over = at_limit + "q"
    for response in (
        sandbox.get(SEARCH, params={"query": over}),
        sandbox.post(SEARCH, json={"query": over}),
    ):
        assert response.status_code in (400, 422), response.text
        assert "query" in str(response.json()["message"])


def test_a_key_with_no_value_asks_for_no_text(sandbox):
    everything = sandbox.get(SEARCH, params={"limit": 1}).json()["total"]
    response = sandbox.get(SEARCH, params={"query": "address:", "limit": 1})
    assert response.status_code == 200
    assert response.json()["total"] == everything > 0
