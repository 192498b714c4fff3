"""The record form built from a schema: one fitting field per dataType, checked like the API."""

import json

import pytest
from django import forms as django_forms
from django.http import QueryDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recordsadmin.client.domain import Field, Record, Schema, User
from recordsadmin.records import forms, services
from recordsadmin.records.fieldtypes.dates import IsoDateField
from recordsadmin.records.fieldtypes.lines import TextboxListWidget
from tests.support.schemas import schema_of

USERS = [User(id="u1", name="Maya Patel"), User(id="u2", name="Jonas Berg")]

VALID = {
    "title": "Blue house",
    "story": "Line one\nLine two",
    "count": "3",
    "price": "1250.50",
    "phone": "+1 (555) 010-0100",
    "email": "maya@example.com",
    "day": "2026-02-03",
    "status": "new",
    "size": "large",
    "tags": ["red", "green"],
    "extras": ["pool"],
    "notes_food": "Dry",
    "notes_vet": "",
    "_owner": "u2",
}


def post(data: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in data.items():
        if isinstance(value, list):
            query.setlist(key, value)
        else:
            query[key] = value
    return query


def test_one_field_per_schema_field_in_order(every_type):
    form = forms.RecordForm(schema=every_type, users=USERS)
    keys = [f.key for f in every_type.fields if f.data_type != "FILE_UPLOAD"]
    assert form.property_keys == keys
    assert [f.key for f, _ in form.file_fields] == ["files"]
    assert form.fields["title"].label == "Title"
    assert form.fields["story"].help_text == "As long as you like"
    assert form.fields["title"].widget.attrs["placeholder"] == "A short name"
    assert form.fields["title"].required and form.fields["status"].required
    assert not form.fields["count"].required


@pytest.mark.parametrize(
    ("key", "widget", "html"),
    [
        ("title", django_forms.TextInput, 'type="text"'),
        ("story", django_forms.Textarea, "<textarea"),
        # Text with a decimal keypad: a number input would post nothing for "35o000".
        ("count", django_forms.TextInput, 'inputmode="decimal"'),
        ("price", django_forms.TextInput, 'inputmode="decimal"'),
        ("phone", django_forms.TextInput, 'type="tel"'),
        ("email", django_forms.EmailInput, 'type="email"'),
        # Text: a date input puts its calendar in the Tab order and posts nothing it cannot read.
        ("day", django_forms.DateInput, "data-date-input"),
        ("status", django_forms.Select, "<select"),
        ("size", django_forms.RadioSelect, 'type="radio"'),
        # Checkboxes too: in a multiple select an arrow key drops every choice but one.
        ("tags", django_forms.CheckboxSelectMultiple, 'type="checkbox"'),
        ("extras", django_forms.CheckboxSelectMultiple, 'type="checkbox"'),
        ("notes", TextboxListWidget, 'name="notes_vet"'),
    ],
)
def test_a_fitting_widget_for_every_data_type(every_type, key, widget, html):
    form = forms.RecordForm(schema=every_type, users=USERS)
    assert isinstance(form.fields[key].widget, widget)
    assert html in str(form[key])


def test_textbox_list_has_a_labelled_input_per_option(every_type):
    html = str(forms.RecordForm(schema=every_type)["notes"])
    assert '<label for="id_notes_food">Food</label>' in html
    assert 'id="id_notes_vet"' in html


def test_required_fields_are_marked_and_enforced(every_type):
    form = forms.RecordForm(post({**VALID, "title": "", "status": ""}), schema=every_type)
    assert not form.is_valid()
    assert set(form.errors) == {"title", "status"}
    assert "required" in str(form["title"])


def test_valid_input_becomes_json_values_of_schema_fields_only(every_type):
    data = post({**VALID, "id": "x", "locationId": "evil", "createdAt": "now", "Title": "X"})
    form = forms.RecordForm(data, schema=every_type, users=USERS)
    assert form.is_valid(), form.errors
    assert form.properties() == {
        "title": "Blue house",
        "story": "Line one\nLine two",
        "count": 3,
        "price": 1250.5,
        "phone": "+1 (555) 010-0100",
        "email": "maya@example.com",
        "day": "2026-02-03",
        "status": "new",
        "size": "large",
        "tags": ["red", "green"],
        "extras": ["pool"],
        "notes": {"food": "Dry"},
    }
    assert form.owner() == "u2"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("count", "three"),
        ("count", "1e300"),
        ("count", "NaN"),
        ("price", "12.345"),
        ("phone", "call me"),
        ("phone", "12"),
        ("email", "not-an-address"),
        ("day", "02/30/2026"),  # no such day (03/02/2026 is read as March 2)
        ("day", "2026-02-30"),
        ("status", "Active"),
        ("size", "medium"),
        ("tags", ["red", "purple"]),
        ("extras", ["sauna"]),
        ("_owner", "u9"),
    ],
)
def test_the_contract_rules_are_checked_before_sending(every_type, key, value):
    form = forms.RecordForm(post({**VALID, key: value}), schema=every_type, users=USERS)
    assert not form.is_valid()
    assert key in form.errors


def test_an_edit_form_shows_the_record_and_keeps_values_that_are_no_longer_options(every_type):
    record = Record(
        id="r1",
        properties={
            "title": "Old",
            "price": {"currency": "default", "value": 10},
            "status": "retired",
            "tags": ["red"],
            "notes": {"vet": "Dr Who"},
            "files": [{"url": "https://example.com/a.pdf", "name": "a.pdf"}],
        },
        owner="u1",
    )
    form = forms.RecordForm(schema=every_type, users=USERS, record=record)
    assert 'value="10.00"' in str(form["price"])
    assert "retired (no longer an option)" in str(form["status"])
    assert 'value="Dr Who"' in str(form["notes"])
    assert form["_owner"].value() == "u1"
    assert form.file_fields[0][1] == record.properties["files"]


def test_changes_are_only_what_differs_and_none_for_a_cleared_field(every_type):
    base = {
        "title": "Blue house",
        "count": 3,
        "price": {"currency": "default", "value": 1250.5},
        "day": "2026-02-03T00:00:00Z",
        "status": "new",
        "tags": ["green", "red"],
        "notes": {"food": "Dry"},
        "story": "gone soon",
    }
    data = {**VALID, "story": "", "email": "", "phone": "", "size": "", "extras": []}
    form = forms.RecordForm(post(data), schema=every_type, users=USERS)
    assert form.is_valid(), form.errors
    assert form.changes(base, "u2") == {"story": None}
    form = forms.RecordForm(
        post({**data, "count": "4", "_owner": ""}), schema=every_type, users=USERS
    )
    assert form.is_valid()
    assert form.changes(base, "u2") == {"story": None, "count": 4, "_owner": None}


def test_without_a_user_list_the_owner_is_left_alone(every_type):
    form = forms.RecordForm(post(VALID), schema=every_type, users=None)
    assert form.is_valid()
    assert "_owner" not in form.fields
    assert "_owner" not in form.changes({"title": "Blue house"}, "u1")


def test_api_errors_go_under_the_field_they_name(every_type):
    form = forms.RecordForm(post(VALID), schema=every_type)
    assert form.is_valid()
    rest = form.add_api_errors({"status": ["status: 'x' is not an option"], "id": ["no"]})
    assert form.errors["status"] == ["status: 'x' is not an option"]
    assert rest == ["no"]


def test_carried_values_make_the_next_forms_initial_values(every_type):
    data = post({**VALID, "_carry": ["status", "tags", "notes", "_owner"]})
    form = forms.RecordForm(data, schema=every_type, users=USERS, carry=True)
    assert form.is_valid(), form.errors
    query = form.carried_query()
    next_form = forms.RecordForm(schema=every_type, users=USERS, carry=True)
    next_form.initial_from_query(post(dict_of(query)))
    assert next_form["status"].value() == "new"
    assert next_form["tags"].value() == ["red", "green"]
    assert next_form["notes"].value() == {"food": "Dry", "vet": ""}
    assert next_form["_owner"].value() == "u2"
    assert next_form["title"].value() is None


def dict_of(pairs):
    out: dict = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


def test_the_version_is_signed_and_detects_a_change():
    record = Record(id="r1", properties={"a": 1}, owner="u1")
    token = services.record_version(record)
    version = services.read_version(token)
    assert version["p"] == {"a": 1}
    assert services.is_current(version, record)
    assert not services.is_current(version, Record(id="r1", properties={"a": 2}, owner="u1"))
    assert not services.is_current(version, Record(id="r1", properties={"a": 1}, owner="u2"))
    assert services.read_version(token[:-2] + "xx") is None
    assert services.read_version("") is None


# -- any schema, any input: never a server error (docs/reliability.md item 33) ----------------

DATA_TYPES = [
    "TEXT", "LARGE_TEXT", "NUMERICAL", "MONETORY", "PHONE", "EMAIL", "DATE", "SINGLE_OPTIONS",
    "RADIO", "MULTIPLE_OPTIONS", "CHECKBOX", "TEXTBOX_LIST", "FILE_UPLOAD", "SOMETHING_NEW",
]  # fmt: skip
keys = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)
option = st.tuples(st.text(min_size=1, max_size=8), st.text(max_size=12))


@st.composite
def schemas(draw) -> Schema:
    names = draw(st.lists(keys, min_size=1, max_size=6, unique=True))
    fields = tuple(
        Field(
            key=name,
            field_key=f"custom_objects.x.{name}",
            name=draw(st.text(max_size=20)),
            data_type=draw(st.sampled_from(DATA_TYPES)),
            options=tuple(draw(st.lists(option, max_size=4))),
            required=draw(st.booleans()),
            description=draw(st.text(max_size=20)),
            placeholder=draw(st.text(max_size=10)),
        )
        for name in names
    )
    return Schema(id="o", key="custom_objects.x", singular="X", plural="Xs", fields=fields)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema=schemas(), data=st.data())
def test_any_input_for_any_schema_is_either_valid_json_or_form_errors(schema, data):
    names = [*schema.field_keys, "_owner", "_carry", "id"] + [
        f"{f.key}_{k}" for f in schema.fields for k, _ in f.options
    ]
    posted = data.draw(
        st.dictionaries(
            st.sampled_from(names) | st.text(max_size=5),
            st.lists(st.text(max_size=30), max_size=3),
            max_size=12,
        )
    )
    record = Record(id="r", properties=data.draw(st.dictionaries(keys, st.text(max_size=5))))
    form = forms.RecordForm(post(posted), schema=schema, users=USERS, record=record, carry=True)
    str(form.carry_field)
    for bf in form.property_fields():
        str(bf)
    if form.is_valid():
        json.dumps(form.properties())
        assert set(form.properties()) <= set(schema.field_keys)
        form.changes(record.properties, record.owner)
        form.carried_query()
        form.posted_pairs()
    else:
        form.describe_errors()
        assert form.errors


def test_an_untouched_textarea_and_padded_text_are_not_changes(every_type):
    """Browsers post a textarea's line ends as CRLF and Django strips what is posted: neither
    is a change the user made."""
    base = {
        "title": " Blue house ",
        "story": "Line one\nLine two\n",
        "notes": {"food": " Dry ", "vet": "Dr\nWho"},
        "status": "new",
    }
    data = {
        **VALID,
        "title": " Blue house ",
        "story": "Line one\r\nLine two\r\n",
        "notes_food": " Dry ",
        "notes_vet": "Dr\r\nWho",
    }
    form = forms.RecordForm(post(data), schema=every_type, users=USERS)
    assert form.is_valid(), form.errors
    changes = form.changes(base, "u2")
    assert not {"title", "story", "notes"} & set(changes), changes


def test_a_changed_textarea_is_sent_with_plain_line_ends(every_type):
    data = {**VALID, "story": "Line one\r\nLine three", "notes_vet": "a\r\nb"}
    form = forms.RecordForm(post(data), schema=every_type, users=USERS)
    assert form.is_valid(), form.errors
    base = {"story": "Line one\nLine two", "notes": {"food": "Dry"}}
    changes = form.changes(base, "u2")
    assert changes["story"] == "Line one\nLine three"
    assert changes["notes"] == {"food": "Dry", "vet": "a\nb"}


ODD_RECORD = Record(
    id="r1",
    properties={
        "title": "",  # required, yet empty in the record
        "count": 0.12345678901234,  # more decimals than the form allows
        "price": {"currency": "default", "value": 12.345},  # cents and a bit
        "phone": "12",  # too few digits
        "email": "not-an-address",
        "status": "new",
    },
    owner="u1",
)


def edit_post(form: forms.RecordForm, **changes) -> QueryDict:
    """What a browser posts for the loaded edit form, with `changes` typed by the user."""
    data = {}
    for bf in form.property_fields():
        value = bf.value()
        if isinstance(value, dict):
            data |= {f"{bf.name}_{k}": v for k, v in value.items()}
        elif value is not None:
            data[bf.name] = value if isinstance(value, list) else str(value)
    return post({**data, "_owner": "u1", **changes})


def test_untouched_values_stricter_than_the_rules_do_not_block_saving(every_type):
    loaded = forms.RecordForm(schema=every_type, users=USERS, record=ODD_RECORD)
    assert 'value="12.345"' in str(loaded["price"]) and 'value="12"' in str(loaded["phone"])
    form = forms.RecordForm(
        edit_post(loaded, size="large"), schema=every_type, users=USERS, record=ODD_RECORD
    )
    assert form.is_valid(), form.errors
    assert form.changes(ODD_RECORD.properties, ODD_RECORD.owner) == {"size": "large"}


@pytest.mark.parametrize(
    ("key", "typed"),
    [("price", "12.346"), ("count", "0.123456789012345"), ("phone", "13"), ("email", "nope")],
)
def test_the_rules_still_hold_for_what_the_user_typed(every_type, key, typed):
    loaded = forms.RecordForm(schema=every_type, users=USERS, record=ODD_RECORD)
    data = edit_post(loaded, **{key: typed})
    form = forms.RecordForm(data, schema=every_type, users=USERS, record=ODD_RECORD)
    assert not form.is_valid()
    assert set(form.errors) == {key}


def test_api_errors_about_the_owner_go_under_the_owner_picker(every_type):
    form = forms.RecordForm(post(VALID), schema=every_type, users=USERS)
    assert form.is_valid()
    rest = form.add_api_errors(
        {"owner": ["owner u2 is not a user of this location"]},
        ["owners: at most 1", "Something else"],
    )
    assert form.errors["_owner"] == ["owner u2 is not a user of this location", "owners: at most 1"]
    assert rest == ["Something else"]
    without_picker = forms.RecordForm(post(VALID), schema=every_type, users=None)
    assert without_picker.is_valid()
    assert without_picker.add_api_errors({"owner": ["bad owner"]}) == ["bad owner"]


def test_a_textbox_list_without_options_is_shown_as_it_is_not_as_files():
    schema = schema_of(
        ("title", "TEXT"),
        ("lines", "TEXTBOX_LIST"),
        ("files", "FILE_UPLOAD"),
        ("count", "NUMERICAL"),
    )
    record = Record(id="r1", properties={"title": "A", "lines": {"old": "kept"}})
    form = forms.RecordForm(schema=schema, record=record)
    assert "lines" not in form.fields and form.file_fields == [(schema.fields[2], None)]
    notes = {f.key: note for f, _value, note in form.read_only_fields}
    assert "no lines in the object’s schema" in notes["lines"]
    assert "Files are managed" not in notes["lines"]
    assert [r["bf"].name if r["input"] else r["field"].key for r in form.rows()] == [
        "title", "lines", "files", "count",
    ]  # fmt: skip
    edited = forms.RecordForm(
        post({"title": "B", "lines_old": "changed"}), schema=schema, record=record
    )
    assert edited.is_valid(), edited.errors
    assert edited.changes(record.properties, None) == {"title": "B"}


@pytest.mark.parametrize(
    "typed", ["2026-03-15", "03/15/2026", "3/15/26", "Mar 15, 2026", "15 March 2026"]
)
def test_a_date_is_read_as_people_type_it_and_sent_as_iso(typed):
    assert IsoDateField().clean(typed) == "2026-03-15"


@pytest.mark.parametrize("typed", ["15/03/2026", "2026-02-30", "tomorrow"])
def test_a_date_that_cannot_be_read_says_how_to_write_one(typed):
    with pytest.raises(django_forms.ValidationError) as refused:
        IsoDateField().clean(typed)
    assert refused.value.messages == ["Enter a date, like 2026-03-15, 03/15/2026 or Mar 15, 2026."]
