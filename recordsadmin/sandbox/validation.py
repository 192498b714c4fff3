"""Checks a record's properties, owner and followers against its object's fields.

Pure functions: they take the fields (anything with `key`, `data_type` and `options`, such as a
`Field`) and the values, and return the values to store or raise `ValidationFailed` with every
problem by key. Each dataType's rules are its class in fieldtypes.py: a wrong type is 400, a
value that is not one of the field's options is 422; every message names the key it is about.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from recordsadmin.contract.limits import FOLLOWERS, MAX_FOLLOWERS, MAX_OWNERS, OWNER

from . import fieldtypes
from .errors import Invalid
from .fieldtypes import FieldLike


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


# --- one value ---------------------------------------------------------------------------------


def clean_value(field: FieldLike, value: Any) -> Any:
    """The value to store for `field`; `value` is not None. Raises Invalid."""
    return fieldtypes.of(field.data_type).clean(field, value)


def apply_change(field: FieldLike, change: Mapping, current: Any) -> list:
    """The list after {"add": [...], "remove": [...]}: removals first, then additions."""
    return fieldtypes.of(field.data_type).apply_change(field, change, current)


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
            elif fieldtypes.of(field.data_type).rule.is_list and is_change(value):
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
    """Owner or followers, at most `limit` users: a user id, a list, or {"add", "remove"}."""
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
    if OWNER in body:
        try:
            owners = clean_users(
                body[OWNER],
                name=OWNER,
                limit=MAX_OWNERS,
                user_ids=user_ids,
                current=[owner] if owner else [],
            )
            owner = owners[0] if owners else None
        except Invalid as exc:
            problems.add(OWNER, exc.status, exc.message)
    if FOLLOWERS in body:
        try:
            followers = clean_users(
                body[FOLLOWERS],
                name=FOLLOWERS,
                limit=MAX_FOLLOWERS,
                user_ids=user_ids,
                current=followers,
            )
        except Invalid as exc:
            problems.add(FOLLOWERS, exc.status, exc.message)
    problems.raise_any()
    return owner, list(followers)
