"""Plain typed objects for what the records API holds: schemas, fields, records, users, and
the conditions and order of a search. `wire.py` reads them from answers in every spelling."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from recordsadmin.contract import datatypes
from recordsadmin.contract.limits import CUSTOM_OBJECT_PREFIX


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


# "Leave it as it is": an update that passes no owner or followers does not touch them.
UNSET: Any = _Unset()


@dataclass(frozen=True)
class Field:
    """One field of an object schema; `key` is what a record's properties use (`price`)."""

    key: str
    field_key: str  # "custom_objects.property.price"
    name: str
    data_type: str
    options: tuple[tuple[str, str], ...] = ()  # (key, label)
    required: bool = False
    searchable: bool = False
    primary: bool = False
    description: str = ""
    placeholder: str = ""
    position: int = 0
    id: str = ""

    @property
    def rule(self) -> datatypes.TypeRule:
        """The contract's facts about this field's dataType."""
        return datatypes.rule(self.data_type)

    @property
    def option_labels(self) -> dict[str, str]:
        return dict(self.options)

    def option_label(self, key: object) -> str:
        """The label of option `key`, or the key itself when it is no option (any more)."""
        for option_key, label in self.options:
            if option_key == key:
                return label
        return str(key)


@dataclass(frozen=True)
class Schema:
    """A custom object schema with its fields, in the order the dashboard shows them."""

    id: str
    key: str  # "custom_objects.property"
    singular: str
    plural: str
    description: str = ""
    primary_display_key: str = ""  # bare key of the primary display field
    fields: tuple[Field, ...] = ()
    searchable: tuple[str, ...] = ()  # bare keys
    required: tuple[str, ...] = ()  # bare keys
    type: str = ""

    @property
    def is_custom(self) -> bool:
        """Only custom objects can be used with the records endpoints."""
        return self.key.startswith(CUSTOM_OBJECT_PREFIX)

    @property
    def field_keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields)

    def field(self, key: str) -> Field | None:
        for f in self.fields:
            if f.key == key:
                return f
        return None

    @property
    def primary_field(self) -> Field | None:
        return self.field(self.primary_display_key)


@dataclass(frozen=True)
class Record:
    id: str
    properties: dict[str, Any] = field(default_factory=dict, hash=False)
    owner: str | None = None
    followers: tuple[str, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def display(self, schema: Schema) -> str:
        """The record's primary display value, or its id when that is empty."""
        value = self.properties.get(schema.primary_display_key)
        return str(value) if value not in (None, "") else self.id


@dataclass(frozen=True)
class Page:
    records: tuple[Record, ...]
    total: int
    page: int
    per_page: int

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


@dataclass(frozen=True)
class User:
    id: str
    name: str
    email: str = ""


@dataclass(frozen=True)
class Filter:
    """One search condition on a field of the schema, by its bare key (`price`), or on the
    record's own `owner`, `createdAt` or `updatedAt`. The operators are the contract's (GET
    spelling); `eq` with a list of values means any of them."""

    field: str
    operator: str = "eq"
    value: Any = None


@dataclass(frozen=True)
class FilterGroup:
    """Conditions that hold together (`join` "AND") or of which one is enough ("OR"); a member
    is a Filter or a FilterGroup. The search's own list of filters is ANDed."""

    join: str = "AND"
    filters: tuple = ()


@dataclass(frozen=True)
class Sort:
    """Sort by a bare field key, or by `createdAt` / `updatedAt`."""

    field: str
    direction: str = "asc"
