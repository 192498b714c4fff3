"""Record search for the embedded records API: both forms of the search call.

`parse_get` and `parse_post` turn the GET form (the one GoHighLevel's setup guide for custom
objects, the seed document, shows) and the real service's POST form into one `SearchRequest`
(docs/records-api.md describes both); `run_search` answers it with two database queries (the
page and a COUNT), never by loading records into Python, so the same code stays fast at 100,000
records on SQLite and runs unchanged on PostgreSQL.

What is particular to a dataType (how a filter value is typed, how a condition becomes SQL,
what a property sorts by) is its class in fieldtypes.py; how values compare, per dataType:
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
import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import F, Q, QuerySet, Value
from django.db.models.expressions import Expression
from django.db.models.functions import StrIndex, Substr
from django.db.models.lookups import Exact, GreaterThan, IsNull, LessThan
from django.http import QueryDict

from recordsadmin.contract import textquery
from recordsadmin.contract.datatypes import (
    COMPARISONS,
    EQ,
    EXISTS,
    NEGATIONS,
    NOT_EQ,
    NOT_EXISTS,
    OPERATORS,
    POST_OPERATORS,
    PRESENCE,
    RANGE,
    SORTABLE,
)
from recordsadmin.contract.limits import (
    CREATED_AT,
    DEFAULT_PAGE_LIMIT,
    MAX_PAGE_LIMIT,
    MAX_QUERY_LENGTH,
    MAX_SEARCH_PAGE,
    MAX_SORT_KEYS,
    OWNER,
    TIMESTAMP_FIELDS,
    UPDATED_AT,
)

from . import fieldtypes, indexing, lag
from .errors import SearchInvalid
from .expressions import LOOKUPS, PropertyValue, WithoutIndex
from .models import Field, ObjectSchema, Record

# Far past any real page; it keeps OFFSET inside a 64-bit integer on every database.
MAX_OFFSET = 1_000_000_000
# A bound on the SQL one request can make the database evaluate.
MAX_CONDITIONS = 50
MAX_GROUP_DEPTH = 5
# From this offset on a page is read in two steps, ids then rows (measured in bench/).
DEEP_OFFSET = 1000
# A filtered page is sorted from a scan, not read off the created_at index, when fewer than
# this many times the records it needs match (measured in bench/).
SCAN_RATIO = 5

# The record's own times, by the columns that hold them.
COLUMNS = {CREATED_AT: "created_at", UPDATED_AT: "updated_at"}

GET_PARAMETERS = {"locationId", "query", "limit", "offset", "sortBy", "sortOrder", OWNER}
POST_KEYS = {"locationId", "page", "pageLimit", "query", "filters", "sort", "searchAfter"}
GET_FILTER = re.compile(r"properties\.(?P<key>[^\[\]]+)(?:\[(?P<op>[^\[\]]*)\])?")
# ASCII digits only: `\d` would take other scripts' digits, which no client sends as a number.
INTEGER = re.compile(r"-?[0-9]+")
# The last POST page that any pageLimit may ask for: MAX_OFFSET // MAX_PAGE_LIMIT + 1.
MAX_PAGE = MAX_SEARCH_PAGE


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


DEFAULT_SORT = (SortKey(CREATED_AT, "desc"),)


@dataclasses.dataclass
class SearchRequest:
    """One question to `run_search`, whichever form it came in. `filters` are ANDed."""

    query: str = ""
    # `query` as search reads it: the text, and the searchable property it is scoped to
    # (None: all of `query` is plain text).
    text: textquery.TextQuery | None = None
    filters: list = dataclasses.field(default_factory=list)
    sort: list[SortKey] = dataclasses.field(default_factory=lambda: list(DEFAULT_SORT))
    limit: int = DEFAULT_PAGE_LIMIT
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
    """The GET form: `GET .../records/search?query=&limit=&offset=&sortBy=&sortOrder=&...`."""
    schema = _Schema(obj)
    filters: list[Condition] = []
    for name, values in params.lists():
        if name in GET_PARAMETERS:
            if name == OWNER:
                filters += [_condition(schema, OWNER, EQ, v, name, text=True) for v in values]
            continue
        match = GET_FILTER.fullmatch(name)
        if not match:
            raise SearchInvalid(f"Unknown query parameter: {name}", name)
        operator = match["op"] if match["op"] is not None else EQ
        if operator not in OPERATORS:
            raise SearchInvalid(f"Unknown filter operator in {name}: {operator!r}", name)
        field = f"properties.{match['key']}"
        filters += [_condition(schema, field, operator, v, name, text=True) for v in values]
    _check_size(filters)

    sort_by = params.get("sortBy", CREATED_AT)
    order = params.get("sortOrder", "desc")
    query = params.get("query", "")
    if sort_by.startswith("properties.") or sort_by in TIMESTAMP_FIELDS:
        sort = [_sort_key(schema, sort_by, order, "sortOrder", bare_keys=False)]
    else:
        raise SearchInvalid(f"Unknown field in sortBy: {sort_by}", "sortBy")
    query = _query(query)
    return SearchRequest(
        query=query,
        text=_text_query(obj, query),
        filters=filters,
        sort=sort,
        limit=_integer(params.get("limit", DEFAULT_PAGE_LIMIT), "limit", 1, MAX_PAGE_LIMIT),
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
    # One bound for page whatever pageLimit is, so that openapi.json can state it.
    page = _integer(body.get("page", 1), "page", 1, MAX_PAGE, text=False)
    page_limit = _integer(
        body.get("pageLimit", DEFAULT_PAGE_LIMIT), "pageLimit", 1, MAX_PAGE_LIMIT, text=False
    )
    # null is "not given"; any other value must have the documented type (no `or`: 0, false
    # and {} are not an empty query or list).
    query = _or_default(body, "query", "")
    if not isinstance(query, str):
        raise SearchInvalid("query must be a string.", "query")
    filters = _post_filters(schema, _or_default(body, "filters", []), "filters", depth=0)
    _check_size(filters)
    search_after = _search_after(body.get("searchAfter"))
    query = _query(query)
    return SearchRequest(
        query=query,
        text=_text_query(obj, query),
        filters=filters,
        sort=_post_sort(schema, _or_default(body, "sort", [])),
        limit=page_limit,
        # The cursor says where the page starts, so the page number adds nothing to it.
        offset=0 if search_after else (page - 1) * page_limit,
        search_after=search_after,
        page=page,
        page_limit=page_limit,
    )


def _or_default(body: Mapping, name: str, default: Any) -> Any:
    value = body.get(name)
    return default if value is None else value


def _query(query: str) -> str:
    # The length as sent, before trimming: the limit openapi.json states.
    if len(query) > MAX_QUERY_LENGTH:
        raise SearchInvalid(f"query must be at most {MAX_QUERY_LENGTH} characters.", "query")
    return query.strip()


def _text_query(obj: ObjectSchema, query: str) -> textquery.TextQuery:
    """`key:value` is scoped to the searchable property `key`; any other query is plain text
    (contract/textquery.py says what is assumed of the real service)."""
    if ":" not in query:  # no key to look up: the object's fields are not read again
        return textquery.TextQuery(query)
    return textquery.read(query, [key for key, _ in _searchable(obj)])


def _integer(value: Any, name: str, low: int, high: int, *, text: bool = True) -> int:
    if isinstance(value, str) and text and INTEGER.fullmatch(value):
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise SearchInvalid(f"{name} must be an integer from {low} to {high}.", name)
    return value


def _sort_key(schema: _Schema, name: Any, order: Any, order_name: str, *, bare_keys: bool):
    field, data_type = schema.resolve(name, bare_keys=bare_keys)
    if field == OWNER:
        raise SearchInvalid(f"Cannot sort by {name}.", name)
    field_type = fieldtypes.of(data_type) if data_type else None
    if field_type and not field_type.rule.sortable:
        # No one value to order by: refused on both databases alike, rather than ordered by
        # the JSON text, which PostgreSQL and SQLite spell differently.
        raise SearchInvalid(
            f"Cannot sort by {name}: a {data_type} field holds {field_type.holds}, which has "
            f"no order. Sort by createdAt, updatedAt or a field of type {', '.join(SORTABLE)}.",
            name,
        )
    # Any case, ASCII letters only: openapi.json states it as a pattern.
    direction = order.lower() if isinstance(order, str) and order.isascii() else order
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
        group = item["group"]
        operator = group.upper() if isinstance(group, str) and group.isascii() else None
        if operator not in ("AND", "OR"):
            raise SearchInvalid(f"{path}.group must be AND or OR.", path)
        members = _post_filters(schema, item.get("filters", []), f"{path}.filters", depth + 1)
        return Group(operator, tuple(members))
    if set(item) - {"field", "operator", "value"} or "field" not in item:
        raise SearchInvalid(f'{path}: a filter is {{"field", "operator", "value"}}.', path)
    name, operator = item["field"], item.get("operator", EQ)
    field, _ = schema.resolve(name, bare_keys=True)
    # Any JSON may come: a list or an object is no operator (and cannot be looked up).
    if not isinstance(operator, str) or operator not in POST_OPERATORS:
        raise SearchInvalid(f"{path}: unknown operator {operator!r} for {name}.", name)
    value = item.get("value")
    if operator != RANGE:
        return _condition(schema, field, operator, value, name, text=False)
    if not isinstance(value, Mapping) or not value or set(value) - COMPARISONS:
        raise SearchInvalid(f"{name}: a range value is {{gt?, gte?, lt?, lte?}}.", name)
    bounds = [_condition(schema, field, op, bound, name, text=False) for op, bound in value.items()]
    return Group("AND", tuple(bounds))


def _condition(
    schema: _Schema, field: str, operator: str, raw: Any, name: str, *, text: bool
) -> Condition:
    """A typed condition. `text` says the value came from a query string, so it is a string."""
    field_type = None
    if field in TIMESTAMP_FIELDS:
        data_type, allowed = "", {EQ, NOT_EQ, *COMPARISONS}
    elif field == OWNER:
        data_type, allowed = "", {EQ, NOT_EQ, *PRESENCE}
    else:
        data_type = schema.field(field.removeprefix("properties."), name).data_type
        field_type = fieldtypes.of(data_type)
        allowed = field_type.operators
    if operator not in allowed:
        kind = f"a {data_type} field" if data_type else field
        raise SearchInvalid(f"{name}: operator {operator} does not apply to {kind}.", name)
    if operator in PRESENCE:
        return _presence(field, operator, raw, name, data_type, text=text)
    return Condition(field, operator, _value(field, field_type, operator, raw, name), data_type)


def _presence(field, operator, raw, name, data_type, *, text) -> Condition:
    truth = raw.strip().lower() if isinstance(raw, str) and text else raw
    if truth in ("true", True) or (truth is None and not text):
        return Condition(field, operator, None, data_type)
    if truth in ("false", False):
        flipped = EXISTS if operator == NOT_EXISTS else NOT_EXISTS
        return Condition(field, flipped, None, data_type)
    raise SearchInvalid(f"{name}: the value of {operator} is true.", name)


def _value(
    field: str, field_type: fieldtypes.FieldType | None, operator: str, raw: Any, name: str
) -> Any:
    """The value typed for the field: a time for the record's own times, a user id for its
    owner, and for a property what its dataType takes."""
    if field in TIMESTAMP_FIELDS:
        return _timestamp(raw, name)
    if field_type is None:
        return fieldtypes.string(raw, name)
    return field_type.filter_value(raw, operator, name)


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
    While search lags behind writes (lag.py), records written within the lag are answered as
    their snapshots show them: `_with_snapshots`.
    Raises SearchInvalid for a searchAfter cursor that cannot be placed.
    """
    held = lag.held_back(obj)
    matches = _matching(obj, Record.objects.filter(object=obj), req)
    text = _asked(req).text.lower()
    # The index finds candidates; the LIKE above stays what a match is. It is asked only for
    # a rare text: reading a common one's candidates one by one is slower than a scan.
    pays = indexing.text_index_pays(text)
    indexed = matches.filter(indexing.InTextIndex(text)) if pays else None
    total = (matches if indexed is None else indexed).count()
    if held:
        # The held records are counted and taken off, not excluded from the count: NOT IN
        # would have the database test every record rather than count an index.
        total -= matches.filter(pk__in=held).count()
        matches = matches.exclude(pk__in=held)
        indexed = indexed.exclude(pk__in=held) if indexed is not None else None
        return _with_snapshots(obj, req, matches, total, indexed, held)
    if total == 0 or req.offset >= total:
        return [], total
    return _page(obj, req, matches, total, indexed), total


def _asked(req: SearchRequest) -> textquery.TextQuery:
    """The request's text query: plain text, or a value within one property (`key:value`)."""
    return req.text or textquery.TextQuery(req.query)


def _matching(obj: ObjectSchema, records: QuerySet, req: SearchRequest) -> QuerySet:
    """`records` (or their snapshots) narrowed to the request's text query and filters."""
    asked = _asked(req)
    text = asked.text.lower()
    if text:
        # search_text is lower-cased when written; Django escapes LIKE's wildcards.
        records = records.filter(search_text__contains=text)
        if asked.key:
            records = records.filter(_in_field(obj, asked.key, text))
    if req.filters:
        records = records.filter(_and(req.filters))
    return records


def _page(
    obj: ObjectSchema,
    req: SearchRequest,
    matches: QuerySet,
    total: int,
    indexed,
    annotate: dict | None = None,
) -> list[Record]:
    """The request's page of `matches`; each record carries the values of `annotate` (its
    sort values, for `_with_snapshots`) when asked."""
    keys = _order_keys(req.sort)
    text = _asked(req).text.lower()
    page, offset, limit, backwards = matches, req.offset, req.limit, False
    if req.search_after:
        page = page.filter(_after_cursor(obj, keys, req.search_after))
    elif offset > total // 2:
        backwards = True
        limit = min(limit, total - offset)
        offset = total - offset - limit
    # When few records match, SQLite does better to scan and sort them than to walk a whole
    # (object, created_at, id) index looking for them: the matches tell which case this is.
    selective = (text or req.filters) and total < SCAN_RATIO * (offset + limit)
    if selective and indexed is not None:
        page = page.filter(indexing.InTextIndex(text))
    if annotate:
        page = page.annotate(**annotate)
    order = [_ordering(*key, reverse=backwards, bypass_index=selective) for key in keys]
    window = page.order_by(*order)[offset : offset + limit]
    if offset >= DEEP_OFFSET:
        ids = list(window.values_list("pk", flat=True))
        window = Record.objects.filter(pk__in=ids).annotate(**annotate or {}).order_by(*order)
    records = list(window)
    return records[::-1] if backwards else records


def _with_snapshots(
    obj: ObjectSchema, req: SearchRequest, matches: QuerySet, total: int, indexed, held: list
) -> tuple[list[Record], int]:
    """The page and total while some records are held back: the other records that match
    (`matches`, `total`) and the snapshots of the held ones that match, in one order.

    The snapshots are few (the writes of the last seconds), so they are read whole and merged
    in Python. With k of them matching, the page's records come from the other records'
    positions offset - k to offset + limit: one page query, as without the lag.
    """
    keys = _order_keys(req.sort)
    names = {f"_k{i}": expr for i, (expr, _, _) in enumerate(keys)}
    before = _matching(obj, lag.snapshots(obj, held), req)
    others_total = total
    total += before.count()
    if req.search_after:
        # The total counts every match; the page only those after the cursor.
        before = before.filter(_after_cursor(obj, keys, req.search_after))
    # Each snapshot and record is read with its sort values, in the same query: read again
    # apart, one written or dropped in between would have none.
    found = {s.pk: s for s in before.annotate(**names)}
    if not found:
        if others_total == 0 or req.offset >= others_total:
            return [], total
        return _page(obj, req, matches, others_total, indexed), total
    if req.offset >= total:
        return [], total
    start = max(0, req.offset - len(found))
    wide = dataclasses.replace(req, offset=start, limit=req.limit + req.offset - start)
    others = (
        _page(obj, wide, matches, others_total, indexed, annotate=names)
        if start < others_total
        else []
    )
    sorted_by = {
        row.pk: tuple(getattr(row, name) for name in names) for row in [*others, *found.values()]
    }
    directions = [direction for _, direction, _ in keys]
    merged = sorted(
        [*others, *(lag.as_record(s) for s in found.values())],
        key=functools.cmp_to_key(
            lambda a, b: _compare(sorted_by[a.pk], sorted_by[b.pk], directions)
        ),
    )
    first = others[0].pk if others else None
    if start > 0 and first is not None:
        # Snapshots before the first record read come before the page: where exactly among
        # the records not read does not matter.
        skipped = next(i for i, record in enumerate(merged) if record.pk == first)
        merged, start = merged[skipped:], start + skipped
    return merged[req.offset - start : req.offset - start + req.limit], total


def _compare(a: tuple, b: tuple, directions: list[str]) -> int:
    """Python's order of two rows' sort values, as the database orders them: missing values
    last in either direction, numbers before text (SQLite's order of mixed values)."""
    for x, y, direction in zip(a, b, directions, strict=True):
        if x == y:
            continue
        if x is None or y is None:
            return 1 if x is None else -1
        mixed = isinstance(x, str) != isinstance(y, str)
        less = not isinstance(x, str) if mixed else x < y
        return (-1 if less else 1) * (1 if direction == "asc" else -1)
    return 0


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
    if c.operator == EXISTS:
        return ~_missing(c.field)
    if c.operator == NOT_EXISTS:
        return _missing(c.field)
    if c.field in TIMESTAMP_FIELDS:
        return Q(LOOKUPS[c.operator](F(COLUMNS[c.field]), c.value))
    if c.field == OWNER:
        return Q(owner=c.value)
    key = c.field.removeprefix("properties.")
    return fieldtypes.of(c.data_type).condition(key, c.operator, c.value)


def _missing(field: str) -> Q:
    """The record has no value for the field: the key is absent, or holds null."""
    if field == OWNER:
        return Q(owner__isnull=True) | Q(owner="")
    if field in TIMESTAMP_FIELDS:
        return Q(pk__in=[])
    return Q(IsNull(PropertyValue(field.removeprefix("properties.")), True))


def _order_keys(sort: list[SortKey]) -> list[tuple[Expression, str, bool]]:
    """(expression, direction, nullable) for each sort key, then the record id."""
    keys = []
    for key in sort:
        if key.field in TIMESTAMP_FIELDS:
            keys.append((F(COLUMNS[key.field]), key.direction, False))
        else:
            expr = fieldtypes.of(key.data_type).expression(key.field.removeprefix("properties."))
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


def _after_cursor(obj: ObjectSchema, keys: list, cursor: list) -> Q:
    """Records that come after the cursor's record in this order (keyset pagination).

    The cursor's record is read back for its exact sort values (createdAt in ms is coarser
    than the stored time). If it is gone, the ms time and id stand in for it.
    """
    ms, record_id = cursor
    names = {f"_k{i}": expr for i, (expr, _, _) in enumerate(keys)}
    # A record that search holds back was found as its snapshot shows it (lag.py).
    held = record_id in lag.held_back(obj)
    anchors = lag.snapshots(obj, [record_id]) if held else Record.objects.filter(object=obj)
    anchor = anchors.filter(pk=record_id).annotate(**names)
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


def reindex_object(obj: ObjectSchema, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Recompute `search_text` for all of `obj`'s records, after its searchable fields change.

    The records are read and written in chunks of REINDEX_CHUNK, by id, so memory stays flat.
    """
    searchable = _searchable(obj)
    records = Record.objects.using(using).filter(object=obj).order_by("pk")
    records = records.only("id", "properties", "search_text")
    last_id = ""
    while chunk := list(records.filter(pk__gt=last_id)[:REINDEX_CHUNK]):
        changed = []
        for record in chunk:
            text = _search_text(searchable, record.properties)
            if text != record.search_text:
                record.search_text = text
                changed.append(record)
        Record.objects.using(using).bulk_update(changed, ["search_text"], batch_size=500)
        last_id = chunk[-1].pk


def _searchable(obj: ObjectSchema) -> list[tuple[str, Field | None]]:
    """(record key, field) of each searchable property; the primary display property if none."""
    field_keys = obj.searchable_properties or [obj.primary_display_property]
    fields = {field.key: field for field in obj.fields.all()}
    keys = dict.fromkeys(fk.rsplit(".", 1)[-1] for fk in field_keys if fk)
    return [(key, fields.get(key)) for key in keys]


# The search text is one segment per searchable property that has a value: the property's
# mark, its texts one a line, and FIELD_END. The marks and FIELD_END are private-use characters
# (plane 15), taken out of the values, so that a scoped query (`key:value`) is one more test
# on the same column (`_in_field`), served by the same text index, and a plain query is still a
# substring of the text that cannot match across two values.
FIELD_END = "\U000f0000"
_FIRST_MARK = 0xF0001
_MARKS = re.compile("[\U000f0000-\U000ffffd]")


def _field_mark(position: int) -> str:
    """The mark of the searchable property at `position` in `_searchable`'s order."""
    return chr(_FIRST_MARK + position)


def _search_text(searchable: list[tuple[str, Field | None]], properties: Mapping) -> str:
    segments: list[str] = []
    for position, (key, field) in enumerate(searchable):
        value = properties.get(key) if isinstance(properties, Mapping) else None
        if value is None:
            continue
        if field is None:  # a searchable key with no field: its texts as they are
            texts = fieldtypes.texts_of(value)
        else:
            texts = fieldtypes.of(field.data_type).texts(field, value)
        # A newline between values keeps a query from matching across two of them.
        lines = "\n".join(_MARKS.sub("", text) for text in texts if text)
        if lines:
            segments.append(_field_mark(position) + lines + FIELD_END)
    return "\n".join(segments).lower()


def _in_field(obj: ObjectSchema, key: str, text: str) -> Q:
    """`text` (lower-cased, not empty) occurs in the segment of the searchable property `key`.

    The segment runs from the property's mark to the first FIELD_END after it; `text` holds
    neither, so its first place after the mark is inside the segment exactly when it comes
    before that FIELD_END. String positions only: no pattern, so nothing in `text` is syntax.
    """
    position = next(i for i, (k, _) in enumerate(_searchable(obj)) if k == key)
    start = StrIndex(F("search_text"), Value(_field_mark(position)))
    rest = Substr(F("search_text"), start + 1)
    found = StrIndex(rest, Value(text))
    return (
        Q(GreaterThan(start, 0))
        & Q(GreaterThan(found, 0))
        & Q(LessThan(found, StrIndex(rest, Value(FIELD_END))))
    )


def after_migrate(sender, using: str, **kwargs) -> None:
    """post_migrate: search texts written before they had their properties' marks are written
    again, so that scoped queries find those records too."""
    if Record._meta.db_table in connections[using].introspection.table_names():
        reindex_stale(using)


def reindex_stale(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Reindex each object that has a record whose search text is in an older layout (a
    database made before field-scoped queries); returns those objects' ids. One scan of the
    search texts."""
    stale = (
        Record.objects.using(using)
        .exclude(search_text="")
        .exclude(search_text__contains=FIELD_END)
        .values_list("object_id", flat=True)
        .distinct()
    )
    ids = list(stale)
    for obj in ObjectSchema.objects.using(using).filter(pk__in=ids).prefetch_related("fields"):
        reindex_object(obj, using=using)
    return ids


__all__ = [
    "Condition",
    "Group",
    "SearchInvalid",
    "SearchRequest",
    "SortKey",
    "build_search_text",
    "parse_get",
    "parse_post",
    "reindex_object",
    "run_search",
    "search_after_of",
]
