"""Writes to the records API made through the dashboard, each kept in the history.

Keyword-only functions. Every write first stores a `RecordChange` row with outcome "pending"
and what it is about to do, then calls the API, then completes the row with the outcome: so a
crash in between still leaves a trace, a failure is recorded with its error, and a delete keeps
the whole record to restore it from.

A create form carries a one-time submission id. Claiming it is inserting the create's row (the
id is unique), so a form sent twice, one after the other or at once, calls the API once; the
second send gets the first's row and points at its record. A restore claims an id derived from
the delete it undoes, so two restores of one delete make one record.
"""

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction

from recordsadmin.client import config, wire
from recordsadmin.client.domain import UNSET, Record, Schema
from recordsadmin.client.errors import OutcomeUnknown, RecordsApiError
from recordsadmin.records.formatting import moment_text
from recordsadmin.records.models import RecordChange

from . import records

Action = RecordChange.Action
Outcome = RecordChange.Outcome


class AlreadySubmitted(Exception):
    """This create form was sent before; `change` is the history row of that first send."""

    def __init__(self, change: RecordChange):
        super().__init__(f"Form already submitted (change {change.pk}, {change.outcome}).")
        self.change = change


def record_snapshot(record: Record) -> dict[str, Any]:
    """A record as JSON, complete enough to show it and to make it again."""
    return {
        "id": record.id,
        "properties": dict(record.properties),
        "owner": record.owner,
        "followers": list(record.followers),
        "createdAt": record.created_at.isoformat() if record.created_at else None,
        "updatedAt": record.updated_at.isoformat() if record.updated_at else None,
    }


def record_from_snapshot(*, schema: Schema, snapshot: Mapping[str, Any]) -> Record:
    """A record kept by `record_snapshot`, read back as the records API's answer would be."""
    return wire.parse_record({"record": dict(snapshot)}, schema)


def _location_id() -> str:
    return config.location_id()


def _error_text(error: BaseException) -> str:
    return str(error)[:1000]


def change_start(
    *,
    user,
    schema: Schema,
    action: str,
    record_id: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    changed_fields: Iterable[str] = (),
    submission: uuid.UUID | None = None,
    note: str = "",
    restored_from: int | None = None,
) -> RecordChange:
    """The pending row, stored before the call. AlreadySubmitted when `submission` is taken.
    `restored_from`: the delete a restore makes again."""
    change = RecordChange(
        user=user if getattr(user, "pk", None) else None,
        username=getattr(user, "get_username", lambda: "")(),
        location_id=_location_id(),
        object_key=schema.key,
        record_id=record_id,
        action=action,
        before=dict(before) if before is not None else None,
        after=dict(after) if after is not None else None,
        changed_fields=list(changed_fields),
        submission=submission,
        note=note,
        restored_from=restored_from,
    )
    try:
        with transaction.atomic():
            change.save()
    except IntegrityError:
        if submission is None:
            raise
        raise AlreadySubmitted(RecordChange.objects.get(submission=submission)) from None
    return change


def change_finish(
    *,
    change: RecordChange,
    record: Record | None = None,
    error: BaseException | None = None,
) -> RecordChange:
    """Complete the row: done (with the record as the API returned it), failed or unknown.

    A create that surely failed frees its submission id, so the same form can be corrected and
    sent again; one whose outcome is unknown keeps it, so a resend is never blind.
    """
    fields = ["outcome", "error"]
    if error is None:
        change.outcome = Outcome.OK
        if record is not None:
            change.record_id = change.record_id or record.id
            change.after = record_snapshot(record)
            fields += ["record_id", "after"]
    else:
        # Only an error the API answered with, or a call that never left, surely changed nothing.
        surely_failed = isinstance(error, RecordsApiError) and not isinstance(error, OutcomeUnknown)
        if change.action in (Action.UPDATE, Action.DELETE, Action.UNLINK):
            surely_failed = not update_may_have_applied(error)
        change.outcome = Outcome.FAILED if surely_failed else Outcome.UNKNOWN
        change.error = _error_text(error)
        if change.outcome == Outcome.FAILED and change.submission is not None:
            change.submission = None
            fields.append("submission")
    change.save(update_fields=fields)
    return change


def update_may_have_applied(error: BaseException) -> bool:
    """Whether a failed PUT or DELETE may still have changed the record.

    The client knows (error.maybe_applied): a timeout, a dropped connection, a 500 or a 504, or
    a garbled 2xx on any attempt came after the service had the request. A refusal (4xx), a
    gateway's 502/503, a redirect and a connection that could not be made changed nothing.
    """
    if isinstance(error, OutcomeUnknown) or not isinstance(error, RecordsApiError):
        return True
    return bool(error.maybe_applied)


def submission_release(*, submission: uuid.UUID) -> None:
    """Free a submission id whose create had an unknown outcome: the user has checked the table
    and wants to send the form again."""
    RecordChange.objects.filter(submission=submission).exclude(outcome=Outcome.PENDING).update(
        submission=None
    )


def record_create_logged(
    *,
    user,
    schema: Schema,
    properties: Mapping[str, Any],
    owner: str | None = None,
    submission: uuid.UUID | None = None,
) -> Record:
    """Create a record; AlreadySubmitted when this form's submission id was used before."""
    sent = {k: v for k, v in properties.items() if v is not None}
    change = change_start(
        user=user,
        schema=schema,
        action=Action.CREATE,
        after={"properties": sent, "owner": owner},
        changed_fields=sorted(sent),
        submission=submission,
    )
    return _create(change=change, schema=schema, properties=sent, owner=owner)


def _create(*, change: RecordChange, schema: Schema, properties, owner) -> Record:
    try:
        record = records.record_create(schema=schema, properties=properties, owner=owner)
    except BaseException as error:
        change_finish(change=change, error=error)
        raise
    change_finish(change=change, record=record)
    return record


def record_update_logged(
    *,
    user,
    schema: Schema,
    record: Record,
    properties: Mapping[str, Any],
    owner: Any = UNSET,
    note: str = "",
) -> Record:
    """Send only `properties` (None clears one) and the owner when given; `note` says why
    (an undo names the change it undoes)."""
    before = record_snapshot(record)
    changed = sorted(properties) + ([] if owner is UNSET else ["owner"])
    after = {"properties": dict(properties)}
    if owner is not UNSET:
        after["owner"] = owner
    change = change_start(
        user=user,
        schema=schema,
        action=Action.UPDATE,
        record_id=record.id,
        before=before,
        after=after,
        changed_fields=changed,
        note=note,
    )
    try:
        updated = records.record_update(
            schema=schema, record_id=record.id, properties=properties, owner=owner
        )
    except BaseException as error:
        change_finish(change=change, error=error)
        raise
    change_finish(change=change, record=updated)
    return updated


def record_delete_logged(
    *, user, schema: Schema, record: Record, links: list[dict] | None = None
) -> None:
    """Delete a record, keeping its whole snapshot in the history first, with its `links`
    when they were read (relations.record_delete_keeping_links), for a restore to make again."""
    before = record_snapshot(record)
    if links is not None:
        before["links"] = links
    change = change_start(
        user=user,
        schema=schema,
        action=Action.DELETE,
        record_id=record.id,
        before=before,
        changed_fields=sorted(k for k, v in record.properties.items() if v is not None),
    )
    try:
        records.record_delete(schema=schema, record_id=record.id)
    except BaseException as error:
        change_finish(change=change, error=error)
        raise
    change_finish(change=change)


def restorable_properties(*, schema: Schema, snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """The snapshot's values for the fields the object still has (others cannot be sent)."""
    properties = snapshot.get("properties") or {}
    return {
        f.key: properties[f.key]
        for f in schema.fields
        if properties.get(f.key) not in (None, "", [], {})
    }


def restore_submission(deleted: RecordChange) -> uuid.UUID:
    """The one-time id of restoring this delete (see change_start)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"recordsadmin:restore:{deleted.pk}")


def record_restore(*, user, schema: Schema, deleted: RecordChange) -> Record:
    """Make a deleted record again from its snapshot. The records API gives it a new id.
    AlreadySubmitted when this delete is being, or was, restored already."""
    snapshot = deleted.before or {}
    properties = restorable_properties(schema=schema, snapshot=snapshot)
    dropped = sorted(set(snapshot.get("properties") or {}) - set(schema.field_keys))
    when = moment_text(deleted.at)
    note = (
        f"Restored from record {deleted.record_id}, deleted {when} by "
        f"{deleted.username or 'someone'}. The restored record has a new id."
    )
    if dropped:
        note += " Not restored (no longer fields of this object): " + ", ".join(dropped) + "."
    change = change_start(
        user=user,
        schema=schema,
        action=Action.RESTORE,
        before={"restored_from": deleted.pk, "record_id": deleted.record_id},
        after={"properties": properties, "owner": snapshot.get("owner")},
        changed_fields=sorted(properties),
        submission=restore_submission(deleted),
        note=note,
        restored_from=deleted.pk,
    )
    return _create(change=change, schema=schema, properties=properties, owner=snapshot.get("owner"))
