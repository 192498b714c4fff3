"""A bulk job's run: collect its items, then work through the pending ones.

A job first collects its items (the selected records, with what they held, from the search
that selected them: one call per 100 records), then works through its pending items, a few in
flight, paced under the rate limit. Each item's outcome is committed as it finishes, so a job
stopped by a restart resumes with the pending items only; an item that was in flight at the
restart is looked at before it is sent again.
"""

import bisect
import logging
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping
from collections.abc import Set as AbstractSet
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from recordsadmin.client import config
from recordsadmin.client.domain import Schema
from recordsadmin.client.errors import CircuitOpen, OutcomeUnknown, RateLimited, RecordsApiError
from recordsadmin.contract.limits import OWNER
from recordsadmin.records import services
from recordsadmin.records.models import BulkItem, BulkJob, RecordChange

from . import workers
from .changes import already_set, record_value
from .links import link_what
from .outcomes import (
    DAILY_LIMIT_REASON,
    STOPPED_CREATE_REASON,
    ItemResult,
    item_set,
    refused_reason,
    unsend_pending,
)
from .pacing import CALL_DEADLINE_SECONDS, HELD_BACK, DailyLimitSpent, Pacer
from .selection import Selection, selection_pages

logger = logging.getLogger(__name__)

Kind = BulkJob.Kind
Status = BulkJob.Status
Outcome = BulkItem.Outcome

# A running job writes its heartbeat between calls; one silent for stale_seconds() (longer
# than any one call may take, retries included) lost its worker and is queued again.
HEARTBEAT_SECONDS = 2.0
STALE_SECONDS = 2 * CALL_DEADLINE_SECONDS


def stale_seconds() -> float:
    """settings.BULK_STALE_SECONDS, or STALE_SECONDS."""
    return float(getattr(settings, "BULK_STALE_SECONDS", STALE_SECONDS))


# How often in a row one item may be refused for the rate (429, each after the client's own
# retries) or held back by the open breaker before it is given up: a limit that never lets it
# through, or an outage, must not keep the job forever.
MAX_RATE_REFUSALS = 10
AFTER_UNKNOWN_REASON = (
    "Not sent: an earlier row with the same value may have made its record (that row's "
    "outcome is unknown). A retry a few seconds later, once search shows what that row did, "
    "sends both in turn."
)
# How many rows at most wait for the row of their value in flight (a "create or update"
# import); past that no more are read until one is done.
MAX_WAITING = 200

# What a run reads for the job's status once another run has claimed the job: not RUNNING, so
# it sends nothing more and leaves the job to the other.
SUPERSEDED = "superseded"


def job_run(*, job_id: str, stop_after: int | None = None) -> BulkJob:
    """The task's body: collect the items if need be, then work through the pending ones.

    `stop_after` ends the run after that many items, leaving the rest pending, as a restart
    would (tests).
    """
    with transaction.atomic():
        job = BulkJob.objects.select_for_update().get(pk=job_id)
        if job.is_finished:
            return job
        if job.status == Status.CANCELLING:
            _finish(job, Status.CANCELLED)
            return job
        job.status = Status.RUNNING
        job.started_at = job.started_at or timezone.now()
        job.heartbeat_at = timezone.now()
        job.run = uuid.uuid4().hex
        job.save(update_fields=["status", "started_at", "heartbeat_at", "run"])
    pacer = Pacer()
    try:
        schema = services.schema_get(key=job.object_key)
        stopped = False
        if job.collected or _collect(job, schema, pacer):
            stopped = _process(job, schema, pacer, stop_after=stop_after)
    except DailyLimitSpent:
        _stop_for_the_day(job)
        return job
    except RecordsApiError as error:
        if isinstance(error, RateLimited) and pacer.daily_spent():  # its first answer said so
            _stop_for_the_day(job)
            return job
        _finish(job, Status.FAILED, error=f"The job stopped: {error}")
        return job
    status = _status(job)
    if status == Status.CANCELLING:
        _finish(job, Status.CANCELLED)
    elif status == Status.RUNNING and not stopped:
        _finish(job, Status.DONE)
    # Otherwise it was queued again meanwhile (its heartbeat looked stale): the new run ends it.
    job.refresh_from_db()
    return job


def _stop_for_the_day(job: BulkJob) -> None:
    """The daily quota is spent: the pending items fail (a retry sends them once it resets)."""
    job.refresh_from_db(fields=["collected"])
    status = _status(job)
    if status == Status.CANCELLING:
        _finish(job, Status.CANCELLED)
        return
    if status != Status.RUNNING:
        return  # another run owns the job now
    pending = job.items.filter(outcome=Outcome.PENDING)
    if job.kind == Kind.IMPORT:
        _stop_unknown_creates(job, pending.filter(sent_at__isnull=False))
    # The others keep sent_at: one that was in flight at a restart is looked at before a retry
    # sends it again.
    count = pending.update(
        outcome=Outcome.NOT_SENT, reason=DAILY_LIMIT_REASON, finished_at=timezone.now()
    )
    if job.collected:
        left = f"{count:,} record{'s were' if count != 1 else ' was'} not sent: retry them"
    else:
        left = "It had not collected all its records yet: retry it"
    error = (
        "The job stopped: the records API's daily limit of calls for this location is spent "
        f"(X-RateLimit-Daily-Remaining: 0). {left} once the limit resets, the next day."
    )
    _finish(job, Status.FAILED, error=error)


def _stop_unknown_creates(job: BulkJob, in_flight) -> None:
    """The import's creates that were in flight at a restart (and not looked at since) may
    have made their records: they fail as unknown, so that a retry leaves them out, and so
    do their history rows (no call is in flight now: a pending create row is one of them)."""
    in_flight.exclude(data__has_key="match").update(
        outcome=Outcome.UNKNOWN, reason=STOPPED_CREATE_REASON, finished_at=timezone.now()
    )
    for change in RecordChange.objects.filter(
        job_id=str(job.pk), action=RecordChange.Action.CREATE, outcome=RecordChange.Outcome.PENDING
    ):
        services.change_finish(change=change, error=OutcomeUnknown(STOPPED_CREATE_REASON))


def cancel_pending(job: BulkJob) -> None:
    """A cancelled job's pending items are not sent; an import's creates caught in flight by
    a restart may have made their records, so they are unknown instead (left out of a retry)."""
    if job.kind == Kind.IMPORT:
        _stop_unknown_creates(job, job.items.filter(outcome=Outcome.PENDING, sent_at__isnull=False))
    unsend_pending(job)


def _finish(job: BulkJob, status: str, *, error: str = "") -> None:
    """The job ends as `status` (with `error`), when this run still owns it."""
    changes = {"status": status, "finished_at": timezone.now()}
    if error:
        changes["error"] = error
    with transaction.atomic():
        if not BulkJob.objects.filter(pk=job.pk, run=job.run).update(**changes):
            return
        if status == Status.CANCELLED:
            cancel_pending(job)
    for name, value in changes.items():
        setattr(job, name, value)


def _collect(job: BulkJob, schema: Schema, pacer: Pacer) -> bool:
    """The selected records as items, each with what it held (from the search, 100 a call).

    False when the job was cancelled meanwhile (a large selection takes a while to collect):
    it stops at once, and what was collected is not sent.
    """
    selection = Selection.from_json(job.selection)
    job.items.all().delete()  # a collection cut short by a restart starts over
    position = 0
    if _heartbeat(job) != Status.RUNNING:
        return False
    for records in selection_pages(schema=schema, selection=selection, call=pacer.call):
        BulkItem.objects.bulk_create(
            BulkItem(job=job, position=position + n, record_id=record.id,
                     before=services.record_snapshot(record))
            for n, record in enumerate(records, 1)
        )  # fmt: skip
        position += len(records)
        if _heartbeat(job) != Status.RUNNING:
            BulkJob.objects.filter(pk=job.pk, run=job.run).update(total=position)
            return False
    if not BulkJob.objects.filter(pk=job.pk, run=job.run).update(collected=True, total=position):
        return False  # another run owns the job now
    job.collected, job.total = True, position
    return True


def _status(job: BulkJob) -> str:
    """The job's status as stored (it may be cancelling), or SUPERSEDED when another run has
    claimed it since this one did."""
    status, run = BulkJob.objects.values_list("status", "run").get(pk=job.pk)
    return status if run == job.run else SUPERSEDED


def _heartbeat(job: BulkJob) -> str:
    """Write the heartbeat, while this run owns the job; return _status."""
    BulkJob.objects.filter(pk=job.pk, run=job.run).update(heartbeat_at=timezone.now())
    return _status(job)


def _pending(job: BulkJob) -> Iterator[BulkItem]:
    """The pending items in order, read a batch at a time (no cursor stays open across writes)."""
    after = 0
    while True:
        batch = list(
            job.items.filter(outcome=Outcome.PENDING, position__gt=after).order_by("position")[:200]
        )
        if not batch:
            return
        yield from batch
        after = batch[-1].position


def _process(job: BulkJob, schema: Schema, pacer: Pacer, *, stop_after: int | None) -> bool:
    """Work through the pending items, a few in flight; True when stopped by `stop_after`.

    An item the API refused for the rate (429, after the client's own retries), or that the
    circuit breaker held back, goes back to pending; when the others are done the pending ones
    are read again, after the pause the API (or the breaker) asked for. One refused
    MAX_RATE_REFUSALS times in a row is not sent. When an answer says
    that the day's quota is spent, no more calls go: DailyLimitSpent once those in flight end.
    """
    concurrency = max(1, int(getattr(settings, "BULK_CONCURRENCY", 4)))
    worker = workers.for_job(job, schema, pacer)
    values: dict[int, str | None] = {}

    def same(item: BulkItem) -> str | None:
        """workers.same_value, worked out once per item (it is asked at every turn)."""
        if item.pk not in values:
            values[item.pk] = workers.same_value(schema, item)
        return values[item.pk]

    def again() -> Iterator[BulkItem]:
        """The pending items read again, but for those waiting here already."""
        return (i for i in _pending(job) if all(i.pk != w.pk for w in waiting))

    names = _owner_names(job, pacer)
    items = _pending(job)
    in_flight: dict[Future, tuple[BulkItem, RecordChange | None]] = {}
    finished = 0
    status = _status(job)
    beat = time.monotonic()
    exhausted = requeued = spent = False
    refusals: Counter[int] = Counter()
    # Rows held back until the one of their value in flight is done (workers.same_value), in
    # the file's order: a later row of a value waits while an earlier one is in flight or
    # waits itself, and one refused for the rate comes back among them, before the later.
    waiting: list[BulkItem] = []
    # Values whose row ended unknown (its create's answer lost): it may have made the record,
    # which search and the history may not show yet; the later rows of that value are not sent.
    uncertain: set[str] = set()
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="bulk") as pool:
        while True:
            while not (exhausted or spent) and status == Status.RUNNING:
                if len(in_flight) >= concurrency:
                    break
                if stop_after is not None and finished + len(in_flight) >= stop_after:
                    break
                # Read before each call (a read, cheap): once a cancel is stored, only the
                # calls already in flight are still answered.
                status = _status(job)
                spent = pacer.daily_spent()
                if status != Status.RUNNING or spent:
                    break
                busy = {same(other) for other, _ in in_flight.values()} - {None}
                item = next((i for i in waiting if same(i) not in busy), None)
                if item is not None:
                    waiting.remove(item)
                elif len(waiting) >= MAX_WAITING:
                    break  # until a row in flight is done
                else:
                    item = next(items, None)
                    if item is None:
                        exhausted = not waiting
                        break
                    if any(item.pk == other.pk for other, _ in in_flight.values()):
                        continue
                    if same(item) in busy | {same(i) for i in waiting}:
                        waiting.append(item)
                        continue
                if same(item) in uncertain:
                    item_set(item, Outcome.NOT_SENT, AFTER_UNKNOWN_REASON)
                    finished += 1
                    continue
                taken = {change.pk for _, change in in_flight.values() if change is not None}
                sent, started = item_start(job, schema, item, taken=taken)
                if not sent:
                    finished += 1
                    continue
                in_flight[pool.submit(worker, item)] = (item, started)
            if not in_flight:
                if exhausted and requeued and status == Status.RUNNING and not spent:
                    items, exhausted, requeued = again(), False, False
                    continue
                break
            # A long item (a restore's links, a delete's links read first) must not leave the
            # job looking stalled: past a quarter of the stale limit the beat is written anyway.
            quiet = stale_seconds() / 4
            done, _ = wait(
                in_flight, timeout=min(HEARTBEAT_SECONDS, quiet), return_when=FIRST_COMPLETED
            )
            for future in done:
                item, change = in_flight.pop(future)
                result = _finish_item(item, change, future, names)
                if result == FINISHED:
                    finished += 1
                    if item.outcome == Outcome.UNKNOWN and same(item) is not None:
                        uncertain.add(same(item))
                elif result == NOT_SENT:
                    spent = True
                else:
                    refusals[item.pk] += 1
                    if refusals[item.pk] < MAX_RATE_REFUSALS and same(item) is not None:
                        bisect.insort(waiting, item, key=lambda i: i.position)
                    elif refusals[item.pk] < MAX_RATE_REFUSALS:
                        requeued = True
                    else:
                        why = refused_reason(refusals[item.pk], unavailable=result == HELD)
                        item_set(item, Outcome.NOT_SENT, why)
                        finished += 1
            if exhausted and requeued:
                items, exhausted, requeued = again(), False, False
            # Written between calls (not while the only one is in flight), so that with one call
            # at a time the job never writes while the API's server does.
            since = time.monotonic() - beat
            if (done and since >= HEARTBEAT_SECONDS / 2) or since >= quiet:
                status = _heartbeat(job)
                beat = time.monotonic()
    if spent:
        raise DailyLimitSpent
    return stop_after is not None and not exhausted and status == Status.RUNNING


def item_start(
    job: BulkJob, schema: Schema, item: BulkItem, *, taken: AbstractSet[int] = frozenset()
) -> tuple[bool, RecordChange | None]:
    """Before the call: the item marked as sent, and its history row (pending; None for a
    count, which changes nothing). (False, None) when the item needs no call (it is skipped
    here). `taken`: the history rows of the items in flight, which no other item takes."""
    fresh = item.sent_at is None and item.before is not None
    if job.kind == Kind.UPDATE and fresh:
        current = record_value(item.before, job.params["field"])
        if already_set(schema, job.params, current):
            item_set(item, Outcome.SKIPPED, "Already holds this value.")
            return False, None
    if job.kind == Kind.IMPORT and (item.data or {}).get("invalid"):
        return False, None
    change = None
    if item.sent_at is not None:
        # It was in flight when the job stopped: its history row is still there, pending.
        change = _pending_change(job, schema, item, taken)
    # A count reads and changes nothing: no history row.
    if change is None and not (item.data or {}).get("invalid") and job.kind != Kind.COUNT:
        change = _change_start(job, schema, item)
    item.resumed = item.sent_at is not None
    item.sent_before = item.sent_at
    item.sent_at = timezone.now()
    item.save(update_fields=["sent_at"])
    return True, change


def _pending_change(
    job: BulkJob, schema: Schema, item: BulkItem, taken: AbstractSet[int]
) -> RecordChange | None:
    """The history row an item in flight at a restart left pending, not one an item in
    flight has (`taken`): by the record it names, or, for a row that makes a record (no id
    yet: an import's create, a revert's restore), the pending row that says what it says."""
    if job.kind == Kind.COUNT:
        return None
    pending = RecordChange.objects.filter(
        job_id=str(job.pk), outcome=RecordChange.Outcome.PENDING
    ).exclude(pk__in=taken)
    wanted = _change_start(job, schema, item, save=False)
    if wanted.record_id:
        return pending.filter(record_id=wanted.record_id).order_by("id").first()
    candidates = pending.filter(record_id="", action=wanted.action).order_by("id")
    return next(
        (c for c in candidates if (c.before, c.after) == (wanted.before, wanted.after)), None
    )


def _change_start(
    job: BulkJob, schema: Schema, item: BulkItem, *, save: bool = True
) -> RecordChange:
    """The history row for an item, like services.change_start but carrying the job's id
    (not stored when `save` is False)."""
    if job.kind == Kind.DELETE:
        action = RecordChange.Action.DELETE
        changed = sorted(k for k, v in ((item.before or {}).get("properties") or {}).items()
                         if v is not None)  # fmt: skip
        after = None
    elif job.kind == Kind.UPDATE:
        action = RecordChange.Action.UPDATE
        key, value = job.params["field"], job.params["value"]
        after = {"owner": value} if key == OWNER else {"properties": {key: value}}
        changed = [key]
    elif job.kind == Kind.LINK:
        # As a link made from the record's page (services/relations.py): what it links to.
        action, after, changed = RecordChange.Action.LINK, link_what(job.params), []
        return _change_create(job, schema, item.record_id, action, None, after, changed, save=save)
    elif job.kind == Kind.REVERT:
        reverted = workers.reverted_change(item)
        action, before, record_id = revert_action(reverted), item.before, item.record_id
        changed = list(reverted.changed_fields) if reverted else []
        after = None  # the record as the API returns it, once the call is done
        restored_from = None
        if action == RecordChange.Action.UNLINK:
            # What the link joined, as an unlink from the record's page keeps it: its Undo
            # there links the two again.
            before = reverted.after
        if action == RecordChange.Action.RESTORE:
            # As a restore from the record's page (services.record_restore): the new record's
            # id comes with the answer, and the delete it undoes is named.
            before = {"restored_from": reverted.pk, "record_id": reverted.record_id}
            record_id, restored_from = "", reverted.pk
        return _change_create(
            job,
            schema,
            record_id,
            action,
            before,
            after,
            changed,
            restored_from=restored_from,
            save=save,
        )
    else:
        data = item.data or {}
        match = data.get("match") or {}
        creating = not match
        action = RecordChange.Action.CREATE if creating else RecordChange.Action.UPDATE
        properties = data.get("properties") or {}
        if match.get("or_create"):
            # An update of the record found by this value leaves the value as it is.
            properties = {k: v for k, v in properties.items() if k != match["field"]}
        after = {"properties": properties}
        if "owner" in data:
            after["owner"] = data["owner"]
        changed = sorted(after["properties"]) + (["owner"] if "owner" in data else [])
    return _change_create(
        job, schema, item.record_id, action, item.before, after, changed, save=save
    )


def revert_action(reverted: RecordChange | None) -> str:
    """What reverting a change does: an update is undone by an update, a record made (or
    restored) by a delete, a delete by a restore."""
    action = reverted.action if reverted else RecordChange.Action.UPDATE
    if action == RecordChange.Action.LINK:
        return RecordChange.Action.UNLINK
    if action in (RecordChange.Action.CREATE, RecordChange.Action.RESTORE):
        return RecordChange.Action.DELETE
    if action == RecordChange.Action.DELETE:
        return RecordChange.Action.RESTORE
    return RecordChange.Action.UPDATE


def _change_create(
    job, schema, record_id, action, before, after, changed, *, restored_from=None, save=True
) -> RecordChange:
    change = RecordChange(
        user_id=job.user_id,
        username=job.username,
        location_id=config.location_id(),
        object_key=schema.key,
        record_id=record_id,
        action=action,
        before=before,
        after=after,
        changed_fields=changed,
        job_id=str(job.pk),
        note=f"Bulk job: {job.summary}"[:1000],
        restored_from=restored_from,
    )
    if save:
        change.save()
    return change


def _owner_names(job: BulkJob, pacer: Pacer) -> dict[str, str]:
    """The users' names by id, when the job sets owners: its history rows keep the names of
    the owners before and after, as they were then (a user may be renamed or leave later)."""
    sets_owner = (job.kind == Kind.UPDATE and job.params.get("field") == OWNER) or (
        job.kind == Kind.IMPORT and OWNER in (job.params.get("mapping") or ())
    )
    if not sets_owner:
        return {}
    try:
        return {u.id: u.name for u in pacer.call(services.user_list)}
    except RecordsApiError:  # a 429 too: the names are not worth stopping the job for
        return {}  # the history shows the owners' ids instead


def _name_owners(change: RecordChange, names: Mapping[str, str]) -> None:
    """Add the owners' names to a history row that changed the owner."""
    if not names or OWNER not in (change.changed_fields or ()):
        return
    for side in ("before", "after"):
        state = getattr(change, side)
        if isinstance(state, dict) and state.get(OWNER) in names:
            setattr(change, side, {**state, "owner_name": names[state[OWNER]]})
    change.save(update_fields=["before", "after"])


def _finish_item(
    item: BulkItem,
    change: RecordChange | None,
    future: Future,
    names: Mapping[str, str] | None = None,
) -> str:
    """After the call: the item's outcome and its history row, committed at once. REFUSED,
    HELD or NOT_SENT when the item went back to pending (refused for the rate, held back by
    the circuit breaker, or never sent because the daily quota is spent), FINISHED
    otherwise."""
    try:
        result: ItemResult = future.result()
    except (*HELD_BACK, DailyLimitSpent) as error:
        # Not the record's fault: it stays pending and goes again (the pacer waits first).
        # One sent before a restart keeps its mark and its history row: it may have been
        # carried out then, so its next try looks first.
        if not getattr(item, "resumed", False):
            item.sent_at = None
            item.save(update_fields=["sent_at"])
            if change is not None:
                change.delete()
        if isinstance(error, DailyLimitSpent):
            return NOT_SENT
        logger.info("bulk item %s: not sent now, will retry: %s", item.pk, error)
        return HELD if isinstance(error, CircuitOpen) else REFUSED
    except Exception as error:  # a bug must fail the item, not the job
        logger.exception("bulk item %s failed unexpectedly", item.pk)
        result = ItemResult(Outcome.FAILED, f"Unexpected error: {type(error).__name__}")
    if change is not None:
        _finish_history(change, result, names or {})
    item_set(item, result.outcome, result.reason, result.record_id, result.data)
    return FINISHED


def _finish_history(change: RecordChange, result: ItemResult, names: Mapping[str, str]) -> None:
    """Complete an item's history row as the record's page would: done, failed or unknown."""
    if result.before is not None:
        change.before = result.before
        change.record_id = change.record_id or result.record_id
        change.save(update_fields=["before", "record_id"])
    if result.after is not None:
        change.after = result.after
        change.save(update_fields=["after"])
    if result.made:
        # Written as an update before the call (the row names a record to look for); it made
        # one instead, which a revert deletes.
        change.action = RecordChange.Action.CREATE
        if result.record is not None:
            made = result.record.properties
            change.changed_fields = sorted(k for k, v in made.items() if v is not None)
        change.save(update_fields=["action", "changed_fields"])
    if result.drop_history:
        change.delete()
        return
    if result.outcome == Outcome.UNKNOWN:
        services.change_finish(change=change, error=OutcomeUnknown(result.reason))
    elif result.outcome == Outcome.FAILED:
        services.change_finish(change=change, error=RecordsApiError(result.reason))
    else:
        services.change_finish(change=change, record=result.record)
    _name_owners(change, names)


FINISHED, REFUSED, HELD, NOT_SENT = "finished", "refused", "held back", "not sent"
