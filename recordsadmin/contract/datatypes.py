"""The records API's thirteen dataTypes, and one rule per type: the facts both sides share.

A rule says what a field's value is (text, a number, option keys, a list...), which search
operators apply to it, whether it sorts, whether bulk work and imports can set it, and how the
value is spelled on the wire. The dashboard's behaviour for a type lives in
`recordsadmin/records/fieldtypes/`, the embedded API's in `recordsadmin/sandbox/fieldtypes.py`;
both read these facts instead of keeping sets of their own.
"""

import enum
from dataclasses import dataclass
from typing import Any


class DataType(enum.StrEnum):
    TEXT = "TEXT"
    LARGE_TEXT = "LARGE_TEXT"
    NUMERICAL = "NUMERICAL"
    PHONE = "PHONE"
    MONETORY = "MONETORY"  # sic: the API's spelling
    CHECKBOX = "CHECKBOX"
    SINGLE_OPTIONS = "SINGLE_OPTIONS"
    MULTIPLE_OPTIONS = "MULTIPLE_OPTIONS"
    DATE = "DATE"
    TEXTBOX_LIST = "TEXTBOX_LIST"
    FILE_UPLOAD = "FILE_UPLOAD"
    RADIO = "RADIO"
    EMAIL = "EMAIL"


# Search operators. The GET form names the comparisons; the POST form wraps them in one
# `range` condition ({"gt"?, "gte"?, "lt"?, "lte"?}).
EQ, NOT_EQ, CONTAINS, NOT_CONTAINS = "eq", "not_eq", "contains", "not_contains"
GT, GTE, LT, LTE = "gt", "gte", "lt", "lte"
EXISTS, NOT_EXISTS = "exists", "not_exists"
RANGE = "range"
COMPARISONS = frozenset({GT, GTE, LT, LTE})
PRESENCE = frozenset({EXISTS, NOT_EXISTS})
NEGATIONS = {NOT_EQ: EQ, NOT_CONTAINS: CONTAINS}
OPERATORS = frozenset({EQ, NOT_EQ, CONTAINS, NOT_CONTAINS, *COMPARISONS, *PRESENCE})
POST_OPERATORS = frozenset({EQ, NOT_EQ, CONTAINS, NOT_CONTAINS, RANGE, *PRESENCE})

_EVERY = OPERATORS
_LISTS = frozenset({EQ, NOT_EQ, CONTAINS, NOT_CONTAINS, *PRESENCE})
_NUMBERS = frozenset({EQ, NOT_EQ, *COMPARISONS, *PRESENCE})


class Value(enum.StrEnum):
    """What a property holds for a type."""

    TEXT = "text"  # a string
    NUMBER = "number"  # a JSON number
    DATE = "date"  # "YYYY-MM-DD"
    OPTION = "option"  # one option key
    OPTIONS = "options"  # a list of option keys
    LINES = "lines"  # an object: option key -> string
    FILES = "files"  # a list of {"url", "name"?}


@dataclass(frozen=True)
class TypeRule:
    data_type: DataType
    value: Value
    # Search operators that apply to the type (GET spelling; `range` stands for comparisons).
    operators: frozenset[str]
    # Records sort by it (a list, a text box list or files has no one value to order by).
    sortable: bool = True
    # Bulk edits and imports can set it (files need an upload first; a text box list has no
    # one value to type).
    settable: bool = True
    # The object's primary display property may be of this type.
    primary: bool = False
    # On the wire a value may also be {"currency": "default", "value": N}.
    money: bool = False

    @property
    def has_options(self) -> bool:
        """The field carries `options` (choices, or the lines of a text box list)."""
        return self.value in (Value.OPTION, Value.OPTIONS, Value.LINES)

    @property
    def choice(self) -> bool:
        """The value is one or more of the field's option keys."""
        return self.value in (Value.OPTION, Value.OPTIONS)

    @property
    def is_list(self) -> bool:
        """The value is a list; an update may send {"add": [...], "remove": [...]}."""
        return self.value in (Value.OPTIONS, Value.FILES)

    @property
    def numeric(self) -> bool:
        return self.value is Value.NUMBER

    @property
    def spelled_on_wire(self) -> bool:
        """Whether from_wire changes a value (money comes as an object), so that a page of
        records is read without a call per value that changes nothing."""
        return self.money

    def from_wire(self, value: Any) -> Any:
        """A property as the API answered it, in its one plain spelling (money as N)."""
        if self.money and isinstance(value, dict):
            return value.get("value")
        return value

    def to_wire(self, value: Any) -> Any:
        """A plain value as the real service wants it written (money as an object)."""
        if self.money and value is not None and not isinstance(value, dict):
            return {"currency": "default", "value": value}
        return value


def _rule(data_type: DataType, value: Value, operators=_EVERY, **facts) -> TypeRule:
    return TypeRule(data_type, value, frozenset(operators), **facts)


RULES: dict[str, TypeRule] = {
    rule.data_type: rule
    for rule in (
        _rule(DataType.TEXT, Value.TEXT, primary=True),
        _rule(DataType.LARGE_TEXT, Value.TEXT),
        _rule(DataType.NUMERICAL, Value.NUMBER, _NUMBERS, primary=True),
        _rule(DataType.PHONE, Value.TEXT),
        _rule(DataType.MONETORY, Value.NUMBER, _NUMBERS, money=True),
        _rule(DataType.CHECKBOX, Value.OPTIONS, _LISTS, sortable=False),
        _rule(DataType.SINGLE_OPTIONS, Value.OPTION),
        _rule(DataType.MULTIPLE_OPTIONS, Value.OPTIONS, _LISTS, sortable=False),
        _rule(DataType.DATE, Value.DATE),
        _rule(DataType.TEXTBOX_LIST, Value.LINES, PRESENCE, sortable=False, settable=False),
        _rule(DataType.FILE_UPLOAD, Value.FILES, PRESENCE, sortable=False, settable=False),
        _rule(DataType.RADIO, Value.OPTION),
        _rule(DataType.EMAIL, Value.TEXT),
    )
}

# A dataType this code does not know yet is read like TEXT (the API may add types).
UNKNOWN = RULES[DataType.TEXT]


def rule(data_type: str) -> TypeRule:
    return RULES.get(data_type, UNKNOWN)


def known(data_type: object) -> bool:
    return data_type in RULES


SORTABLE = tuple(t for t, r in RULES.items() if r.sortable)
PRIMARY = tuple(t for t, r in RULES.items() if r.primary)
