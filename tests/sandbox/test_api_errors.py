"""Each error case of the contract, and the real service's spellings, over HTTP.

docs/records-api.md describes the contract and how the real service answers."""

import pytest
import requests

from recordsadmin.sandbox.demo import PROPERTY_KEY
from recordsadmin.sandbox.models import ObjectSchema, Record

from .conftest import SEED_PROPERTIES, VERSION

pytestmark = pytest.mark.django_db(transaction=True)

RECORDS = f"/objects/{PROPERTY_KEY}/records"
INVALID_TOKEN = {
    "statusCode": 401,
    "message": "Invalid token: access token is invalid",
    "error": "Unauthorized",
}


def some_record(sandbox) -> Record:
    return Record.objects.filter(location=sandbox.location, object__key=PROPERTY_KEY).first()


# --- auth and headers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization", [None, "Bearer", "Bearer pit-unknown", "Basic dXNlcjpwYXNz", "pit-x"]
)
def test_missing_or_unknown_token_is_401_with_the_exact_body(sandbox, authorization):
    headers = {"Version": VERSION}
    if authorization:
        headers["Authorization"] = authorization
    response = requests.get(sandbox.url + "/objects/", headers=headers, timeout=10)
    assert response.status_code == 401
    assert response.json() == INVALID_TOKEN


def test_every_route_wants_the_token(sandbox):
    record = some_record(sandbox)
    for method, path in [
        ("GET", "/users/"),
        ("POST", RECORDS),
        ("GET", f"{RECORDS}/{record.id}"),
        ("DELETE", f"{RECORDS}/{record.id}"),
        ("GET", f"{RECORDS}/search"),
        ("GET", f"/custom-fields/object-key/{PROPERTY_KEY}"),
    ]:
        response = requests.request(
            method, sandbox.url + path, headers={"Version": VERSION}, json={}, timeout=10
        )
        assert response.status_code == 401, (method, path)
    assert Record.objects.filter(id=record.id).exists()


@pytest.mark.parametrize("version", [None, "2021-04-15", ""])
def test_missing_or_other_version_header_is_400_naming_it(sandbox, version):
    headers = {"Authorization": f"Bearer {sandbox.token}"}
    if version is not None:
        headers["Version"] = version
    response = requests.get(sandbox.url + "/objects/", headers=headers, timeout=10)
    assert response.status_code == 400
    body = response.json()
    assert body["statusCode"] == 400 and body["error"] == "Bad Request"
    assert "Version" in body["message"] and VERSION in body["message"]


def test_another_location_id_in_the_query_is_401(sandbox):
    response = sandbox.get("/objects/", params={"locationId": "someone-elses"})
    assert response.status_code == 401
    assert response.json()["message"] == "This location is not accessible from this token."


def test_another_location_id_in_the_body_is_401_and_nothing_is_written(sandbox):
    before = Record.objects.count()
    response = sandbox.create(SEED_PROPERTIES, locationId="someone-elses")
    assert response.status_code == 401
    assert response.json()["message"] == "This location is not accessible from this token."
    assert Record.objects.count() == before


def test_another_location_id_in_a_delete_body_is_401(sandbox):
    record = some_record(sandbox)
    response = sandbox.delete(f"{RECORDS}/{record.id}", json={"locationId": "someone-elses"})
    assert response.status_code == 401
    assert Record.objects.filter(id=record.id).exists()


def test_the_own_location_id_is_accepted_in_query_or_body(sandbox):
    created = sandbox.create(SEED_PROPERTIES, locationId=sandbox.location_id)
    assert created.status_code == 200
    path = f"{RECORDS}/{created.json()['record']['id']}"
    params = {"locationId": sandbox.location_id}
    assert sandbox.put(path, params=params, json={"properties": {"price": 2}}).status_code == 200
    assert sandbox.get(path, params=params).status_code == 200
    assert sandbox.delete(path, params=params).status_code == 200


# --- bodies ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", [b"{not json", b"", b"[1, 2]", b'"text"', b"null", b'{"price": NaN}', b"\xff\xfe{"]
)
def test_malformed_json_or_a_body_that_is_not_an_object_is_400(sandbox, raw):
    response = sandbox.post(RECORDS, data=raw)
    assert response.status_code == 400
    body = response.json()
    assert body["statusCode"] == 400 and isinstance(body["message"], str)


def test_unknown_body_property_is_422_as_the_real_service_says(sandbox):
    response = sandbox.create(SEED_PROPERTIES, id="abc", createdAt="2020-01-01")
    assert response.status_code == 422
    body = response.json()
    assert sorted(body["message"]) == [
        "property createdAt should not exist",
        "property id should not exist",
    ]
    assert set(body["errors"]) == {"id", "createdAt"}


def test_create_without_properties_is_400(sandbox):
    response = sandbox.post(RECORDS, json={"owner": None})
    assert response.status_code == 400
    assert "properties" in response.json()["errors"]


def test_unknown_property_key_is_400_naming_it(sandbox):
    response = sandbox.create({**SEED_PROPERTIES, "Address": "x"})
    assert response.status_code == 400
    assert "Address" in response.json()["message"]
    assert list(response.json()["errors"]) == ["Address"]


def test_a_boolean_is_not_a_number(sandbox):
    response = sandbox.create({**SEED_PROPERTIES, "bedrooms": True})
    assert response.status_code == 400
    assert "bedrooms" in response.json()["errors"]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("agent_phone", "call me"),
        ("agent_email", "nobody"),
        ("listed_on", "03/07/2026"),
        ("rooms", ["kitchen"]),
        ("photos", [{"name": "no url"}]),
        ("description", 42),
    ],
)
def test_wrong_values_per_data_type_are_400(sandbox, key, value):
    response = sandbox.create({**SEED_PROPERTIES, key: value})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [key]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("address", 42),  # TEXT
        ("address", ["742 Evergreen Terrace"]),
        ("description", {"text": "x"}),  # LARGE_TEXT
        ("status", 5),  # SINGLE_OPTIONS: one key, a string
        ("status", ["Active"]),
        ("property_type", True),  # RADIO
        ("features", "pool"),  # MULTIPLE_OPTIONS: a list of keys
        ("features", [1, 2]),
        ("amenities", {"gym": True}),  # CHECKBOX
    ],
)
def test_wrong_types_for_text_and_option_fields_are_400_not_422(sandbox, key, value):
    before = Record.objects.count()
    response = sandbox.create({**SEED_PROPERTIES, key: value})
    assert response.status_code == 400
    body = response.json()
    assert list(body["errors"]) == [key]
    assert key in body["message"] and isinstance(body["message"], str)
    assert Record.objects.count() == before


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("features", ["pool", "moat"]),
        ("property_type", "castle"),
        ("amenities", ["sauna"]),
        ("rooms", {"attic": "Dusty"}),
    ],
)
def test_values_not_among_the_options_are_422(sandbox, key, value):
    response = sandbox.create({**SEED_PROPERTIES, key: value})
    assert response.status_code == 422
    body = response.json()
    assert isinstance(body["message"], list)
    assert list(body["errors"]) == [key]


def test_clearing_a_required_field_with_null_is_400_and_changes_nothing(sandbox):
    record = some_record(sandbox)
    response = sandbox.put(f"{RECORDS}/{record.id}", json={"properties": {"price": None}})
    assert response.status_code == 400
    assert response.json()["errors"] == {"price": ["price is required and cannot be cleared"]}
    record_after = Record.objects.get(id=record.id)
    assert record_after.properties == record.properties
    assert record_after.version == record.version


def test_null_clears_an_optional_field(sandbox):
    record = some_record(sandbox)
    response = sandbox.put(f"{RECORDS}/{record.id}", json={"properties": {"bedrooms": None}})
    assert response.status_code == 200
    assert "bedrooms" not in response.json()["record"]["properties"]
    assert "bedrooms" not in Record.objects.get(id=record.id).properties


def test_update_of_an_unknown_record_is_404(sandbox):
    response = sandbox.put(f"{RECORDS}/nope", json={"properties": {"price": 1}})
    assert response.status_code == 404
    assert sandbox.delete(f"{RECORDS}/nope").status_code == 404


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_unknown_object_is_404_on_the_object_calls(sandbox, method):
    before = ObjectSchema.objects.filter(location=sandbox.location).count()
    body = {"labels": {"singular": "Nope", "plural": "Nopes"}} if method == "PUT" else None
    response = sandbox.call(method, "/objects/custom_objects.nope", json=body)
    assert response.status_code == 404
    assert response.json() == {
        "statusCode": 404,
        "message": "Custom Object (custom_objects.nope) not found",
        "error": "Not Found",
    }
    assert ObjectSchema.objects.filter(location=sandbox.location).count() == before


def test_unknown_object_is_404_on_every_record_call(sandbox):
    for method in ("GET", "PUT", "DELETE"):
        response = sandbox.call(method, "/objects/custom_objects.nope/records/x", json={})
        assert response.status_code == 404
        assert response.json()["message"] == "Custom Object (custom_objects.nope) not found"
    assert sandbox.get("/objects/custom_objects.nope/records/search").status_code == 404


# --- search parameters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 101}, {"limit": "ten"}, {"offset": -1}, {"offset": "x"}],
)
def test_bad_limit_or_offset_is_400(sandbox, params):
    response = sandbox.get(f"{RECORDS}/search", params=params)
    assert response.status_code == 400
    name = next(iter(params))
    assert name in response.json()["message"]
    assert name in response.json()["errors"]


def test_unknown_field_in_a_filter_or_sort_is_400_naming_it(sandbox):
    response = sandbox.get(f"{RECORDS}/search", params={"properties.Price": "1"})
    assert response.status_code == 400
    assert "Price" in response.json()["message"]
    response = sandbox.get(f"{RECORDS}/search", params={"sortBy": "properties.colour"})
    assert response.status_code == 400
    assert "colour" in response.json()["message"]


@pytest.mark.parametrize(
    ("key", "data_type"),
    [
        ("features", "MULTIPLE_OPTIONS"),
        ("amenities", "CHECKBOX"),
        ("rooms", "TEXTBOX_LIST"),
        ("photos", "FILE_UPLOAD"),
    ],
)
def test_sorting_by_a_list_text_box_or_file_field_is_400_saying_what_sorts(sandbox, key, data_type):
    by_get = sandbox.get(f"{RECORDS}/search", params={"sortBy": f"properties.{key}"})
    by_post = sandbox.post(f"{RECORDS}/search", json={"sort": [{"field": key}]})
    for response, name in ((by_get, f"properties.{key}"), (by_post, key)):
        assert response.status_code == 400
        message = response.json()["errors"][name][0]
        assert message == response.json()["message"]
        assert f"Cannot sort by {name}: a {data_type} field" in message
        assert "no order" in message
        assert "createdAt, updatedAt" in message and "NUMERICAL" in message and "DATE" in message
        assert data_type not in message.split("of type", 1)[1]


@pytest.mark.parametrize("value", [10**400, -(10**400), "1e400"])
def test_a_filter_number_past_every_float_is_400_not_a_crash(sandbox, value):
    search = {
        "filters": [{"field": "properties.price", "operator": "range", "value": {"lte": value}}]
    }
    response = sandbox.post(f"{RECORDS}/search", json={"page": 1, "pageLimit": 10, **search})
    assert response.status_code == 400
    assert "must be a number" in response.json()["message"]


def test_post_search_bad_page_limit_is_400(sandbox):
    response = sandbox.post(f"{RECORDS}/search", json={"page": 1, "pageLimit": 0})
    assert response.status_code == 400
    assert "pageLimit" in response.json()["message"]


@pytest.mark.parametrize("page", [0, -1])
def test_post_search_page_below_1_is_400(sandbox, page):
    response = sandbox.post(f"{RECORDS}/search", json={"page": page, "pageLimit": 10})
    assert response.status_code == 400
    body = response.json()
    assert list(body["errors"]) == ["page"]
    assert "page must be an integer from 1" in body["message"]


def test_a_query_over_75_characters_is_400_in_both_forms(sandbox):
    long = "a" * 76
    by_get = sandbox.get(f"{RECORDS}/search", params={"query": long})
    by_post = sandbox.post(f"{RECORDS}/search", json={"query": long})
    for response in (by_get, by_post):
        assert response.status_code == 400
        assert response.json()["errors"] == {"query": ["query must be at most 75 characters."]}
    at_the_limit = sandbox.get(f"{RECORDS}/search", params={"query": "a" * 75})
    assert at_the_limit.status_code == 200 and at_the_limit.json()["total"] == 0


# --- owners and followers ----------------------------------------------------------------------


def test_owner_must_be_a_user_of_the_location(sandbox):
    response = sandbox.create(SEED_PROPERTIES, owner="not-a-user")
    assert response.status_code == 400
    assert "not-a-user" in response.json()["errors"]["owner"][0]


def test_owner_as_a_list_of_at_most_one(sandbox):
    users = sandbox.user_ids
    ok = sandbox.create(SEED_PROPERTIES, owner=[users[0]])
    assert ok.status_code == 200 and ok.json()["record"]["owner"] == users[0]
    too_many = sandbox.create(SEED_PROPERTIES, owner=users[:2])
    assert too_many.status_code == 400 and "owner" in too_many.json()["errors"]


def test_followers_at_most_ten_and_users_of_the_location(sandbox):
    users = sandbox.user_ids
    ok = sandbox.create(SEED_PROPERTIES, followers=users[:3])
    assert ok.status_code == 200 and ok.json()["record"]["followers"] == users[:3]
    strangers = sandbox.create(SEED_PROPERTIES, followers=[users[0], "ghost"])
    assert strangers.status_code == 400 and "ghost" in strangers.json()["message"]
    eleven = sandbox.create(SEED_PROPERTIES, followers=[f"u{i}" for i in range(11)])
    assert eleven.status_code == 400 and "at most 10" in eleven.json()["message"]


def test_update_with_add_and_remove_for_lists_owner_and_followers(sandbox):
    users = sandbox.user_ids
    created = sandbox.create(
        {**SEED_PROPERTIES, "features": ["pool", "garage"]}, owner=users[0], followers=users[:2]
    ).json()["record"]
    response = sandbox.put(
        f"{RECORDS}/{created['id']}",
        json={
            "properties": {"features": {"add": ["garden"], "remove": ["pool"]}},
            "owner": {"add": [users[1]], "remove": [users[0]]},
            "followers": {"add": [users[2]], "remove": [users[0]]},
        },
    )
    assert response.status_code == 200, response.text
    record = response.json()["record"]
    assert record["properties"]["features"] == ["garage", "garden"]
    assert record["owner"] == users[1]
    assert record["followers"] == [users[1], users[2]]


def test_monetory_as_currency_object_is_stored_as_the_number(sandbox):
    response = sandbox.create({**SEED_PROPERTIES, "price": {"currency": "default", "value": 4200}})
    assert response.status_code == 200
    assert response.json()["record"]["properties"]["price"] == 4200
    assert Record.objects.get(id=response.json()["record"]["id"]).properties["price"] == 4200


@pytest.mark.parametrize("money", [{"currency": "EUR", "value": 4200}, {"value": 4200}])
def test_monetory_in_another_currency_or_none_is_400(sandbox, money):
    response = sandbox.create({**SEED_PROPERTIES, "price": money})
    assert response.status_code == 400
    message = response.json()["errors"]["price"][0]
    assert "price" in message and '"default"' in message


def test_update_sends_only_what_changes(sandbox):
    record = some_record(sandbox)
    response = sandbox.put(f"{RECORDS}/{record.id}", json={"properties": {"bedrooms": 9}})
    assert response.status_code == 200
    assert response.json()["record"]["properties"] == {**record.properties, "bedrooms": 9}
    after = Record.objects.get(id=record.id)
    assert after.version == record.version + 1
    assert after.owner == record.owner and after.followers == record.followers


# --- routing -----------------------------------------------------------------------------------


def test_post_without_a_trailing_slash_is_not_redirected(sandbox):
    response = sandbox.post(RECORDS, json={"properties": SEED_PROPERTIES})
    assert response.status_code == 200
    response = sandbox.post(RECORDS + "/", json={"properties": SEED_PROPERTIES})
    assert response.status_code == 200
    assert sandbox.get("/objects").status_code == 200
    assert sandbox.get("/users").status_code == 200


def test_a_method_the_path_does_not_take_is_405_in_json(sandbox):
    response = sandbox.call("PATCH", RECORDS, json={})
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert response.json()["statusCode"] == 405


def test_an_unknown_path_is_a_json_404(sandbox):
    response = sandbox.get("/nothing/here")
    assert response.status_code == 404
    assert response.json()["error"] == "Not Found"


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda s: s.get("/objects/%00"), None),
        (lambda s: s.get(f"/objects/{PROPERTY_KEY}/records/ab%00cd"), None),
        (lambda s: s.get(f"/objects/{PROPERTY_KEY}/records/search?query=a%00b"), "query"),
        (lambda s: s.get(f"/objects/{PROPERTY_KEY}/records/search?properties.x%00=1"), None),
        (lambda s: s.create({**SEED_PROPERTIES, "address": "742\u0000 Evergreen"}), None),
        (lambda s: s.create({**SEED_PROPERTIES, "bad\u0000key": "x"}), None),
    ],
)
def test_a_nul_character_anywhere_is_400_on_every_database(sandbox, call, field):
    """PostgreSQL's text and jsonb cannot hold NUL; SQLite refuses it the same way."""
    before = Record.objects.count()
    response = call(sandbox)
    assert response.status_code == 400, response.text
    assert "NUL" in response.json()["message"]
    if field:
        assert field in response.json()["errors"]
    assert Record.objects.count() == before


@pytest.mark.parametrize("odd", [[], {}, ["eq"], {"eq": 1}])
def test_a_list_or_an_object_where_a_name_belongs_is_400_not_a_crash(sandbox, odd):
    """Where the API looks a name up (a dataType, an operator, a file's URL), any JSON may come;
    a list or an object is no name (nor can it be looked up in a set)."""
    primary = {"key": "name", "name": "Name", "dataType": odd}
    response = sandbox.post(
        "/objects/",
        json={
            "key": "pet",
            "labels": {"singular": "Pet", "plural": "Pets"},
            "primaryDisplayPropertyDetails": primary,
        },
    )
    assert response.status_code == 400, response.text
    assert "primaryDisplayPropertyDetails" in response.json()["errors"]

    search = {"filters": [{"field": "address", "operator": odd, "value": "x"}]}
    response = sandbox.post(f"{RECORDS}/search", json=search)
    assert response.status_code == 400, response.text
    assert "address" in response.json()["errors"]

    path = f"{RECORDS}/{some_record(sandbox).id}"
    for remove in ([odd], [{"url": odd}]):
        response = sandbox.put(path, json={"properties": {"photos": {"remove": remove}}})
        assert response.status_code == 400, response.text
        assert response.json()["errors"] == {
            "photos": ["photos: remove files by URL (a string or {'url': ...})"]
        }
