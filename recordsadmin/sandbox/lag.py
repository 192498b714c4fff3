"""Search that lags behind writes, as the real service's does (docs/records-api.md).

GoHighLevel's record search is eventually consistent: for a few seconds after a create, an
update or a delete, search still answers as before it (a new record is not found, a changed
one is found by its old values, a deleted one is still found), while a read by id is current
at once. The embedded API emulates this for SANDBOX_SEARCH_LAG seconds (0 turns it off).

Before each write by the API, the record's state is kept in a SearchSnapshot, unless one
taken less than the lag ago is still showing (then only its time moves on: search shows a
record as it was before the writes of its last lag seconds). Search leaves the records written
within the lag out of its queries and answers from their snapshots instead (search.py), so it
costs one indexed query for the recent writes, and a small one over their snapshots, whatever
the number of records. Snapshots older than the lag are deleted as writes come.
"""

import datetime as dt

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from .models import ObjectSchema, Record, SearchSnapshot


def seconds() -> float:
    return max(0.0, float(getattr(settings, "SANDBOX_SEARCH_LAG", 0) or 0))


def before_write(obj: ObjectSchema, record_id: str, current: Record | None) -> None:
    """Keep what search shows of the record until the lag has passed: call it before a write
    to the record, inside the write's transaction, with the record as it is (None: it does
    not exist yet)."""
    lag = seconds()
    if lag <= 0:
        return
    now = timezone.now()
    since = now - dt.timedelta(seconds=lag)
    showing = SearchSnapshot.objects.filter(pk=record_id, written_at__gt=since)
    if showing.update(written_at=now):
        return
    SearchSnapshot.objects.filter(object=obj, written_at__lte=since).delete()
    state = _state_of(current) if current is not None else {"existed": False}
    SearchSnapshot.objects.update_or_create(
        pk=record_id,
        defaults={"location_id": obj.location_id, "object": obj, "written_at": now, **state},
    )


def before_delete(obj: ObjectSchema, record_id: str) -> None:
    """before_write for a delete: the record is read only when the lag is on."""
    if seconds() > 0:
        before_write(obj, record_id, Record.objects.filter(object=obj, pk=record_id).first())


def held_back(obj: ObjectSchema) -> list[str]:
    """The ids of `obj`'s records written less than the lag ago: search shows their
    snapshots, not the records."""
    lag = seconds()
    if lag <= 0:
        return []
    since = timezone.now() - dt.timedelta(seconds=lag)
    recent = SearchSnapshot.objects.filter(object=obj, written_at__gt=since)
    return list(recent.values_list("pk", flat=True))


def snapshots(obj: ObjectSchema, ids: list[str]) -> QuerySet:
    """The snapshots of `ids` that search still finds (those of records that existed)."""
    return SearchSnapshot.objects.filter(object=obj, pk__in=ids, existed=True)


def as_record(snapshot: SearchSnapshot) -> Record:
    """The record as its snapshot shows it, to be answered like any found record."""
    return Record(
        id=snapshot.id,
        location_id=snapshot.location_id,
        object_id=snapshot.object_id,
        properties=snapshot.properties,
        search_text=snapshot.search_text,
        owner=snapshot.owner,
        followers=snapshot.followers,
        version=snapshot.version,
        created_at=snapshot.created_at,
        updated_at=snapshot.updated_at,
    )


def _state_of(record: Record) -> dict:
    return {
        "existed": True,
        "properties": record.properties,
        "search_text": record.search_text,
        "owner": record.owner,
        "followers": record.followers,
        "version": record.version,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }
