"""Record search for the embedded records API: both forms of records-api.md "Search".

`parse_get` and `parse_post` turn the seed's GET form and the real service's POST form into one
`SearchRequest`; `run_search` answers it with two database queries (the page and a COUNT), never
by loading records into Python, so the same code stays fast at 100,000 records on SQLite and
runs unchanged on PostgreSQL.

How values compare, per dataType:
- NUMERICAL, MONETORY: as numbers (the JSON value cast to a float on both databases);
- DATE: as "YYYY-MM-DD" strings, which order like the dates they spell;
- text compares and sorts by code point on both databases: SQLite's BINARY order, and
  COLLATE "C" on PostgreSQL whatever the database's own collation, so that one question gets
  one order;
- other single values (TEXT, PHONE, EMAIL, option keys): `eq` is exact, `contains` is a
  case-insensitive substring;
- MULTIPLE_OPTIONS, CHECKBOX: `eq` and `contains` mean "the list holds this option";
- TEXTBOX_LIST, FILE_UPLOAD: only `exists` and `not_exists`.
A record without the property (or with null) never matches `eq`, `contains` or a comparison,
and always matches `not_eq` and `not_contains`. Sorting on a property puts records without it
last in both directions; every order ends with the record id, in the first key's direction.
"""

import dataclasses
import datetime as dt
import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import BooleanField, F, FloatField, Func, Index, Q, TextField, Value
from django.db.models.expressions import Expression
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, StrIndex
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    IContains,
    IsNull,
    LessThan,
    LessThanOrEqual,
)
from django.http import QueryDict

from .indexing import MIN_INDEXED_QUERY, few_text_candidates, fts_phrase, text_index_ready
from .models import DataType, Field, ObjectSchema, Record

MAX_QUERY_LENGTH = 75
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# Far past any real page; it keeps OFFSET inside a 64-bit integer on every database.
MAX_OFFSET = 1_000_000_000
# A bound on the SQL one request can make the database evaluate.
MAX_CONDITIONS = 50
MAX_GROUP_DEPTH = 5
MAX_SORT_KEYS = 3
# From this offset on a page is read in two steps, ids then rows (measured in bench/).
DEEP_OFFSET = 1000
# A filtered page is sorted from a scan, not read off the created_at index, when fewer than
# this many times the records it needs match (measured in bench/).
SCAN_RATIO = 5

NUMERIC_TYPES = {DataType.NUMERICAL, DataType.MONETORY}
LIST_TYPES = {DataType.MULTIPLE_OPTIONS, DataType.CHECKBOX}
PRESENCE_ONLY_TYPES = {DataType.TEXTBOX_LIST, DataType.FILE_UPLOAD}
OPTION_TYPES = {DataType.SINGLE_OPTIONS, DataType.RADIO, *LIST_TYPES}
# A list, a text box list or files have no one value to order by: sorting by them is refused
# (400), on both databases alike, rather than ordered by their JSON text, which PostgreSQL
# and SQLite spell differently.
UNSORTABLE_TYPES = LIST_TYPES | PRESENCE_ONLY_TYPES
SORTABLE_TYPES = [t for t in DataType.values if t not in UNSORTABLE_TYPES]

TIMESTAMP_FIELDS = {"createdAt": "created_at", "updatedAt": "updated_at"}
OWNER = "owner"

COMPARISONS = {"gt", "gte", "lt", "lte"}
PRESENCE = {"exists", "not_exists"}
NEGATIONS = {"not_eq": "eq", "not_contains": "contains"}
GET_OPERATORS = {"eq", "not_eq", "contains", "not_contains", *COMPARISONS, *PRESENCE}
POST_OPERATORS = {"eq", "not_eq", "contains", "not_contains", "range", *PRESENCE}

GET_PARAMETERS = {"locationId", "query", "limit", "offset", "sortBy", "sortOrder", OWNER}
POST_KEYS = {"locationId", "page", "pageLimit", "query", "filters", "sort", "searchAfter"}
GET_FILTER = re.compile(r"properties\.(?P<key>[^\[\]]+)(?:\[(?P<op>[^\[\]]*)\])?")
INTEGER = re.compile(r"[+-]?\d+")
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

LOOKUPS = {
    "eq": Exact,
    "gt": GreaterThan,
    "gte": GreaterThanOrEqual,
    "lt": LessThan,
    "lte": LessThanOrEqual,
}


class SearchInvalid(Exception):
    """A search the API answers with 400; the message names the parameter or field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclasses.dataclass(frozen=True)
class Condition:
    """One test on one field. `value` is already typed for the field's dataType."""

    field: str  # "createdAt", "updatedAt", "owner" or "properties.<key>"
    operator: str  # eq not_eq contains not_contains gt gte lt lte exists not_exists
    value: Any = None
    data_type: str = ""  # the property's dataType; "" for the record's own fields


@dataclasses.dataclass(frozen=True)
class Group:
    operator: str  # "AND" or "OR"
    filters: tuple  # of Condition and Group


@dataclasses.dataclass(frozen=True)
class SortKey:
    field: str  # "createdAt", "updatedAt" or "properties.<key>"
    direction: str  # "asc" or "desc"
    data_type: str = ""


DEFAULT_SORT = (SortKey("createdAt", "desc"),)


@dataclasses.dataclass
class SearchRequest:
    """One question to `run_search`, whichever form it came in. `filters` are ANDed."""

    query: str = ""
    filters: list = dataclasses.field(default_factory=list)
    sort: list[SortKey] = dataclasses.field(default_factory=lambda: list(DEFAULT_SORT))
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    search_after: list | None = None  # [createdAt in ms, record id]
    page: int | None = None  # the POST form's page (from 1) and pageLimit, to echo back
    page_limit: int | None = None


# --- Parsing -------------------------------------------------------------------------------


class _Schema:
    """The object's fields by record key, read once per request."""

    def __init__(self, obj: ObjectSchema):
        self.fields = {field.key: field for field in obj.fields.all()}

    def field(self, key: str, name: str) -> Field:
        try:
            return self.fields[key]
        except KeyError:
            raise SearchInvalid(f"Unknown field: {name}", name) from None

    def resolve(self, name: Any, *, bare_keys: bool) -> tuple[str, str]:
        """(normalized field name, dataType) of a filter or sort field as a client spelled it."""
        if not isinstance(name, str) or not name:
            raise SearchInvalid("A filter or sort field must be a non-empty string.", "field")
        if name in TIMESTAMP_FIELDS or name == OWNER:
            return name, ""
        if name.startswith("properties."):
            key = name.removeprefix("properties.")
        elif bare_keys:
            key = name
        else:
            raise SearchInvalid(f"Unknown field: {name}", name)
        return f"properties.{key}", self.field(key, name).data_type


def parse_get(obj: ObjectSchema, params: QueryDict) -> SearchRequest:
    """The seed's form: `GET .../records/search?query=&limit=&offset=&sortBy=&sortOrder=&...`."""
    schema = _Schema(obj)
    filters: list[Condition] = []
    for name, values in params.lists():
        if name in GET_PARAMETERS:
            if name == OWNER:
                filters += [_condition(schema, OWNER, "eq", v, name, text=True) for v in values]
            continue
        match = GET_FILTER.fullmatch(name)
        if not match:
            raise SearchInvalid(f"Unknown query parameter: {name}", name)
        operator = match["op"] if match["op"] is not None else "eq"
        if operator not in GET_OPERATORS:
            raise SearchInvalid(f"Unknown filter operator in {name}: {operator!r}", name)
        field = f"properties.{match['key']}"
        filters += [_condition(schema, field, operator, v, name, text=True) for v in values]
    _check_size(filters)

    sort_by = params.get("sortBy", "createdAt")
    order = params.get("sortOrder", "desc")
    if sort_by.startswith("properties.") or sort_by in TIMESTAMP_FIELDS:
        sort = [_sort_key(schema, sort_by, order, "sortOrder", bare_keys=False)]
    else:
        raise SearchInvalid(f"Unknown field in sortBy: {sort_by}", "sortBy")
    return SearchRequest(
        query=_query(params.get("query", "")),
        filters=filters,
        sort=sort,
        limit=_integer(params.get("limit", DEFAULT_LIMIT), "limit", 1, MAX_LIMIT),
        offset=_integer(params.get("offset", 0), "offset", 0, MAX_OFFSET),
    )


def parse_post(obj: ObjectSchema, body: dict) -> SearchRequest:
    """The real service's form: `POST .../records/search` with a JSON body."""
    if not isinstance(body, Mapping):
        raise SearchInvalid("The body must be a JSON object.")
    for name in body:
        if name not in POST_KEYS:
            raise SearchInvalid(f"property {name} should not exist", name)
    schema = _Schema(obj)
    page = _integer(body.get("page", 1), "page", 1, MAX_OFFSET, text=False)
    page_limit = _integer(
        body.get("pageLimit", DEFAULT_LIMIT), "pageLimit", 1, MAX_LIMIT, text=False
    )
    if (page - 1) * page_limit > MAX_OFFSET:
        raise SearchInvalid(f"page must be at most {MAX_OFFSET // page_limit + 1}.", "page")
    query = body.get("query") or ""
    if not isinstance(query, str):
        raise SearchInvalid("query must be a string.", "query")
    filters = _post_filters(schema, body.get("filters") or [], "filters", depth=0)
    _check_size(filters)
    search_after = _search_after(body.get("searchAfter"))
    return SearchRequest(
        query=_query(query),
        filters=filters,
        sort=_post_sort(schema, body.get("sort") or []),
        limit=page_limit,
        # The cursor says where the page starts, so the page number adds nothing to it.
        offset=0 if search_after else (page - 1) * page_limit,
        search_after=search_after,
        page=page,
        page_limit=page_limit,
    )


def _query(query: str) -> str:
    query = query.strip()
    if len(query) > MAX_QUERY_LENGTH:
        raise SearchInvalid(f"query must be at most {MAX_QUERY_LENGTH} characters.", "query")
    return query


def _integer(value: Any, name: str, low: int, high: int, *, text: bool = True) -> int:
    if isinstance(value, str) and text and INTEGER.fullmatch(value.strip()):
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise SearchInvalid(f"{name} must be an integer from {low} to {high}.", name)
    return value


def _sort_key(schema: _Schema, name: Any, order: Any, order_name: str, *, bare_keys: bool):
    field, data_type = schema.resolve(name, bare_keys=bare_keys)
    if field == OWNER:
        raise SearchInvalid(f"Cannot sort by {name}.", name)
    if data_type in UNSORTABLE_TYPES:
        raise SearchInvalid(
            f"Cannot sort by {name}: a {data_type} field holds "
            f"{'a list' if data_type in LIST_TYPES else 'several values'}, which has no order. "
            f"Sort by createdAt, updatedAt or a field of type {', '.join(SORTABLE_TYPES)}.",
            name,
        )
    direction = order.lower() if isinstance(order, str) else order
    if direction not in ("asc", "desc"):
        raise SearchInvalid(f"{order_name} must be asc or desc.", order_name)
    return SortKey(field, direction, data_type)


def _post_sort(schema: _Schema, sort: Any) -> list[SortKey]:
    if not isinstance(sort, list) or len(sort) > MAX_SORT_KEYS:
        raise SearchInvalid(f"sort must be a list of at most {MAX_SORT_KEYS} items.", "sort")
    keys = []
    for item in sort:
        if not isinstance(item, Mapping) or set(item) - {"field", "direction"}:
            raise SearchInvalid('Each sort item is {"field", "direction"}.', "sort")
        direction = item.get("direction", "asc")
        keys.append(_sort_key(schema, item.get("field"), direction, "direction", bare_keys=True))
    return keys or list(DEFAULT_SORT)


def _post_filters(schema: _Schema, filters: Any, path: str, depth: int) -> list:
    if not isinstance(filters, list):
        raise SearchInvalid(f"{path} must be a list.", path)
    if depth > MAX_GROUP_DEPTH:
        raise SearchInvalid(f"Filter groups nest at most {MAX_GROUP_DEPTH} deep.", path)
    return [_post_filter(schema, item, f"{path}[{i}]", depth) for i, item in enumerate(filters)]


def _post_filter(schema: _Schema, item: Any, path: str, depth: int) -> Condition | Group:
    if not isinstance(item, Mapping):
        raise SearchInvalid(f"{path} must be an object.", path)
    if "group" in item:
        if set(item) - {"group", "filters"}:
            raise SearchInvalid(f'{path}: a group is {{"group", "filters"}}.', path)
        operator = item["group"].upper() if isinstance(item["group"], str) else None
        if operator not in ("AND", "OR"):
            raise SearchInvalid(f"{path}.group must be AND or OR.", path)
        members = _post_filters(schema, item.get("filters", []), f"{path}.filters", depth + 1)
        return Group(operator, tuple(members))
    if set(item) - {"field", "operator", "value"} or "field" not in item:
        raise SearchInvalid(f'{path}: a filter is {{"field", "operator", "value"}}.', path)
    name, operator = item["field"], item.get("operator", "eq")
    field, _ = schema.resolve(name, bare_keys=True)
    if not isinstance(operator, str) or operator not in POST_OPERATORS:
        raise SearchInvalid(f"{path}: unknown operator {operator!r} for {name}.", name)
    value = item.get("value")
    if operator != "range":
        return _condition(schema, field, operator, value, name, text=False)
    if not isinstance(value, Mapping) or not value or set(value) - COMPARISONS:
        raise SearchInvalid(f"{name}: a range value is {{gt?, gte?, lt?, lte?}}.", name)
    bounds = [_condition(schema, field, op, bound, name, text=False) for op, bound in value.items()]
    return Group("AND", tuple(bounds))


def _condition(
    schema: _Schema, field: str, operator: str, raw: Any, name: str, *, text: bool
) -> Condition:
    """A typed condition. `text` says the value came from a query string, so it is a string."""
    if field in TIMESTAMP_FIELDS:
        data_type, allowed = "", {"eq", "not_eq", *COMPARISONS}
    elif field == OWNER:
        data_type, allowed = "", {"eq", "not_eq", *PRESENCE}
    else:
        data_type = schema.field(field.removeprefix("properties."), name).data_type
        allowed = _operators_for(data_type)
    if operator not in allowed:
        kind = f"a {data_type} field" if data_type else field
        raise SearchInvalid(f"{name}: operator {operator} does not apply to {kind}.", name)
    if operator in PRESENCE:
        return _presence(field, operator, raw, name, data_type, text=text)
    return Condition(field, operator, _value(field, data_type, operator, raw, name), data_type)


def _operators_for(data_type: str) -> set[str]:
    if data_type in PRESENCE_ONLY_TYPES:
        return set(PRESENCE)
    if data_type in LIST_TYPES:
        return {"eq", "not_eq", "contains", "not_contains", *PRESENCE}
    if data_type in NUMERIC_TYPES:
        return {"eq", "not_eq", *COMPARISONS, *PRESENCE}
    return set(GET_OPERATORS)


def _presence(field, operator, raw, name, data_type, *, text) -> Condition:
    truth = raw.strip().lower() if isinstance(raw, str) and text else raw
    if truth in ("true", True) or (truth is None and not text):
        return Condition(field, operator, None, data_type)
    if truth in ("false", False):
        flipped = "exists" if operator == "not_exists" else "not_exists"
        return Condition(field, flipped, None, data_type)
    raise SearchInvalid(f"{name}: the value of {operator} is true.", name)


def _value(field: str, data_type: str, operator: str, raw: Any, name: str) -> Any:
    if field in TIMESTAMP_FIELDS:
        return _timestamp(raw, name)
    if data_type in NUMERIC_TYPES:
        return _number(raw, name)
    if data_type in LIST_TYPES and isinstance(raw, list) and raw:
        # A list of options asks for records that hold all of them.
        return tuple(_string(item, name) for item in raw)
    value = _string(raw, name)
    if data_type == DataType.DATE and operator not in ("contains", "not_contains"):
        _date(value, name)
    return value


def _string(raw: Any, name: str) -> str:
    if not isinstance(raw, str):
        raise SearchInvalid(f"{name}: the value must be a string.", name)
    return raw


def _number(raw: Any, name: str) -> float:
    if isinstance(raw, str) and NUMBER.fullmatch(raw.strip()):
        raw = float(raw)
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise SearchInvalid(f"{name}: the value must be a number.", name)
    return float(raw)


def _date(value: str, name: str) -> dt.date:
    try:
        if DATE.fullmatch(value):
            return dt.date.fromisoformat(value)
    except ValueError:
        pass
    raise SearchInvalid(f"{name}: the value must be a date, YYYY-MM-DD.", name)


def _timestamp(raw: Any, name: str) -> dt.datetime:
    """Milliseconds since the epoch, or an ISO-8601 date or time (UTC unless it says)."""
    if isinstance(raw, str) and INTEGER.fullmatch(raw.strip()):
        raw = int(raw)
    try:
        if isinstance(raw, int) and not isinstance(raw, bool):
            return _from_ms(raw)
        if isinstance(raw, str):
            value = dt.datetime.fromisoformat(raw.strip())
            return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    except (ValueError, OverflowError):
        pass
    raise SearchInvalid(f"{name}: the value must be a time in ms or ISO-8601.", name)


def _search_after(raw: Any) -> list | None:
    if raw is None or raw == []:
        return None
    if isinstance(raw, list) and len(raw) == 2:
        ms, record_id = raw
        if isinstance(ms, str) and INTEGER.fullmatch(ms):
            ms = int(ms)
        if isinstance(ms, int) and not isinstance(ms, bool) and isinstance(record_id, str):
            try:
                _from_ms(ms)
                return [ms, record_id]
            except (ValueError, OverflowError):
                pass
    raise SearchInvalid("searchAfter is [createdAt in ms, record id].", "searchAfter")


def _check_size(filters: list) -> None:
    if _count(filters) > MAX_CONDITIONS:
        raise SearchInvalid(f"filters: at most {MAX_CONDITIONS} conditions.", "filters")


def _count(filters: Iterable) -> int:
    return sum(_count(f.filters) if isinstance(f, Group) else 1 for f in filters)


# --- Running -------------------------------------------------------------------------------


def run_search(obj: ObjectSchema, req: SearchRequest) -> tuple[list[Record], int]:
    """The requested page of `obj`'s records, and the number of all records that match.

    Two queries: a COUNT, then the page (none when nothing matches), and before them, for a
    text query that the trigram index can serve, one that asks it how many candidates it
    holds. A page past DEEP_OFFSET is found as ids first, and a page past the middle by
    walking the order backwards from the end, so that the database skips over narrow
    (key, id) pairs and as few as it can.
    Raises SearchInvalid for a searchAfter cursor that cannot be placed.
    """
    matches = Record.objects.filter(object=obj)
    text = req.query.lower()
    if text:
        # search_text is lower-cased when written; Django escapes LIKE's wildcards.
        matches = matches.filter(search_text__contains=text)
    if req.filters:
        matches = matches.filter(_and(req.filters))
    # The index finds candidates; the LIKE above stays what a match is. It is asked only for
    # a rare text: reading a common one's candidates one by one is slower than a scan.
    indexed = matches.filter(InTextIndex(text)) if _text_index_pays(text) else None
    total = (matches if indexed is None else indexed).count()
    if total == 0 or req.offset >= total:
        return [], total

    keys = _order_keys(req.sort)
    page, offset, limit, backwards = matches, req.offset, req.limit, False
    if req.search_after:
        page = page.filter(_after_cursor(obj, keys, req.search_after))
    elif offset > total // 2:
        backwards = True
        limit = min(limit, total - offset)
        offset = total - offset - limit
    # When few records match, SQLite does better to scan and sort them than to walk a whole
    # (object, created_at, id) index looking for them: the matches tell which case this is.
    selective = (req.query or req.filters) and total < SCAN_RATIO * (offset + limit)
    if selective and indexed is not None:
        page = page.filter(InTextIndex(text))
    order = [_ordering(*key, reverse=backwards, bypass_index=selective) for key in keys]
    window = page.order_by(*order)[offset : offset + limit]
    if offset >= DEEP_OFFSET:
        ids = list(window.values_list("pk", flat=True))
        window = Record.objects.filter(pk__in=ids).order_by(*order)
    records = list(window)
    return records[::-1] if backwards else records, total


def _text_index_pays(text: str) -> bool:
    """SQLite: the trigram index can serve `text` and holds few candidates for it.
    (PostgreSQL's planner weighs its trigram index against a scan by itself.)"""
    return (
        len(text) >= MIN_INDEXED_QUERY
        and connection.vendor == "sqlite"
        and text_index_ready(connection)
        and few_text_candidates(connection, text)
    )


class InTextIndex(Expression):
    """SQLite: the record's row is among those the trigram index finds for `text`, a phrase
    of at least three characters that FTS5 matches as a substring, case-insensitively."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        matching = "SELECT rowid FROM sandbox_record_text WHERE sandbox_record_text MATCH %s"
        return f"{table}.rowid IN ({matching})", (fts_phrase(self.text),)


def _and(filters: Iterable) -> Q:
    q = Q()
    for item in filters:
        q &= _filter_q(item)
    return q


def _filter_q(item: Condition | Group) -> Q:
    if isinstance(item, Condition):
        return _condition_q(item)
    if not item.filters:
        return Q()
    if item.operator == "AND":
        return _and(item.filters)
    q = Q(pk__in=[])
    for member in item.filters:
        q |= _filter_q(member)
    return q


def _condition_q(c: Condition) -> Q:
    if c.operator in NEGATIONS:
        positive = dataclasses.replace(c, operator=NEGATIONS[c.operator])
        # NOT of a test on a missing value is NULL in SQL: say outright that missing matches.
        return ~_condition_q(positive) | _missing(c.field)
    if c.operator == "exists":
        return ~_missing(c.field)
    if c.operator == "not_exists":
        return _missing(c.field)
    if c.field in TIMESTAMP_FIELDS:
        return Q(LOOKUPS[c.operator](F(TIMESTAMP_FIELDS[c.field]), c.value))
    if c.field == OWNER:
        return Q(owner=c.value)
    key = c.field.removeprefix("properties.")
    if c.data_type in LIST_TYPES:
        values = c.value if isinstance(c.value, tuple) else (c.value,)
        return _and_all(_holds(key, v) for v in values)
    if c.operator == "contains":
        return Q(IContains(PropertyValue(key, "properties"), c.value))
    return Q(LOOKUPS[c.operator](_property(key, c.data_type), c.value))


def _and_all(qs: Iterable[Q]) -> Q:
    result = Q()
    for q in qs:
        result &= q
    return result


def _holds(key: str, option: str) -> Q:
    """The list at `key` holds `option`: its JSON text contains the option as a JSON string.

    JSONField's `contains` lookup does not exist on SQLite, and a JSON string cannot occur
    inside another one unescaped, so a plain substring test on the list's text is exact. The
    stored text may spell non-ASCII letters either way, so both spellings are looked for. The
    value must be a list: a plain string may spell one. PostgreSQL asks jsonb containment.
    """
    if connection.vendor == "postgresql":
        return Q(HoldsOption(key, option))
    text = PropertyValue(key, "properties")
    q = Q()
    for needle in {json.dumps(option), json.dumps(option, ensure_ascii=False)}:
        q |= Q(GreaterThan(StrIndex(text, Value(needle)), 0))
    return Q(Exact(PropertyType(key, "properties"), "array")) & q


def _missing(field: str) -> Q:
    """The record has no value for the field: the key is absent, or holds null."""
    if field == OWNER:
        return Q(owner__isnull=True) | Q(owner="")
    if field in TIMESTAMP_FIELDS:
        return Q(pk__in=[])
    return Q(IsNull(PropertyValue(field.removeprefix("properties."), "properties"), True))


class PropertyValue(KeyTextTransform):
    """A property of the record as a plain SQL value; NULL when it is absent or null.

    PostgreSQL: `properties ->> 'key'` (Django's KT). SQLite: `JSON_EXTRACT(properties, path)`,
    which gives numbers as numbers and strings as text. Django's KT on SQLite wraps that in a
    CASE of three JSON calls that turns a JSON null into the text 'null'; this is one call.
    """

    def as_sqlite(self, compiler, connection):
        lhs, params, keys = self.preprocess_lhs(compiler, connection)
        # The path is written into the SQL, not bound, so that an index on this expression
        # (see property_indexes) can serve it; doubled quotes keep it one string literal.
        path = connection.ops.compile_json_path(keys).replace("'", "''").replace("%", "%%")
        return f"JSON_EXTRACT({lhs}, '{path}')", tuple(params)

    def as_postgresql(self, compiler, connection):
        # `properties ->> 'key'`, the key written into the SQL for the same reason as above.
        lhs, params, _ = self.preprocess_lhs(compiler, connection)
        return f"({lhs} ->> {_literal(self.key_name)})", tuple(params)


class PropertyType(KeyTextTransform):
    """SQLite: the JSON type of a property ('array', 'text', 'integer'...), NULL if absent."""

    def as_sqlite(self, compiler, connection):
        sql, params = PropertyValue.as_sqlite(self, compiler, connection)
        return sql.replace("JSON_EXTRACT(", "JSON_TYPE(", 1), params


def _literal(text: str) -> str:
    """`text` as an SQL string literal inside SQL that still goes through %-formatting."""
    return "'" + text.replace("'", "''").replace("%", "%%") + "'"


class PropertyNumber(Func):
    """A NUMERICAL or MONETORY property as a float; NULL when it is absent or null.

    SQLite: `CAST(JSON_EXTRACT(...) AS real)`, as before. PostgreSQL: the jsonb number as
    double precision, and NULL for anything that is not a JSON number, where a plain cast of
    `->>` would fail the whole query on one odd value.
    """

    template = "%(expressions)s"
    output_field = FloatField()

    def __init__(self, key: str):
        super().__init__(Cast(PropertyValue(key, "properties"), FloatField()))

    def as_postgresql(self, compiler, connection, **extra):
        value = self.source_expressions[0].source_expressions[0]  # the PropertyValue
        lhs, params = compiler.compile(value.lhs)
        key = _literal(value.key_name)
        sql = (
            f"(CASE WHEN jsonb_typeof({lhs} -> {key}) = 'number' "
            f"THEN ({lhs} ->> {key})::double precision END)"
        )
        return sql, (*params, *params)


class PropertyText(Func):
    """A property as text that compares and sorts by code point on both databases.

    SQLite's default BINARY collation already does (this is JSON_EXTRACT there, unchanged);
    PostgreSQL adds COLLATE "C", so the database's own collation (en_US, ICU...) plays no part.
    """

    template = "%(expressions)s"
    output_field = TextField()

    def __init__(self, key: str):
        super().__init__(PropertyValue(key, "properties"))

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f'({sql} COLLATE "C")', params


class HoldsOption(Func):
    """PostgreSQL: the list at `key` holds `option` (jsonb containment, `@>`)."""

    output_field = BooleanField()

    def __init__(self, key: str, option: str):
        self.key, self.option = key, option
        super().__init__(F("properties"))

    def as_postgresql(self, compiler, connection, **extra):
        lhs, params = compiler.compile(self.source_expressions[0])
        sql = f"(({lhs} -> {_literal(self.key)}) @> %s::jsonb)"
        return sql, (*params, json.dumps([self.option]))


def _property(key: str, data_type: str) -> Expression:
    """The property as a value SQL can compare and sort: a float for numbers, else text."""
    return PropertyNumber(key) if data_type in NUMERIC_TYPES else PropertyText(key)


def _order_keys(sort: list[SortKey]) -> list[tuple[Expression, str, bool]]:
    """(expression, direction, nullable) for each sort key, then the record id."""
    keys = []
    for key in sort:
        if key.field in TIMESTAMP_FIELDS:
            keys.append((F(TIMESTAMP_FIELDS[key.field]), key.direction, False))
        else:
            expr = _property(key.field.removeprefix("properties."), key.data_type)
            keys.append((expr, key.direction, True))
    keys.append((F("id"), sort[0].direction if sort else "desc", False))
    return keys


def _ordering(
    expr: Expression, direction: str, nullable: bool, *, reverse=False, bypass_index=False
):
    if bypass_index and isinstance(expr, F) and expr.name != "id":
        expr = WithoutIndex(expr)
    if reverse:
        direction = "asc" if direction == "desc" else "desc"
    # Missing values go last (first when walking backwards). Only where a value can be
    # missing: NULLS LAST on created_at would stop SQLite reading its index in order.
    options = {"nulls_first" if reverse else "nulls_last": True} if nullable else {}
    return expr.asc(**options) if direction == "asc" else expr.desc(**options)


class WithoutIndex(Func):
    """The same value, that SQLite will not read through an index (`+column`)."""

    template = "%(expressions)s"

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, template="+%(expressions)s", **extra)


def _after_cursor(obj: ObjectSchema, keys: list, cursor: list) -> Q:
    """Records that come after the cursor's record in this order (keyset pagination).

    The cursor's record is read back for its exact sort values (createdAt in ms is coarser
    than the stored time). If it is gone, the ms time and id stand in for it.
    """
    ms, record_id = cursor
    names = {f"_k{i}": expr for i, (expr, _, _) in enumerate(keys)}
    anchor = Record.objects.filter(object=obj, pk=record_id).annotate(**names)
    values = anchor.values_list(*names).first()
    if values is None:
        return _after_time(keys, ms, record_id)
    after = Q(pk__in=[])
    same = Q()
    for (expr, direction, _), value in zip(keys, values, strict=True):
        after |= same & _beyond(expr, direction, value)
        same &= Q(IsNull(expr, True)) if value is None else Q(Exact(expr, value))
    return after


def _beyond(expr: Expression, direction: str, value: Any) -> Q:
    if value is None:  # missing values sort last, so nothing is beyond one
        return Q(pk__in=[])
    test = GreaterThan if direction == "asc" else LessThan
    return Q(test(expr, value)) | Q(IsNull(expr, True))


def _after_time(keys: list, ms: int, record_id: str) -> Q:
    expr, direction, _ = keys[0]
    if not isinstance(expr, F) or expr.name != "created_at":
        raise SearchInvalid("searchAfter names a record that no longer exists.", "searchAfter")
    start = _from_ms(ms)
    end = start + dt.timedelta(milliseconds=1)
    same_ms = Q(created_at__gte=start, created_at__lt=end)
    if direction == "asc":
        return Q(created_at__gte=end) | (same_ms & Q(pk__gt=record_id))
    return Q(created_at__lt=start) | (same_ms & Q(pk__lt=record_id))


# --- Indexes on properties ----------------------------------------------------------------

PROPERTY_INDEX_PREFIX = "sandbox_prop_"
# Any constant will do: the advisory lock that lets one sync_property_indexes run at a time.
INDEX_LOCK = 0x5A4E_D8B0_1DE7


def _field_indexes(key: str, data_type: str, vendor: str) -> list[Index]:
    """The indexes that serve sorts and comparisons on one property (none for lists, text
    boxes and files, which have no order). Named by kind and key alone, so that every object
    with a property of that key and kind shares them."""
    if data_type in LIST_TYPES or data_type in PRESENCE_ONLY_TYPES:
        return []
    kind = "n" if data_type in NUMERIC_TYPES else "t"
    digest = hashlib.sha256(f"{kind}:{key}".encode()).hexdigest()[:12]
    value = _property(key, data_type)
    name = f"{PROPERTY_INDEX_PREFIX}{kind}_{digest}"
    indexes = [Index(F("object"), value, F("id"), name=name)]
    if vendor == "postgresql":
        descending = (F("object"), value.desc(nulls_last=True), F("id").desc())
        indexes.append(Index(*descending, name=f"{PROPERTY_INDEX_PREFIX}{kind}d_{digest}"))
    return indexes


def property_indexes(obj: ObjectSchema) -> list[Index]:
    """An index per sortable property of `obj`, on the very expression search sorts and
    compares by: (object, value, id). A sort on an indexed property reads the index in order;
    a comparison on it reads an index range, instead of parsing every record's JSON.

    On PostgreSQL a second index per property holds (object, value DESC NULLS LAST, id DESC):
    missing values sort last in both directions, and one B-tree read backwards gives nulls
    first. (SQLite sorts NULL as the smallest value, so its one index serves the descending
    order read backwards.)

    Properties are named by key alone, so objects that share a key share its index.
    """
    return [
        index
        for field in obj.fields.all()
        for index in _field_indexes(field.key, field.data_type, connection.vendor)
    ]


def _existing_indexes(conn) -> set[str]:
    with conn.cursor() as cursor:
        return set(conn.introspection.get_constraints(cursor, Record._meta.db_table))


def _create_indexes(conn, indexes: Iterable[Index]) -> None:
    # Only the editor's SQL is used: CREATE INDEX may run inside a transaction, which
    # SQLite's schema editor, entered as a context, refuses.
    editor = conn.SchemaEditorClass(conn)
    with conn.cursor() as cursor:
        for index in indexes:
            cursor.execute(str(index.create_sql(Record, editor)))


def _before_index_writes(conn) -> None:
    if conn.vendor == "postgresql" and conn.in_atomic_block:
        # PostgreSQL refuses CREATE INDEX on a table with deferred foreign key checks still
        # pending in this transaction (records just written): run those checks now.
        conn.check_constraints()


def ensure_property_indexes(obj: ObjectSchema) -> list[str]:
    """Create the missing `property_indexes(obj)`; returns the names of those it created."""
    existing = _existing_indexes(connection)
    missing = [index for index in property_indexes(obj) if index.name not in existing]
    if missing:
        _before_index_writes(connection)
    _create_indexes(connection, missing)
    return [index.name for index in missing]


def sync_property_indexes(using: str = DEFAULT_DB_ALIAS) -> tuple[list[str], list[str]]:
    """Give every property of every object its indexes, and drop those no field needs any
    more; returns the names created and dropped.

    Run after each schema change of the API (once its transaction has committed) and after
    `migrate`, so that objects and fields made any way are sorted from an index. One run at a
    time: SQLite's IMMEDIATE transactions queue behind each other and behind the field writes,
    PostgreSQL takes an advisory lock, so a field created while another run drops its index
    gets it back from its own run.
    """
    conn = connections[using]
    _before_index_writes(conn)
    with transaction.atomic(using=using):
        if conn.vendor == "postgresql":
            with conn.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [INDEX_LOCK])
        fields = Field.objects.using(using).values_list("field_key", "data_type").distinct()
        wanted = {
            index.name: index
            for field_key, data_type in fields
            for index in _field_indexes(field_key.rsplit(".", 1)[-1], data_type, conn.vendor)
        }
        existing = {
            name for name in _existing_indexes(conn) if name.startswith(PROPERTY_INDEX_PREFIX)
        }
        created = sorted(wanted.keys() - existing)
        dropped = sorted(existing - wanted.keys())
        _create_indexes(conn, (wanted[name] for name in created))
        with conn.cursor() as cursor:
            for name in dropped:
                cursor.execute(f"DROP INDEX IF EXISTS {conn.ops.quote_name(name)}")
    return created, dropped


# --- Search text and cursors ---------------------------------------------------------------

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
REINDEX_CHUNK = 1000


def _from_ms(ms: int) -> dt.datetime:
    return EPOCH + dt.timedelta(milliseconds=ms)


def search_after_of(record: Record) -> list:
    """The cursor that continues after `record`: [createdAt in ms, id]."""
    return [(record.created_at - EPOCH) // dt.timedelta(milliseconds=1), record.id]


def build_search_text(obj: ObjectSchema, properties: dict) -> str:
    """The lower-cased text that the `query` parameter searches in a record of `obj`."""
    return _search_text(_searchable(obj), properties)


def reindex_object(obj: ObjectSchema) -> None:
    """Recompute `search_text` for all of `obj`'s records, after its searchable fields change.

    The records are read and written in chunks of REINDEX_CHUNK, by id, so memory stays flat.
    """
    searchable = _searchable(obj)
    records = Record.objects.filter(object=obj).order_by("pk")
    records = records.only("id", "properties", "search_text")
    last_id = ""
    while chunk := list(records.filter(pk__gt=last_id)[:REINDEX_CHUNK]):
        changed = []
        for record in chunk:
            text = _search_text(searchable, record.properties)
            if text != record.search_text:
                record.search_text = text
                changed.append(record)
        Record.objects.bulk_update(changed, ["search_text"], batch_size=500)
        last_id = chunk[-1].pk


def _searchable(obj: ObjectSchema) -> list[tuple[str, Field | None]]:
    """(record key, field) of each searchable property; the primary display property if none."""
    field_keys = obj.searchable_properties or [obj.primary_display_property]
    fields = {field.key: field for field in obj.fields.all()}
    keys = dict.fromkeys(fk.rsplit(".", 1)[-1] for fk in field_keys if fk)
    return [(key, fields.get(key)) for key in keys]


def _search_text(searchable: list[tuple[str, Field | None]], properties: Mapping) -> str:
    parts: list[str] = []
    for key, field in searchable:
        value = properties.get(key) if isinstance(properties, Mapping) else None
        if value is None:
            continue
        data_type = field.data_type if field else ""
        if data_type == DataType.MONETORY and isinstance(value, Mapping):
            value = value.get("value")
        labels = {}
        if field and data_type in OPTION_TYPES:
            labels = {o.get("key"): o.get("label") for o in field.options if isinstance(o, dict)}
        parts.extend(_texts(value, labels))
    # A newline between values keeps a query from matching across two of them.
    return "\n".join(part for part in parts if part).lower()


def _texts(value: Any, labels: Mapping) -> list[str]:
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
        return [text for item in value for text in _texts(item, labels)]
    return []


__all__ = [
    "Condition",
    "Group",
    "SearchInvalid",
    "SearchRequest",
    "SortKey",
    "build_search_text",
    "ensure_property_indexes",
    "parse_get",
    "parse_post",
    "reindex_object",
    "run_search",
    "search_after_of",
    "sync_property_indexes",
]
