"""The records API's JSON both ways: answers read in every documented spelling, and requests
written as the real service wants them (docs/records-api.md).

The real service and the embedded API spell some things differently: `owner` as a string or a
list, or `owners`; `createdAt` or `dateAdded`; a `record` wrapper or not; MONETORY values as N
or `{"currency": "default", "value": N}`; a text box list flattened to "field.option" keys. The
readers here accept every one of those, so nothing above the client sees a wire spelling. The
writers send only the schema's own field keys, with each value in the contract's spelling.
"""

import datetime
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from recordsadmin.contract import datatypes
from recordsadmin.contract.datatypes import COMPARISONS, EQ, PRESENCE, RANGE, Value
from recordsadmin.contract.limits import (
    CUSTOM_OBJECT_PREFIX,
    MAX_PAGE_LIMIT,
    MAX_QUERY_LENGTH,
    MAX_SORT_KEYS,
    OWNER,
    TIMESTAMP_FIELDS,
)

from .domain import (
    UNSET,
    Association,
    Contact,
    ContactPage,
    Field,
    Filter,
    FilterGroup,
    Folder,
    Page,
    Record,
    Relation,
    RelationPage,
    Schema,
    Sort,
    User,
)
from .errors import (
    AuthenticationFailed,
    NotFound,
    OutcomeUnknown,
    RateLimited,
    RecordsApiError,
    Unavailable,
    UnexpectedAnswer,
    UnexpectedCreateAnswer,
    ValidationFailed,
)
from .retry import server_wait
from .transport import Answer

MAX_MESSAGE_LENGTH = 300

# -- reading answers -----------------------------------------------------------------------------


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _bare(key: str) -> str:
    return key.rsplit(".", 1)[-1] if key else ""


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def parse_datetime(value: Any) -> datetime.datetime | None:
    """ISO-8601 (with `Z` or an offset, naive means UTC) or epoch milliseconds; else None."""
    if isinstance(value, bool) or value in (None, ""):
        return None
    if isinstance(value, int | float):
        try:
            return datetime.datetime.fromtimestamp(value / 1000, tz=datetime.UTC)
        except (OverflowError, OSError, ValueError):
            return None
    try:
        parsed = datetime.datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


def _options(raw: Any) -> tuple[tuple[str, str], ...]:
    options = []
    for item in raw if isinstance(raw, list) else ():
        if isinstance(item, dict) and item.get("key") not in (None, ""):
            key = _text(item["key"])
            options.append((key, _text(item.get("label")) or key))
        elif isinstance(item, str) and item:
            options.append((item, item))
    return tuple(options)


def parse_field(raw: dict, *, required: set[str], searchable: set[str], primary: str) -> Field:
    field_key = _text(raw.get("fieldKey") or raw.get("key"))
    key = _bare(field_key)
    return Field(
        key=key,
        field_key=field_key,
        name=_text(raw.get("name")) or key,
        data_type=_text(raw.get("dataType")).upper() or datatypes.DataType.TEXT,
        options=_options(raw.get("options") or raw.get("picklistOptions")),
        required=key in required,
        searchable=key in searchable,
        primary=bool(primary) and key == primary,
        description=_text(raw.get("description")),
        placeholder=_text(raw.get("placeholder")),
        position=_int(raw.get("position")),
        id=_text(raw.get("id")),
        folder_id=_text(raw.get("parentId")),
        show_in_forms=raw.get("showInForms") is not False,
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


def parse_schemas(raw: dict) -> list[Schema]:
    """The objects of `GET /objects/` (without their fields)."""
    return [parse_schema(o) for o in raw.get("objects") or () if isinstance(o, dict)]


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


@dataclass(frozen=True)
class _Reading:
    """What reading a schema's properties changes: the text box lists, flattened by the
    real service, and the fields whose type has a spelling of its own on the wire. Made once
    for a page of records, not per value."""

    lines: tuple[str, ...]
    spelled: tuple[tuple[str, Callable[[Any], Any]], ...]

    @classmethod
    def of(cls, schema: Schema) -> "_Reading":
        return cls(
            lines=tuple(f.key for f in schema.fields if f.rule.value is Value.LINES),
            spelled=tuple(
                (f.key, f.rule.from_wire)
                for f in schema.fields
                if f.rule.value is not Value.LINES and f.rule.spelled_on_wire
            ),
        )


def _properties(raw: Any, reading: _Reading | None) -> dict[str, Any]:
    if isinstance(raw, str):  # the spec types properties as a string; tolerate a JSON text
        try:
            raw = json.loads(raw)
        except ValueError:
            raw = {}
    properties = dict(raw) if isinstance(raw, dict) else {}
    if reading is None:
        return properties
    for key, from_wire in reading.spelled:
        value = properties.get(key)
        if value is not None:
            properties[key] = from_wire(value)
    for key in reading.lines:
        # The real service flattens a text box list to "field.option" keys.
        prefix = key + "."
        flat = {
            k[len(prefix) :]: properties.pop(k) for k in list(properties) if k.startswith(prefix)
        }
        if flat:
            value = properties.get(key)
            properties[key] = {**(value if isinstance(value, dict) else {}), **flat}
    return properties


def record_location(raw: dict) -> str:
    """The `locationId` a record answer carries, "" when it says none."""
    if isinstance(raw.get("record"), dict):
        raw = raw["record"]
    return _text(raw.get("locationId"))


def parse_record(raw: dict, schema: Schema | None = None) -> Record:
    """A record from any response: `{"record": {...}}` or the record itself."""
    return _record(raw, _Reading.of(schema) if schema is not None else None)


def _record(raw: dict, reading: _Reading | None) -> Record:
    if isinstance(raw.get("record"), dict):
        raw = raw["record"]
    return Record(
        id=_text(raw.get("id") or raw.get("_id")),
        properties=_properties(raw.get("properties"), reading),
        owner=_owner(raw),
        followers=_ids(raw.get("followers")),
        created_at=parse_datetime(raw.get("createdAt") or raw.get("dateAdded")),
        updated_at=parse_datetime(raw.get("updatedAt") or raw.get("dateUpdated")),
    )


def parse_page(raw: dict, *, schema: Schema | None, page: int, per_page: int) -> Page:
    reading = _Reading.of(schema) if schema is not None else None
    records = tuple(_record(r, reading) for r in raw.get("records") or () if isinstance(r, dict))
    total = _int(raw.get("total"), len(records) + (page - 1) * per_page)
    return Page(records=records, total=max(total, 0), page=page, per_page=per_page)


def parse_user(raw: dict) -> User:
    name = _text(raw.get("name")) or " ".join(
        p for p in (_text(raw.get("firstName")), _text(raw.get("lastName"))) if p
    )
    return User(
        id=_text(raw.get("id")), name=name or _text(raw.get("email")), email=_text(raw.get("email"))
    )


def parse_users(raw: dict) -> list[User]:
    return [parse_user(u) for u in raw.get("users") or () if isinstance(u, dict) and u.get("id")]


# -- what each answer must carry -----------------------------------------------------------------


def _has_record(data: dict) -> bool:
    raw = data["record"] if isinstance(data.get("record"), dict) else data
    return bool(_text(raw.get("id") or raw.get("_id")))


def _has_object(data: dict) -> bool:
    raw = data["object"] if isinstance(data.get("object"), dict) else data
    return bool(_text(raw.get("key")))


def _has_list(name: str):
    return lambda data: isinstance(data.get(name), list)


def _has_id(wrapper: str):
    """The answer is the thing itself or wraps it in `wrapper`, with an id either way."""

    def holds(data: dict) -> bool:
        raw = data[wrapper] if isinstance(data.get(wrapper), dict) else data
        return bool(_text(raw.get("id") or raw.get("_id")))

    return holds


def _has_relations(data: dict) -> bool:
    return isinstance(data.get("relations"), list) or _is_relation(data)


def _has_associations(data: dict) -> bool:
    return isinstance(data.get("associations"), list) or _is_association(data)


# What an operation's 2xx answer must hold, by the name `call(carries=...)` gives: the words
# for what is missing, and the test. An answer without it is UnexpectedAnswer, never read as
# an empty record or an empty result.
CARRIES = {
    "record": ("record", _has_record),
    "records": ("list of records", _has_list("records")),
    "object": ("object", _has_object),
    "objects": ("list of objects", _has_list("objects")),
    "users": ("list of users", _has_list("users")),
    "association": ("association", _has_id("association")),
    "associations": ("list of associations", _has_associations),
    "relation": ("relation", _has_id("relation")),
    "relations": ("list of relations", _has_relations),
    "contact": ("contact", _has_id("contact")),
    "contacts": ("list of contacts", _has_list("contacts")),
    "field": ("field", lambda data: _has_id("field")(data) and isinstance(data.get("field"), dict)),
    "fields": ("list of fields", _has_list("fields")),
    "folder": ("folder", _has_id("folder")),
}


def missing_from(data: dict, carries: str) -> str:
    """What `data`, a 2xx answer's JSON, lacks of what it must carry ("" when nothing is)."""
    if not carries:
        return ""
    words, holds = CARRIES[carries]
    return "" if holds(data) else words


# -- reading an answer's status ------------------------------------------------------------------


def read_answer(
    answer: Answer,
    *,
    create: bool = False,
    field_keys: Iterable[str] = (),
    secret: str = "",
    maybe_applied: bool = False,
) -> dict:
    """The JSON object of a 2xx answer, or the error that says what went wrong.

    `create` marks a POST that makes something: a lost or garbled answer to it is
    OutcomeUnknown. `field_keys` lets a 400/422 place its messages on the fields they name.
    `maybe_applied` says whether this call may have been carried out (error.maybe_applied).
    """
    status = answer.status
    if 200 <= status < 300:
        if not answer.content.strip():
            return {}
        data = _json(answer.content)
        if data is None:
            cls = OutcomeUnknown if create else Unavailable
            message = "The records API answered with malformed JSON."
            raise cls(message, status=status, maybe_applied=maybe_applied)
        if not isinstance(data, dict):
            cls = UnexpectedCreateAnswer if create else UnexpectedAnswer
            raise cls(status=status, missing="JSON object", maybe_applied=maybe_applied)
        return data
    if 300 <= status < 400:
        # Redirects are never followed: the token must not travel to another host.
        message = "The records API answered with a redirect."
        raise Unavailable(message, status=status, maybe_applied=maybe_applied)
    data = _json(answer.content)
    data = data if isinstance(data, dict) else {}
    messages = _messages(data, secret)
    common = {"status": status, "messages": messages}
    if status in (400, 422):
        errors = data.get("errors")
        raise _validation_failed(status, messages, errors, field_keys, secret, maybe_applied)
    if status in (401, 403):
        raise AuthenticationFailed(**common, maybe_applied=maybe_applied)
    if status == 404:
        raise NotFound(**common, maybe_applied=maybe_applied)
    if status == 429:
        wait = server_wait(answer.headers, rate_limited=True)
        raise RateLimited(**common, retry_after=wait, maybe_applied=maybe_applied)
    if status >= 500:
        cls = OutcomeUnknown if create else Unavailable
        raise cls(**common, maybe_applied=maybe_applied)
    raise RecordsApiError(**common, maybe_applied=maybe_applied)


def _json(content: bytes) -> Any:
    """The answer's JSON; None when it is none (a nesting too deep for the parser included)."""
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def _clean(text: Any, secret: str) -> str:
    text = " ".join(str(text).split())
    if secret and secret in text:
        text = text.replace(secret, "[token]")
    return text[:MAX_MESSAGE_LENGTH]


def _messages(data: dict, secret: str) -> list[str]:
    raw = data.get("message", data.get("msg"))
    if raw is None:
        raw = data.get("error")
    items = raw if isinstance(raw, list) else [raw]
    return [_clean(m, secret) for m in items if m not in (None, "")]


def _validation_failed(
    status, messages, errors, field_keys, secret, maybe_applied
) -> ValidationFailed:
    """The messages placed on the fields they are about: by the embedded API's `errors` map,
    else by the field keys each message names."""
    field_errors: dict[str, list[str]] = {}
    rest: list[str] = []
    if isinstance(errors, dict) and errors:
        for key, items in errors.items():
            items = items if isinstance(items, list) else [items]
            field_errors[_clean(key, secret)] = [_clean(m, secret) for m in items if m]
        placed = {m for items in field_errors.values() for m in items}
        rest = [m for m in messages if m not in placed]
    else:
        keys = sorted(set(field_keys), key=len, reverse=True)
        for message in messages:
            named = [k for k in keys if re.search(rf"(?<![\w]){re.escape(k)}(?![\w])", message)]
            for key in named:
                field_errors.setdefault(key, []).append(message)
            if not named:
                rest.append(message)
    return ValidationFailed(
        messages[0] if messages else "",
        status=status,
        messages=rest,
        field_errors=field_errors,
        maybe_applied=maybe_applied,
    )


# -- writing requests ----------------------------------------------------------------------------


def json_value(value: Any) -> Any:
    """A value as JSON holds it: numbers for decimals, ISO dates, lists for tuples and sets."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    return value


def properties_body(schema: Schema, properties: Mapping[str, Any], *, creating: bool) -> dict:
    """The `properties` of a create or update: only the schema's own field keys (anything else
    is refused before sending), each value in the contract's spelling. On create, no value is
    not sending the field; on update, None clears it."""
    unknown = sorted(k for k in properties if schema.field(k) is None)
    if unknown:
        raise ValidationFailed(
            "Not fields of this object: " + ", ".join(unknown),
            field_errors={k: [f"{k} is not a field of {schema.singular}."] for k in unknown},
        )
    return {
        key: None if value is None else schema.field(key).rule.to_wire(json_value(value))
        for key, value in properties.items()
        if not (creating and value is None)
    }


def _field_name(schema: Schema, name: str) -> str:
    if name in TIMESTAMP_FIELDS or name == OWNER:
        return name
    if schema.field(name) is None:
        raise ValidationFailed(
            f"{name} is not a field of {schema.singular}.", field_errors={name: ["Unknown field."]}
        )
    return f"properties.{name}"


def filters_body(schema: Schema, filters: Iterable[Filter | FilterGroup]) -> list[dict]:
    """The filters as the POST search wants them (an ANDed list): gt/gte/lt/lte on one field
    make one `range` (an operator given twice on the field starts another), `eq` with a list
    of values means any of them (an OR group), and a FilterGroup is a `group` of its own."""
    return _filters_wire(schema, filters, merge_ranges=True)


def _filters_wire(schema: Schema, filters: Iterable, *, merge_ranges: bool) -> list[dict]:
    # In an OR group, "price > 5 or price < 2" is two ranges: merged they would mean both.
    wire: list[dict] = []
    ranges: dict[str, dict] = {}
    for f in filters:
        if isinstance(f, FilterGroup):
            group = _group_wire(schema, f)
            if group is not None:
                wire.append(group)
            continue
        name = _field_name(schema, f.field)
        if f.operator in COMPARISONS:
            bounds = ranges.get(name) if merge_ranges else None
            if bounds is None or f.operator in bounds:
                bounds = {}
                if merge_ranges:
                    ranges[name] = bounds
                wire.append({"field": name, "operator": RANGE, "value": bounds})
            bounds[f.operator] = json_value(f.value)
        elif f.operator in PRESENCE:
            wire.append({"field": name, "operator": f.operator})
        elif f.operator == EQ and isinstance(f.value, list | tuple | set | frozenset):
            items = [{"field": name, "operator": EQ, "value": json_value(v)} for v in f.value]
            if len(items) == 1:
                wire.append(items[0])
            elif items:
                wire.append({"group": "OR", "filters": items})
        elif f.operator in datatypes.POST_OPERATORS:
            value = f.value if f.operator == RANGE else json_value(f.value)
            wire.append({"field": name, "operator": f.operator, "value": value})
        else:
            raise ValidationFailed(f"Unknown filter operator: {f.operator}.")
    return wire


def _group_wire(schema: Schema, group: FilterGroup) -> dict | None:
    """A group as the API spells it; None for an empty one, and its one member alone (AND or
    OR of one condition is that condition)."""
    join = str(group.join).upper()
    if join not in ("AND", "OR"):
        raise ValidationFailed(f"A filter group is AND or OR, not {group.join}.")
    members = _filters_wire(schema, group.filters, merge_ranges=join == "AND")
    if not members:
        return None
    if len(members) == 1:
        return members[0]
    return {"group": join, "filters": members}


def sort_body(schema: Schema, sort: Sort) -> dict:
    direction = "desc" if str(sort.direction).lower().startswith("desc") else "asc"
    return {"field": _field_name(schema, sort.field), "direction": direction}


def search_body(
    schema: Schema,
    *,
    query: str = "",
    filters: Iterable[Filter | FilterGroup] = (),
    sort: Sort | Sequence[Sort] | None = None,
    page: int = 1,
    per_page: int = 25,
) -> dict:
    """A POST search's body (without `locationId`, which the call adds). `sort` is one key or
    a list of them, the first deciding first (at most MAX_SORT_KEYS)."""
    body: dict[str, Any] = {"page": page, "pageLimit": per_page}
    if query.strip():
        body["query"] = query.strip()
    wire_filters = filters_body(schema, filters)
    if wire_filters:
        body["filters"] = wire_filters
    sorts = [sort] if isinstance(sort, Sort) else list(sort or ())
    if len(sorts) > MAX_SORT_KEYS:
        raise ValidationFailed(f"A search sorts by at most {MAX_SORT_KEYS} keys.")
    if sorts:
        body["sort"] = [sort_body(schema, s) for s in sorts]
    return body


def page_bounds(page: int, per_page: int) -> tuple[int, int]:
    """The page (from 1) and page size (1 to the API's limit) a search may ask for."""
    return max(1, int(page)), min(MAX_PAGE_LIMIT, max(1, int(per_page)))


def record_body(
    schema: Schema,
    properties: Mapping[str, Any],
    *,
    creating: bool,
    owner: Any = UNSET,
    followers: Any = UNSET,
) -> dict:
    """A create or update body: the properties, and the owner and followers when given (on
    an update None or [] clears them; the real service takes the owner as a list)."""
    body: dict[str, Any] = {"properties": properties_body(schema, properties, creating=creating)}
    if owner is not UNSET and (owner or not creating):
        body["owner"] = [owner] if owner else []
    if followers is not UNSET and (followers or not creating):
        body["followers"] = list(followers or ())
    return body


# -- associations, relations, contacts and folders: reading --------------------------------------
#
# The official description (associations.json) documents every association and relation call
# with one association's shape, `{id, key, firstObjectKey, firstObjectLabel, secondObjectKey,
# secondObjectLabel, associationType, locationId}`, its labels and keys typed as objects. The
# real service, as far as public material shows, answers the relation calls with relations
# `{id, associationId, firstObjectKey, firstRecordId, secondObjectKey, secondRecordId, ...}`
# (a record's under `relations`, with `total`) and the list calls with lists; the embedded API
# answers the same (docs/differences.md). The readers take both.


def _label(value: Any) -> str:
    """A label typed as a string or, as the official description types it, an object."""
    if isinstance(value, dict):
        value = value.get("label") or value.get("singular") or value.get("name")
    return _text(value)


def _is_association(raw: dict) -> bool:
    return bool(raw.get("id") or raw.get("_id")) and "firstObjectKey" in raw and "key" in raw


def _is_relation(raw: dict) -> bool:
    return bool(raw.get("firstRecordId") or raw.get("secondRecordId"))


def parse_association(raw: dict) -> Association:
    """An association, the thing itself (as the official description and the embedded API
    answer) or wrapped in `association`."""
    if isinstance(raw.get("association"), dict):
        raw = raw["association"]
    return Association(
        id=_text(raw.get("id") or raw.get("_id")),
        key=_text(raw.get("key")),
        first_object_key=_label(raw.get("firstObjectKey")),
        first_label=_label(raw.get("firstObjectLabel")),
        second_object_key=_label(raw.get("secondObjectKey")),
        second_label=_label(raw.get("secondObjectLabel")),
        type=_label(raw.get("associationType")),
    )


def parse_associations(raw: dict) -> list[Association]:
    """The associations of a list answer: `{"associations": [...]}`, or the one association
    the official description documents every answer as."""
    items = raw.get("associations") if isinstance(raw.get("associations"), list) else [raw]
    found = [parse_association(a) for a in items if isinstance(a, dict) and _is_association(a)]
    return [a for a in found if a.id]


def parse_relation(raw: dict, sent: Mapping[str, Any] | None = None) -> Relation:
    """A relation: the thing itself or wrapped in `relation`. An answer in the documented
    shape (an association's, holding no record) is read with what the request `sent`: the
    association and both records, and no relation id (""), which the caller looks up."""
    if isinstance(raw.get("relation"), dict):
        raw = raw["relation"]
    sent = sent or {}
    if not _is_relation(raw):
        return Relation(
            id="",
            association_id=_text(sent.get("associationId") or raw.get("id")),
            first_record_id=_text(sent.get("firstRecordId")),
            second_record_id=_text(sent.get("secondRecordId")),
            first_object_key=_label(raw.get("firstObjectKey")),
            second_object_key=_label(raw.get("secondObjectKey")),
        )
    association = raw.get("association") if isinstance(raw.get("association"), dict) else {}
    return Relation(
        id=_text(raw.get("id") or raw.get("_id") or raw.get("relationId")),
        association_id=_text(
            raw.get("associationId") or association.get("id") or sent.get("associationId")
        ),
        first_record_id=_text(raw.get("firstRecordId")),
        second_record_id=_text(raw.get("secondRecordId")),
        first_object_key=_label(raw.get("firstObjectKey") or association.get("firstObjectKey")),
        second_object_key=_label(raw.get("secondObjectKey") or association.get("secondObjectKey")),
        created_at=parse_datetime(raw.get("createdAt") or raw.get("dateAdded")),
    )


def parse_relations(raw: dict, *, skip: int, limit: int) -> RelationPage:
    """A record's relations: `{"relations": [...], "total"}` (the real service's and the
    embedded API's), or one relation by itself. An answer in the documented association
    shape holds no relation: the client refuses it (wire.CARRIES) rather than read it as
    "no relations"."""
    items = raw.get("relations") if isinstance(raw.get("relations"), list) else [raw]
    relations = tuple(parse_relation(r) for r in items if isinstance(r, dict) and _is_relation(r))
    announced = _int(raw.get("total"), -1) >= 0
    total = _int(raw.get("total"), skip + len(relations)) if announced else skip + len(relations)
    return RelationPage(
        relations=relations, total=max(total, 0), skip=skip, limit=limit, announced=announced
    )


def parse_contact(raw: dict) -> Contact:
    """A contact, wrapped in `contact` or not; its name from `name`, `contactName`, or the
    first and last names."""
    if isinstance(raw.get("contact"), dict):
        raw = raw["contact"]
    first, last = _text(raw.get("firstName")), _text(raw.get("lastName"))
    name = _text(raw.get("name") or raw.get("contactName")) or " ".join(
        part for part in (first, last) if part
    )
    return Contact(
        id=_text(raw.get("id") or raw.get("_id")),
        name=name.strip(),
        email=_text(raw.get("email")),
        phone=_text(raw.get("phone")),
        company_name=_text(raw.get("companyName")),
        first_name=first,
        last_name=last,
        created_at=parse_datetime(raw.get("dateAdded") or raw.get("createdAt")),
    )


def parse_contact_page(raw: dict, *, page: int, per_page: int) -> ContactPage:
    contacts = tuple(
        parse_contact(c) for c in raw.get("contacts") or () if isinstance(c, dict) and c
    )
    meta = raw.get("meta") if isinstance(raw.get("meta"), dict) else {}
    total = _int(raw.get("total", meta.get("total")), len(contacts) + (page - 1) * per_page)
    return ContactPage(contacts=contacts, total=max(total, 0), page=page, per_page=per_page)


def parse_folder(raw: dict) -> Folder:
    """A folder of fields, the thing itself (as the official description answers it) or
    wrapped in `folder`."""
    if isinstance(raw.get("folder"), dict):
        raw = raw["folder"]
    return Folder(
        id=_text(raw.get("id") or raw.get("_id")),
        name=_text(raw.get("name")),
        object_key=_text(raw.get("objectKey")),
    )


def parse_folders(raw: dict) -> list[Folder]:
    """The folders of `GET /custom-fields/object-key/...` (typed as fields in the official
    description; only their id and name are read)."""
    folders = [parse_folder(f) for f in raw.get("folders") or () if isinstance(f, dict)]
    return [f for f in folders if f.id]


# -- associations, relations, contacts, objects, fields and folders: writing --------------------


def association_body(
    *,
    key: str,
    first_object_key: str,
    first_label: str,
    second_object_key: str,
    second_label: str,
) -> dict:
    """A new association (without `locationId`, which the call adds)."""
    return {
        "key": key,
        "firstObjectKey": first_object_key,
        "firstObjectLabel": first_label,
        "secondObjectKey": second_object_key,
        "secondObjectLabel": second_label,
    }


def association_labels_body(*, first_label: str, second_label: str) -> dict:
    """Both labels of an association: the official description requires both."""
    return {"firstObjectLabel": first_label, "secondObjectLabel": second_label}


def relation_body(
    association: Association, *, record_id: str, record_object_key: str, other_id: str
) -> dict:
    """A relation between `record_id` (of `record_object_key`) and `other_id`, the records
    named in the association's order (the embedded API takes either; the official
    description's wording does not promise the real service does)."""
    first, second = record_id, other_id
    if record_object_key != association.first_object_key:
        first, second = other_id, record_id
    return {"associationId": association.id, "firstRecordId": first, "secondRecordId": second}


def object_create_body(
    *,
    key: str,
    singular: str,
    plural: str,
    primary_key: str,
    primary_name: str,
    primary_data_type: str,
    description: str = "",
) -> dict:
    """A new object schema: its key (the custom_objects. prefix added when missing), labels,
    and the primary display field it is made with (TEXT or NUMERICAL, fixed thereafter)."""
    full = key if key.startswith(CUSTOM_OBJECT_PREFIX) else CUSTOM_OBJECT_PREFIX + key
    body: dict[str, Any] = {
        "key": full,
        "labels": {"singular": singular, "plural": plural},
        "primaryDisplayPropertyDetails": {
            "key": f"{full}.{_bare(primary_key)}",
            "name": primary_name,
            "dataType": primary_data_type,
        },
    }
    if description:
        body["description"] = description
    return body


def object_update_body(
    schema: Schema,
    *,
    singular: str | None = None,
    plural: str | None = None,
    description: str | None = None,
    searchable: Iterable[str] | None = None,
) -> dict:
    """Labels and description that change (None keeps one), and the searchable fields, which
    the official description requires on every update: `searchable` (bare keys), else the
    schema's own."""
    labels = {
        name: value
        for name, value in (("singular", singular), ("plural", plural))
        if value is not None
    }
    keys = schema.searchable if searchable is None else tuple(searchable)
    body: dict[str, Any] = {"searchableProperties": [f"{schema.key}.{k}" for k in keys]}
    if labels:
        body["labels"] = labels
    if description is not None:
        body["description"] = description
    return body


def options_body(options: Iterable[tuple[str, str]]) -> list[dict]:
    """Options as `(key, label)`; a key left "" is derived from its label by the service."""
    return [{"key": key, "label": label} if key else {"label": label} for key, label in options]


def field_create_body(
    *,
    object_key: str,
    key: str,
    name: str,
    data_type: str,
    folder_id: str,
    options: Iterable[tuple[str, str]] = (),
    placeholder: str = "",
    description: str = "",
    show_in_forms: bool = True,
) -> dict:
    """A new field: the official description requires its folder (`parentId`) and
    `showInForms`; options only for the types that have them."""
    body: dict[str, Any] = {
        "objectKey": object_key,
        "fieldKey": f"{object_key}.{_bare(key)}",
        "name": name,
        "dataType": data_type,
        "parentId": folder_id,
        "showInForms": show_in_forms,
    }
    if datatypes.rule(data_type).has_options:
        body["options"] = options_body(options)
    if placeholder:
        body["placeholder"] = placeholder
    if description:
        body["description"] = description
    return body


def field_update_body(
    field: Field,
    *,
    name: str | None = None,
    options: Iterable[tuple[str, str]] | None = None,
    placeholder: str | None = None,
    description: str | None = None,
    show_in_forms: bool | None = None,
) -> dict:
    """What changes of a field (None keeps it), with `showInForms` always (the official
    description requires it): the field's own when not changed. Options replace the field's
    whole list."""
    body: dict[str, Any] = {
        "showInForms": field.show_in_forms if show_in_forms is None else show_in_forms
    }
    for wire_name, value in (
        ("name", name),
        ("placeholder", placeholder),
        ("description", description),
    ):
        if value is not None:
            body[wire_name] = value
    if options is not None:
        body["options"] = options_body(options)
    return body


def folder_body(*, name: str, object_key: str = "") -> dict:
    """A new folder (with its object's key) or a folder's new name (without)."""
    return {"objectKey": object_key, "name": name} if object_key else {"name": name}


def contact_search_body(*, query: str = "", page: int = 1, per_page: int = 20) -> dict:
    """A contact search by text: the query cut to the API's 75 characters, then trimmed."""
    page, per_page = page_bounds(page, per_page)
    body: dict[str, Any] = {"page": page, "pageLimit": per_page}
    text = query[:MAX_QUERY_LENGTH].strip()
    if text:
        body["query"] = text
    return body


def contact_create_body(
    *,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    phone: str = "",
    company_name: str = "",
) -> dict:
    """A new contact, with only the values given."""
    values = {
        "firstName": first_name,
        "lastName": last_name,
        "email": email,
        "phone": phone,
        "companyName": company_name,
    }
    return {name: value.strip() for name, value in values.items() if value and value.strip()}
