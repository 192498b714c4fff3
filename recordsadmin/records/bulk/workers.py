"""The call (or calls) for one bulk item, run in a pool thread: HTTP through the services, and
the history rows a revert reads or a restore's links write. Each returns an ItemResult; a call
not sent now (refused for the rate, or held back by the circuit breaker: pacing.HELD_BACK) goes
up to the runner, which sends the item again later."""

import contextlib
import datetime as dt
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace

from django.utils import timezone

from recordsadmin.client.domain import UNSET, Association, Filter, Record, Schema
from recordsadmin.client.errors import NotFound, OutcomeUnknown, RecordsApiError, ValidationFailed
from recordsadmin.contract.datatypes import CONTAINS, EQ
from recordsadmin.contract.limits import MAX_PAGE_LIMIT, OWNER
from recordsadmin.records import fieldtypes, selectors, services
from recordsadmin.records.models import BulkItem, BulkJob, RecordChange

from .changes import already_set, record_value
from .links import link_what
from .outcomes import (
    MAYBE_DELETED,
    MAYBE_LINKED,
    MAYBE_UNLINKED,
    NOT_YET_SEARCHABLE_REASON,
    RESENT_DELETE,
    RESENT_LINK,
    RESENT_UPDATE,
    STOPPED_CREATE_REASON,
    ItemResult,
    error_reason,
    write_failed,
)
from .pacing import HELD_BACK, DailyLimitSpent, Pacer

Outcome = BulkItem.Outcome
logger = logging.getLogger(__name__)


def for_job(job: BulkJob, schema: Schema, pacer: Pacer) -> Callable[[BulkItem], ItemResult]:
    """The worker for the job's kind of items."""
    if job.kind == BulkJob.Kind.DELETE:
        return lambda item: delete_one(schema, pacer, item)
    if job.kind == BulkJob.Kind.UPDATE:
        return lambda item: update_one(schema, pacer, item, job.params)
    if job.kind == BulkJob.Kind.REVERT:
        return lambda item: revert_one(schema, pacer, item)
    if job.kind == BulkJob.Kind.LINK:
        # Read once for the job (cached): an association deleted since stops it.
        association = pacer.call(services.association_get, association_id=job.params["association"])
        return lambda item: link_one(schema, pacer, item, job.params, association)
    if job.kind == BulkJob.Kind.COUNT:
        association = pacer.call(services.association_get, association_id=job.params["association"])
        return lambda item: count_one(pacer, item, association)
    return lambda item: import_one(schema, pacer, item)


def count_one(pacer: Pacer, item: BulkItem, association: Association) -> ItemResult:
    """How many relations of `association` one record has (a read: it changes nothing, and a
    failure leaves the job's sum a lower bound). A record deleted since the job collected it
    has none left."""
    try:
        count = pacer.call(
            services.relation_count, record_id=item.record_id, association=association
        )
    except NotFound:
        return ItemResult(Outcome.SKIPPED, "The record no longer exists.", data={"relations": 0})
    except HELD_BACK:
        raise
    except RecordsApiError as error:
        return ItemResult(Outcome.FAILED, error_reason(error))
    words = f"{count:,} relation{'s' if count != 1 else ''}."
    return ItemResult(Outcome.DONE, words, data={"relations": count})


def link_one(
    schema: Schema, pacer: Pacer, item: BulkItem, params: Mapping, association: Association
) -> ItemResult:
    """Link one selected record to the job's record. The API refuses a link that exists
    (400): that refusal is told from the others by looking for the link (one more call), and
    the item is skipped, not failed. One sent before (a restart, a retry of a lost answer)
    looks first, and is sent only when the link is missing."""
    target = params["target"]
    find = {"record_id": item.record_id, "association": association, "other_id": target}
    resumed = getattr(item, "resumed", False)
    try:
        if resumed:
            found = pacer.call(services.relation_find, **find)
            if found is not None:
                return ItemResult(Outcome.DONE, RESENT_LINK, after=_linked(params, found.id))
        relation = pacer.call(
            services.relation_create,
            schema=schema,
            record_id=item.record_id,
            association=association,
            other_id=target,
        )
    except HELD_BACK:
        raise
    except ValidationFailed as refusal:
        try:
            found = pacer.call(services.relation_find, **find)
        except HELD_BACK:
            raise
        except RecordsApiError:
            found = None
        if found is not None:
            return ItemResult(Outcome.SKIPPED, "Already linked.", drop_history=True)
        return ItemResult(Outcome.FAILED, error_reason(refusal))
    except RecordsApiError as error:
        return write_failed(error, maybe_applied=error.maybe_applied or resumed, maybe=MAYBE_LINKED)
    return ItemResult(Outcome.DONE, after=_linked(params, relation.id))


def _linked(params: Mapping, relation_id: str) -> dict:
    return {**link_what(dict(params)), "relation_id": relation_id}


def delete_one(schema: Schema, pacer: Pacer, item: BulkItem) -> ItemResult:
    """Delete one record, its links read first and kept with its values in the history row
    (`before`), as the record page's delete keeps them (services.record_delete_keeping_links):
    a restore from its page, or the job's revert, links it again. When they cannot be read
    the delete goes on without them. One sent before a restart is not read: it may be gone."""
    resumed = getattr(item, "resumed", False)
    before = None
    try:
        if not resumed:
            try:
                links = pacer.call(
                    services.record_links_kept, schema=schema, record_id=item.record_id
                )
            except HELD_BACK:
                raise
            except RecordsApiError:
                links = None
            if links is not None:
                before = {**(item.before or {}), "links": links}
        pacer.call(services.record_delete, schema=schema, record_id=item.record_id)
    except NotFound:
        if resumed:
            return ItemResult(Outcome.DONE, RESENT_DELETE)
        return ItemResult(Outcome.SKIPPED, "Already deleted.", drop_history=True)
    except HELD_BACK:
        raise
    except RecordsApiError as error:
        failed = write_failed(
            error, maybe_applied=error.maybe_applied or resumed, maybe=MAYBE_DELETED
        )
        # Carried out all the same, its restore still needs the links read before.
        return replace(failed, before=before)
    return ItemResult(Outcome.DONE, before=before)


def update_one(schema: Schema, pacer: Pacer, item: BulkItem, change: Mapping) -> ItemResult:
    key, value = change["field"], change["value"]
    resumed = getattr(item, "resumed", False)
    try:
        if item.before is None or resumed:
            # No snapshot, or the call may have gone before (a restart, a lost answer): look
            # before sending.
            current = pacer.call(services.record_get, schema=schema, record_id=item.record_id)
            if already_set(schema, change, record_value(current, key)):
                if resumed:
                    return ItemResult(Outcome.DONE, RESENT_UPDATE, record=current)
                return ItemResult(Outcome.SKIPPED, "Already holds this value.", drop_history=True)
        kwargs = (
            {"properties": {}, "owner": value} if key == OWNER else {"properties": {key: value}}
        )
    except NotFound:
        return ItemResult(Outcome.SKIPPED, "The record no longer exists.", drop_history=True)
    except HELD_BACK:
        raise
    except RecordsApiError as error:  # the look before sending: no PUT went this time
        return write_failed(error, maybe_applied=resumed)
    try:
        record = pacer.call(
            services.record_update, schema=schema, record_id=item.record_id, **kwargs
        )
    except NotFound:
        return ItemResult(Outcome.SKIPPED, "The record no longer exists.", drop_history=True)
    except HELD_BACK:
        raise
    except RecordsApiError as error:
        return write_failed(error, maybe_applied=error.maybe_applied or resumed)
    return ItemResult(Outcome.DONE, record=record)


def import_one(schema: Schema, pacer: Pacer, item: BulkItem) -> ItemResult:
    """One row of an import: a create, or an update of the record it matches (by id or by a
    field's value), or, for "create or update", an update of the record that holds the row's
    value of the field, else a create."""
    data = item.data or {}
    properties = data.get("properties") or {}
    owner_kwargs = {"owner": data["owner"]} if "owner" in data else {}
    match = data.get("match")
    resumed = getattr(item, "resumed", False)
    try:
        if not match:
            return _import_create(schema, pacer, properties, data.get("owner"), resumed)
        current = _find(schema, pacer, match)
        if current is None and match.get("or_create") and match.get("needs"):
            needs = ", ".join(match["needs"])
            reason = f"{_no_match(schema, match)} Not made: a new record needs {needs}, blank here."
            return ItemResult(Outcome.FAILED, reason)
        if current is None and match.get("or_create"):
            # A create sent before (its answer lost, or the job stopped) made no record when
            # search, past its lag since the create was given up on, finds none: a retry
            # makes it. Until then nothing is sent, and that moment is kept as it was.
            since = _unknown_since(item)
            if resumed and not _settled(since):
                kept = {UNKNOWN_SINCE: since.isoformat()} if since else None
                return ItemResult(Outcome.UNKNOWN, NOT_YET_SEARCHABLE_REASON, data=kept)
            _create_sending(item)
            try:
                made = _import_create(schema, pacer, properties, data.get("owner"), False)
            except OutcomeUnknown as error:
                now = {UNKNOWN_SINCE: timezone.now().isoformat()}
                return ItemResult(Outcome.UNKNOWN, error_reason(error), data=now)
            return replace(made, reason=f"Created: {_no_match(schema, match)}", made=True)
        if match.get("or_create"):
            # It holds the value it was found by: nothing to send for it.
            properties = {k: v for k, v in properties.items() if k != match["field"]}
        if current is None:
            # No record has that id, and none ever will (ids are not reused): not for a retry.
            # A field's value may be held later (a record made since): that row is retried.
            gone = {"no_record": True} if match.get("id") else None
            return ItemResult(Outcome.FAILED, _no_match(schema, match), data=gone)
        owner = data.get("owner", UNSET)
        if _holds(schema, current, properties, owner) and not match.get("id"):
            # Found by a search, which lags behind writes: the record as it is now decides.
            current = pacer.call(services.record_get, schema=schema, record_id=current.id)
        if _holds(schema, current, properties, owner):
            # Nothing to send: no call, and nothing in the history for Revert to "put back".
            if resumed:  # the call sent before the restart set them
                return ItemResult(Outcome.DONE, RESENT_UPDATE, record=current, record_id=current.id)
            return ItemResult(
                Outcome.SKIPPED, NOTHING_TO_CHANGE, record_id=current.id, drop_history=True
            )
    except HELD_BACK:
        raise
    except OutcomeUnknown as error:  # a create whose answer was lost
        return ItemResult(Outcome.UNKNOWN, error_reason(error))
    except RecordsApiError as error:  # a create refused, or the look for the record failed
        return write_failed(error, maybe_applied=resumed)
    try:
        record = pacer.call(
            services.record_update,
            schema=schema,
            record_id=current.id,
            properties=properties,
            **owner_kwargs,
        )
    except HELD_BACK:
        raise
    except RecordsApiError as error:
        return write_failed(error, maybe_applied=error.maybe_applied or resumed)
    before = services.record_snapshot(current)
    return ItemResult(Outcome.DONE, record=record, record_id=record.id, before=before)


# In a "create or update" row's data: when its create's outcome became unknown (its answer
# was lost), the moment search's lag counts from before a retry may make the record.
UNKNOWN_SINCE = "create_unknown_since"


def _create_sending(item: BulkItem) -> None:
    """Keep, before a "create or update" row sends its create, that it is sending it now: a
    job that stops while it is in flight then waits for search's lag from this moment, not
    from one kept for an earlier create whose answer was lost."""
    item.data = {**(item.data or {}), UNKNOWN_SINCE: timezone.now().isoformat()}
    BulkItem.objects.filter(pk=item.pk).update(data=item.data)


def _unknown_since(item: BulkItem) -> dt.datetime | None:
    """When the row's create was given up on: kept in its data when its answer was lost;
    else (a job that stopped while it was in flight) when it was sent."""
    kept = (item.data or {}).get(UNKNOWN_SINCE)
    if isinstance(kept, str):
        with contextlib.suppress(ValueError):
            return dt.datetime.fromisoformat(kept)
    return getattr(item, "sent_before", None)


def _settled(since: dt.datetime | None) -> bool:
    """Whether `since` is further back than search's lag: search shows what was made then."""
    return since is not None and timezone.now() - since > services.search_lag()


def _import_create(schema: Schema, pacer: Pacer, properties, owner, resumed: bool) -> ItemResult:
    if resumed:
        return ItemResult(Outcome.UNKNOWN, STOPPED_CREATE_REASON)
    sent = {key: value for key, value in properties.items() if value is not None}
    record = pacer.call(services.record_create, schema=schema, properties=sent, owner=owner)
    return ItemResult(Outcome.DONE, record=record, record_id=record.id)


def same_value(schema: Schema, item: BulkItem) -> str | None:
    """For a "create or update" import's row, the field and value it finds its record by, as
    the field's type compares values: the runner sends the rows of one value one at a time,
    in the file's order, so that each finds the record the one before made (from the history
    while search lags) instead of making another. None for any other item."""
    match = (item.data or {}).get("match") or {}
    if not match.get("or_create"):
        return None
    f = schema.field(match["field"])
    value = fieldtypes.of(f).match_key(match["value"]) if f is not None else match["value"]
    return json.dumps([match["field"], value], sort_keys=True, default=str)


def _find(schema: Schema, pacer: Pacer, match: Mapping) -> Record | None:
    if match.get("id"):
        try:
            return pacer.call(services.record_get, schema=schema, record_id=match["id"])
        except NotFound:
            return None
    key, value = match["field"], match["value"]
    f = schema.field(key)
    any_case = f is not None and fieldtypes.of(f).found_in_any_case
    if any_case:
        # `eq` is exact: the records holding the value in any case are among those that
        # contain it (a case-insensitive substring), and the type compares them.
        question = {"filters": [Filter(key, CONTAINS, value)], "per_page": MAX_PAGE_LIMIT}
    else:
        question = {"filters": [Filter(key, EQ, value)], "per_page": 2}
    page = pacer.call(services.record_search, schema=schema, **question)
    found = {record.id: record for record in page.records}
    total = page.total
    if any_case:
        if page.has_next:
            raise RecordsApiError(
                f"More than {len(page.records)} records hold text like this value: "
                "update them by their ids."
            )
        found = {i: r for i, r in found.items() if _same(schema, key, r.properties.get(key), value)}
        total = len(found)
    # Search lags behind writes: a record the dashboard made or changed a moment ago (an
    # earlier import, this one's earlier rows) may not be found by its value yet, or still be
    # found by one it no longer holds. The history knows what the dashboard wrote to them;
    # one it says holds the value and search misses is read by id before it is taken.
    for record_id, written in services.recent_writes(schema=schema).items():
        if written is not None and record_id in found:
            written = services.as_latest(found[record_id], written)
        holds = written is not None and _same(schema, key, written.properties.get(key), value)
        if holds and record_id not in found:
            # Search does not find it by this value: it lags behind the dashboard's write, or
            # the record changed elsewhere since. Its read by id says which.
            current = _read(schema, pacer, record_id)
            if current is not None and _same(schema, key, current.properties.get(key), value):
                found[record_id], total = current, total + 1
        elif not holds and found.pop(record_id, None) is not None:
            total -= 1
    if total > 1:
        raise RecordsApiError(f"{total} records have this value: update one by its id.")
    return next(iter(found.values()), None)


NOTHING_TO_CHANGE = "Already held these values."


def _read(schema: Schema, pacer: Pacer, record_id: str) -> Record | None:
    try:
        return pacer.call(services.record_get, schema=schema, record_id=record_id)
    except NotFound:
        return None


def _same(schema: Schema, key: str, held, value) -> bool:
    """Whether a record holding `held` is the one a row's `value` finds."""
    kind = fieldtypes.of(schema.field(key))
    return kind.match_key(held) == kind.match_key(value)


def _no_match(schema: Schema, match: Mapping) -> str:
    if match.get("id"):
        return f"No record with id {match['id']}."
    f = schema.field(match["field"])
    return f"No record has {f.name if f else match['field']} = {match['value']}."


def reverted_change(item: BulkItem) -> RecordChange | None:
    """The change of the reverted job that a revert item undoes: the job's change of the
    record, or, when it changed the record's values more than once (bulk/jobs.py
    RevertTarget.last_id), all of those as one (services.changes_combined)."""
    change = RecordChange.objects.filter(pk=(item.data or {}).get("change")).first()
    last = (item.data or {}).get("last")
    if change is None or last is None or change.action != RecordChange.Action.UPDATE:
        return change
    changes = RecordChange.objects.filter(
        job_id=change.job_id,
        record_id=change.record_id,
        action=RecordChange.Action.UPDATE,
        outcome=RecordChange.Outcome.OK,
        pk__gte=change.pk,
        pk__lte=last,
    ).order_by("at", "id")
    return services.changes_combined(list(changes) or [change])


def revert_one(schema: Schema, pacer: Pacer, item: BulkItem) -> ItemResult:
    """Undo one change of the reverted job: put back the values an update replaced, delete a
    record it made (or restored), restore a record it deleted. Values are put back and
    records deleted only while the record still holds what that change set
    (services/undo.py); otherwise the item is skipped, saying which fields changed since."""
    change = reverted_change(item)
    if change is None:
        return ItemResult(Outcome.SKIPPED, "The job's change is no longer in the history.")
    if change.action == RecordChange.Action.LINK:
        return _unlink(pacer, item, change)
    if change.action in (RecordChange.Action.CREATE, RecordChange.Action.RESTORE):
        return _unmake(schema, pacer, item, change)
    if change.action == RecordChange.Action.DELETE:
        return _restore(schema, pacer, item, change)
    try:
        services.undo_check(change=change)
    except services.NotUndoable as refusal:
        return ItemResult(Outcome.SKIPPED, str(refusal), drop_history=True)
    values, owner = services.undo_values(schema=schema, change=change)
    resumed = getattr(item, "resumed", False)
    try:
        current = pacer.call(services.record_get, schema=schema, record_id=item.record_id)
        moved = services.undo_conflicts(schema=schema, change=change, current=current)
        if moved:
            if resumed and _holds(schema, current, values, owner):
                return ItemResult(Outcome.DONE, RESENT_UPDATE, record=current)
            fields = ", ".join(_names(schema, moved))
            reason = f"Not put back: changed since the job ({fields})."
            return ItemResult(Outcome.SKIPPED, reason, drop_history=True)
        record = pacer.call(
            services.record_update,
            schema=schema,
            record_id=item.record_id,
            properties=values,
            **({} if owner is UNSET else {"owner": owner}),
        )
    except NotFound:
        return ItemResult(Outcome.SKIPPED, "The record no longer exists.", drop_history=True)
    except HELD_BACK:
        raise
    except RecordsApiError as error:
        return write_failed(error, maybe_applied=error.maybe_applied or resumed)
    before = services.record_snapshot(current)
    return ItemResult(Outcome.DONE, record=record, record_id=record.id, before=before)


def _unmake(schema: Schema, pacer: Pacer, item: BulkItem, change: RecordChange) -> ItemResult:
    """Delete a record the job made, while it still holds what the job made it with; its
    snapshot goes to the history (`before`), so that the delete can be restored in turn."""
    resumed = getattr(item, "resumed", False)
    # A record the job made and then changed again (bulk/jobs.py RevertTarget.last_id) is
    # compared with what its last change left, on every field the job set.
    last = RecordChange.objects.filter(pk=(item.data or {}).get("last")).first()
    if last is not None:
        fields = sorted({*change.changed_fields, *last.changed_fields})
        change = RecordChange(after=last.after, before=None, changed_fields=fields)
    try:
        current = pacer.call(services.record_get, schema=schema, record_id=item.record_id)
        moved = services.undo_conflicts(schema=schema, change=change, current=current)
        if moved:
            fields = ", ".join(_names(schema, moved))
            reason = f"Not deleted: changed since the job ({fields})."
            return ItemResult(Outcome.SKIPPED, reason, drop_history=True)
        pacer.call(services.record_delete, schema=schema, record_id=item.record_id)
    except NotFound:
        if resumed:
            return ItemResult(Outcome.DONE, RESENT_DELETE)
        return ItemResult(Outcome.SKIPPED, "Already deleted.", drop_history=True)
    except HELD_BACK:
        raise
    except RecordsApiError as error:
        maybe_applied = error.maybe_applied or resumed
        return write_failed(error, maybe_applied=maybe_applied, maybe=MAYBE_DELETED)
    before = services.record_snapshot(current)
    return ItemResult(Outcome.DONE, record_id=item.record_id, before=before)


def _unlink(pacer: Pacer, item: BulkItem, change: RecordChange) -> ItemResult:
    """Remove a link the job made (by the relation's id its history row kept, else found by
    listing the record's links); one gone already is skipped."""
    linked = change.after if isinstance(change.after, dict) else {}
    resumed = getattr(item, "resumed", False)
    try:
        relation_id = linked.get("relation_id") or ""
        if not relation_id:
            association = pacer.call(
                services.association_get, association_id=linked.get("association_id", "")
            )
            found = pacer.call(
                services.relation_find,
                record_id=item.record_id,
                association=association,
                other_id=linked.get("other_id", ""),
            )
            if found is None:
                raise NotFound("The link is gone already.")
            relation_id = found.id
        pacer.call(
            services.relation_delete,
            relation_id=relation_id,
            association_id=linked.get("association_id", ""),
            record_ids=(item.record_id, linked.get("other_id", "")),
        )
    except NotFound:
        if resumed:
            return ItemResult(Outcome.DONE, "Removed by the call sent before.")
        return ItemResult(Outcome.SKIPPED, "Already unlinked.", drop_history=True)
    except HELD_BACK:
        raise
    except RecordsApiError as error:
        maybe_applied = error.maybe_applied or resumed
        return write_failed(error, maybe_applied=maybe_applied, maybe=MAYBE_UNLINKED)
    return ItemResult(Outcome.DONE)


def _restore(schema: Schema, pacer: Pacer, item: BulkItem, change: RecordChange) -> ItemResult:
    """Make a record the job deleted again, from the delete's snapshot (a new id), unless it
    was restored already (from its page, or by an earlier revert)."""
    restored = selectors.restored_change_get(deleted=change)
    if restored is not None:
        reason = f"Already restored, as record {restored.record_id}."
        return ItemResult(Outcome.SKIPPED, reason, drop_history=True)
    if getattr(item, "resumed", False):
        # A create sent before a restart: sending it again could make the record twice.
        return ItemResult(Outcome.UNKNOWN, STOPPED_CREATE_REASON)
    snapshot = change.before or {}
    properties = services.restorable_properties(schema=schema, snapshot=snapshot)
    try:
        record = pacer.call(
            services.record_create,
            schema=schema,
            properties=properties,
            owner=snapshot.get("owner"),
        )
    except HELD_BACK:
        raise
    except OutcomeUnknown as error:
        return ItemResult(Outcome.UNKNOWN, error_reason(error))
    except RecordsApiError as error:
        return write_failed(error, maybe_applied=False)
    reason = f"Restored with a new id (it was {item.record_id})."
    links = snapshot.get("links") or ()
    if links:
        try:
            reason += " " + _relink(schema, pacer, item.job.user, record, links)
        except Exception:  # the record is made: the item is done whatever the links meet
            logger.exception("bulk item %s: the restored record's links failed", item.pk)
            reason += f" Not linked again: its {len(links)} link(s) (an unexpected error)."
    return ItemResult(Outcome.DONE, reason, record=record, record_id=record.id)


def _relink(schema: Schema, pacer: Pacer, user, record: Record, links) -> str:
    """Link a restored record as the deleted one was (services.links_make_again), for a user
    who may link records, each call paced as the job's; what it came to, in words. The record
    is made: a call held back or refused here is one link missed, never the item retried."""
    if user is None or not user.has_perm("records.change_record"):
        return f"Not linked again: its {len(links)} link(s), since you may not link records."

    def paced(function, /, **kwargs):
        try:
            return pacer.call(function, **kwargs)
        except DailyLimitSpent as error:
            raise RecordsApiError("the day's call limit is spent") from error

    missed = services.links_make_again(
        user=user, schema=schema, record=record, links=links, call=paced
    )
    said = f"Linked again: {len(links) - len(missed)} of its {len(links)}."
    return said + (" Not linked again: " + "; ".join(missed) + "." if missed else "")


def _holds(schema: Schema, record: Record, values: Mapping, owner) -> bool:
    """Whether `record` already holds `values` and `owner` (UNSET: any), each compared as its
    field's type spells it: what an import's row sets, what a revert puts back."""
    for key, value in values.items():
        kind = fieldtypes.of(schema.field(key))
        if kind.normalise(record.properties.get(key)) != kind.normalise(value):
            return False
    return owner is UNSET or (record.owner or None) == (owner or None)


def _names(schema: Schema, keys) -> list[str]:
    return [schema.field(k).name if schema.field(k) else "Owner" for k in keys]
