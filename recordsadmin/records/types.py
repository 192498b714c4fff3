"""Plain typed objects for what the records API returns, and the tolerant readers that build them.

The real GoHighLevel service and the embedded API spell some things differently (records-api.md,
ghl-notes.md): `owner` as a string or a list, or `owners`; `createdAt` or `dateAdded`; a
`record` wrapper or not; MONETORY values as N or `{"value": N}`. The readers here accept every
one of those, so nothing above this module ever sees a wire spelling.
"""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

CUSTOM_OBJECT_PREFIX = "custom_objects."

# The value types a record's properties hold, by dataType (records-api.md).
OPTION_TYPES = frozenset(
    {"SINGLE_OPTIONS", "RADIO", "MULTIPLE_OPTIONS", "CHECKBOX", "TEXTBOX_LIST"}
)
LIST_TYPES = frozenset({"MULTIPLE_OPTIONS", "CHECKBOX", "FILE_UPLOAD"})
NUMBER_TYPES = frozenset({"NUMERICAL", "MONETORY"})


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
    def option_labels(self) -> dict[str, str]:
        return dict(self.options)

    @property
    def is_list(self) -> bool:
        return self.data_type in LIST_TYPES


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


# Search operators the records API understands (records-api.md, POST form). `gt`, `gte`, `lt`
# and `lte` are ours: they become one `range` filter on the wire.
FILTER_OPERATORS = frozenset(
    {"eq", "not_eq", "contains", "not_contains", "exists", "not_exists", "range"}
    | {"gt", "gte", "lt", "lte"}
)


@dataclass(frozen=True)
class Filter:
    """One search condition on a field of the schema, by its bare key (`price`)."""

    field: str
    operator: str = "eq"
    value: Any = None


@dataclass(frozen=True)
class Sort:
    """Sort by a bare field key, or by `createdAt` / `updatedAt`."""

    field: str
    direction: str = "asc"


# -- readers ---------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _bare(key: str) -> str:
    return key.rsplit(".", 1)[-1] if key else ""


def parse_datetime(value: Any) -> datetime | None:
    """ISO-8601 (with `Z` or an offset, naive means UTC) or epoch milliseconds; else None."""
    if isinstance(value, bool) or value in (None, ""):
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    try:
        parsed = datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _options(raw: Any) -> tuple[tuple[str, str], ...]:
    options = []
    for item in raw if isinstance(raw, list) else ():
        if isinstance(item, dict) and item.get("key") not in (None, ""):
            key = _text(item["key"])
            options.append((key, _text(item.get("label")) or key))
        elif isinstance(item, str) and item:
            options.append((item, item))
    return tuple(options)


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def parse_field(raw: dict, *, required: set[str], searchable: set[str], primary: str) -> Field:
    field_key = _text(raw.get("fieldKey") or raw.get("key"))
    key = _bare(field_key)
    return Field(
        key=key,
        field_key=field_key,
        name=_text(raw.get("name")) or key,
        data_type=_text(raw.get("dataType")).upper() or "TEXT",
        options=_options(raw.get("options") or raw.get("picklistOptions")),
        required=key in required,
        searchable=key in searchable,
        primary=bool(primary) and key == primary,
        description=_text(raw.get("description")),
        placeholder=_text(raw.get("placeholder")),
        position=_int(raw.get("position")),
        id=_text(raw.get("id")),
    )


def parse_schema(raw: dict, fields: Any = ()) -> Schema:
    """An object from `GET /objects/...` (wrapped in `object` or not) and its field list."""
    obj = raw.get("object") if isinstance(raw.get("object"), dict) else raw
    if not fields and isinstance(raw.get("fields"), list):
        fields = raw["fields"]
    labels = obj.get("labels") if isinstance(obj.get("labels"), dict) else {}
    key = _text(obj.get("key"))
    singular = _text(labels.get("singular") or obj.get("singular") or obj.get("name")) or key
    plural = _text(labels.get("plural") or obj.get("plural")) or singular
    primary = _bare(_text(obj.get("primaryDisplayProperty")))
    required = [_bare(_text(k)) for k in obj.get("requiredProperties") or () if k]
    searchable = [_bare(_text(k)) for k in obj.get("searchableProperties") or () if k]
    parsed = [
        parse_field(f, required=set(required), searchable=set(searchable), primary=primary)
        for f in fields if isinstance(f, dict)
    ]  # fmt: skip
    parsed.sort(key=lambda f: (not f.primary, f.position))
    return Schema(
        id=_text(obj.get("id")),
        key=key,
        singular=singular,
        plural=plural,
        description=_text(obj.get("description")),
        primary_display_key=primary,
        fields=tuple(f for f in parsed if f.key),
        searchable=tuple(searchable),
        required=tuple(required),
        type=_text(obj.get("type")),
    )


def _owner(raw: dict) -> str | None:
    for name in ("owner", "owners"):
        value = raw.get(name)
        if isinstance(value, list):
            value = next((v for v in value if v), None)
        if isinstance(value, dict):
            value = value.get("id")
        if value:
            return _text(value)
    return None


def _ids(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    items = (v.get("id") if isinstance(v, dict) else v for v in value or ())
    return tuple(_text(v) for v in items if v)


def _properties(raw: Any, schema: Schema | None) -> dict[str, Any]:
    if isinstance(raw, str):  # the spec types properties as a string; tolerate a JSON text
        try:
            raw = json.loads(raw)
        except ValueError:
            raw = {}
    properties = dict(raw) if isinstance(raw, dict) else {}
    if schema is None:
        return properties
    for f in schema.fields:
        value = properties.get(f.key)
        if f.data_type == "MONETORY" and isinstance(value, dict):
            properties[f.key] = value.get("value")
        elif f.data_type == "TEXTBOX_LIST":
            # The real service flattens a textbox list to "field.option" keys.
            prefix = f.key + "."
            flat = {
                k[len(prefix) :]: properties.pop(k)
                for k in list(properties)
                if k.startswith(prefix)
            }
            if flat:
                properties[f.key] = {**(value if isinstance(value, dict) else {}), **flat}
    return properties


def parse_record(raw: dict, schema: Schema | None = None) -> Record:
    """A record from any response: `{"record": {...}}` or the record itself."""
    if isinstance(raw.get("record"), dict):
        raw = raw["record"]
    return Record(
        id=_text(raw.get("id") or raw.get("_id")),
        properties=_properties(raw.get("properties"), schema),
        owner=_owner(raw),
        followers=_ids(raw.get("followers")),
        created_at=parse_datetime(raw.get("createdAt") or raw.get("dateAdded")),
        updated_at=parse_datetime(raw.get("updatedAt") or raw.get("dateUpdated")),
    )


def parse_page(raw: dict, *, schema: Schema | None, page: int, per_page: int) -> Page:
    records = tuple(
        parse_record(r, schema) for r in raw.get("records") or () if isinstance(r, dict)
    )
    total = _int(raw.get("total"), len(records) + (page - 1) * per_page)
    return Page(records=records, total=max(total, 0), page=page, per_page=per_page)


def parse_user(raw: dict) -> User:
    name = _text(raw.get("name")) or " ".join(
        p for p in (_text(raw.get("firstName")), _text(raw.get("lastName"))) if p
    )
    return User(
        id=_text(raw.get("id")), name=name or _text(raw.get("email")), email=_text(raw.get("email"))
    )
