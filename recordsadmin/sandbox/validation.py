"""Checks a record's properties, owner and followers against its object's fields.

Pure functions: they take the fields (anything with `key`, `data_type` and `options`, such as a
`Field`) and the values, and return the values to store or raise `ValidationFailed` with every
problem by key. The rules are the table in records-api.md: a wrong type is 400, a value that is
not one of the field's options is 422; every message names the key it is about.
"""

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator

from .models import DataType

TEXT_TYPES = {DataType.TEXT, DataType.LARGE_TEXT}
SINGLE_OPTION_TYPES = {DataType.SINGLE_OPTIONS, DataType.RADIO}
MULTI_OPTION_TYPES = {DataType.MULTIPLE_OPTIONS, DataType.CHECKBOX}
OPTION_TYPES = SINGLE_OPTION_TYPES | MULTI_OPTION_TYPES | {DataType.TEXTBOX_LIST}
# Fields whose value is a list: an update may send {"add": [...], "remove": [...]} (ghl-notes.md).
LIST_TYPES = MULTI_OPTION_TYPES | {DataType.FILE_UPLOAD}

MAX_OWNERS = 1
MAX_FOLLOWERS = 10
# The real service runs on JavaScript: a number past 2**53 would not survive the round trip.
MAX_SAFE_INTEGER = 2**53 - 1
MAX_TEXT_LENGTH = 100_000

_PHONE = re.compile(r"\+?[0-9 ()\-]+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_email = EmailValidator()
_url = URLValidator(schemes=["http", "https"])


class FieldLike(Protocol):
    key: str
    data_type: str
    options: list


class Invalid(Exception):
    """One value's problem: the status it earns and a message that names the key."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class ValidationFailed(Exception):
    """Every problem of one request. 400 when any is a 400 (a wrong type), else 422."""

    def __init__(self, errors: dict[str, list[str]], status: int):
        super().__init__("; ".join(m for messages in errors.values() for m in messages))
        self.errors = errors
        self.status = status


class Problems:
    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}
        self.statuses: set[int] = set()

    def add(self, key: str, status: int, message: str) -> None:
        self.errors.setdefault(key, []).append(message)
        self.statuses.add(status)

    def raise_any(self) -> None:
        if self.errors:
            status = 400 if 400 in self.statuses or not self.statuses else min(self.statuses)
            raise ValidationFailed(self.errors, status)


def is_change(value: Any) -> bool:
    """True for the real service's list update form, {"add": [...], "remove": [...]}."""
    return isinstance(value, Mapping) and bool(value) and set(value) <= {"add", "remove"}


def option_keys(field: FieldLike) -> list[str]:
    return [o["key"] for o in field.options or [] if isinstance(o, Mapping) and "key" in o]


# --- one value ---------------------------------------------------------------------------------


def clean_value(field: FieldLike, value: Any) -> Any:
    """The value to store for `field`; `value` is not None. Raises Invalid."""
    key, data_type = field.key, field.data_type
    if data_type in TEXT_TYPES:
        if not isinstance(value, str):
            raise Invalid(400, f"{key} must be a string")
        if len(value) > MAX_TEXT_LENGTH:
            raise Invalid(400, f"{key} must be at most {MAX_TEXT_LENGTH} characters")
        return value
    if data_type == DataType.NUMERICAL:
        return _number(key, value, f"{key} must be a number")
    if data_type == DataType.MONETORY:
        return _money(key, value)
    if data_type == DataType.PHONE:
        return _phone(key, value)
    if data_type == DataType.EMAIL:
        return _email_address(key, value)
    if data_type == DataType.DATE:
        return _date(key, value)
    if data_type in SINGLE_OPTION_TYPES:
        if not isinstance(value, str):
            raise Invalid(400, f"{key} must be one option key (a string)")
        return _option(field, value)
    if data_type in MULTI_OPTION_TYPES:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise Invalid(400, f"{key} must be a list of option keys (strings)")
        return list(dict.fromkeys(_option(field, v) for v in value))
    if data_type == DataType.TEXTBOX_LIST:
        return _textbox_list(field, value)
    if data_type == DataType.FILE_UPLOAD:
        if not isinstance(value, list):
            raise Invalid(400, _file_message(key))
        return _unique([_file(key, item) for item in value])
    raise Invalid(400, f"{key} has an unknown dataType {data_type}")


def _number(key: str, value: Any, message: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid(400, message)
    if not math.isfinite(value) or abs(value) > MAX_SAFE_INTEGER:
        raise Invalid(400, f"{key} must be a finite number of at most {MAX_SAFE_INTEGER}")
    return value


def _money(key: str, value: Any) -> int | float:
    message = f'{key} must be a number or {{"currency": "default", "value": <number>}}'
    if isinstance(value, Mapping):
        # As the contract writes it, currency included: "default" is the location's own
        # currency, the only one a value can be in; another would be stored as a wrong amount.
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


def _phone(key: str, value: Any) -> str:
    digits = sum(c.isdigit() for c in value) if isinstance(value, str) else 0
    if not isinstance(value, str) or not _PHONE.fullmatch(value) or not 3 <= digits <= 15:
        raise Invalid(
            400,
            f"{key} must be a phone number: 3 to 15 digits with an optional leading +, "
            "spaces, - and ()",
        )
    return value


def _email_address(key: str, value: Any) -> str:
    try:
        if not isinstance(value, str):
            raise ValidationError("not a string")
        _email(value)
    except ValidationError:
        raise Invalid(400, f"{key} must be a valid email address") from None
    return value


def _date(key: str, value: Any) -> str:
    message = f"{key} must be a date as YYYY-MM-DD"
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise Invalid(400, message)
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise Invalid(400, message) from None
    return value


def _option(field: FieldLike, value: str) -> str:
    keys = option_keys(field)
    if value in keys:
        return value
    hint = ""
    for option in field.options or []:
        if isinstance(option, Mapping) and option.get("label") == value:
            hint = f" ({value!r} is the label of the option {option.get('key')!r})"
    raise Invalid(
        422,
        f"{field.key}: {value!r} is not an option{hint}; use one of the keys: {', '.join(keys)}",
    )


def _textbox_list(field: FieldLike, value: Any) -> dict:
    key = field.key
    if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
        raise Invalid(400, f"{key} must be an object that maps option keys to strings")
    for option in value:
        _option(field, option)
    return dict(value)


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


# --- list updates ------------------------------------------------------------------------------


def apply_change(field: FieldLike, change: Mapping, current: Any) -> list:
    """The list after {"add": [...], "remove": [...]}: removals first, then additions."""
    add, remove = change.get("add", []), change.get("remove", [])
    if not isinstance(add, list) or not isinstance(remove, list):
        raise Invalid(400, f'{field.key}: "add" and "remove" must be lists')
    current = list(current) if isinstance(current, list) else []
    if field.data_type == DataType.FILE_UPLOAD:
        urls = [r.get("url") if isinstance(r, Mapping) else r for r in remove]
        if not all(isinstance(url, str) for url in urls):
            raise Invalid(400, f"{field.key}: remove files by URL (a string or {{'url': ...}})")
        gone = set(urls)
        kept = [f for f in current if not (isinstance(f, Mapping) and f.get("url") in gone)]
        return clean_value(field, kept + add) if kept + add else []
    if not all(isinstance(r, str) for r in remove):
        raise Invalid(400, f"{field.key}: remove must be a list of option keys")
    kept = [v for v in current if v not in remove]
    return clean_value(field, kept + add) if kept + add else []


# --- a whole record ----------------------------------------------------------------------------


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def clean_properties(
    fields: Iterable[FieldLike],
    properties: Any,
    *,
    required: Iterable[str] = (),
    current: Mapping | None = None,
) -> dict:
    """The properties to store. `current` is None on create, the stored ones on update.

    `required` holds record keys (`price`, not the fieldKey). On create a required key must be
    present and not empty; on update it may be left out but not cleared.
    """
    problems = Problems()
    if not isinstance(properties, Mapping):
        problems.add("properties", 400, "properties must be an object of field key to value")
        problems.raise_any()
    by_key = {field.key: field for field in fields}
    creating = current is None
    result = {} if creating else dict(current)
    for key, value in properties.items():
        field = by_key.get(key)
        if field is None:
            problems.add(key, 400, _unknown_key(key, by_key))
            continue
        try:
            if value is None:
                result.pop(key, None)
            elif field.data_type in LIST_TYPES and is_change(value):
                result[key] = apply_change(field, value, result.get(key))
            else:
                result[key] = clean_value(field, value)
        except Invalid as exc:
            problems.add(key, exc.status, exc.message)
    for key in required:
        if key in problems.errors or key not in by_key:
            continue
        if creating and is_empty(result.get(key)):
            problems.add(key, 400, f"{key} is required")
        elif not creating and key in properties and is_empty(result.get(key)):
            problems.add(key, 400, f"{key} is required and cannot be cleared")
    problems.raise_any()
    return {key: value for key, value in result.items() if value is not None}


def _unknown_key(key: str, by_key: Mapping) -> str:
    message = f"{key} is not a field of this object (field keys are case-sensitive)"
    close = [k for k in by_key if isinstance(key, str) and k.lower() == key.lower()]
    return message + (f"; did you mean {close[0]}?" if close else "")


def clean_users(
    value: Any,
    *,
    name: str,
    limit: int,
    user_ids: Iterable[str],
    current: Sequence[str] = (),
) -> list[str]:
    """Owner (limit 1) or followers (limit 10): a user id, a list, or {"add", "remove"}."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = [value]
    elif is_change(value):
        add, remove = value.get("add", []), value.get("remove", [])
        if not _strings(add) or not _strings(remove):
            raise Invalid(400, f'{name}: "add" and "remove" must be lists of user ids')
        value = [u for u in current if u not in remove] + list(add)
    if not _strings(value):
        raise Invalid(400, f"{name} must be a user id or a list of user ids")
    value = list(dict.fromkeys(value))
    if len(value) > limit:
        raise Invalid(400, f"{name} takes at most {limit} user{'s' if limit > 1 else ''}")
    known = set(user_ids)
    strangers = [u for u in value if u not in known]
    if strangers:
        raise Invalid(400, f"{name}: {', '.join(strangers)} is not a user of this location")
    return value


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def clean_people(
    body: Mapping,
    *,
    user_ids: Iterable[str],
    owner: str | None = None,
    followers: Sequence[str] = (),
) -> tuple[str | None, list[str]]:
    """The owner and followers after a create or update body; absent keys keep the current."""
    problems = Problems()
    user_ids = set(user_ids)
    if "owner" in body:
        try:
            owners = clean_users(
                body["owner"],
                name="owner",
                limit=MAX_OWNERS,
                user_ids=user_ids,
                current=[owner] if owner else [],
            )
            owner = owners[0] if owners else None
        except Invalid as exc:
            problems.add("owner", exc.status, exc.message)
    if "followers" in body:
        try:
            followers = clean_users(
                body["followers"],
                name="followers",
                limit=MAX_FOLLOWERS,
                user_ids=user_ids,
                current=followers,
            )
        except Invalid as exc:
            problems.add("followers", exc.status, exc.message)
    problems.raise_any()
    return owner, list(followers)
