"""The table's association columns: for each row of one page, how many records (or contacts)
it is linked to by an association, and the first LINKED_NAMES of them by name.

The records API has no call that counts a record's relations, filters records by them or reads
several records by id: a row's cell costs one call (its relations of that association, the
first few and the total) and one more per linked record whose name is not known. So, like the
facet counts (counts.py), the cells are extras loaded after the table, never what it waits for:

- each call runs at BACKGROUND priority (recordsadmin/client/budget.py) and waits at most
  RECORDS_COUNT_WAIT seconds for a place, else the rest are skipped (the page says so);
- each row's relations and each linked record's name are cached for everyone for
  RECORDS_FACET_CACHE_SECONDS: the same page seen again costs no call (our own links and
  unlinks drop the rows' cells: relations.links_forget);
- one request makes at most RECORDS_LINKS_MAX_CALLS calls, RECORDS_COUNT_CONCURRENCY at a time
  (the first alone: refused, it stops the others); the cells past that bound are left for the
  next request, which the page makes itself (records/_links.html).
"""

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.core.cache import cache

from recordsadmin import cacheahead
from recordsadmin.client.domain import Association, Schema
from recordsadmin.client.errors import NotFound, RateLimited, RecordsApiError
from recordsadmin.contract.limits import CONTACT

from . import contacts, records
from .counts import SKIPPED_MESSAGE, cached_call
from .parallel import in_threads
from .relations import association_list, associations_cache_key, links_cache_key, relation_page
from .schemas import cache_key, schema_cache_key, schema_get, users_cache_key

# How many linked records a cell names; the others are counted.
LINKED_NAMES = 2


@dataclass(frozen=True)
class LinkCell:
    """One row's links by one association: how many, and the first ones' names."""

    total: int
    names: tuple[str, ...] = ()

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.names))


@dataclass
class LinkCells:
    """The cells of one request, by (association id, record id); those left out were not
    loaded (past the request's calls, or after a failure)."""

    cells: dict[tuple[str, str], LinkCell] = field(default_factory=dict)
    calls: int = 0
    left: int = 0  # cells asked for and not loaded
    error: RecordsApiError | None = None

    @property
    def skipped(self) -> bool:
        return isinstance(self.error, RateLimited)

    @property
    def problem(self) -> str:
        if self.error is None:
            return ""
        if self.skipped:
            return SKIPPED_MESSAGE.replace("Counts", "Links")
        return f"Links could not be loaded: {self.error.message}"


def table_cache_keys(*, key: str) -> list[str]:
    """The shared cache's entries a table view of the object `key` reads: its schema, the
    users and the associations (views/browse.py reads them in one round trip,
    recordsadmin/cacheahead.py)."""
    return [schema_cache_key(key), users_cache_key(), _failed_key(), associations_cache_key()]


def table_associations(*, schema: Schema) -> list[Association]:
    """The associations of the object, for the table's optional columns and its filter
    panel: cached like the schema. When the API cannot say, none, and it is not asked again
    for RECORDS_FACET_CACHE_SECONDS: a table view must stay one call."""
    failed = _failed_key()
    if cacheahead.get(failed):
        return []
    try:
        return association_list(object_key=schema.key)
    except RecordsApiError:
        cache.set(failed, True, int(settings.RECORDS_FACET_CACHE_SECONDS))
        return []


def _failed_key() -> str:
    """Where table_associations remembers that the API could not list the associations."""
    return cache_key("associations-failed")


def relations_key(association: Association, record_id: str) -> str:
    return links_cache_key(association.id, record_id)


def name_key(object_key: str, record_id: str) -> str:
    return cache_key("linked-name", f"{object_key}|{record_id}")


def _relations(schema: Schema, association: Association, record_id: str) -> dict:
    """A row's relations by `association` (one call): the total and the first others."""
    found = relation_page(
        record_id=record_id, association_ids=[association.id], per_page=LINKED_NAMES
    )
    other = association.other_key(schema.key)
    return {
        "total": found.total,
        "others": [[other, r.other_id(record_id)] for r in found.relations[:LINKED_NAMES]],
    }


def _name(object_key: str, record_id: str) -> str:
    """What a person reads for a linked record or contact (one call; a schema is cached);
    its id when it cannot be read any more."""
    try:
        if object_key == CONTACT:
            return contacts.contact_get(contact_id=record_id).display
        schema = schema_get(key=object_key)
        return records.record_get(schema=schema, record_id=record_id).display(schema)
    except NotFound:
        return record_id


class _Asker:
    """One request's calls: at most `limit`, none after one failed."""

    def __init__(self, result: LinkCells, limit: int) -> None:
        self.result = result
        self.limit = limit
        self.known: dict[str, Any] = {}
        self._lock = threading.Lock()

    def prefetch(self, keys: Iterable[str]) -> None:
        keys = [k for k in keys if k not in self.known]
        self.known.update(cache.get_many(keys))

    def ask_all(self, asked: dict[str, Callable[[], Any]]) -> None:
        """Each fetch not known yet, within the calls left: the first alone, the others
        RECORDS_COUNT_CONCURRENCY at a time."""
        todo = [(k, f) for k, f in asked.items() if self.known.get(k) is None]
        todo = todo[: max(0, self.limit - self.result.calls)]
        if not todo or self.result.error is not None:
            return
        self._ask(*todo[0])
        asks = [partial(self._ask, key, fetch) for key, fetch in todo[1:]]
        in_threads(asks, workers=int(settings.RECORDS_COUNT_CONCURRENCY), name="links")

    def _ask(self, key: str, fetch: Callable[[], Any]) -> None:
        with self._lock:
            if self.result.error is not None:
                return
            self.result.calls += 1
        try:
            found = cached_call(key, fetch)
        except RecordsApiError as error:
            with self._lock:
                self.result.error = self.result.error or error
            return
        with self._lock:
            self.known[key] = found


def link_cells(
    *,
    schema: Schema,
    associations: Sequence[Association],
    record_ids: Sequence[str],
    limit: int | None = None,
) -> LinkCells:
    """The cells of `record_ids` (a page of the table) for each of `associations`: the cached
    ones, then as many more as `limit` calls allow (RECORDS_LINKS_MAX_CALLS by default), the
    rows' relations first and then the names of the records they link to."""
    limit = int(settings.RECORDS_LINKS_MAX_CALLS) if limit is None else limit
    result = LinkCells()
    asker = _Asker(result, limit)
    wanted = [(a, rid) for a in associations for rid in dict.fromkeys(record_ids)]
    keys = {(a.id, rid): relations_key(a, rid) for a, rid in wanted}
    asker.prefetch(keys.values())
    asker.ask_all({keys[a.id, rid]: _fetcher(_relations, schema, a, rid) for a, rid in wanted})
    found = {pair: asker.known.get(key) for pair, key in keys.items()}
    names = {
        name_key(kind, other): (kind, other)
        for data in found.values()
        if isinstance(data, dict)
        for kind, other in data.get("others") or ()
    }
    asker.prefetch(names)
    asker.ask_all({key: _fetcher(_name, *pair) for key, pair in names.items()})
    for pair, data in found.items():
        cell = _cell(data, asker.known)
        if cell is None:
            result.left += 1
        else:
            result.cells[pair] = cell
    return result


def _fetcher(function: Callable, *args) -> Callable[[], Any]:
    return lambda: function(*args)


def _cell(data: Any, known: dict[str, Any]) -> LinkCell | None:
    """A row's cell once its relations and the names they need are known."""
    if not isinstance(data, dict):
        return None
    names = [known.get(name_key(kind, other)) for kind, other in data.get("others") or ()]
    if any(name is None for name in names):
        return None
    return LinkCell(total=int(data.get("total") or 0), names=tuple(names))
