"""How many records a search matches: the counts beside the table's filter options (facets),
in its charts, and of any saved search.

The records API has no aggregation: a count is a search with pageLimit 1, read for its
`total`. Counts are extras beside the table, never what a person waits for, so

- they run at BACKGROUND priority (recordsadmin/client/budget.py), taking only what people
  leave of the location's rate limit, and wait at most RECORDS_COUNT_WAIT seconds for a place:
  when the budget is low the call is not sent (RateLimited, status None) and the counts are
  skipped, instead of waiting or causing a 429;
- each is cached per (location, object, search) for RECORDS_FACET_CACHE_SECONDS in Django's
  cache, shared by every user and process: the second view of a search costs no count call;
- one request makes at most RECORDS_FACET_MAX_CALLS of them (`Counter`); the rest are asked
  for on demand. It asks the first alone and the others RECORDS_COUNT_CONCURRENCY at a time.

A facet is the counts of one field's options (or of the owners): for each option, the records
the current search would match with that option chosen, the field's own filter left out and
every other condition kept. "The current search" is whatever ListQuery sends (its text and
`filters()`), so conditions ListQuery learns later are kept as well.
"""

import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import QueryDict

from recordsadmin.client import budget
from recordsadmin.client.domain import Filter, FilterGroup, Schema, User
from recordsadmin.client.errors import RateLimited, RecordsApiError
from recordsadmin.contract.limits import OWNER
from recordsadmin.records.query import ListQuery

from .parallel import in_threads
from .records import record_search
from .schemas import cache_key

SKIPPED_MESSAGE = "Counts skipped: the API's rate limit is nearly used; try again in a moment."


# -- one count -----------------------------------------------------------------------------


def search_id(schema: Schema, query: str, filters: Iterable[Filter]) -> str:
    """The search in one spelling: the same conditions in another order are the same search."""
    conditions = sorted(
        json.dumps([c.field, c.operator, c.value], default=str, sort_keys=True)
        if isinstance(c, Filter)
        else repr(c)
        for c in filters
    )
    text = json.dumps([schema.key, query.strip(), conditions])
    return hashlib.sha256(text.encode()).hexdigest()


def count_cache_key(*, schema: Schema, query: str = "", filters: Iterable[Filter] = ()) -> str:
    """Where the count of this search is cached: per location (and API), object and search."""
    return cache_key("count", search_id(schema, query, filters))


def search_count_cached(
    *, schema: Schema, query: str = "", filters: Iterable[Filter] = ()
) -> int | None:
    """The cached count of the search, or None: never a call."""
    return cache.get(count_cache_key(schema=schema, query=query, filters=filters))


def search_count(*, schema: Schema, query: str = "", filters: Iterable[Filter] = ()) -> int:
    """How many records of `schema` match `query` and all `filters`: from the cache, else one
    search of one record in the background. Raises RecordsApiError: RateLimited when the rate
    budget has no place for it within RECORDS_COUNT_WAIT seconds."""
    filters = list(filters)
    key = count_cache_key(schema=schema, query=query, filters=filters)
    return cached_call(key, partial(_total, schema, query, filters))


def _total(schema: Schema, query: str, filters: list[Filter]) -> int:
    return record_search(schema=schema, query=query, filters=filters, per_page=1).total


def cached_call(key: str, fetch: Callable[[], Any]) -> Any:
    """`fetch()`'s answer from the cache, else asked in the background (and kept for
    RECORDS_FACET_CACHE_SECONDS); it must not be None. Raises what `fetch` raises."""
    found = cache.get(key)
    if found is not None:
        return found
    with budget.background(wait=float(settings.RECORDS_COUNT_WAIT)):
        found = fetch()
    cache.set(key, found, int(settings.RECORDS_FACET_CACHE_SECONDS))
    return found


class Counter:
    """The counts of one request: cached ones cost nothing, at most `limit` count calls are
    made, and none after one failed (a full budget, the API down: the next would fail alike)."""

    def __init__(self, *, schema: Schema, limit: int | None = None) -> None:
        self.schema = schema
        self.limit = int(settings.RECORDS_FACET_MAX_CALLS) if limit is None else limit
        # Every call made to the API, and those of them that were counts (bounded by `limit`).
        self.calls = 0
        self.counts = 0
        self.error: RecordsApiError | None = None
        # What the cache held for the keys asked of it at once (`prefetch`), and answers since.
        self._known: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def left(self) -> int:
        """Count calls this request may still make."""
        return 0 if self.error is not None else max(0, self.limit - self.counts)

    @property
    def skipped(self) -> bool:
        """Counts were skipped because the rate budget was low."""
        return isinstance(self.error, RateLimited)

    @property
    def problem(self) -> str:
        """What to tell the user about counts that are missing for a failure ("" if none)."""
        if self.error is None:
            return ""
        if self.skipped:
            return SKIPPED_MESSAGE
        return f"Counts could not be loaded: {self.error.message}"

    def prefetch(self, searches: Iterable[tuple[str, Sequence[Filter]]]) -> None:
        """Read the cached counts of these searches in one go (one query to the cache, not
        one per option)."""
        keys = [count_cache_key(schema=self.schema, query=q, filters=f) for q, f in searches]
        found = cache.get_many(keys)
        self._known.update({key: found.get(key) for key in keys})

    def _cached(self, key: str) -> Any:
        return self._known[key] if key in self._known else cache.get(key)

    def cached(self, query: str, filters: Sequence[Filter]) -> int | None:
        """The count if it is cached: never a call."""
        return self._cached(count_cache_key(schema=self.schema, query=query, filters=filters))

    def cost(self, searches: Iterable[tuple[str, Sequence[Filter]]]) -> int:
        """The calls these searches would take now (the cached ones take none)."""
        return sum(1 for query, filters in searches if self.cached(query, filters) is None)

    def count(self, query: str, filters: Sequence[Filter]) -> int | None:
        """The count, or None when it is not cached and no call may be made for it."""
        (found,) = self.count_many([(query, filters)])
        return found

    def count_many(self, searches: Sequence[tuple[str, Sequence[Filter]]]) -> list[int | None]:
        """The counts of `searches`, in their order: the cached ones, then as many of the
        others as the calls left allow, RECORDS_COUNT_CONCURRENCY at a time; None for the
        rest (and for all that were not sent once one failed)."""
        keys = [count_cache_key(schema=self.schema, query=q, filters=f) for q, f in searches]
        self.prefetch(
            search for key, search in zip(keys, searches, strict=True) if key not in self._known
        )
        asked: dict[str, Callable[[], int]] = {}
        for key, (query, filters) in zip(keys, searches, strict=True):
            if self._known.get(key) is None and key not in asked and len(asked) < self.left:
                asked[key] = partial(_total, self.schema, query, list(filters))
        self.counts += len(asked)
        self._ask_all(asked)
        return [self._known.get(key) for key in keys]

    def call(self, key: str, fetch: Callable[[], Any], *, calls: int) -> Any:
        """What `fetch()` (which makes `calls` calls) answers, cached under `key`; None after
        a failure. Not bounded by `limit`: the extremes a chart's ranges are made from."""
        found = self._cached(key)
        if found is not None or self.error is not None:
            return found
        return self._ask(key, fetch, calls)

    def _ask(self, key: str, fetch: Callable[[], Any], calls: int) -> Any:
        with self._lock:
            if self.error is not None:
                return None
            self.calls += calls
        try:
            found = cached_call(key, fetch)
        except RecordsApiError as error:
            with self._lock:
                self.error = self.error or error
            return None
        with self._lock:
            self._known[key] = found
        return found

    def _ask_all(self, asked: dict[str, Callable[[], Any]]) -> None:
        """Ask for each: the first alone (refused, as when the budget is low, it stops the
        others before they go), the rest in a few threads at once, since each call mostly
        waits for the API's answer and the rate budget spreads them out anyway. Every thread
        runs in a copy of this one's context (the page's deadline), and closes the database
        connections it opened."""
        items = list(asked.items())
        if not items:
            return
        self._ask(*items[0], 1)
        asks = [partial(self._ask, key, fetch, 1) for key, fetch in items[1:]]
        in_threads(asks, workers=int(settings.RECORDS_COUNT_CONCURRENCY), name="counts")


# -- searches derived from the table's -------------------------------------------------------


def params_with(query: ListQuery, drop: Iterable[str], pairs: Iterable[tuple[str, str]]) -> str:
    """The table's address-bar query string with the parameters `drop` replaced by `pairs`,
    back on page 1: the link that sets one filter and keeps the rest."""
    current = QueryDict(query.params().removeprefix("?"), mutable=True)
    for name in (*drop, "page"):
        current.pop(name, None)
    for name, value in pairs:
        current.appendlist(name, value)
    return ListQuery.from_params(query.schema, current).params()


def conditions_of(schema: Schema, pairs: Iterable[tuple[str, str]]) -> list[Filter]:
    """The conditions ListQuery reads from these address-bar pairs alone."""
    params = QueryDict(mutable=True)
    for name, value in pairs:
        params.appendlist(name, value)
    return ListQuery.from_params(schema, params).filters()


def search_without(query: ListQuery, field: str) -> tuple[str, list[Filter | FilterGroup]]:
    """The table's search (text and conditions) without the filter panel's choice on `field`
    (the builder's conditions on it stay)."""
    return query.search()["query"], query.filters(without=field)


# -- facets --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FacetOption:
    key: str
    label: str
    # None: not counted (past the request's calls, or skipped).
    count: int | None
    # The table's query string with this option as the field's only choice.
    params: str


@dataclass(frozen=True)
class Facet:
    """The counts of one filter: a field's options, or the owners (key "owner")."""

    key: str
    name: str
    options: tuple[FacetOption, ...]

    @property
    def counted(self) -> bool:
        return all(option.count is not None for option in self.options)


@dataclass(frozen=True)
class Facets:
    facets: tuple[Facet, ...]
    # Count calls made for them (cached counts cost none).
    calls: int
    skipped: bool = False
    problem: str = ""


@dataclass(frozen=True)
class _Choice:
    key: str
    label: str
    query: str
    filters: list[Filter]
    params: str


def _choices(query: ListQuery, key: str, name: str, options) -> list[_Choice]:
    """Per option, the search of its count and the link that chooses it."""
    text, kept = search_without(query, key)
    found = []
    for option_key, label in options:
        pair = (name, option_key)
        extra = conditions_of(query.schema, [pair])
        link = params_with(query, [name], [pair])
        found.append(_Choice(option_key, label, text, kept + extra, link))
    return found


def facet_fields(query: ListQuery, users: Sequence[User]) -> list[tuple[str, str, list]]:
    """(key, name, [(option key, label)]) of each filter that gets counts, as the filter panel
    shows them: the option fields' controls in schema order, then the owners."""
    found = [
        (
            control["field"].key,
            control["field"].name,
            [(k, label) for k, label, _ in control["options"]],
        )
        for control in query.filter_controls()
        if control.get("kind") == "options"
    ]
    if users:
        found.append((OWNER, "Owner", [(user.id, user.name) for user in users]))
    return found


def _url_name(key: str) -> str:
    """The address-bar name of a filter's choices (recordsadmin/records/query.py)."""
    return OWNER if key == OWNER else f"f.{key}"


def facet_counts(
    *,
    query: ListQuery,
    users: Sequence[User] = (),
    only: str | None = None,
    counter: Counter | None = None,
) -> Facets:
    """The counts beside every option of the filter panel for the table's `query`, or of the
    filter `only`. Without `only` a field is counted whole or not at all: in panel order, each
    whose uncounted options fit in the calls left; the others keep count None (their counts are
    loaded on demand, with `only`). Counts found in the cache are given whatever the bound."""
    counter = counter or Counter(schema=query.schema)
    fields = [
        (key, name, _choices(query, key, _url_name(key), options))
        for key, name, options in facet_fields(query, users)
        if only is None or key == only
    ]
    counter.prefetch((c.query, c.filters) for _, _, choices in fields for c in choices)
    # Which fields are counted now, in panel order: asked for by name, a field with more
    # options than the bound gets as many as it allows (the next request for it goes on from
    # there); otherwise each whose uncounted options fit in the calls left.
    searches, left = [], counter.left
    for _, _, choices in fields:
        wanted = [(c.query, c.filters) for c in choices]
        cost = counter.cost(wanted)
        if only is not None or cost <= left:
            searches += wanted
            left -= cost
    counter.count_many(searches)
    facets = []
    for key, name, choices in fields:
        options = tuple(
            FacetOption(c.key, c.label, counter.cached(c.query, c.filters), c.params)
            for c in choices
        )
        facets.append(Facet(key, name, options))
    return Facets(tuple(facets), counter.calls, counter.skipped, counter.problem)
