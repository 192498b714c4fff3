"""The table's question, as it travels in the URL: search text, filters, sort and page.

One `ListQuery` is read from the query string, turned into the records API's search, and
written back into every link of the page (sort headers, pages, "clear"), so that the URL always
says what the table shows and back, forward and a copied link give the same view.

Query string names: `q` (text), `sort` (`price`, `-price`, `updated`, `-created`), `page`,
`per_page` (25, 50 or 100), `owner`, and each field's filter as its type reads it
(recordsadmin/records/fieldtypes/): `f.<key>` for an option (repeated for several),
`min.<key>` / `max.<key>` for numbers, money and dates.
"""

from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from django.http import QueryDict

from recordsadmin.client.domain import Filter, Schema, Sort
from recordsadmin.contract.datatypes import Value, rule
from recordsadmin.contract.limits import (
    CREATED_AT,
    MAX_PAGE_LIMIT,
    MAX_QUERY_LENGTH,
    OWNER,
    UPDATED_AT,
)
from recordsadmin.records import fieldtypes

PER_PAGE_CHOICES = (25, 50, 100)
DEFAULT_PER_PAGE = 25
# Sort names for the record's own times, as the table's columns call them.
TIME_SORTS = {"created": CREATED_AT, "updated": UPDATED_AT}
# How an order is said, by what the field holds: (ascending, descending).
WAYS = {Value.NUMBER: ("low to high", "high to low"), Value.DATE: ("oldest first", "newest first")}


@dataclass(frozen=True)
class ListQuery:
    schema: Schema = field(compare=False, repr=False)
    q: str = ""
    sort: str = ""
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    owner: str = ""
    # Each filtered field's state, by key, as its type read it from the URL.
    chosen: dict[str, Any] = field(default_factory=dict)
    # What was in the URL but could not be used, said to the user rather than ignored.
    problems: tuple[str, ...] = ()
    # The page sizes the table offers.
    per_page_choices = PER_PAGE_CHOICES

    @classmethod
    def from_params(cls, schema: Schema, params: QueryDict) -> "ListQuery":
        problems: list[str] = []
        q = params.get("q", "").strip()
        if len(q) > MAX_QUERY_LENGTH:
            problems.append(f"The search text was cut to {MAX_QUERY_LENGTH} characters.")
            q = q[:MAX_QUERY_LENGTH]
        chosen: dict[str, Any] = {}
        for f in schema.fields:
            state, problem = fieldtypes.of(f).filter_state(params)
            if problem:
                problems.append(problem)
            if state is not None:
                chosen[f.key] = state
        return cls(
            schema=schema,
            q=q,
            sort=_sort(schema, params.get("sort", "")),
            page=_positive(params.get("page"), 1),
            per_page=_per_page(params.get("per_page")),
            owner=params.get("owner", "").strip()[:64],
            chosen=chosen,
            problems=tuple(problems),
        )

    # -- the records API's search ------------------------------------------------------------

    def _types(self):
        for key, state in self.chosen.items():
            f = self.schema.field(key)
            if f is not None:
                yield fieldtypes.of(f), state

    def filters(self) -> list[Filter]:
        found = [c for kind, state in self._types() for c in kind.filter_conditions(state)]
        if self.owner:
            found.append(Filter(OWNER, "eq", self.owner))
        return found

    def search(self) -> dict:
        """The question as services.record_search asks it: text, filters and sort."""
        return {"query": self.q, "filters": self.filters(), "sort": self.search_sort()}

    def search_sort(self) -> Sort:
        if not self.sort:
            # Newest first, said out loud: the real service documents no default order.
            return Sort(CREATED_AT, "desc")
        name = self.sort.lstrip("-")
        return Sort(TIME_SORTS.get(name, name), "desc" if self.sort.startswith("-") else "asc")

    def filter_controls(self) -> list[dict]:
        """The filter panel's controls with their current state, in schema order."""
        controls = (
            fieldtypes.of(f).filter_control(self.chosen.get(f.key)) for f in self.schema.fields
        )
        return [control for control in controls if control is not None]

    @property
    def active_filters(self) -> int:
        return len(self.chosen) + (1 if self.owner else 0)

    @property
    def is_filtered(self) -> bool:
        return bool(self.q or self.chosen or self.owner)

    # -- links -----------------------------------------------------------------------------

    def params(self, **changes) -> str:
        """The query string for this view with `changes`, without defaults; `?` included."""
        query = replace(self, **changes) if changes else self
        pairs: list[tuple[str, str]] = []
        if query.q:
            pairs.append(("q", query.q))
        for kind, state in query._types():
            pairs += kind.filter_pairs(state)
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

    def sort_choices(self) -> list[dict]:
        """Every order the table offers, both ways, as links (the phone's sort menu: cards have
        no column headers to click): label, link, and whether it is the current one."""
        current = self.sort or "-created"
        named = [("created", "Created", Value.DATE), ("updated", "Updated", Value.DATE)]
        named += [
            (f.key, f.name, rule(f.data_type).value)
            for f in self.schema.fields
            if fieldtypes.of(f).sortable
        ]
        choices = []
        for name, label, value in named:
            up, down = WAYS.get(value, ("A to Z", "Z to A"))
            for sort, way in ((name, up), (f"-{name}", down)):
                link = self.params(sort="" if sort == "-created" else sort, page=1)
                choices.append(
                    {"label": f"{label}, {way}", "link": link, "current": sort == current}
                )
        return choices

    def page_link(self, page: int) -> str:
        return self.params(page=page)

    def cleared(self) -> str:
        """The same sort and page size with no search or filters."""
        return self.params(q="", chosen={}, owner="", page=1)


def _sort(schema: Schema, value: str) -> str:
    name = value.strip().lstrip("-")
    if name in TIME_SORTS:
        return value.strip()
    f = schema.field(name)
    if f is not None and fieldtypes.of(f).sortable:
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
    number = min(_positive(value, DEFAULT_PER_PAGE), MAX_PAGE_LIMIT)
    return next(n for n in PER_PAGE_CHOICES if n >= number)
