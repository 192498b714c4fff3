"""Plain typed objects for what the records API holds: schemas, fields and their folders,
records, users, contacts, associations and relations, and the conditions and order of a
search. `wire.py` reads them from answers in every spelling."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from recordsadmin.contract import datatypes
from recordsadmin.contract.limits import CONTACT, CUSTOM_OBJECT_PREFIX


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
    folder_id: str = ""  # the id of its folder (Custom Fields V2's parentId), "" when not said
    show_in_forms: bool = True

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


@dataclass(frozen=True)
class Folder:
    """A folder of an object's fields."""

    id: str
    name: str
    object_key: str = ""


@dataclass(frozen=True)
class Contact:
    """A contact of the location: what a record's relations to `contact` point at."""

    id: str
    name: str = ""
    email: str = ""
    phone: str = ""
    company_name: str = ""
    first_name: str = ""
    last_name: str = ""
    created_at: datetime | None = None

    @property
    def display(self) -> str:
        """What a person reads for the contact: the name, else the email, phone or id."""
        return self.name or self.email or self.phone or self.id


@dataclass(frozen=True)
class ContactPage:
    contacts: tuple[Contact, ...]
    total: int
    page: int
    per_page: int

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages


@dataclass(frozen=True)
class Association:
    """A kind of link between two objects' records: a custom object and another one (or
    itself), or a custom object and contacts (object key `contact`). Each side's label says
    what that side's records are to the other's: on a property's page, the contacts of the
    association Property ("Interested property") <-> Contact ("Buyer") are its Buyers."""

    id: str
    key: str
    first_object_key: str
    first_label: str
    second_object_key: str
    second_label: str
    type: str = ""

    def holds(self, object_key: str) -> bool:
        """Whether records of this object (or `contact`) can be linked by it."""
        return object_key in (self.first_object_key, self.second_object_key)

    def other_key(self, object_key: str) -> str:
        """The object on the other side from `object_key` (the same for an object linked to
        itself)."""
        return (
            self.second_object_key
            if object_key == self.first_object_key
            else (self.first_object_key)
        )

    def other_label(self, object_key: str) -> str:
        """What the other side's records are called, seen from a record of `object_key`: the
        title of its section on that record's page."""
        if object_key == self.first_object_key:
            return self.second_label
        return self.first_label

    def heading(self, object_key: str) -> str:
        """The title of what records of `object_key` are linked to by it (a record page's
        section, a table's column): the other side's label, or both for an object linked to
        itself, whose linked records each say which they are (role_of_other)."""
        if self.links_itself:
            return f"{self.second_label} / {self.first_label}"
        return self.other_label(object_key)

    def label_of(self, object_key: str) -> str:
        """What the records of `object_key` are called in this association."""
        return self.first_label if object_key == self.first_object_key else self.second_label

    def with_contacts(self) -> bool:
        return CONTACT in (self.first_object_key, self.second_object_key)

    @property
    def links_itself(self) -> bool:
        """Whether it links an object's records to records of the same object: then a
        record's side in a relation, not its object, says which label is whose."""
        return self.first_object_key == self.second_object_key

    def role_of_other(self, relation: "Relation", record_id: str) -> str:
        """What the record at the other end of `relation` is to `record_id`'s record: the
        label of the other end's side (the first side's records are `first_label` to the
        second's)."""
        if relation.first_record_id == record_id:
            return self.second_label
        return self.first_label


@dataclass(frozen=True)
class Relation:
    """Two records linked by an association: the first of its first object, the second of
    its second. `id` is "" when the service's answer did not say it (see wire.py)."""

    id: str
    association_id: str
    first_record_id: str
    second_record_id: str
    first_object_key: str = ""
    second_object_key: str = ""
    created_at: datetime | None = None

    def other_id(self, record_id: str) -> str:
        """The record at the other end from `record_id`."""
        return (
            self.second_record_id if record_id == self.first_record_id else (self.first_record_id)
        )

    def holds(self, record_id: str) -> bool:
        return record_id in (self.first_record_id, self.second_record_id)


@dataclass(frozen=True)
class RelationPage:
    """One page of a record's relations: `skip` relations come before it, `total` in all."""

    relations: tuple[Relation, ...]
    total: int
    skip: int
    limit: int
    # Whether the answer said the total; otherwise `total` is what was skipped plus what came,
    # and a full page may have more after it.
    announced: bool = True

    @property
    def page(self) -> int:
        return self.skip // self.limit + 1

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // self.limit))

    @property
    def has_next(self) -> bool:
        return self.skip + len(self.relations) < self.total

    @property
    def has_previous(self) -> bool:
        return self.skip > 0
