"""The table's question, as it travels in the URL: search text, filters, sort and page.

One `ListQuery` is read from the query string, turned into the records API's search, and
written back into every link of the page (sort headers, pages, "clear"), so that the URL always
says what the table shows and back, forward and a copied link give the same view.

Query string names: `q` (text), `sort` (`price`, `-price`, `updated`, `-created`, or up to
three of them joined by commas, the first deciding first: `sort=status,-price`), `page`,
`per_page` (25, 50 or 100), `owner`, each field's filter as its type reads it
(recordsadmin/records/fieldtypes/): `f.<key>` for an option (repeated for several),
`min.<key>` / `max.<key>` for numbers, money and dates, `min.createdAt` / `max.createdAt` for
the day a record was created; and the filter builder's conditions and
groups (`match`, `c1.field`, `g1.c1.op`..., recordsadmin/records/conditions.py). All of them
apply together.
"""

import functools
import re
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote_plus, urlencode

from django.http import QueryDict

from recordsadmin.client.domain import Filter, FilterGroup, Schema, Sort, User
from recordsadmin.contract import textquery
from recordsadmin.contract.datatypes import Value, rule
from recordsadmin.contract.limits import (
    CREATED_AT,
    MAX_PAGE_LIMIT,
    MAX_QUERY_LENGTH,
    MAX_SEARCH_PAGE,
    MAX_SORT_KEYS,
    OWNER,
    UPDATED_AT,
)
from recordsadmin.records import conditions as builder
from recordsadmin.records import fieldtypes, formatting
from recordsadmin.records.conditions import ANY, Conditions

PER_PAGE_CHOICES = (25, 50, 100)
DEFAULT_PER_PAGE = 25
# Sort names for the record's own times, as the table's columns call them.
TIME_SORTS = {"created": CREATED_AT, "updated": UPDATED_AT}
# How an order is said, by what the field holds: (ascending, descending).
WAYS = {Value.NUMBER: ("low to high", "high to low"), Value.DATE: ("oldest first", "newest first")}
# The filter panel's names in the address: an option chosen, or a range's ends.
_PANEL = re.compile(r"(f|min|max)\.(.+)", re.S)


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
    # The filter builder's conditions and groups.
    conditions: Conditions = field(default_factory=Conditions)
    # Why the request is one that no form of ours sends (the page answers 400), "" if it is not.
    refused: str = field(default="", compare=False)
    # The builder control that takes focus after one of its buttons ("Add condition") was used.
    focus: str = field(default="", compare=False)
    # The page sizes the table offers.
    per_page_choices = PER_PAGE_CHOICES

    @classmethod
    def from_params(cls, schema: Schema, params: QueryDict) -> "ListQuery":
        problems: list[str] = []
        q = formatting.one_line(params.get("q", ""))
        if len(q) > MAX_QUERY_LENGTH:
            problems.append(f"The search text was cut to {MAX_QUERY_LENGTH} characters.")
            q = q[:MAX_QUERY_LENGTH]
        chosen: dict[str, Any] = {}
        read = _Read(params)
        for kind in [*map(fieldtypes.of, schema.fields), fieldtypes.CREATED]:
            state, problem = kind.filter_state(read)
            if problem:
                problems.append(problem)
            if state is not None:
                chosen[kind.field.key] = state
        problems += _unread(schema, params, read.names)
        sort = _sorts(schema, params.get("sort", ""), problems)
        reading = builder.read(schema, params)
        return cls(
            schema=schema,
            q=q,
            sort=sort,
            # A page past the API's last is past the end of any search (the table says so).
            page=min(_positive(params.get("page"), 1), MAX_SEARCH_PAGE),
            per_page=_per_page(params.get("per_page")),
            owner=params.get("owner", "").strip()[:64],
            chosen=chosen,
            problems=tuple(problems + reading.problems),
            conditions=reading.conditions,
            refused=reading.refused,
            focus=reading.focus,
        )

    # -- the records API's search ------------------------------------------------------------

    def _types(self):
        for key, state in self.chosen.items():
            if key == CREATED_AT:
                yield fieldtypes.CREATED, state
            elif (f := self.schema.field(key)) is not None:
                yield fieldtypes.of(f), state

    def filters(self, *, without: str | None = None) -> list[Filter | FilterGroup]:
        """The panel's filters, the owner and the builder's conditions: all must hold.
        `without` leaves out the panel's filter on that field (or the owner filter), whose
        options are then counted one by one (services/counts.py); the builder's conditions on
        it stay: they are no choice of the panel, and its counts and links keep them."""
        found: list[Filter | FilterGroup]
        found = [c for kind, state in self._types() for c in kind.filter_conditions(state)]
        if self.owner:
            found.append(Filter(OWNER, "eq", self.owner))
        if without is not None:
            found = [c for c in found if c.field != without]
        return found + self.conditions.filters()

    def search(self) -> dict:
        """The question as services.record_search asks it: text, filters and sort."""
        return {"query": self.q, "filters": self.filters(), "sort": self.search_sorts()}

    @property
    def sort_keys(self) -> list[tuple[str, bool]]:
        """The sort's columns by the names the URL uses, each with whether it is descending."""
        return [(key.lstrip("-"), key.startswith("-")) for key in self.sort.split(",") if key]

    def search_sorts(self) -> list[Sort]:
        if not self.sort:
            # Newest first, said out loud: the real service documents no default order.
            return [Sort(CREATED_AT, "desc")]
        return [
            Sort(TIME_SORTS.get(name, name), "desc" if descending else "asc")
            for name, descending in self.sort_keys
        ]

    def search_sort(self) -> Sort:
        """The sort's first key (the one that decides first)."""
        return self.search_sorts()[0]

    def filter_controls(self) -> list[dict]:
        """The filter panel's controls with their current state, in schema order, then the
        record's creation day."""
        controls = [
            fieldtypes.of(f).filter_control(self.chosen.get(f.key)) for f in self.schema.fields
        ]
        controls.append(fieldtypes.CREATED.filter_control(self.chosen.get(CREATED_AT)))
        return [control for control in controls if control is not None]

    @property
    def active_filters(self) -> int:
        return len(self.chosen) + (1 if self.owner else 0) + self.conditions.count

    @property
    def is_filtered(self) -> bool:
        return bool(self.q or self.chosen or self.owner or self.conditions.count)

    @property
    def filters_open(self) -> bool:
        """Whether the filter panel starts open: something is chosen, or the builder has rows."""
        return bool(self.active_filters or self.conditions.rows)

    @property
    def builder(self) -> dict:
        """The filter builder's rows and groups as templates/records/_filter_builder.html
        draws them."""
        return builder.builder(self.schema, self.conditions, focus=self.focus)

    @property
    def builder_state(self) -> str:
        """What the filter builder is made of (conditions.state), to tell whether the page's
        builder must be drawn again."""
        return builder.state(self.schema, self.conditions)

    def conditions_in_words(self) -> str:
        """The builder's conditions as one phrase ("Price is at least $1.00 and (…)")."""
        return builder.in_words(self.schema, self.conditions)

    def chips(self, users: list[User] = ()) -> list[dict]:
        """The active search and filters, one chip each ({"text", "link", "id"}: the link asks
        the same question without it), and the builder's groups as {"label", "chips"}."""
        found = []
        if chip := self._text_chip():
            found.append({"text": chip, "link": self.params(q="", page=1)})
        for kind, state in self._types():
            for text, rest in kind.filter_chips(state):
                chosen = {k: v for k, v in self.chosen.items() if k != kind.field.key}
                if rest is not None:
                    chosen[kind.field.key] = rest
                found.append({"text": text, "link": self.params(chosen=chosen, page=1)})
        if self.owner:
            name = next((u.name for u in users if u.id == self.owner), self.owner)
            found.append({"text": f"Owner is {name}", "link": self.params(owner="", page=1)})
        found += self._condition_chips()
        for number, chip in enumerate(_flat(found), 1):
            chip["id"] = f"chip-{number}"
        return found

    @functools.cached_property
    def text_query(self) -> textquery.TextQuery:
        """The search text as the records API reads it: plain, or scoped to one searchable
        field when it starts with that field's key and a colon (`address:oak`)."""
        return textquery.read(self.q, search_keys(self.schema))

    def search_fields(self) -> list[dict]:
        """The fields the search box suggests for a scoped search (static/js/search_suggest.js):
        key and name, in schema order."""
        keys = search_keys(self.schema)
        return [{"key": f.key, "name": f.name} for f in self.schema.fields if f.key in keys]

    def _text_chip(self) -> str:
        """What the search text asks, in words; "" when it asks nothing (a key and no value)."""
        asked = self.text_query
        if not asked.key:
            return f"Text “{self.q}”" if self.q else ""
        if not asked.text:
            return ""
        f = self.schema.field(asked.key)
        return f"{f.name if f else asked.key} contains “{asked.text}”"

    def _condition_chips(self) -> list[dict]:
        conditions = self.conditions

        def chip(condition, without: Conditions) -> dict:
            text = builder.sentence(self.schema, condition)
            return {"text": text, "link": self.params(conditions=without, page=1)}

        items = [
            chip(c, conditions.without(None, i))
            for i, c in enumerate(conditions.conditions)
            if c.complete
        ]
        for g, group in enumerate(conditions.groups):
            members = [
                chip(c, conditions.without(g, i))
                for i, c in enumerate(group.conditions)
                if c.complete
            ]
            if len(members) > 1:
                label = "Any of" if group.match == ANY else "All of"
                items.append({"label": label, "chips": members})
            else:
                items += members
        if conditions.match == ANY and len(items) > 1:
            return [{"label": "Any of", "chips": items}]
        return items

    # -- links -----------------------------------------------------------------------------

    def params(self, **changes) -> str:
        """The query string for this view with `changes`, without defaults; `?` included."""
        # Sort headers and page links change only the order or the page: the question's part
        # is written once per view (a table has a few dozen such links).
        query = self if changes.keys() <= {"sort", "page", "per_page"} else replace(self, **changes)
        sort = changes.get("sort", query.sort)
        per_page = changes.get("per_page", query.per_page)
        page = changes.get("page", query.page)
        # What urlencode writes for these three, without its cost: only the sort's text needs
        # quoting; the page and its size are numbers.
        parts = [query._question] if query._question else []
        if sort:
            parts.append(f"sort={quote_plus(sort)}")
        if per_page != DEFAULT_PER_PAGE:
            parts.append(f"per_page={int(per_page)}")
        if page > 1:
            parts.append(f"page={int(page)}")
        return "?" + "&".join(parts)

    @functools.cached_property
    def _question(self) -> str:
        """The search text, the filters and the builder's conditions as a query string."""
        pairs: list[tuple[str, str]] = []
        if self.q:
            pairs.append(("q", self.q))
        for kind, state in self._types():
            pairs += kind.filter_pairs(state)
        if self.owner:
            pairs.append(("owner", self.owner))
        pairs += self.conditions.pairs()
        return urlencode(pairs)

    def sort_link(self, name: str) -> str:
        """Sort by `name` alone, or the other way when it is what the sort starts with; back
        to page 1."""
        keys = self.sort_keys
        new = f"-{name}" if keys and keys[0] == (name, False) else name
        return self.params(sort=new, page=1)

    def _sortables(self) -> list[tuple[str, str, str, str]]:
        """What the table sorts by: (name in the URL, label, the way up, the way down)."""
        named = [("created", "Created", Value.DATE), ("updated", "Updated", Value.DATE)]
        named += [
            (f.key, f.name, rule(f.data_type).value)
            for f in self.schema.fields
            if fieldtypes.of(f).sortable
        ]
        return [
            (name, label, *WAYS.get(value, ("A to Z", "Z to A"))) for name, label, value in named
        ]

    def sort_text(self) -> str:
        """The order in words, "" for the default (newest first): "Price, high to low", and
        for several columns each in turn."""
        if not self.sort or self.sort == "-created":
            return ""
        ways = {name: (label, up, down) for name, label, up, down in self._sortables()}
        said = []
        for name, descending in self.sort_keys:
            label, up, down = ways.get(name, (name, "ascending", "descending"))
            said.append(f"{label}, {down if descending else up}")
        return "sorted by " + ", then ".join(said)

    def sort_choices(self) -> list[dict]:
        """Every order the table offers, both ways, as links (the phone's sort menu: cards have
        no column headers to click): label, link, and whether it is the current one."""
        current = self.sort or "-created"
        choices = []
        for name, label, up, down in self._sortables():
            for sort, way in ((name, up), (f"-{name}", down)):
                link = self.params(sort="" if sort == "-created" else sort, page=1)
                choices.append(
                    {"label": f"{label}, {way}", "link": link, "current": sort == current}
                )
        return choices

    def sort_add_link(self, name: str) -> str:
        """Sort by `name` too, after the columns sorted by now (the last one gives way when
        there are MAX_SORT_KEYS), or the other way when it is one of them (shift-click on a
        header, static/js/table.js)."""
        keys = self.sort_keys
        if any(key == name for key, _ in keys):
            keys = [(key, not down if key == name else down) for key, down in keys]
        else:
            keys = [*keys[: MAX_SORT_KEYS - 1], (name, False)]
        return self.params(sort=",".join(f"-{k}" if down else k for k, down in keys), page=1)

    def page_link(self, page: int) -> str:
        return self.params(page=page)

    def cleared(self) -> str:
        """The same sort and page size with no search or filters."""
        return self.params(q="", chosen={}, owner="", conditions=Conditions(), page=1)


def search_keys(schema: Schema) -> tuple[str, ...]:
    """The keys a search text can be scoped to: the searchable fields, or the primary display
    field when none are (the records API searches that one then, docs/records-api.md)."""
    if schema.searchable:
        return schema.searchable
    return (schema.primary_display_key,) if schema.primary_display_key else ()


def _flat(chips: list[dict]):
    for chip in chips:
        yield chip
        yield from _flat(chip.get("chips", []))


def _sorts(schema: Schema, value: str, problems: list[str]) -> str:
    """The sort's keys as the URL may write them ("status,-price"): the sortable ones, each
    once, at most MAX_SORT_KEYS; the others are said in `problems`."""
    keys: list[str] = []
    for key in dict.fromkeys(k.strip() for k in value.split(",") if k.strip()):
        name = key.removeprefix("-")
        if any(k.removeprefix("-") == name for k in keys):
            continue
        f = schema.field(name)
        if name not in TIME_SORTS and (f is None or not fieldtypes.of(f).sortable):
            what = f"“{f.name}”" if f is not None else f"“{name[:40]}”, which is no column"
            problems.append(f"The table cannot be sorted by {what}: it was left out of the order.")
        elif len(keys) == MAX_SORT_KEYS:
            problems.append(
                f"The table sorts by at most {MAX_SORT_KEYS} columns: “{name[:40]}” was left out."
            )
        else:
            keys.append(key)
    return ",".join(keys)


class _Read:
    """The query string as the fields' filters read it, noting the names they read: those of
    the panel's kind that none reads are said (`_unread`)."""

    def __init__(self, params: QueryDict) -> None:
        self.params = params
        self.names: set[str] = set()

    def get(self, name: str, default: Any = None) -> Any:
        self.names.add(name)
        return self.params.get(name, default)

    def getlist(self, name: str) -> list[str]:
        self.names.add(name)
        return self.params.getlist(name)


def _unread(schema: Schema, params: QueryDict, read: set[str]) -> list[str]:
    """The panel's filters in the address (`f.<key>`, `min.<key>`, `max.<key>`) that no field
    reads, said rather than ignored: a field the schema does not have, or one not filtered that
    way (`f.price`: a number has a range, not options). Those left empty (a form drawn before
    the schema changed) lose nothing and are not said."""
    unread: dict[tuple[str, str], list[str]] = {}
    for name, values in params.lists():
        match = _PANEL.fullmatch(name)
        if not match or name in read or not any(value.strip() for value in values):
            continue
        prefix, key = match.groups()
        known = key == CREATED_AT or schema.field(key) is not None
        way = ("options" if prefix == "f" else "a range") if known else ""
        unread.setdefault((key, way), []).append(name)
    problems = []
    for (key, way), names in unread.items():
        if way:
            f = schema.field(key) or fieldtypes.CREATED.field
            why = f"“{f.name}” is not filtered by {way}"
        else:
            why = f"There is no field “{key[:40]}”"
        problems.append(f"{why}: {builder.named(names)} left out.")
    if len(problems) > builder.MAX_PROBLEMS:
        more = len(problems) - builder.MAX_PROBLEMS + 1
        problems[builder.MAX_PROBLEMS - 1 :] = [f"And {more} more filters were left out."]
    return problems


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
