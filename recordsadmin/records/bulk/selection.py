"""The records a bulk job works on: checked rows, or every record the table's search matches."""

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from django.http import QueryDict

from recordsadmin.client.domain import Record, Schema, Sort
from recordsadmin.contract.limits import CREATED_AT, MAX_PAGE_LIMIT
from recordsadmin.records import services
from recordsadmin.records.query import ListQuery

PAGE_SIZE = MAX_PAGE_LIMIT  # the most records one search call returns
# Ticked rows come from any page of one search (static/js/app.js keeps them while the user
# pages and sorts); more than this is "select all matching". Well under Django's 1,000 fields
# a form may send (DATA_UPLOAD_MAX_NUMBER_FIELDS).
MAX_IDS = 500


@dataclass(frozen=True)
class Selection:
    """Checked rows (`ids`), or every record matching the table's search (`all_matching`)."""

    query: str = ""  # the table's query string, "?q=...&f.status=..."
    ids: tuple[str, ...] = ()
    all_matching: bool = False

    @classmethod
    def from_post(cls, data: QueryDict) -> "Selection":
        query = data.get("query", "")
        if not query.startswith("?"):
            query = "?" + query
        ids = tuple(dict.fromkeys(i for i in data.getlist("ids") if i))[:MAX_IDS]
        return cls(query=query, ids=ids, all_matching=data.get("all") == "1")

    def as_json(self) -> dict:
        return {"query": self.query, "ids": list(self.ids), "all": self.all_matching}

    @classmethod
    def from_json(cls, data: Mapping) -> "Selection":
        return cls(
            query=data.get("query", ""),
            ids=tuple(data.get("ids") or ()),
            all_matching=bool(data.get("all")),
        )

    @property
    def is_empty(self) -> bool:
        return not self.all_matching and not self.ids

    def list_query(self, schema: Schema) -> ListQuery:
        return ListQuery.from_params(schema, QueryDict(self.query.lstrip("?")))


def selection_count(*, schema: Schema, selection: Selection) -> int:
    """How many records the selection holds, as selection_pages gives them: for all of an
    unfiltered search, those the dashboard made within the search lag and search does not find
    yet are counted too (they are the newest: the search's first page says which it has)."""
    if not selection.all_matching:
        return len(selection.ids)
    question = selection.list_query(schema).search()
    made = set()
    if not question["query"] and not question["filters"]:
        made = services.recent_made(schema=schema)
    # Newest first whatever the table's order (the total is the same): the records made a
    # moment ago that search has already are on this page, a whole one (records made
    # elsewhere since come before them).
    newest = question | {"sort": [Sort(CREATED_AT, "desc")]}
    per_page = PAGE_SIZE if made else 1
    page = services.record_search(schema=schema, **newest, per_page=per_page)
    return page.total + len(made - {record.id for record in page.records})


def selection_pages(
    *, schema: Schema, selection: Selection, call: Callable | None = None
) -> Iterator[list[Record]]:
    """The selected records, a search page (100) at a time, in the table's order.

    For checked rows the table's search is paged until every checked id was met (they come
    from any of its pages); ids it no longer finds are not yielded. `call(function, **kwargs)`
    makes each search (a job's pacer), by default at once.

    Search lags behind writes (services/catching_up.py), so the records the dashboard wrote
    within the lag are taken as their last write left them, not as search still shows them
    (unless search's copy is newer: changed elsewhere since, services.as_latest): a job then
    decides by what a record holds now ("Already holds this value", the history's
    `before`). A checked one is not looked for in search at all (search may not find one made
    a moment ago). Selecting all of an unfiltered search adds those that search does not find
    yet (selection_count counts them); under a filter or a text search their place is not
    known, as in the table, so they wait for search. One deleted within the lag stays as
    search shows it, as counted: the job finds it gone and says so.
    """
    call = call or (lambda function, **kwargs: function(**kwargs))
    question = selection.list_query(schema).search()
    written = {
        record_id: record
        for record_id, record in services.recent_writes(schema=schema).items()
        if record is not None
    }
    wanted = set(selection.ids)
    # Checked ones written within the lag come with the first page (a preview reads that
    # page alone: bulk/preview.py).
    known = [written[i] for i in selection.ids if i in written] if wanted else []
    wanted -= set(written)
    if known and not wanted:
        yield known
        return
    seen: set[str] = set()
    page_number = 1
    while True:
        page = call(services.record_search, schema=schema, **question, page=page_number,
                    per_page=PAGE_SIZE)  # fmt: skip
        # The dashboard's copy where it wrote the record, unless search's is newer.
        records = [
            services.as_latest(r, written[r.id]) if r.id in written else r for r in page.records
        ]
        if not selection.all_matching:
            records = known + [r for r in records if r.id in wanted]
            wanted -= {r.id for r in records}
            known = []
        seen |= {r.id for r in records}
        if records:
            yield records
        if not page.has_next or not page.records or (not selection.all_matching and not wanted):
            break
        page_number += 1
    if selection.all_matching and not question["query"] and not question["filters"]:
        fresh = [record for record_id, record in written.items() if record_id not in seen]
        if fresh:
            yield fresh
