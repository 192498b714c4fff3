"""Export: every record the table's search matches, as CSV, streamed.

It pages through the records API 100 records at a time and yields one CSV line at a time, so
memory stays flat whatever the number of records.
"""

import contextlib
import csv
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from recordsadmin.client import budget
from recordsadmin.client.domain import Field, Page, Record, Schema, User
from recordsadmin.client.errors import RecordsApiError
from recordsadmin.client.retry import deadline_in
from recordsadmin.contract.limits import MAX_PAGE_LIMIT
from recordsadmin.records import fieldtypes, services
from recordsadmin.records.fieldtypes.base import LIST_SEPARATOR
from recordsadmin.records.query import ListQuery

from .csvfiles import Line, neutralise

PAGE_SIZE = MAX_PAGE_LIMIT
# A streamed export reads its pages after its view returned: each call has this long.
PAGE_DEADLINE_SECONDS = 60.0


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    field: Field | None = None


def export_columns(schema: Schema, *, every: bool) -> list[Column]:
    """The table's columns (primary field, the other fields, owner, updated), or with `every`
    the id, every field, owner, followers and both times."""
    fields = [Column(f.key, f.name, f) for f in schema.fields]
    if every:
        return [
            Column("id", "id"),
            *fields,
            Column("owner", "Owner"),
            Column("followers", "Followers"),
            Column("createdAt", "Created"),
            Column("updatedAt", "Updated"),
        ]
    return [*fields, Column("owner", "Owner"), Column("updatedAt", "Updated")]


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
) -> Iterator[str]:
    """The CSV, one line at a time: the header, then every matching record, 100 per call.

    `first_page` is the first page when the caller already fetched it (so an API error shows
    as an error page, before the download starts). A failure later ends the file with a line
    saying so, never silently short.
    """
    writer = csv.writer(Line())
    yield writer.writerow([neutralise(c.label) for c in columns])
    number, written = 1, 0
    page = first_page
    while True:
        if page is None:
            try:
                page = export_page(schema=schema, query=query, number=number)
            except RecordsApiError as error:
                yield writer.writerow([f"# Export stopped after {written} records: {error}"])
                return
        for record in page.records:
            yield writer.writerow(
                [neutralise(cell_text(c, record, labels=labels, users=users)) for c in columns]
            )
        written += len(page.records)
        if not page.has_next or not page.records:
            return
        number, page = number + 1, None


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
