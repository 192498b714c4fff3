"""Export: every record the table's search matches, as CSV, streamed.

It pages through the records API 100 records at a time and yields one CSV line at a time, so
memory stays flat whatever the number of records. How far it got is kept in the cache under the
download's id, so that the page that started the download can say when it finished, or that
it stopped short and why (the file itself ends with a line saying so).
"""

import contextlib
import csv
import datetime as dt
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from django.core.cache import cache

from recordsadmin.client import budget
from recordsadmin.client.domain import Field, Page, Record, Schema, Sort, User
from recordsadmin.client.errors import RecordsApiError
from recordsadmin.client.retry import deadline_in
from recordsadmin.contract.limits import CREATED_AT, MAX_PAGE_LIMIT, OWNER, UPDATED_AT
from recordsadmin.records import fieldtypes, services
from recordsadmin.records.fieldtypes.base import LIST_SEPARATOR
from recordsadmin.records.query import ListQuery

from .csvfiles import Line, neutralise

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

PAGE_SIZE = MAX_PAGE_LIMIT
# A streamed export reads its pages after its view returned: each call has this long.
PAGE_DEADLINE_SECONDS = 60.0
# How long the page that started a download can still ask how it went.
PROGRESS_SECONDS = 3600

RUNNING, DONE, INCOMPLETE, STOPPED = "running", "done", "incomplete", "stopped"


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    field: Field | None = None


OWNER_COLUMN = Column(OWNER, "Owner")
UPDATED = Column(UPDATED_AT, "Updated")


def every_column(schema: Schema) -> list[Column]:
    """The id, every field, owner, followers and both times."""
    fields = [Column(f.key, f.name, f) for f in schema.fields]
    return [
        Column("id", "id"),
        *fields,
        OWNER_COLUMN,
        Column("followers", "Followers"),
        Column("createdAt", "Created"),
        UPDATED,
    ]


def table_columns(shown: Sequence[Field | str]) -> list[Column]:
    """The columns of what the person's table shows (recordsadmin/records/tables.py
    shown_fields: fields, OWNER and UPDATED_AT), in its order."""
    others = {c.name: c for c in (OWNER_COLUMN, UPDATED)}
    return [Column(c.key, c.name, c) if isinstance(c, Field) else others[c] for c in shown]


def cell_text(column: Column, record: Record, *, labels: bool, users: Mapping[str, User]) -> str:
    if column.field is not None:
        value = record.properties.get(column.field.key)
        return fieldtypes.of(column.field).csv_out(value, labels=labels)
    if column.name == "id":
        return record.id
    if column.name == "owner":
        user = users.get(record.owner or "")
        return (user.name if labels and user else record.owner) or ""
    if column.name == "followers":
        return f"{LIST_SEPARATOR} ".join(record.followers)
    moment = record.created_at if column.name == "createdAt" else record.updated_at
    return moment.isoformat().replace("+00:00", "Z") if moment else ""


def export_lines(
    *,
    schema: Schema,
    query: ListQuery,
    columns: list[Column],
    labels: bool,
    users: Mapping[str, User],
    first_page=None,
    progress: Callable[[dict], None] = lambda state: None,
) -> Iterator[str]:
    """The CSV, one line at a time: the header, then every matching record, 100 per call.

    `first_page` is the first page when the caller already fetched it (so an API error shows
    as an error page, before the download starts). A failure later ends the file with a line
    saying it is incomplete and why, never silently short. `progress` is told how far it got
    after each page, and how it ended.
    """
    writer = csv.writer(Line())
    yield writer.writerow([neutralise(c.label) for c in columns])
    number, written, total = 1, 0, None
    page = first_page
    ended = False
    overlay = _Overlay(schema, query)
    try:
        while True:
            if page is None:
                try:
                    page = export_page(schema=schema, query=query, number=number)
                except RecordsApiError as error:
                    of = f" of {total:,}" if total is not None else ""
                    why = f"stopped after {written:,}{of} records: {error}"
                    ended = True
                    progress({"state": INCOMPLETE, "written": written, "total": total, "why": why})
                    yield writer.writerow([f"# Incomplete export: {why}"])
                    return
            total = page.total
            last = not page.has_next or not page.records
            records = overlay.laid_over(page.records, first=number == 1, last=last)
            for record in records:
                cells = [cell_text(c, record, labels=labels, users=users) for c in columns]
                yield writer.writerow([neutralise(cell) for cell in cells])
            written += len(records)
            if last:
                ended = True
                progress({"state": DONE, "written": written, "total": written})
                return
            progress({"state": RUNNING, "written": written, "total": total})
            number, page = number + 1, None
    finally:
        if not ended:  # the download was cancelled, or the connection dropped
            progress({"state": STOPPED, "written": written, "total": total})


class _Overlay:
    """Search lags behind writes (services/catching_up.py): the records the dashboard wrote
    within the lag are exported as written, not as search still shows them (unless search's
    copy is newer: changed elsewhere since, services.as_latest); one deleted since
    is left out; for every record of an unfiltered search, those made since that search does
    not find yet are added (first when newest first, as the table shows them, else last)."""

    def __init__(self, schema: Schema, query: ListQuery) -> None:
        self.written, made = services.recent_writes_and_made(schema=schema)
        question = query.search()
        everything = not question["query"] and not question["filters"]
        self.newest_first = question["sort"] == [Sort(CREATED_AT, "desc")]
        self.made = made if everything else set()
        self.seen: set[str] = set()

    def laid_over(self, found: Sequence[Record], *, first: bool, last: bool) -> list[Record]:
        records = []
        for record in found:
            if record.id in self.written:
                record = services.as_latest(record, self.written[record.id])
            if record is not None:
                records.append(record)
        self.seen |= {record.id for record in found}
        fresh = [self.written[i] for i in self.made if i not in self.seen and self.written.get(i)]
        # In the order they were made: newest first at the start, oldest first at the end.
        fresh.sort(key=lambda record: record.created_at or EPOCH, reverse=self.newest_first)
        if fresh and first and self.newest_first:
            self.seen |= {record.id for record in fresh}
            return fresh + records
        if fresh and last:
            return records + fresh
        return records


def progress_key(user_id: int, download: uuid.UUID) -> str:
    return f"records:export:{user_id}:{download}"


def progress_to_cache(user_id: int, download: uuid.UUID) -> Callable[[dict], None]:
    """Where a download tells how far it got: the cache, for its user only."""
    key = progress_key(user_id, download)
    cache.set(key, {"state": RUNNING, "written": 0, "total": None}, PROGRESS_SECONDS)
    return lambda state: cache.set(key, state, PROGRESS_SECONDS)


def progress_get(user_id: int, download: uuid.UUID) -> dict | None:
    return cache.get(progress_key(user_id, download))


def export_page(*, schema: Schema, query: ListQuery, number: int) -> Page:
    """One page of the export. The first is the person's (they wait for the download to
    start); the rest stream in the background and yield to people browsing."""
    with contextlib.ExitStack() as stack:
        if number > 1:
            stack.enter_context(budget.background())
        return services.record_search(
            schema=schema,
            **query.search(),
            page=number,
            per_page=PAGE_SIZE,
            deadline=deadline_in(PAGE_DEADLINE_SECONDS),
        )
