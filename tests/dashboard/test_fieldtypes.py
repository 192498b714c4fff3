"""The dashboard's one class per dataType: one for every type of the contract, agreeing with it,
and what each does with a value both ways (form, CSV, filter)."""

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict

from recordsadmin.contract import datatypes
from recordsadmin.records import fieldtypes
from recordsadmin.records.fieldtypes import FieldType
from recordsadmin.records.schema_forms import FieldForm
from tests.support.schemas import one_field

CHOICES = ("active", "sold")


def test_every_datatype_of_the_contract_has_its_class():
    assert set(fieldtypes.TYPES) == set(datatypes.RULES)
    for data_type, cls in fieldtypes.TYPES.items():
        assert cls.data_type == data_type


def test_each_class_names_its_type_for_people_and_the_schema_menu_lists_them_so():
    labels = [cls.type_name for cls in fieldtypes.TYPES.values()]
    assert all(labels) and len(set(labels)) == len(labels)
    menu = FieldForm(creating=True).fields["data_type"].choices
    assert menu == [(t, cls.type_name) for t, cls in fieldtypes.TYPES.items()]
    assert fieldtypes.type_name("MONETORY") == "Money"
    assert fieldtypes.type_name("GEOPOINT") == "GEOPOINT"  # a type the dashboard does not know yet


@pytest.mark.parametrize("data_type", sorted(datatypes.RULES))
def test_each_class_reads_its_facts_from_the_contract(data_type):
    kind = fieldtypes.of(one_field(data_type, CHOICES))
    rule = datatypes.rule(data_type)
    assert kind.rule is rule
    assert kind.sortable is rule.sortable
    assert kind.settable is rule.settable
    # A type bulk work cannot set offers no input for a value either (or only with lines).
    if not rule.settable and data_type != "TEXTBOX_LIST":
        assert kind.form_field() is None and kind.read_only_note


def test_a_datatype_the_dashboard_does_not_know_is_a_line_of_text():
    kind = fieldtypes.of(one_field("GEOPOINT"))
    assert type(kind) is FieldType
    assert kind.form_field().clean("  here  ") == "here"
    assert kind.csv_out("here", labels=True) == "here"
    assert kind.sortable  # read like TEXT, as the contract says of unknown types


@pytest.mark.parametrize(
    ("data_type", "value", "cell"),
    [
        ("TEXT", "Main St", "Main St"),
        ("LARGE_TEXT", "one\ntwo", "one\ntwo"),
        ("NUMERICAL", 3.5, "3.5"),
        ("MONETORY", 350000, "350000"),
        ("PHONE", "+1 555 0100", "+1 555 0100"),
        ("EMAIL", "jo@example.com", "jo@example.com"),
        ("DATE", "2026-03-07", "2026-03-07"),
        ("SINGLE_OPTIONS", "sold", "Sold"),
        ("RADIO", "active", "Active"),
        ("MULTIPLE_OPTIONS", ["active", "sold"], "Active; Sold"),
        ("CHECKBOX", ["sold"], "Sold"),
    ],
)
def test_a_settable_value_goes_out_to_csv_and_comes_back_the_same(data_type, value, cell):
    kind = fieldtypes.of(one_field(data_type, CHOICES))
    assert kind.csv_out(value, labels=True) == cell
    assert kind.csv_in(cell) == value
    # Keys come back too, and an empty cell is no value.
    assert kind.csv_in(kind.csv_out(value, labels=False)) == value
    assert kind.csv_in("") is None


@pytest.mark.parametrize(
    ("data_type", "cell", "message"),
    [
        ("NUMERICAL", "many", "number"),
        ("DATE", "07/03/2026", "date"),
        ("SINGLE_OPTIONS", "gone", "is not an option of"),
        ("PHONE", "call me", "phone number"),
    ],
)
def test_a_cell_the_api_would_refuse_is_refused_with_a_reason(data_type, cell, message):
    with pytest.raises(ValidationError) as refused:
        fieldtypes.of(one_field(data_type, CHOICES)).csv_in(cell)
    assert message in " ".join(refused.value.messages).lower()


def test_files_and_text_box_lists_are_not_imported():
    with pytest.raises(ValidationError):
        fieldtypes.of(one_field("FILE_UPLOAD")).csv_in("https://example.com/a.pdf")


@pytest.mark.parametrize(
    ("data_type", "query", "pairs", "conditions"),
    [
        ("SINGLE_OPTIONS", "f.x=sold&f.x=sold", [("f.x", "sold")], [("eq", ["sold"])]),
        ("MONETORY", "min.x=1,000&max.x=", [("min.x", "1000")], [("gte", 1000)]),
        ("DATE", "max.x=2026-01-31", [("max.x", "2026-01-31")], [("lte", "2026-01-31")]),
    ],
)
def test_a_filter_is_read_from_the_url_written_back_and_searched(
    data_type, query, pairs, conditions
):
    kind = fieldtypes.of(one_field(data_type, CHOICES))
    state, problem = kind.filter_state(QueryDict(query))
    assert problem is None
    assert kind.filter_pairs(state) == pairs
    assert [(c.operator, c.value) for c in kind.filter_conditions(state)] == conditions
    assert kind.filter_control(state)["field"] is kind.field


def test_types_without_a_filter_offer_no_control():
    for data_type in ("TEXT", "EMAIL", "FILE_UPLOAD", "TEXTBOX_LIST"):
        kind = fieldtypes.of(one_field(data_type, CHOICES))
        assert kind.filter_state(QueryDict("f.x=a&min.x=1")) == (None, None)
        assert kind.filter_control(None) is None


@pytest.mark.parametrize("data_type", list(datatypes.DataType))
@pytest.mark.parametrize("choices", [(), ("a", "b")])
def test_editable_says_whether_the_form_has_an_input(data_type, choices):
    """The table asks `editable` for each column (editing in place), instead of making the
    form field: both must agree."""
    kind = fieldtypes.of(one_field(data_type, choices))
    assert kind.editable is (kind.form_field(None) is not None)
