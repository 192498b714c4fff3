"""The filter builder's conditions in the address bar: read, written back, sent, refused.

Unit tests of recordsadmin/records/conditions.py through ListQuery, and of the client's wire
form of groups and sorts (recordsadmin/client/wire.py). The schema is the Property of
tests/support/fake_service.py with a field of each remaining type.
"""

import json
from urllib.parse import parse_qsl

import pytest
from django.http import QueryDict
from hypothesis import given, settings
from hypothesis import strategies as st

from recordsadmin.client import wire
from recordsadmin.client.domain import Filter, FilterGroup, Sort
from recordsadmin.client.errors import ValidationFailed
from recordsadmin.records.bulk.preview import search_in_words
from recordsadmin.records.conditions import MAX_CONDITIONS
from recordsadmin.records.query import ListQuery
from tests.support import schemas

FIELDS = [
    ("address", "TEXT", ()),
    ("price", "MONETORY", ()),
    ("status", "SINGLE_OPTIONS", ("active", "sold")),
    ("listed_on", "DATE", ()),
    ("bedrooms", "NUMERICAL", ()),
    ("features", "MULTIPLE_OPTIONS", ("pool", "garage")),
    ("amenities", "CHECKBOX", ("gym",)),
    ("kind", "RADIO", ("house", "condo")),
    ("agent_phone", "PHONE", ()),
    ("agent_email", "EMAIL", ()),
    ("notes", "LARGE_TEXT", ()),
    ("rooms", "TEXTBOX_LIST", ("kitchen",)),
    ("photos", "FILE_UPLOAD", ()),
]
SCHEMA = schemas.schema_of_fields(
    [
        schemas.field(
            key, data_type, name=key.replace("_", " ").capitalize(), position=n, choices=choices
        )
        for n, (key, data_type, choices) in enumerate(FIELDS)
    ],
    key="custom_objects.property",
    singular="Property",
    plural="Properties",
    primary="address",
)


def read(query: str) -> ListQuery:
    return ListQuery.from_params(SCHEMA, QueryDict(query))


def body(query: ListQuery) -> dict:
    return wire.search_body(
        SCHEMA, query=query.q, filters=query.filters(), sort=query.search_sorts()
    )


# -- reading and writing the address --------------------------------------------------------------


def test_a_condition_reads_into_a_filter_and_writes_back_the_same():
    query = read("c1.field=price&c1.op=gte&c1.value=250000")
    assert query.filters() == [Filter("price", "gte", 250000)]
    assert query.params() == "?c1.field=price&c1.op=gte&c1.value=250000"
    assert not query.problems


def test_groups_and_any_round_trip_and_are_renumbered_in_order():
    address = (
        "match=any&c7.field=bedrooms&c7.op=gt&c7.value=3"
        "&g4.match=all&g4.c9.field=status&g4.c9.op=eq&g4.c9.value=sold"
        "&g4.c2.field=price&g4.c2.op=lt&g4.c2.value=100000"
        "&g2.c1.field=features&g2.c1.op=eq&g2.c1.value=pool"
        "&g2.c5.field=features&g2.c5.op=eq&g2.c5.value=garage"
    )
    query = read(address)
    assert dict(parse_qsl(query.params()[1:])) == {
        "match": "any",
        "c1.field": "bedrooms",
        "c1.op": "gt",
        "c1.value": "3",
        "g1.match": "any",  # a group without match is "any"
        "g1.c1.field": "features",
        "g1.c1.op": "eq",
        "g1.c1.value": "pool",
        "g1.c2.field": "features",
        "g1.c2.op": "eq",
        "g1.c2.value": "garage",
        "g2.match": "all",
        "g2.c1.field": "price",
        "g2.c1.op": "lt",
        "g2.c1.value": "100000",
        "g2.c2.field": "status",
        "g2.c2.op": "eq",
        "g2.c2.value": "sold",
    }
    again = read(query.params()[1:])
    assert again == query
    assert again.params() == query.params()


def test_values_are_written_in_one_spelling():
    query = read(
        "c1.field=price&c1.op=gte&c1.value=$1,250,000&c2.field=listed_on&c2.op=lt"
        "&c2.value=03/15/2026&c3.field=status&c3.value=SOLD&c4.field=features&c4.op=not_eq"
        "&c4.value=Garage"
    )
    assert query.filters() == [
        Filter("price", "gte", 1250000),
        Filter("listed_on", "lt", "2026-03-15"),
        Filter("status", "eq", "sold"),  # an option by its label, any case; op eq by default
        Filter("features", "not_eq", "garage"),
    ]
    assert dict(parse_qsl(query.params()[1:]))["c2.value"] == "2026-03-15"


def test_presence_operators_take_no_value():
    query = read("c1.field=photos&c1.op=exists&c1.value=ignored&c2.field=rooms&c2.op=not_exists")
    assert query.filters() == [Filter("photos", "exists"), Filter("rooms", "not_exists")]
    assert "value" not in query.params()


def test_the_builder_and_the_panel_apply_together():
    query = read("f.status=sold&min.price=5&owner=u1&c1.field=address&c1.op=contains&c1.value=oak")
    assert query.filters() == [
        Filter("price", "gte", 5),
        Filter("status", "eq", ["sold"]),
        Filter("owner", "eq", "u1"),
        Filter("address", "contains", "oak"),
    ]
    assert query.active_filters == 4
    assert query.is_filtered


def test_rows_without_a_value_stay_in_the_builder_and_are_not_sent():
    query = read("c1.field=price&c1.op=gt&c1.value=&c2.field=address&c2.op=eq")
    assert query.filters() == []
    assert query.conditions.rows == 2 and query.conditions.count == 0
    assert query.params() == "?"
    assert not query.problems
    assert query.filters_open  # the panel opens to show them


# -- the operators of every type ------------------------------------------------------------------

# One value per dataType that reads for every operator the builder offers for it.
VALUES = {
    "address": "Oak",
    "price": "350000",
    "status": "sold",
    "listed_on": "2026-03-15",
    "bedrooms": "3",
    "features": "pool",
    "amenities": "gym",
    "kind": "house",
    "agent_phone": "555",
    "agent_email": "a@example.com",
    "notes": "quiet",
    "rooms": "",
    "photos": "",
}


def every_condition():
    from recordsadmin.records import fieldtypes

    for f in SCHEMA.fields:
        for op in fieldtypes.of(f).operators:
            yield f, op


@pytest.mark.parametrize(("f", "op"), list(every_condition()), ids=lambda x: getattr(x, "key", x))
def test_every_operator_of_every_type_reads_and_round_trips(f, op):
    query = read(f"c1.field={f.key}&c1.op={op}&c1.value={VALUES[f.key]}")
    assert not query.problems, query.problems
    (sent,) = query.filters()
    assert (sent.field, sent.operator) == (f.key, op)
    assert read(query.params()[1:]) == query
    wire.search_body(SCHEMA, filters=query.filters())  # the client writes it


def test_builder_operators_are_the_apis_and_option_fields_have_no_ranges():
    ops = {f.key: {op for field, op in every_condition() if field is f} for f in SCHEMA.fields}
    assert ops["price"] == {"eq", "not_eq", "gt", "gte", "lt", "lte", "exists", "not_exists"}
    assert ops["address"] == ops["agent_email"] == ops["agent_phone"] == ops["listed_on"]
    assert {"contains", "gt", "lte"} <= ops["address"]
    assert ops["status"] == {"eq", "not_eq", "contains", "not_contains", "exists", "not_exists"}
    assert ops["photos"] == ops["rooms"] == {"exists", "not_exists"}


# -- what is left out, and said -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "said"),
    [
        ("c1.field=bogus&c1.value=1", "Condition 1: there is no field “bogus”"),
        ("c1.op=eq&c1.value=1", "Condition 1: it names no field"),
        ("c1.field=price&c1.op=like&c1.value=1", "unknown operator “like”"),
        ("c1.field=price&c1.op=contains&c1.value=1", "Price has no operator “contains”"),
        ("c1.field=status&c1.op=gt&c1.value=sold", "Status has no operator “gt”"),
        ("c1.field=price&c1.op=gt&c1.value=lots", "“lots” is not a number"),
        ("c1.field=bedrooms&c1.op=eq&c1.value=3x", "“3x” is not a number"),
        ("c1.field=price&c1.op=eq&c1.value=1e250", "“1e250” is too large: enter a number"),
        ("c1.field=listed_on&c1.op=gt&c1.value=2026-02-30", "“2026-02-30” is not a date"),
        ("c1.field=status&c1.value=gone", "“gone” is not an option of Status"),
        (
            "g1.g2.c1.field=price&g1.g2.c1.value=1",
            "Groups hold conditions, not other groups: “g1.g2” was left out.",
        ),
        ("g1.c1.field=price&g1.c1.value=1&g1.match=xor", "neither all nor any"),
        ("match=most&c1.field=price&c1.value=1", "neither all nor any"),
        ("c0.field=price", "No part of a filter: “c0.field” was left out."),
        ("c1.colour=red", "No part of a filter: “c1.colour” was left out."),
    ],
)
def test_bad_conditions_are_left_out_and_said(address, said):
    query = read(f"q=oak&{address}")
    assert any(said in problem for problem in query.problems), query.problems
    assert not query.refused
    sent = json.dumps(body(query))
    assert not any(bad in sent for bad in ("lots", "3x", "2026-02-30", "gone", "bogus"))
    assert query.q == "oak"  # the rest of the question stays


def test_many_bad_parts_make_a_few_messages():
    junk = "&".join(
        f"c{n}.field=nope{n}&c{n}.value=1&g{n}.g1.c1.field=x&c0.x{n}=1" for n in range(1, 40)
    )
    problems = read(junk).problems
    assert len(problems) == 8
    assert problems[0] == (
        "Groups hold conditions, not other groups: “g1.g1”, “g2.g1”, “g3.g1” and 36 more were "
        "left out."
    )
    assert problems[-1] == "And 34 more parts of the filter were left out."


def test_a_bad_value_stays_in_its_row_with_the_reason():
    query = read("c1.field=price&c1.op=gt&c1.value=lots&c2.field=bedrooms&c2.op=gte&c2.value=2")
    assert query.filters() == [Filter("bedrooms", "gte", 2)]
    row = query.builder["rows"][0]
    assert row["text"] == "lots" and row["problem"] == "“lots” is not a number."
    assert query.params() == "?c1.field=bedrooms&c1.op=gte&c1.value=2"  # links drop it


def test_a_number_too_large_for_json_is_refused_not_written_as_its_digits():
    """ "1e250" parses as a number; written back into links as its 251 digits it was longer
    than a condition's value may be, and the address no longer read back to itself."""
    query = read("c1.field=price&c1.op=eq&c1.value=1e250&c2.field=bedrooms&c2.value=1e15")
    assert query.filters() == [Filter("bedrooms", "eq", 10**15)]
    row = query.builder["rows"][0]
    assert row["text"] == "1e250" and row["problem"].startswith("“1e250” is too large: enter")
    written = query.params()
    assert written == "?c1.field=bedrooms&c1.op=eq&c1.value=1000000000000000"
    assert read(written[1:]).params() == written


def test_a_field_changed_in_the_form_resets_operator_and_value_quietly():
    """The row was drawn for Address contains "oak"; the user chose Price in its list."""
    query = read("c1.field=price&c1.op=contains&c1.value=oak&c1.was=address:contains")
    assert not query.problems
    (condition,) = query.conditions.conditions
    assert (condition.field, condition.op, condition.text) == ("price", "eq", "")
    (row,) = query.builder["rows"]
    assert '<option value="price" selected>Price</option>' in row["field_options"]
    assert '<option value="eq" selected>is</option>' in row["op_options"]
    kept = read("c1.field=price&c1.op=gt&c1.value=7&c1.was=address:gt")
    assert kept.filters() == [Filter("price", "gt", 7)]


def test_too_many_conditions_keep_the_first_ones_and_say_how_many_were_dropped():
    rows = "&".join(f"c{n}.field=bedrooms&c{n}.op=gte&c{n}.value={n}" for n in range(1, 23))
    query = read(rows + "&g1.c1.field=price&g1.c1.value=1")
    assert query.conditions.count == MAX_CONDITIONS
    assert query.filters()[-1] == Filter("bedrooms", "gte", MAX_CONDITIONS)
    assert "At most 20 conditions: 3 more were left out." in query.problems


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("c1.field=price&c1.field=bedrooms&c1.value=1", "“c1.field” is given 2 times"),
        ("c1.field=address&c1.value=" + "x" * 201, "longer than 200 characters"),
    ],
)
def test_what_no_form_of_ours_sends_is_refused(address, why):
    query = read(address)
    assert why in query.refused


# -- the form's buttons ---------------------------------------------------------------------------


def test_add_condition_appends_an_empty_row_that_takes_focus():
    query = read("c1.field=price&c1.op=gt&c1.value=5&add=c")
    assert query.conditions.rows == 2
    assert query.focus == "c2-field"
    assert query.builder["rows"][1]["focus"]
    assert query.params() == "?c1.field=price&c1.op=gt&c1.value=5"  # `add` is no part of links


def test_add_group_and_add_to_a_group():
    query = read("add=g")
    (group,) = query.conditions.groups
    assert group.match == "any" and len(group.conditions) == 1
    assert query.focus == "g1-c1-field"
    second = read("g1.c1.field=status&g1.c1.value=sold&add=g1")
    assert len(second.conditions.groups[0].conditions) == 2
    assert second.focus == "g1-c2-field"


def test_remove_by_the_numbers_the_form_was_drawn_with():
    address = (
        "c1.field=price&c1.value=1&c2.field=bedrooms&c2.value=2&g1.c1.field=status&g1.c1.value=sold"
    )
    assert read(address + "&remove=c1").filters()[0] == Filter("bedrooms", "eq", 2)
    assert read(address + "&remove=g1").conditions.groups == ()
    assert read(address + "&remove=g1.c1").conditions.groups == ()  # an empty group goes
    assert read(address + "&remove=c1").focus == "builder-add"


def test_no_row_is_added_past_the_limit():
    rows = "&".join(f"c{n}.field=bedrooms&c{n}.value={n}" for n in range(1, 21))
    query = read(rows + "&add=c")
    assert query.conditions.rows == MAX_CONDITIONS
    assert "At most 20 conditions: none was added." in query.problems
    assert not query.builder["room"]


# -- chips ----------------------------------------------------------------------------------------


def test_chips_name_each_filter_and_link_to_the_question_without_it():
    query = read(
        "q=oak&f.status=active&f.status=sold&min.price=100000&max.price=200000"
        "&c1.field=bedrooms&c1.op=gte&c1.value=3"
        "&g1.c1.field=features&g1.c1.value=pool&g1.c2.field=listed_on&g1.c2.op=gt&g1.c2.value=2026-01-01"
        "&sort=-price"
    )
    chips = query.chips()
    texts = [chip.get("text") or chip["label"] for chip in chips]
    assert texts == [
        "Text “oak”",
        "Price is at least $100,000.00",
        "Price is at most $200,000.00",
        "Status is Active",
        "Status is Sold",
        "Bedrooms is at least 3",
        "Any of",
    ]
    group = chips[-1]["chips"]
    assert [c["text"] for c in group] == [
        "Features includes Pool",
        "Listed on is after Jan 1, 2026",
    ]
    without_sold = read(chips[4]["link"][1:])
    assert without_sold.chosen == {"status": ("active",), "price": ("100000", "200000")}
    assert without_sold.sort == "-price" and without_sold.q == "oak"
    without_pool = read(group[0]["link"][1:])
    assert without_pool.filters()[-1] == FilterGroup(
        "OR", (Filter("listed_on", "gt", "2026-01-01"),)
    )
    assert [c["id"] for c in chips[:2]] == ["chip-1", "chip-2"]
    assert read(chips[1]["link"][1:]).chosen["price"] == ("", "200000")
    assert group[1]["id"] == "chip-9"


def test_any_at_the_top_level_brackets_the_builders_chips():
    query = read("match=any&c1.field=price&c1.value=1&c2.field=bedrooms&c2.value=2")
    (bracket,) = query.chips()
    assert bracket["label"] == "Any of" and len(bracket["chips"]) == 2
    assert query.conditions_in_words() == "Price is $1.00 or Bedrooms is 2"


def test_a_bulk_job_names_the_builders_conditions_in_its_search():
    query = read(
        "f.status=sold&c1.field=bedrooms&c1.op=lt&c1.value=3&g1.c1.field=photos"
        "&g1.c1.op=exists&g1.c2.field=agent_email&g1.c2.op=contains&g1.c2.value=@x"
    )
    assert search_in_words(query) == (
        "Status is Sold; Bedrooms is less than 3 and "
        "(Photos is not empty or Agent email contains “@x”)"
    )


def test_cleared_drops_the_builder_too():
    query = read("q=x&c1.field=price&c1.value=1&sort=price")
    assert query.cleared() == "?sort=price"


# -- sorting by several columns -------------------------------------------------------------------


def test_sort_by_several_columns_reads_and_sends_a_list():
    query = read("sort=status,-price,updated")
    assert query.search_sorts() == [
        Sort("status", "asc"),
        Sort("price", "desc"),
        Sort("updatedAt", "asc"),
    ]
    assert query.search_sort() == Sort("status", "asc")
    assert body(query)["sort"] == [
        {"field": "properties.status", "direction": "asc"},
        {"field": "properties.price", "direction": "desc"},
        {"field": "updatedAt", "direction": "asc"},
    ]
    assert query.params() == "?sort=status%2C-price%2Cupdated"
    assert read(query.params()[1:]).sort == query.sort


def test_sort_keys_past_three_unknown_or_unsortable_are_left_out_and_said():
    query = read("sort=bogus,features,price,-price,status,updated,address")
    assert query.sort == "price,status,updated"
    said = " ".join(query.problems)
    assert "“bogus”, which is no column" in said
    assert "cannot be sorted by “Features”" in said
    assert "at most 3 columns: “address” was left out" in said


def test_a_header_sorts_by_its_column_alone_and_shift_adds_it():
    query = read("sort=price,-updated")
    assert dict(parse_qsl(query.sort_link("price")[1:]))["sort"] == "-price"
    assert dict(parse_qsl(query.sort_link("status")[1:]))["sort"] == "status"
    assert dict(parse_qsl(query.sort_add_link("status")[1:]))["sort"] == "price,-updated,status"
    assert dict(parse_qsl(query.sort_add_link("updated")[1:]))["sort"] == "price,updated"
    full = read("sort=price,status,updated")
    assert dict(parse_qsl(full.sort_add_link("address")[1:]))["sort"] == "price,status,address"


# -- the wire -------------------------------------------------------------------------------------


def test_groups_on_the_wire():
    query = read(
        "min.price=100&c1.field=price&c1.op=lte&c1.value=900"
        "&g1.c1.field=bedrooms&g1.c1.op=gt&g1.c1.value=4&g1.c2.field=bedrooms&g1.c2.op=lt&g1.c2.value=2"
        "&g1.c3.field=photos&g1.c3.op=exists"
    )
    assert body(query)["filters"] == [
        # the panel's bound and the builder's on one field: one range (both hold)
        {"field": "properties.price", "operator": "range", "value": {"gte": 100, "lte": 900}},
        {
            "group": "OR",
            "filters": [
                # in an OR group each comparison is a range of its own
                {"field": "properties.bedrooms", "operator": "range", "value": {"gt": 4}},
                {"field": "properties.bedrooms", "operator": "range", "value": {"lt": 2}},
                {"field": "properties.photos", "operator": "exists"},
            ],
        },
    ]


def test_any_at_the_top_is_one_or_group_beside_the_panels_filters():
    query = read(
        "f.status=sold&match=any&c1.field=address&c1.op=contains&c1.value=oak"
        "&g1.match=all&g1.c1.field=price&g1.c1.op=gt&g1.c1.value=1&g1.c2.field=kind&g1.c2.value=condo"
    )
    assert body(query)["filters"] == [
        {"field": "properties.status", "operator": "eq", "value": "sold"},
        {
            "group": "OR",
            "filters": [
                {"field": "properties.address", "operator": "contains", "value": "oak"},
                {
                    "group": "AND",
                    "filters": [
                        {"field": "properties.price", "operator": "range", "value": {"gt": 1}},
                        {"field": "properties.kind", "operator": "eq", "value": "condo"},
                    ],
                },
            ],
        },
    ]


def test_the_same_comparison_twice_on_a_field_is_two_ranges_not_one_overwritten():
    filters = [Filter("price", "gte", 1), Filter("price", "gte", 5), Filter("price", "lt", 9)]
    assert wire.filters_body(SCHEMA, filters) == [
        {"field": "properties.price", "operator": "range", "value": {"gte": 1}},
        {"field": "properties.price", "operator": "range", "value": {"gte": 5, "lt": 9}},
    ]


def test_groups_of_one_are_that_condition_and_empty_groups_are_not_sent():
    filters = [FilterGroup("OR", (Filter("price", "gt", 1),)), FilterGroup("AND", ())]
    assert wire.filters_body(SCHEMA, filters) == [
        {"field": "properties.price", "operator": "range", "value": {"gt": 1}}
    ]
    with pytest.raises(ValidationFailed):
        wire.filters_body(SCHEMA, [FilterGroup("XOR", (Filter("price", "gt", 1),))])


def test_more_than_three_sort_keys_are_refused_before_sending():
    with pytest.raises(ValidationFailed):
        wire.search_body(
            SCHEMA, sort=[Sort("price"), Sort("status"), Sort("address"), Sort("kind")]
        )
    assert wire.search_body(SCHEMA, sort=Sort("price"))["sort"] == [
        {"field": "properties.price", "direction": "asc"}
    ]


# -- junk -----------------------------------------------------------------------------------------

NAMES = st.sampled_from(
    ["q", "sort", "match", "add", "remove", "owner", "page", "per_page", "f.status", "min.price"]
    + [
        f"{p}{n}.{part}"
        for p in ("c", "g1.c", "g2.g1.c")
        for n in (1, 2, 0, 999, 1000)
        for part in ("field", "op", "value", "was", "x")
    ]
    + ["g1.match", "g3.match", "c", "g", "c1", "g1."]
)
VALUES_JUNK = st.one_of(
    st.sampled_from(
        [
            "price",
            "status",
            "gte",
            "any",
            "all",
            "c1",
            "g1",
            "g1.c1",
            "-price,status",
            "exists",
            "1e309",
            "nan",
            "",
            " ",
            "sold",
            "2026-02-30",
            ":",
            "price:eq",
        ]
    ),
    st.text(max_size=30),
)


def flat(chips):
    for chip in chips:
        yield from flat(chip["chips"]) if "chips" in chip else [chip]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(NAMES, VALUES_JUNK), max_size=25))
def test_junk_in_the_address_never_breaks_reading_writing_or_sending(pairs):
    params = QueryDict(mutable=True)
    for name, value in pairs:
        params.appendlist(name, value)
    query = ListQuery.from_params(SCHEMA, params)
    written = query.params()
    again = read(written[1:])
    assert again.params() == written  # what links carry reads back to itself
    assert not again.refused and not again.problems
    wire.search_body(SCHEMA, query=query.q, filters=query.filters(), sort=query.search_sorts())
    for chip in flat(query.chips()):
        assert read(chip["link"][1:]).params() != written  # each chip drops something
    drawn = query.builder
    assert len(drawn["rows"]) + sum(len(g["rows"]) for g in drawn["groups"]) <= MAX_CONDITIONS
    assert bool(query.conditions_in_words()) == bool(query.conditions.count)
