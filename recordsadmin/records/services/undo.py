"""Undo a change made through the dashboard: put back the values the record had before it.

Only while the record still holds what the change made: the record is read first, and when a
field the change set has changed since (someone else's later edit), nothing is sent and the
caller is told which fields (UndoConflict), so that a later change is never overwritten
silently; when every field holds the values from before already (undone since), nothing is
sent either (ALREADY_UNDONE). An undo is an update of its own, in the history, and can be
undone in turn. A delete's undo is the restore (history.record_restore).
"""

import copy
from collections.abc import Sequence
from typing import Any

from recordsadmin.client.domain import UNSET, Record, Schema
from recordsadmin.records import fieldtypes
from recordsadmin.records.formatting import moment_text
from recordsadmin.records.models import RecordChange

from . import history, records

OWNER = "owner"


class NotUndoable(Exception):
    """This change cannot be undone here; the text says why."""


class UndoConflict(Exception):
    """The record changed since: `fields` (keys, and "owner") no longer hold what the change
    set; `current` is the record as it is now."""

    def __init__(self, current: Record, fields: list[str]):
        super().__init__("The record changed since: " + ", ".join(fields))
        self.current = current
        self.fields = fields


def undo_check(*, change: RecordChange) -> None:
    """NotUndoable unless `change` is a finished update of one record."""
    if change.action != RecordChange.Action.UPDATE or not change.record_id:
        raise NotUndoable("Only a change of a record's values can be undone.")
    if change.outcome != RecordChange.Outcome.OK:
        raise NotUndoable("This change did not go through, so there is nothing to undo.")
    if not isinstance(change.before, dict) or not change.changed_fields:
        raise NotUndoable("The history does not hold the values from before this change.")


def changes_combined(changes: Sequence[RecordChange]) -> RecordChange:
    """Several updates of one record, in the order they were made, as one update (not saved):
    each field's value from before the first change that set it, and from after the last
    one; the fields any of them set. Undoing it puts back what the record held before them
    all, while the record holds what they left. When one of them does not hold the values
    from before it (a call resent after a restart found them set), neither does the whole:
    undo_check refuses it."""
    first, last = changes[0], changes[-1]
    before, after = copy.deepcopy(first.before or {}), copy.deepcopy(last.after or {})
    before.setdefault("properties", {})
    after.setdefault("properties", {})
    fields: list[str] = []
    for change in changes:
        for key in change.changed_fields:
            if key not in fields:
                fields.append(key)
                _take(change.before or {}, before, key)
    taken: set[str] = set()
    for change in reversed(changes):
        for key in change.changed_fields:
            if key not in taken:
                taken.add(key)
                _take(change.after or {}, after, key)
    known = all(isinstance(change.before, dict) for change in changes)
    return RecordChange(
        record_id=first.record_id,
        object_key=first.object_key,
        action=RecordChange.Action.UPDATE,
        outcome=RecordChange.Outcome.OK,
        job_id=first.job_id,
        before=before if known else None,
        after=after,
        changed_fields=fields,
    )


def _take(source: dict, target: dict, key: str) -> None:
    """The value of `key` (a property, or the owner) in the snapshot `source`, set in
    `target`."""
    if key == OWNER:
        target[OWNER] = source.get(OWNER)
    else:
        target["properties"][key] = (source.get("properties") or {}).get(key)


def undo_values(*, schema: Schema, change: RecordChange) -> tuple[dict[str, Any], Any]:
    """What an undo sends: the properties as they were before (None clears one that was
    empty), and the owner when the change set it (else UNSET). Fields the object no longer
    has are left out."""
    before = change.before or {}
    properties = before.get("properties") or {}
    values = {
        key: properties.get(key)
        for key in change.changed_fields
        if key != OWNER and schema.field(key) is not None
    }
    owner = (before.get(OWNER) or None) if OWNER in change.changed_fields else UNSET
    return values, owner


def undo_conflicts(*, schema: Schema, change: RecordChange, current: Record) -> list[str]:
    """The fields the change set that hold something else now: neither what the change set
    nor what the undo would put back (a field changed back since overwrites nothing)."""
    after, before = change.after or {}, change.before or {}
    set_to = after.get("properties") or {}
    was = before.get("properties") or {}
    moved = []
    for key in change.changed_fields:
        if key == OWNER:
            now = current.owner or None
            if now not in ((after.get(OWNER) or None), (before.get(OWNER) or None)):
                moved.append(OWNER)
            continue
        field = schema.field(key)
        if field is None:
            continue
        kind = fieldtypes.of(field)
        now = kind.normalise(current.properties.get(key))
        if now not in (kind.normalise(set_to.get(key)), kind.normalise(was.get(key))):
            moved.append(key)
    return moved


def undo_done(*, schema: Schema, change: RecordChange, current: Record) -> bool:
    """Whether the record holds what an undo would put back already (the change was undone,
    or changed back, since): an undo would send nothing new."""
    values, owner = undo_values(schema=schema, change=change)
    if owner is not UNSET and (current.owner or None) != owner:
        return False
    for key, value in values.items():
        kind = fieldtypes.of(schema.field(key))
        if kind.normalise(current.properties.get(key)) != kind.normalise(value):
            return False
    return True


ALREADY_UNDONE = (
    "Nothing to undo: the record holds the values from before this change already (it was "
    "undone, or changed back, since)."
)


def record_undo(*, user, schema: Schema, change: RecordChange) -> Record:
    """Put back what `change` replaced. NotUndoable, UndoConflict, or the records API's error
    (NotFound when the record was deleted since)."""
    undo_check(change=change)
    current = records.record_get(schema=schema, record_id=change.record_id)
    moved = undo_conflicts(schema=schema, change=change, current=current)
    if moved:
        raise UndoConflict(current, moved)
    if undo_done(schema=schema, change=change, current=current):
        raise NotUndoable(ALREADY_UNDONE)
    values, owner = undo_values(schema=schema, change=change)
    when = moment_text(change.at)
    note = f"Undo of the change of {when} by {change.username or 'someone'}."
    return history.record_update_logged(
        user=user, schema=schema, record=current, properties=values, owner=owner, note=note
    )
