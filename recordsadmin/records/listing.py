"""The table's question, as it travels in the URL: search text, filters, sort and page.

One `ListQuery` is read from the query string, turned into the records API's search, and
written back into every link of the page (sort headers, pages, "clear"), so that the URL always
says what the table shows and back, forward and a copied link give the same view.

Query string names: `q` (text), `sort` (`price`, `-price`, `updated`, `-created`), `page`,
`per_page` (25, 50 or 100), `owner`, `f.<key>` (an option, repeated for several),
`min.<key>` / `max.<key>` (numbers, money, dates).
"""

import datetime
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.http import QueryDict

from recordsadmin.records.types import Filter, Schema, Sort

PER_PAGE_CHOICES = (25, 50, 100)
DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
MAX_QUERY_LENGTH = 75  # the records API refuses longer text queries

OPTION_FILTER_TYPES = frozenset({"SINGLE_OPTIONS", "RADIO", "MULTIPLE_OPTIONS", "CHECKBOX"})
RANGE_FILTER_TYPES = frozenset({"NUMERICAL", "MONETORY", "DATE"})
SORTABLE_TYPES = frozenset(
    {"TEXT", "NUMERICAL", "MONETORY", "DATE", "PHONE", "EMAIL", "SINGLE_OPTIONS", "RADIO"}
)
# Sort names for the record's own times, as the table's columns call them.
TIME_SORTS = {"created": "createdAt", "updated": "updatedAt"}


@dataclass(frozen=True)
class ListQuery:
    q: str = ""
    sort: str = ""
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    owner: str = ""
    options: dict[str, tuple[str, ...]] = field(default_factory=dict)
    ranges: dict[str, tuple[str, str]] = field(default_factory=dict)
    # What was in the URL but could not be used, said to the user rather than ignored.
    problems: tuple[str, ...] = ()

    @classmethod
    def from_params(cls, schema: Schema, params: QueryDict) -> "ListQuery":
        problems: list[str] = []
        q = params.get("q", "").strip()
        if len(q) > MAX_QUERY_LENGTH:
            problems.append(f"The search text was cut to {MAX_QUERY_LENGTH} characters.")
            q = q[:MAX_QUERY_LENGTH]
        options: dict[str, tuple[str, ...]] = {}
        ranges: dict[str, tuple[str, str]] = {}
        for f in schema.fields:
            if f.data_type in OPTION_FILTER_TYPES:
                known = {key for key, _ in f.options}
                chosen = tuple(v for v in params.getlist(f"f.{f.key}") if v in known)
                if chosen:
                    options[f.key] = tuple(dict.fromkeys(chosen))
            elif f.data_type in RANGE_FILTER_TYPES:
                low = _bound(f.data_type, params.get(f"min.{f.key}", ""))
                high = _bound(f.data_type, params.get(f"max.{f.key}", ""))
                if low is None or high is None:
                    problems.append(f"“{f.name}” range: enter a {_kind(f.data_type)}.")
                    low, high = low or "", high or ""
                if low or high:
                    ranges[f.key] = (low, high)
        return cls(
            q=q,
            sort=_sort(schema, params.get("sort", "")),
            page=_positive(params.get("page"), 1),
            per_page=_per_page(params.get("per_page")),
            owner=params.get("owner", "").strip()[:64],
            options=options,
            ranges=ranges,
            problems=tuple(problems),
        )

    # -- the records API's search ------------------------------------------------------------

    def filters(self, schema: Schema) -> list[Filter]:
        found = [Filter(key, "eq", list(values)) for key, values in self.options.items()]
        for key, (low, high) in self.ranges.items():
            f = schema.field(key)
            convert = str if f is None or f.data_type == "DATE" else _number
            if low:
                found.append(Filter(key, "gte", convert(low)))
            if high:
                found.append(Filter(key, "lte", convert(high)))
        if self.owner:
            found.append(Filter("owner", "eq", self.owner))
        return found

    def search_sort(self) -> Sort:
        if not self.sort:
            # Newest first, said out loud: the real service documents no default order.
            return Sort("createdAt", "desc")
        name = self.sort.lstrip("-")
        return Sort(TIME_SORTS.get(name, name), "desc" if self.sort.startswith("-") else "asc")

    def filter_controls(self, schema: Schema) -> list[dict]:
        """The filter panel's controls with their current values, in schema order."""
        controls = []
        for f in schema.fields:
            if f.data_type in OPTION_FILTER_TYPES and f.options:
                chosen = self.options.get(f.key, ())
                controls.append(
                    {
                        "kind": "options",
                        "field": f,
                        "options": [(key, label, key in chosen) for key, label in f.options],
                    }
                )
            elif f.data_type in RANGE_FILTER_TYPES:
                low, high = self.ranges.get(f.key, ("", ""))
                controls.append(
                    {
                        "kind": "range",
                        "field": f,
                        "input_type": "date" if f.data_type == "DATE" else "number",
                        "low": low,
                        "high": high,
                    }
                )
        return controls

    @property
    def active_filters(self) -> int:
        return len(self.options) + len(self.ranges) + (1 if self.owner else 0)

    @property
    def is_filtered(self) -> bool:
        return bool(self.q or self.options or self.ranges or self.owner)

    # -- links -----------------------------------------------------------------------------

    def params(self, **changes) -> str:
        """The query string for this view with `changes`, without defaults; `?` included."""
        query = replace(self, **changes) if changes else self
        pairs: list[tuple[str, str]] = []
        if query.q:
            pairs.append(("q", query.q))
        for key, values in query.options.items():
            pairs += [(f"f.{key}", value) for value in values]
        for key, (low, high) in query.ranges.items():
            if low:
                pairs.append((f"min.{key}", low))
            if high:
                pairs.append((f"max.{key}", high))
        if query.owner:
            pairs.append(("owner", query.owner))
        if query.sort:
            pairs.append(("sort", query.sort))
        if query.per_page != DEFAULT_PER_PAGE:
            pairs.append(("per_page", str(query.per_page)))
        if query.page > 1:
            pairs.append(("page", str(query.page)))
        return "?" + urlencode(pairs) if pairs else "?"

    def sort_link(self, name: str) -> str:
        """Sort by `name`, or reverse it when it is the current sort; back to page 1."""
        new = f"-{name}" if self.sort == name else name
        return self.params(sort=new, page=1)

    def page_link(self, page: int) -> str:
        return self.params(page=page)

    def cleared(self) -> str:
        """The same sort and page size with no search or filters."""
        return self.params(q="", options={}, ranges={}, owner="", page=1)


def _sort(schema: Schema, value: str) -> str:
    name = value.strip().lstrip("-")
    if name in TIME_SORTS:
        return value.strip()
    f = schema.field(name)
    if f is not None and f.data_type in SORTABLE_TYPES:
        return value.strip()
    return ""


def _positive(value: str | None, default: int) -> int:
    try:
        number = int(value or default)
    except ValueError:
        return default
    return number if number >= 1 else default


def _per_page(value: str | None) -> int:
    """One of the offered sizes: the smallest that holds what was asked (so 30 shows 50 and
    anything above 100 is clamped to 100)."""
    number = min(_positive(value, DEFAULT_PER_PAGE), MAX_PER_PAGE)
    return next(n for n in PER_PAGE_CHOICES if n >= number)


def _number(text: str) -> int | float:
    number = Decimal(text)
    return int(number) if number == number.to_integral_value() else float(number)


def _kind(data_type: str) -> str:
    return "date (YYYY-MM-DD)" if data_type == "DATE" else "number"


def _bound(data_type: str, raw: str) -> str | None:
    """The bound as the API wants it, "" when empty, None when it does not parse."""
    text = raw.strip().replace(",", "")
    if not text:
        return ""
    if data_type == "DATE":
        try:
            return datetime.date.fromisoformat(text).isoformat()
        except ValueError:
            return None
    try:
        number = Decimal(text.lstrip("$€£"))
    except InvalidOperation:
        return None
    return str(number) if number.is_finite() else None
