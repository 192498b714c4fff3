"""Reads of the dashboard's own tables: a record's history, its deletion and restore; the task
queue's state."""

import time
from collections.abc import Mapping
from typing import Any

from django.db.models import Min
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from recordsadmin.client import config
from recordsadmin.client.domain import Record, Schema
from recordsadmin.records.models import ImportUpload, RecordChange

Action = RecordChange.Action
Outcome = RecordChange.Outcome

# How long a second send of a create form waits for the first one to finish.
SUBMISSION_WAIT_SECONDS = 20.0
SUBMISSION_POLL_SECONDS = 0.1


def _changes():
    """The dashboard's changes in the location in use. A record's id names it in one location
    only: after the dashboard is pointed at another location (the demo's, then a real one, on
    the same database), the other's history, deletes and snapshots are not this one's."""
    return RecordChange.objects.filter(location_id=config.location_id())


def change_list(*, object_key: str, record_id: str, limit: int = 50) -> list[RecordChange]:
    """A record's history, newest first: every change made to it, and the create that made it."""
    return list(
        _changes()
        .filter(object_key=object_key, record_id=record_id)
        .select_related("user")
        .order_by("-at", "-id")[:limit]
    )


def change_get(*, object_key: str, record_id: str, change_id: int) -> RecordChange | None:
    """One change of this record, by its id."""
    return _changes().filter(object_key=object_key, record_id=record_id, pk=change_id).first()


def last_own_change_get(*, user, object_key: str, record_id: str) -> RecordChange | None:
    """The user's latest finished change of this record's values (what "Undo" after a save
    undoes)."""
    return (
        _changes()
        .filter(
            user=user,
            object_key=object_key,
            record_id=record_id,
            action=Action.UPDATE,
            outcome=Outcome.OK,
        )
        .order_by("-at", "-id")
        .first()
    )


def last_own_link_get(*, user, object_key: str, record_id: str, unlink: bool = False):
    """The user's latest finished link (or unlink) of this record: the one a page just made,
    whose Undo it offers."""
    return (
        _changes()
        .filter(
            user=user,
            object_key=object_key,
            record_id=record_id,
            action=Action.UNLINK if unlink else Action.LINK,
            outcome=Outcome.OK,
        )
        .order_by("-at", "-id")
        .first()
    )


def deleted_change_get(*, object_key: str, record_id: str) -> RecordChange | None:
    """The last successful delete of this record through the dashboard, with its snapshot."""
    return (
        _changes()
        .filter(
            object_key=object_key,
            record_id=record_id,
            action=Action.DELETE,
            outcome=Outcome.OK,
            before__isnull=False,
        )
        .order_by("-at", "-id")
        .first()
    )


def deleted_record(*, deleted: RecordChange) -> Record:
    """The record as it was when this delete removed it (from the delete's snapshot)."""
    snapshot = deleted.before or {}
    return Record(
        id=deleted.record_id,
        properties=dict(snapshot.get("properties") or {}),
        owner=snapshot.get("owner"),
    )


def restored_change_get(*, deleted: RecordChange) -> RecordChange | None:
    """The restore made from this delete, if one succeeded already.

    Asked by the delete's id alone (`restored_from`, indexed), and the few rows that name it
    sorted out here: with the object or an order in the query, a database may read the
    object's whole history by its index on (object_key, at) instead, and a revert of a bulk
    delete asks this for each of its records."""
    made = RecordChange.objects.filter(restored_from=deleted.pk).order_by()
    location = config.location_id()
    restores = [
        change
        for change in made
        if change.location_id == location
        and change.object_key == deleted.object_key
        and change.action == Action.RESTORE
        and change.outcome == Outcome.OK
    ]
    return max(restores, key=lambda change: (change.at, change.pk), default=None)


def submission_wait(*, change: RecordChange, seconds: float = SUBMISSION_WAIT_SECONDS):
    """The row of a first send, once it is no longer pending (or when `seconds` ran out)."""
    deadline = time.monotonic() + seconds
    while change.outcome == Outcome.PENDING and time.monotonic() < deadline:
        time.sleep(SUBMISSION_POLL_SECONDS)
        change.refresh_from_db()
    return change


def history_entries(
    *, schema: Schema, record_id: str, users: Mapping[str, Any] | None = None, limit: int = 50
) -> list[dict]:
    """A record's history for its page: each change with its field values before and after,
    and the owner before and after by name (the name kept with the change, else from `users`,
    else the id). An unlink that a later link of the same two records undid is `relinked`
    (its row offers no Link again)."""
    users = users or {}
    linked_since: set[tuple[str, str]] = set()  # the rows come newest first

    def owner_name(snapshot: Mapping[str, Any] | None) -> str:
        snapshot = snapshot or {}
        owner = snapshot.get("owner")
        user = users.get(owner) if owner else None
        return snapshot.get("owner_name") or (user.name if user else owner) or ""

    entries = []
    for change in change_list(object_key=schema.key, record_id=record_id, limit=limit):
        before = (change.before or {}).get("properties") or {}
        after = (change.after or {}).get("properties") or {}
        diffs = []
        for key in change.changed_fields or ():
            field = schema.field(key)
            if field is not None:
                diffs.append({"field": field, "before": before.get(key), "after": after.get(key)})
        entry = {"change": change, "diffs": diffs}
        if change.outcome == Outcome.OK and change.action in (Action.LINK, Action.UNLINK):
            ends = (change.after if change.action == Action.LINK else change.before) or {}
            pair = (ends.get("association_id"), ends.get("other_id"))
            if change.action == Action.LINK:
                linked_since.add(pair)
            else:
                entry["relinked"] = pair in linked_since
        if "owner" in (change.changed_fields or ()):
            entry["owner"] = {
                "before": owner_name(change.before),
                "after": owner_name(change.after),
            }
        entries.append(entry)
    return entries


def import_upload_get(*, upload_id: Any) -> ImportUpload | None:
    """The uploaded CSV file an import job was made from, while it is kept."""
    return ImportUpload.objects.filter(pk=upload_id).first()


def queue_health() -> dict:
    """The task queue, for /healthz: tasks waiting for a worker and running, and how long the
    oldest has waited (seconds; None when none waits). A wait that keeps growing means that
    no worker runs."""
    waiting = DBTaskResult.objects.ready()
    oldest = waiting.aggregate(oldest=Min("enqueued_at"))["oldest"]
    return {
        "queued": waiting.count(),
        "running": DBTaskResult.objects.filter(status="RUNNING").count(),
        "oldest_queued_seconds": (
            round((timezone.now() - oldest).total_seconds(), 1) if oldest else None
        ),
    }
