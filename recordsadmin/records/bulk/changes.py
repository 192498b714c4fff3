"""What a bulk edit sets: one field (or the owner) and its value, checked like the record form
checks it, so that a value the API would refuse is found before any record is touched."""

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.http import QueryDict

from recordsadmin.client.domain import Field, Record, Schema, User
from recordsadmin.contract.limits import OWNER
from recordsadmin.records import fieldtypes
from recordsadmin.records.formatting import cut, is_empty


@dataclass
class Change:
    """A bulk edit's field and value (None clears it), checked against the schema."""

    field_key: str
    value: Any = None
    label: str = ""
    value_text: str = ""
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"field": self.field_key, "value": self.value}


def settable_fields(schema: Schema) -> list[Field]:
    """The fields a bulk edit or an import can set."""
    return [f for f in schema.fields if fieldtypes.of(f).settable]


def change_from_post(*, schema: Schema, data: QueryDict, users: list[User]) -> Change:
    """The field and value the user chose, cleaned by the record form's own field for it."""
    key = data.get("field", "")
    if key == OWNER:
        known = {u.id: u for u in users}
        value = data.get("value", "").strip() or None
        change = Change(OWNER, value, "Owner", known[value].name if value in known else "nobody")
        if value and value not in known:
            change.errors.append("That user cannot own records in this location.")
        return change
    f = schema.field(key)
    if f is None or not fieldtypes.of(f).settable:
        return Change(key, errors=["Choose a field to set."])
    kind = fieldtypes.of(f)
    form_field = kind.form_field()
    raw = form_field.widget.value_from_datadict(data, {}, "value")
    change = Change(f.key, None, f.name)
    if f.required and is_empty(raw):
        change.errors.append(
            f"{f.name} is required: the records API refuses to clear it on any record."
        )
        return change
    try:
        change.value = form_field.clean(raw)
    except ValidationError as error:
        change.errors += [f"{f.name}: {m}" for m in error.messages]
        # The preview says what was typed, not "(empty)": nothing is sent until it is fixed.
        typed = " ".join(raw) if isinstance(raw, list) else str(raw or "")
        change.value_text = f"“{cut(typed.strip())}” (not valid)"
        return change
    if is_empty(change.value):
        change.value = None
    # In a sentence (the preview, the job's title): a long text is cut short.
    change.value_text = cut(kind.text(change.value))
    return change


def value_text(f: Field | None, value: Any) -> str:
    """A value in a sentence for people; the owner's is its id or name, as given."""
    if f is None:
        return "(empty)" if is_empty(value) else str(value)
    return fieldtypes.of(f).text(value)


def record_value(record_or_snapshot: Any, key: str) -> Any:
    """The value of `key` (a field, or the owner) in a record or a history snapshot."""
    if isinstance(record_or_snapshot, Record):
        return record_or_snapshot.owner if key == OWNER else record_or_snapshot.properties.get(key)
    snapshot = record_or_snapshot or {}
    if key == OWNER:
        return snapshot.get("owner")
    return (snapshot.get("properties") or {}).get(key)


def already_set(schema: Schema, change: dict, current: Any) -> bool:
    """Whether `current` already is the value the change sets (nothing to send)."""
    key, value = change["field"], change["value"]
    if key == OWNER:
        return (current or None) == (value or None)
    f = schema.field(key)
    if f is None:
        return False
    kind = fieldtypes.of(f)
    return kind.normalise(current) == kind.normalise(value)
