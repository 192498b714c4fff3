"""The embedded API's behaviour for each dataType: one class per type, and `of` to find it.

A type's class says how a value of it is checked and stored (validation.py), how a search filter
on it is typed and becomes SQL, what it compares and sorts by and which kind of index serves
that (search.py, indexing.py), and what it adds to a record's search text. The facts that the
dashboard shares (the types, which operators apply, whether a type sorts or is a list, money's
spelling) are the contract's, in `recordsadmin.contract.datatypes`; the classes read them there.

Adding a dataType takes its rule in contract/datatypes.py, its class here (listed in TYPES) and
its tests.

Values are checked as the real service checks them (docs/records-api.md): a value of the wrong
type is 400, a value that is not one of the field's options is 422, and every message names the
key it is about.
"""

import datetime as dt
import json
import math
import re
import sys
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import connection
from django.db.models import Q, Value
from django.db.models.expressions import Expression
from django.db.models.functions import StrIndex
from django.db.models.lookups import Exact, GreaterThan, IContains

from recordsadmin.contract import datatypes
from recordsadmin.contract.datatypes import CONTAINS, NOT_CONTAINS, DataType, TypeRule
from recordsadmin.contract.limits import MAX_SAFE_INTEGER, MAX_TEXT_LENGTH, PHONE_RULE, is_phone

from .errors import Invalid, SearchInvalid
from .expressions import (
    LOOKUPS,
    HoldsOption,
    PropertyNumber,
    PropertyText,
    PropertyType,
    PropertyValue,
)

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_NO_LABELS: Mapping = MappingProxyType({})
_email = EmailValidator()
_url = URLValidator(schemes=["http", "https"])


class FieldLike(Protocol):
    """What the rules read of a field: a `Field`, or anything shaped like one."""

    key: str
    data_type: str
    options: list


class FieldType:
    """One dataType's behaviour. The base reads a value as one string, compared as text."""

    data_type: str = ""
    # How SQL compares and sorts the value, which is also the kind an index on it is named by:
    # "t" as text by code point, "n" as a float.
    kind = "t"
    # What a value is, for the message that refuses to sort by a type that has no order.
    holds = "one value"

    @property
    def rule(self) -> TypeRule:
        return datatypes.rule(self.data_type)

    @property
    def operators(self) -> frozenset[str]:
        return self.rule.operators

    @property
    def index_kind(self) -> str | None:
        """The kind of the property's index; None for a type that does not sort, since no
        index has an order to serve it in."""
        return self.kind if self.rule.sortable else None

    # --- values ---------------------------------------------------------------------------

    def clean(self, field: FieldLike, value: Any) -> Any:
        """The value to store for `field`; `value` is not None. Raises Invalid."""
        raise NotImplementedError

    def apply_change(self, field: FieldLike, change: Mapping, current: Any) -> list:
        """The list after {"add": [...], "remove": [...]}; only list-valued types take one."""
        raise NotImplementedError

    # --- search ---------------------------------------------------------------------------

    def filter_value(self, raw: Any, operator: str, name: str) -> Any:
        """A search filter's value, typed for this type. Raises SearchInvalid naming `name`."""
        return string(raw, name)

    def expression(self, key: str) -> Expression:
        """The property as SQL compares and sorts it (and as its index holds it)."""
        return PropertyText(key)

    def condition(self, key: str, operator: str, value: Any) -> Q:
        """`eq`, `contains` or a comparison on the property. Negations and presence are the
        same for every type: search.py makes those."""
        if operator == CONTAINS:
            return Q(IContains(PropertyValue(key), value))
        return Q(LOOKUPS[operator](self.expression(key), value))

    def texts(self, field: FieldLike, value: Any) -> list[str]:
        """What a value adds to the record's search text."""
        return texts_of(value)


# --- text ------------------------------------------------------------------------------------


class Text(FieldType):
    data_type = DataType.TEXT

    def clean(self, field: FieldLike, value: Any) -> str:
        if not isinstance(value, str):
            raise Invalid(400, f"{field.key} must be a string")
        if len(value) > MAX_TEXT_LENGTH:
            raise Invalid(400, f"{field.key} must be at most {MAX_TEXT_LENGTH} characters")
        return value


class LargeText(Text):
    data_type = DataType.LARGE_TEXT


class Phone(FieldType):
    data_type = DataType.PHONE

    def clean(self, field: FieldLike, value: Any) -> str:
        if not is_phone(value):
            raise Invalid(400, f"{field.key} must be a phone number: {PHONE_RULE}")
        return value


class Email(FieldType):
    data_type = DataType.EMAIL

    def clean(self, field: FieldLike, value: Any) -> str:
        try:
            if not isinstance(value, str):
                raise ValidationError("not a string")
            _email(value)
        except ValidationError:
            raise Invalid(400, f"{field.key} must be a valid email address") from None
        return value


class Date(FieldType):
    """A "YYYY-MM-DD" string: as text it orders like the date it spells."""

    data_type = DataType.DATE

    def clean(self, field: FieldLike, value: Any) -> str:
        if not _is_date(value):
            raise Invalid(400, f"{field.key} must be a date as YYYY-MM-DD")
        return value

    def filter_value(self, raw: Any, operator: str, name: str) -> str:
        value = string(raw, name)
        # `contains` looks for part of the text, which need not be a whole date.
        if operator not in (CONTAINS, NOT_CONTAINS) and not _is_date(value):
            raise SearchInvalid(f"{name}: the value must be a date, YYYY-MM-DD.", name)
        return value


# --- numbers ---------------------------------------------------------------------------------


MAX_FLOAT = int(sys.float_info.max)


class Numeric(FieldType):
    """A number: compared, sorted and indexed as a float."""

    kind = "n"

    def expression(self, key: str) -> Expression:
        return PropertyNumber(key)

    def filter_value(self, raw: Any, operator: str, name: str) -> float:
        if isinstance(raw, str) and NUMBER.fullmatch(raw.strip()):
            raw = float(raw)
        if isinstance(raw, int) and not isinstance(raw, bool) and abs(raw) > MAX_FLOAT:
            raw = math.inf  # a JSON integer past every float is no number the API can compare
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
            raise SearchInvalid(f"{name}: the value must be a number.", name)
        return float(raw)


class Numerical(Numeric):
    data_type = DataType.NUMERICAL

    def clean(self, field: FieldLike, value: Any) -> int | float:
        return _number(field.key, value, f"{field.key} must be a number")


class Monetory(Numeric):
    """A number, which the real service also writes as {"currency": "default", "value": N}."""

    data_type = DataType.MONETORY

    def clean(self, field: FieldLike, value: Any) -> int | float:
        key = field.key
        message = f'{key} must be a number or {{"currency": "default", "value": <number>}}'
        if isinstance(value, Mapping):
            # As the contract writes it, currency included: "default" is the location's own
            # currency, the only one a value can be in; another would be stored as a wrong
            # amount.
            if set(value) != {"currency", "value"}:
                raise Invalid(400, message)
            if value["currency"] != "default":
                raise Invalid(
                    400,
                    f'{key}: the currency must be "default" (the location\'s), not '
                    f"{value['currency']!r}",
                )
            value = value["value"]
        return _number(key, value, message)

    def texts(self, field: FieldLike, value: Any) -> list[str]:
        return texts_of(self.rule.from_wire(value))


def _number(key: str, value: Any, message: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid(400, message)
    if not math.isfinite(value) or abs(value) > MAX_SAFE_INTEGER:
        raise Invalid(400, f"{key} must be a finite number of at most {MAX_SAFE_INTEGER}")
    return value


# --- options ---------------------------------------------------------------------------------


class Choice(FieldType):
    """A value of one or more of the field's option keys. The search text holds each option's
    label beside its key, so that a query finds what the dashboard shows."""

    def texts(self, field: FieldLike, value: Any) -> list[str]:
        labels = {o.get("key"): o.get("label") for o in field.options if isinstance(o, dict)}
        return texts_of(value, labels)


class SingleChoice(Choice):
    def clean(self, field: FieldLike, value: Any) -> str:
        if not isinstance(value, str):
            raise Invalid(400, f"{field.key} must be one option key (a string)")
        return option(field, value)


class SingleOptions(SingleChoice):
    data_type = DataType.SINGLE_OPTIONS


class Radio(SingleChoice):
    data_type = DataType.RADIO


class ListValued(FieldType):
    """A list: an update may send {"add": [...], "remove": [...]} instead of the whole list,
    as the real service takes it."""

    def apply_change(self, field: FieldLike, change: Mapping, current: Any) -> list:
        """Removals first, then additions; the result is checked as a whole list."""
        add, remove = change.get("add", []), change.get("remove", [])
        if not isinstance(add, list) or not isinstance(remove, list):
            raise Invalid(400, f'{field.key}: "add" and "remove" must be lists')
        current = list(current) if isinstance(current, list) else []
        kept = self.without(field, current, remove)
        return self.clean(field, kept + add) if kept + add else []

    def without(self, field: FieldLike, current: list, remove: list) -> list:
        """`current` less the items `remove` names."""
        raise NotImplementedError


class MultipleChoice(Choice, ListValued):
    """A list of option keys. `eq` and `contains` both mean "the list holds this option"; a
    POST filter's list of options asks for records that hold all of them."""

    holds = "a list"

    def clean(self, field: FieldLike, value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise Invalid(400, f"{field.key} must be a list of option keys (strings)")
        return list(dict.fromkeys(option(field, v) for v in value))

    def without(self, field: FieldLike, current: list, remove: list) -> list:
        if not all(isinstance(r, str) for r in remove):
            raise Invalid(400, f"{field.key}: remove must be a list of option keys")
        return [v for v in current if v not in remove]

    def filter_value(self, raw: Any, operator: str, name: str) -> str | tuple[str, ...]:
        if isinstance(raw, list) and raw:
            return tuple(string(item, name) for item in raw)
        return string(raw, name)

    def condition(self, key: str, operator: str, value: Any) -> Q:
        values = value if isinstance(value, tuple) else (value,)
        result = Q()
        for one in values:
            result &= _holds(key, one)
        return result


class MultipleOptions(MultipleChoice):
    data_type = DataType.MULTIPLE_OPTIONS


class Checkbox(MultipleChoice):
    data_type = DataType.CHECKBOX


class TextboxList(FieldType):
    """An object of option key to text: one text box per option. Search asks only whether a
    record has one."""

    data_type = DataType.TEXTBOX_LIST
    holds = "several values"

    def clean(self, field: FieldLike, value: Any) -> dict:
        if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
            raise Invalid(400, f"{field.key} must be an object that maps option keys to strings")
        for key in value:
            option(field, key)
        return dict(value)


# --- files -----------------------------------------------------------------------------------


class FileUpload(ListValued):
    """A list of {"url", "name"?}; a change removes files by URL. Search asks only whether a
    record has any."""

    data_type = DataType.FILE_UPLOAD
    holds = "several values"

    def clean(self, field: FieldLike, value: Any) -> list[dict]:
        if not isinstance(value, list):
            raise Invalid(400, _file_message(field.key))
        return _unique([_file(field.key, item) for item in value])

    def without(self, field: FieldLike, current: list, remove: list) -> list:
        urls = [r.get("url") if isinstance(r, Mapping) else r for r in remove]
        # Checked before they go in a set: a list or an object there is no URL, nor hashable.
        if not all(isinstance(url, str) for url in urls):
            raise Invalid(400, f"{field.key}: remove files by URL (a string or {{'url': ...}})")
        gone = set(urls)
        return [f for f in current if not (isinstance(f, Mapping) and f.get("url") in gone)]


def _file_message(key: str) -> str:
    return f'{key} must be a list of {{"url": <http(s) URL>, "name"?: <string>}} objects'


def _file(key: str, item: Any) -> dict:
    if not isinstance(item, Mapping) or set(item) - {"url", "name"} or "url" not in item:
        raise Invalid(400, _file_message(key))
    url, name = item["url"], item.get("name")
    try:
        if not isinstance(url, str):
            raise ValidationError("not a string")
        _url(url)
    except ValidationError:
        raise Invalid(400, _file_message(key)) from None
    if name is not None and not isinstance(name, str):
        raise Invalid(400, _file_message(key))
    return {"url": url, "name": name} if name is not None else {"url": url}


def _unique(items: list) -> list:
    seen: list = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


# --- a type this code does not know ----------------------------------------------------------


class Unknown(FieldType):
    """A dataType with no class here, on a field written around the API (the API itself
    refuses to create one). Search reads it like TEXT, as the contract reads any type it does
    not know; no value is accepted for it."""

    def __init__(self, data_type: str):
        self.data_type = data_type

    def clean(self, field: FieldLike, value: Any) -> Any:
        raise Invalid(400, f"{field.key} has an unknown dataType {self.data_type}")


TYPES: dict[str, FieldType] = {
    t.data_type: t
    for t in (
        Text(),
        LargeText(),
        Numerical(),
        Phone(),
        Monetory(),
        Checkbox(),
        SingleOptions(),
        MultipleOptions(),
        Date(),
        TextboxList(),
        FileUpload(),
        Radio(),
        Email(),
    )
}


def of(data_type: str) -> FieldType:
    """The behaviour of `data_type`; `Unknown` for a type with no class here."""
    found = TYPES.get(data_type)
    return found if found is not None else Unknown(data_type)


# --- shared by the types ---------------------------------------------------------------------


def option_keys(field: FieldLike) -> list[str]:
    return [o["key"] for o in field.options or [] if isinstance(o, Mapping) and "key" in o]


def option(field: FieldLike, value: str) -> str:
    """`value` when it is one of the field's option keys; else 422, with a hint when it is an
    option's label (the mistake a client makes most)."""
    keys = option_keys(field)
    if value in keys:
        return value
    hint = ""
    for item in field.options or []:
        if isinstance(item, Mapping) and item.get("label") == value:
            hint = f" ({value!r} is the label of the option {item.get('key')!r})"
    raise Invalid(
        422,
        f"{field.key}: {value!r} is not an option{hint}; use one of the keys: {', '.join(keys)}",
    )


def _is_date(value: Any) -> bool:
    if not isinstance(value, str) or not DATE.fullmatch(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def string(raw: Any, name: str) -> str:
    """A search filter's value as a string (every type's but numbers, the owner's too)."""
    if not isinstance(raw, str):
        raise SearchInvalid(f"{name}: the value must be a string.", name)
    return raw


def _holds(key: str, value: str) -> Q:
    """The list at `key` holds the option `value`: its JSON text contains the option as a JSON
    string.

    JSONField's `contains` lookup does not exist on SQLite, and a JSON string cannot occur
    inside another one unescaped, so a plain substring test on the list's text is exact. The
    stored text may spell non-ASCII letters either way, so both spellings are looked for. The
    value must be a list: a plain string may spell one. PostgreSQL asks jsonb containment.
    """
    if connection.vendor == "postgresql":
        return Q(HoldsOption(key, value))
    text = PropertyValue(key)
    q = Q()
    for needle in {json.dumps(value), json.dumps(value, ensure_ascii=False)}:
        q |= Q(GreaterThan(StrIndex(text, Value(needle)), 0))
    return Q(Exact(PropertyType(key), "array")) & q


def texts_of(value: Any, labels: Mapping = _NO_LABELS) -> list[str]:
    """The texts a value holds, for the search text: a number as JSON writes it, an option key
    and its label, each string of a list or object."""
    if isinstance(value, bool):
        return [str(value).lower()]
    if isinstance(value, int | float):
        return [str(int(value)) if float(value).is_integer() else repr(value)]
    if isinstance(value, str):
        label = labels.get(value)
        return [value, label] if isinstance(label, str) and label != value else [value]
    if isinstance(value, Mapping):  # TEXTBOX_LIST: option -> text; a file: {url, name}
        value = list(value.values())
    if isinstance(value, list):
        return [text for item in value for text in texts_of(item, labels)]
    return []
