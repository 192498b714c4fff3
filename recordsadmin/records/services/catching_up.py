"""The table honest about search that lags behind writes.

The records API's search is eventually consistent: for a few seconds after a write, search
still shows the record as it was (a new one not at all, a deleted one still there), while a
read by id is current (docs/records-api.md). So that a person does not take their own change
for lost, the table shows the records they changed in the last RECORDS_SEARCH_LAG_SECONDS
as they wrote them, marked, until search shows the change too. It reads only what the
dashboard already keeps: the history of its own writes (RecordChange), whose rows hold the
record as each write's answer returned it; no call to the API is added. Other people's
changes appear when search shows them.

- A record the person changed (a form, an inline cell, a bulk job, an import) that search
  shows with an older updatedAt is shown with the written values, marked "just saved".
- A record they deleted that search still finds is shown struck through, "just deleted".
- A record they made that search does not find yet goes at the top of page 1 of the table
  when it is unfiltered and newest first (where it belongs), marked "new", and is counted.
  In another order or under a filter its place is not known, so it waits for search.
"""

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from recordsadmin.client import config
from recordsadmin.client.domain import Page, Record, Schema
from recordsadmin.records.models import RecordChange

from .history import record_from_snapshot

Action = RecordChange.Action
MAKES = (Action.CREATE, Action.RESTORE)
WRITES = (*MAKES, Action.UPDATE, Action.DELETE)


class Mark(enum.StrEnum):
    """What a row shows the person of their own recent write to it."""

    NEW = "new"
    SAVED = "saved"
    DELETED = "deleted"

    @property
    def label(self) -> str:
        return {"new": "New", "saved": "Just saved", "deleted": "Just deleted"}[self.value]


@dataclass(frozen=True)
class CaughtUp:
    """A search page with the person's recent writes laid over it."""

    page: Page
    marks: dict[str, Mark] = field(default_factory=dict)
    # The person wrote to this object within the lag: the total may not count it yet.
    catching_up: bool = False


@dataclass
class _Written:
    """What one record's recent writes add up to."""

    made: bool = False
    deleted: bool = False
    record: Record | None = None  # the record as the last write's answer returned it
    properties: dict = field(default_factory=dict)  # values written, when no answer holds all


def search_lag() -> dt.timedelta:
    return dt.timedelta(seconds=max(0.0, float(settings.RECORDS_SEARCH_LAG_SECONDS)))


def search_page_catch_up(*, schema: Schema, page: Page, user, newest_first: bool) -> CaughtUp:
    """`page` (a search's answer) as the person's own writes of the last lag left it.
    `newest_first`: the page is of an unfiltered search in its default order (newest first),
    where a record search does not find yet goes at the top of page 1."""
    lag = search_lag()
    if not lag or not getattr(user, "pk", None):
        return CaughtUp(page)
    since = timezone.now() - lag
    location = config.location_id()
    if not _written_by_since(user, location, schema.key, since):
        return CaughtUp(page)
    mine = RecordChange.objects.filter(
        user=user,
        location_id=location,
        object_key=schema.key,
        action__in=WRITES,
        outcome=RecordChange.Outcome.OK,
        at__gte=since,
    ).exclude(record_id="")
    # Only the writes that can change what this page shows are read and added up: those to
    # its rows, and on the first page of the newest, those to records made within the lag.
    # A bulk job of the person's writes many records a second; reading them all made every
    # table view they opened meanwhile read and parse each one's snapshot.
    relevant = Q(record_id__in=[record.id for record in page.records])
    put_first = newest_first and page.page == 1
    if put_first:
        relevant |= Q(record_id__in=mine.filter(action__in=MAKES).values("record_id"))
    written = _written(schema, mine.filter(relevant).order_by("at", "id"))
    if not written:
        # Writes elsewhere (_written_by_since found some) still mean the total may not
        # count them yet.
        return CaughtUp(page, catching_up=True)
    records, marks = _laid_over(page.records, written)
    if put_first:
        shown = {record.id for record in page.records}
        fresh = [
            (record_id, w.record)
            for record_id, w in reversed(written.items())
            if w.made and not w.deleted and w.record is not None and record_id not in shown
        ]
        records = [record for _, record in fresh] + records
        marks |= {record_id: Mark.NEW for record_id, _ in fresh}
        page = replace(page, total=page.total + len(fresh))
    return CaughtUp(replace(page, records=tuple(records)), marks, catching_up=True)


def recent_writes(*, schema: Schema) -> dict[str, Record | None]:
    """The records of `schema` that the dashboard (anyone, a job or an import) wrote within
    the lag, by id, as the last write's answer left them; None for one deleted since. Search
    may not show these as they are yet: a job that finds records by search corrects it with
    them (bulk/workers.py, bulk/selection.py)."""
    return recent_writes_and_made(schema=schema)[0]


def as_latest(found: Record, written: Record | None) -> Record | None:
    """A record as search found it, or as the dashboard wrote it within the lag (None:
    deleted since), whichever is newer: search lags behind the dashboard's writes, but a
    change made elsewhere after them (a workflow, another app) is newer than both."""
    if written is None or found.updated_at is None or written.updated_at is None:
        return written
    return found if found.updated_at > written.updated_at else written


def recent_made(*, schema: Schema) -> set[str]:
    """The ids of the records of `schema` the dashboard made within the lag and did not
    delete since: search may not find them yet (bulk/selection.py counts them)."""
    return recent_writes_and_made(schema=schema)[1]


def recent_writes_and_made(*, schema: Schema) -> tuple[dict[str, Record | None], set[str]]:
    """recent_writes and recent_made, from one read of the history."""
    recent = _recent(schema)
    written = {
        record_id: None if w.deleted else w.record
        for record_id, w in recent.items()
        if w.deleted or w.record is not None
    }
    made = {i for i, w in recent.items() if w.made and not w.deleted and w.record is not None}
    return written, made


def _recent(schema: Schema) -> dict[str, _Written]:
    lag = search_lag()
    if not lag:
        return {}
    changes = RecordChange.objects.filter(
        location_id=config.location_id(),
        object_key=schema.key,
        action__in=WRITES,
        outcome=RecordChange.Outcome.OK,
        at__gte=timezone.now() - lag,
    ).exclude(record_id="")
    return _written(schema, changes.order_by("at", "id"))


def _written_by_since(user, location: str, object_key: str, since: dt.datetime) -> bool:
    """Whether the person wrote a record of `object_key` that search may not show yet: one
    read of the index of their history by time (RecordChange's "records_change_mine").

    Most table views come when the person wrote nothing within the lag, and then this is
    the only query; the ORM's query of the same rows took about 1.7 ms to build, forty
    times this read. It is the person's own writes, not anyone's: while one person's bulk job
    writes many records a second, everybody else's table views stop here too, and the job's
    owner's make one query fewer (under such load each read of SQLite waits its turn,
    bench/people_during_job.py)."""
    meta = RecordChange._meta
    table = connection.ops.quote_name(meta.db_table)
    column = {
        name: connection.ops.quote_name(meta.get_field(name).column)
        for name in ("user", "location_id", "object_key", "at", "action", "outcome", "record_id")
    }
    actions = ", ".join(["%s"] * len(WRITES))
    with connection.cursor() as cursor:
        cursor.execute(
            # Names from the model, quoted; every value is a parameter.
            f"SELECT 1 FROM {table} WHERE {column['user']} = %s"  # noqa: S608
            f" AND {column['object_key']} = %s AND {column['at']} >= %s"
            f" AND {column['location_id']} = %s AND {column['outcome']} = %s"
            f" AND {column['action']} IN ({actions}) AND {column['record_id']} <> ''"
            " LIMIT 1",
            [
                user.pk,
                object_key,
                connection.ops.adapt_datetimefield_value(since),
                location,
                RecordChange.Outcome.OK.value,
                *(action.value for action in WRITES),
            ],
        )
        return cursor.fetchone() is not None


def _written(schema: Schema, changes: QuerySet[RecordChange]) -> dict[str, _Written]:
    """Each record's recent writes, oldest first, added up. Only the three columns this
    needs are read: no model is built and the `before` snapshots are not parsed (a table
    view during a bulk job of the person's reads one row for each of its rows)."""
    written: dict[str, _Written] = {}
    for record_id, action, after in changes.values_list("record_id", "action", "after"):
        w = written.setdefault(record_id, _Written())
        if action == Action.DELETE:
            w.deleted = True
            continue
        w.made = w.made or action in MAKES
        w.deleted = False
        after = after or {}
        if after.get("id"):
            w.record = record_from_snapshot(schema=schema, snapshot=after)
            w.properties = {}
        else:
            w.properties |= after.get("properties") or {}
    return written


def _laid_over(
    found: Iterable[Record], written: dict[str, _Written]
) -> tuple[list[Record], dict[str, Mark]]:
    records, marks = [], {}
    for record in found:
        w = written.get(record.id)
        if w is None:
            records.append(record)
            continue
        if w.deleted:
            records.append(record)
            marks[record.id] = Mark.DELETED
            continue
        shown = w.record or record
        if w.properties:
            shown = replace(shown, properties={**shown.properties, **w.properties})
        if _behind(record, w):
            records.append(shown)
            marks[record.id] = Mark.SAVED
        else:
            records.append(record)
    return records, marks


def _behind(found: Record, w: _Written) -> bool:
    """Whether search's copy of the record is older than what the person wrote to it."""
    if w.record is None:
        return any(found.properties.get(k) != v for k, v in w.properties.items())
    if found.updated_at is None or w.record.updated_at is None:
        return found.properties != w.record.properties or found.owner != w.record.owner
    return found.updated_at < w.record.updated_at
