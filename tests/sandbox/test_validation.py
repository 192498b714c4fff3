"""recordsadmin/sandbox/validation.py: the value rules of every dataType (sandbox/fieldtypes.py)."""

import pytest

from recordsadmin.contract.datatypes import DataType
from recordsadmin.contract.limits import PHONE_RULE
from recordsadmin.sandbox.models import Field
from recordsadmin.sandbox.validation import (
    Invalid,
    ValidationFailed,
    clean_people,
    clean_properties,
    clean_value,
)


def field(key: str, data_type: str, *options: str | tuple[str, str]) -> Field:
    pairs = [o if isinstance(o, tuple) else (o, o.title()) for o in options]
    return Field(
        field_key=f"custom_objects.property.{key}",
        data_type=data_type,
        options=[{"key": k, "label": label} for k, label in pairs],
    )


TEXT = field("address", DataType.TEXT)
LARGE = field("description", DataType.LARGE_TEXT)
NUMBER = field("bedrooms", DataType.NUMERICAL)
MONEY = field("price", DataType.MONETORY)
PHONE = field("agent_phone", DataType.PHONE)
EMAIL = field("agent_email", DataType.EMAIL)
DATE = field("listed_on", DataType.DATE)
SINGLE = field("status", DataType.SINGLE_OPTIONS, "Active", ("under_contract", "Under contract"))
RADIO = field("kind", DataType.RADIO, "condo", "house")
MULTI = field("features", DataType.MULTIPLE_OPTIONS, "pool", "garage", "garden")
CHECKBOX = field("amenities", DataType.CHECKBOX, "gym", "parking")
TEXTBOX = field("rooms", DataType.TEXTBOX_LIST, "kitchen", ("living_room", "Living room"))
FILES = field("photos", DataType.FILE_UPLOAD)
ALL = [
    TEXT,
    LARGE,
    NUMBER,
    MONEY,
    PHONE,
    EMAIL,
    DATE,
    SINGLE,
    RADIO,
    MULTI,
    CHECKBOX,
    TEXTBOX,
    FILES,
]


def test_every_data_type_is_covered_here():
    assert {f.data_type for f in ALL} == set(DataType)


GOOD = [
    (TEXT, "742 Evergreen Terrace", "742 Evergreen Terrace"),
    (TEXT, "", ""),
    (LARGE, "Line one\nline two", "Line one\nline two"),
    (NUMBER, 3, 3),
    (NUMBER, -2.5, -2.5),
    (NUMBER, 0, 0),
    (MONEY, 350000, 350000),
    (MONEY, 99.95, 99.95),
    (MONEY, {"currency": "default", "value": 350000}, 350000),
    (PHONE, "+1 (555) 010-0199", "+1 (555) 010-0199"),
    (PHONE, "5550100", "5550100"),
    (EMAIL, "agent@example.com", "agent@example.com"),
    (DATE, "2026-03-07", "2026-03-07"),
    (DATE, "2024-02-29", "2024-02-29"),
    (SINGLE, "Active", "Active"),
    (SINGLE, "under_contract", "under_contract"),
    (RADIO, "condo", "condo"),
    (MULTI, ["pool", "garden"], ["pool", "garden"]),
    (MULTI, ["pool", "pool"], ["pool"]),
    (MULTI, [], []),
    (CHECKBOX, ["gym"], ["gym"]),
    (TEXTBOX, {"kitchen": "Gas range", "living_room": "Bay window"}, None),
    (FILES, [{"url": "https://x.example.com/a.jpg", "name": "a.jpg"}], None),
    (FILES, [{"url": "http://x.example.com/b.png"}], None),
]


@pytest.mark.parametrize(("f", "value", "stored"), GOOD, ids=lambda v: repr(v)[:30])
def test_good_values_are_stored(f, value, stored):
    assert clean_value(f, value) == (value if stored is None else stored)


BAD_TYPE = [
    (TEXT, 5),
    (TEXT, ["a"]),
    (LARGE, {"a": 1}),
    (NUMBER, True),  # a boolean is not a number
    (NUMBER, "3"),
    (NUMBER, 2**60),
    (MONEY, False),
    (MONEY, "350000"),
    (MONEY, {"currency": "default"}),
    (MONEY, {"currency": "default", "value": "1"}),
    (MONEY, {"value": 1, "amount": 2}),
    (MONEY, {"value": 1}),  # the contract's form names the currency
    (MONEY, {"currency": "USD", "value": 1}),  # the location's currency is "default"
    (MONEY, {"currency": None, "value": 1}),
    (MONEY, {"currency": "", "value": 1}),
    (PHONE, "call me"),
    (PHONE, "12"),
    (PHONE, "+1 555 0100 ext. 4"),
    (PHONE, 5550100),
    (EMAIL, "not-an-address"),
    (EMAIL, "a@b"),
    (EMAIL, 7),
    (DATE, "2026-02-30"),
    (DATE, "07/03/2026"),
    (DATE, "2026-03-07T12:00:00Z"),
    (DATE, 20260307),
    (SINGLE, 1),
    (SINGLE, ["Active"]),
    (RADIO, 3.5),
    (MULTI, "pool"),
    (MULTI, [1]),
    (CHECKBOX, {"gym": True}),
    (TEXTBOX, ["kitchen"]),
    (TEXTBOX, {"kitchen": 5}),
    (FILES, "https://x.example.com/a.jpg"),
    (FILES, [{"name": "a.jpg"}]),
    (FILES, [{"url": "javascript:alert(1)"}]),
    (FILES, [{"url": "https://x.example.com/a.jpg", "size": 5}]),
    (FILES, [{"url": "https://x.example.com/a.jpg", "name": 5}]),
]


@pytest.mark.parametrize(("f", "value"), BAD_TYPE, ids=lambda v: repr(v)[:30])
def test_wrong_types_are_400_and_name_the_key(f, value):
    with pytest.raises(Invalid) as caught:
        clean_value(f, value)
    assert caught.value.status == 400
    assert f.key in caught.value.message


NOT_AN_OPTION = [
    (SINGLE, "Under contract"),  # a label, not the key
    (SINGLE, "active"),  # keys are case-sensitive
    (RADIO, "castle"),
    (MULTI, ["pool", "moat"]),
    (CHECKBOX, ["sauna"]),
    (TEXTBOX, {"attic": "Dusty"}),
]


@pytest.mark.parametrize(("f", "value"), NOT_AN_OPTION, ids=lambda v: repr(v)[:30])
def test_values_that_are_not_options_are_422_and_name_the_key(f, value):
    with pytest.raises(Invalid) as caught:
        clean_value(f, value)
    assert caught.value.status == 422
    assert f.key in caught.value.message


def test_a_label_sent_for_a_key_gets_a_hint():
    with pytest.raises(Invalid) as caught:
        clean_value(SINGLE, "Under contract")
    assert "label of the option 'under_contract'" in caught.value.message


# --- whole records -----------------------------------------------------------------------------

REQUIRED = ["address", "price", "status"]
GOOD_RECORD = {"address": "1 Main St", "price": 1000, "status": "Active"}


def test_create_stores_clean_values():
    stored = clean_properties(
        ALL, {**GOOD_RECORD, "price": {"currency": "default", "value": 5}}, required=REQUIRED
    )
    assert stored == {**GOOD_RECORD, "price": 5}


def test_create_without_a_required_key_is_400_naming_it():
    with pytest.raises(ValidationFailed) as caught:
        clean_properties(ALL, {"address": "1 Main St", "status": "Active"}, required=REQUIRED)
    assert caught.value.status == 400
    assert caught.value.errors == {"price": ["price is required"]}


@pytest.mark.parametrize("empty", [None, ""])
def test_create_with_a_required_key_empty_is_400(empty):
    with pytest.raises(ValidationFailed) as caught:
        clean_properties(ALL, {**GOOD_RECORD, "address": empty}, required=REQUIRED)
    assert caught.value.errors == {"address": ["address is required"]}


def test_unknown_keys_are_400_and_case_sensitive():
    with pytest.raises(ValidationFailed) as caught:
        clean_properties(ALL, {**GOOD_RECORD, "Price": 5, "colour": "red"}, required=REQUIRED)
    assert caught.value.status == 400
    assert set(caught.value.errors) == {"Price", "colour"}
    assert "did you mean price?" in caught.value.errors["Price"][0]


def test_properties_must_be_an_object():
    with pytest.raises(ValidationFailed) as caught:
        clean_properties(ALL, ["address"], required=REQUIRED)
    assert caught.value.status == 400
    assert list(caught.value.errors) == ["properties"]


def test_a_wrong_type_and_a_bad_option_together_are_400_with_both_errors():
    with pytest.raises(ValidationFailed) as caught:
        clean_properties(ALL, {**GOOD_RECORD, "price": "x", "status": "Nope"}, required=REQUIRED)
    assert caught.value.status == 400
    assert set(caught.value.errors) == {"price", "status"}


def test_only_bad_options_are_422():
    with pytest.raises(ValidationFailed) as caught:
        clean_properties(ALL, {**GOOD_RECORD, "features": ["moat"]}, required=REQUIRED)
    assert caught.value.status == 422


def test_update_keeps_what_is_not_sent_and_null_clears():
    current = {**GOOD_RECORD, "bedrooms": 3, "description": "Old"}
    stored = clean_properties(
        ALL, {"bedrooms": 4, "description": None}, required=REQUIRED, current=current
    )
    assert stored == {**GOOD_RECORD, "bedrooms": 4}
    assert current["description"] == "Old"  # the stored dict is not changed in place


def test_update_may_not_clear_a_required_key():
    with pytest.raises(ValidationFailed) as caught:
        clean_properties(ALL, {"price": None}, required=REQUIRED, current=GOOD_RECORD)
    assert caught.value.errors == {"price": ["price is required and cannot be cleared"]}


def test_update_leaves_a_missing_required_key_alone_when_not_sent():
    stored = clean_properties(ALL, {"bedrooms": 2}, required=REQUIRED, current={"address": "A"})
    assert stored == {"address": "A", "bedrooms": 2}


def test_list_fields_take_add_and_remove_on_update():
    current = {
        **GOOD_RECORD,
        "features": ["pool", "garage"],
        "photos": [{"url": "https://img.example.com/1"}],
    }
    stored = clean_properties(
        ALL,
        {
            "features": {"add": ["garden", "pool"], "remove": ["garage"]},
            "photos": {
                "add": [{"url": "https://img.example.com/2", "name": "2"}],
                "remove": ["https://img.example.com/1"],
            },
        },
        required=REQUIRED,
        current=current,
    )
    assert stored["features"] == ["pool", "garden"]
    assert stored["photos"] == [{"url": "https://img.example.com/2", "name": "2"}]


def test_add_with_a_bad_option_is_422():
    with pytest.raises(ValidationFailed) as caught:
        clean_properties(
            ALL, {"features": {"add": ["moat"]}}, required=REQUIRED, current=GOOD_RECORD
        )
    assert caught.value.status == 422


# --- owner and followers -----------------------------------------------------------------------

USERS = ["u1", "u2", "u3"]


@pytest.mark.parametrize(
    ("owner", "expected"),
    [("u1", "u1"), (["u2"], "u2"), ([], None), (None, None), ({"add": ["u3"]}, "u3")],
)
def test_owner_spellings(owner, expected):
    assert clean_people({"owner": owner}, user_ids=USERS) == (expected, [])


def test_owner_at_most_one():
    with pytest.raises(ValidationFailed) as caught:
        clean_people({"owner": ["u1", "u2"]}, user_ids=USERS)
    assert caught.value.status == 400 and "owner" in caught.value.errors


def test_owner_replaced_with_add_and_remove():
    owner, _ = clean_people(
        {"owner": {"add": ["u2"], "remove": ["u1"]}}, user_ids=USERS, owner="u1"
    )
    assert owner == "u2"


def test_owner_and_followers_must_be_users_of_the_location():
    with pytest.raises(ValidationFailed) as caught:
        clean_people({"owner": "stranger", "followers": ["u1", "ghost"]}, user_ids=USERS)
    assert set(caught.value.errors) == {"owner", "followers"}
    assert "stranger" in caught.value.errors["owner"][0]
    assert "ghost" in caught.value.errors["followers"][0]


def test_followers_list_and_changes():
    assert clean_people({"followers": ["u1", "u2", "u1"]}, user_ids=USERS) == (None, ["u1", "u2"])
    _, followers = clean_people(
        {"followers": {"add": ["u3"], "remove": ["u1"]}}, user_ids=USERS, followers=["u1", "u2"]
    )
    assert followers == ["u2", "u3"]


def test_at_most_ten_followers():
    many = [f"u{i}" for i in range(11)]
    with pytest.raises(ValidationFailed) as caught:
        clean_people({"followers": many}, user_ids=many)
    assert "at most 10" in caught.value.errors["followers"][0]


def test_absent_owner_and_followers_keep_the_current():
    assert clean_people({}, user_ids=USERS, owner="u1", followers=["u2"]) == ("u1", ["u2"])


@pytest.mark.parametrize("bad", [5, [5], {"add": "u1"}, {"add": [1]}])
def test_owner_of_the_wrong_type_is_400(bad):
    with pytest.raises(ValidationFailed) as caught:
        clean_people({"owner": bad}, user_ids=USERS)
    assert caught.value.status == 400


def test_a_phone_is_refused_with_the_rule_the_dashboard_states():
    """The embedded API and the dashboard's form say the one rule of the contract
    (recordsadmin/contract/limits.py), word for word."""
    with pytest.raises(Invalid) as caught:
        clean_value(PHONE, "call me")
    assert caught.value.message == f"agent_phone must be a phone number: {PHONE_RULE}"
