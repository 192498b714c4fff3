"""recordsadmin/sandbox/fieldtypes.py: one class per dataType, in step with the contract.

What each type does to a value or a search is tested through validation and search
(test_validation.py, test_search.py); these check the registry itself: that every dataType of
the contract has its class, that a class says what the contract says of its type, and that a
dataType the sandbox does not know is read like TEXT and takes no value, as before.
"""

import datetime as dt

import pytest

from recordsadmin.contract import datatypes
from recordsadmin.contract.datatypes import DataType
from recordsadmin.sandbox import fieldtypes, indexing
from recordsadmin.sandbox.errors import Invalid, SearchInvalid
from recordsadmin.sandbox.fieldtypes import FieldType
from recordsadmin.sandbox.models import Field
from recordsadmin.sandbox.validation import ValidationFailed, clean_properties

from .test_search import PREFIX, T0, add_record, get, make_object, post

ALL = list(DataType)


def field(data_type: str) -> Field:
    return Field(field_key=f"{PREFIX}odd", data_type=data_type)


def test_every_contract_data_type_has_its_class_and_no_other_is_registered():
    assert set(fieldtypes.TYPES) == set(ALL)
    for data_type in ALL:
        found = fieldtypes.of(data_type)
        assert found.data_type == data_type
        assert not isinstance(found, fieldtypes.Unknown)


@pytest.mark.parametrize("data_type", ALL)
def test_each_class_says_what_the_contract_says_of_its_type(data_type):
    rule, found = datatypes.rule(data_type), fieldtypes.of(data_type)
    assert found.rule is rule
    assert found.operators == rule.operators
    # An index only where there is an order; numbers compare as floats, the rest as text.
    assert found.index_kind == (("n" if rule.numeric else "t") if rule.sortable else None)
    # Only list-valued types take {"add", "remove"}.
    takes_changes = type(found).apply_change is not FieldType.apply_change
    assert takes_changes == rule.is_list
    # Every type checks its values (no class is left with the base's).
    assert type(found).clean is not FieldType.clean


@pytest.mark.parametrize("data_type", ALL)
def test_a_property_index_is_of_its_class_kind(data_type):
    kind = fieldtypes.of(data_type).index_kind
    names = [index.name for index in indexing.field_indexes("k", data_type, "sqlite")]
    if kind is None:
        assert names == []
    else:
        assert len(names) == 1 and names[0].startswith(f"{indexing.PROPERTY_INDEX_PREFIX}{kind}_")


# --- a dataType the sandbox does not know ------------------------------------------------------


def test_an_unknown_data_type_takes_no_value():
    with pytest.raises(Invalid) as raised:
        fieldtypes.of("GEOPOINT").clean(field("GEOPOINT"), "somewhere")
    assert (raised.value.status, raised.value.message) == (
        400,
        "odd has an unknown dataType GEOPOINT",
    )
    with pytest.raises(ValidationFailed) as failed:
        clean_properties([field("GEOPOINT")], {"odd": {"add": ["x"]}})
    assert failed.value.status == 400
    assert failed.value.errors == {"odd": ["odd has an unknown dataType GEOPOINT"]}


def test_an_unknown_data_type_is_searched_like_text():
    unknown, text = fieldtypes.of("GEOPOINT"), fieldtypes.of(DataType.TEXT)
    assert isinstance(unknown, fieldtypes.Unknown)
    assert unknown.operators == text.operators
    assert unknown.index_kind == "t"
    assert unknown.filter_value("x", "eq", "properties.odd") == "x"
    with pytest.raises(SearchInvalid):
        unknown.filter_value(5, "eq", "properties.odd")
    assert [i.name for i in indexing.field_indexes("k", "GEOPOINT", "sqlite")] == [
        i.name for i in indexing.field_indexes("k", DataType.TEXT, "sqlite")
    ]


@pytest.mark.django_db
def test_a_field_of_an_unknown_type_written_around_the_api_filters_and_sorts_as_text():
    obj = make_object(searchable=("name", "odd"))
    Field.objects.create(
        location=obj.location, object=obj, name="Odd", field_key=f"{PREFIX}odd", data_type="GEO"
    )
    for i, (name, odd) in enumerate([("a", "b2"), ("b", "a10"), ("c", None)]):
        add_record(obj, {"name": name, "odd": odd}, created=T0 + dt.timedelta(hours=i))
    assert get(obj, "sortBy=properties.odd&sortOrder=asc") == (["b", "a", "c"], 3)
    assert get(obj, {"properties.odd[contains]": "A1"}) == (["b"], 1)
    greater = {"field": "odd", "operator": "range", "value": {"gt": "b"}}
    assert post(obj, {"filters": [greater]}) == (["a"], 1)
    assert get(obj, {"query": "b2"}) == (["a"], 1)
