"""Bulk jobs: making, queueing, cancelling, retrying and resuming them, and their counts."""

import logging
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from recordsadmin.client.domain import Schema
from recordsadmin.records.models import BulkItem, BulkJob, RecordChange

from .runner import cancel_pending, stale_seconds
from .selection import Selection
from .tasks import run_bulk_job

logger = logging.getLogger(__name__)

Kind = BulkJob.Kind
Status = BulkJob.Status
Outcome = BulkItem.Outcome

# An import row that creates (no "match") and whose outcome is unknown: its record may exist.
_UNKNOWN_CREATE = Q(outcome=Outcome.UNKNOWN) & ~Q(data__has_key="match")


def job_create(
    *,
    user,
    schema: Schema,
    kind: str,
    selection: Selection | None = None,
    params: Mapping | None = None,
    summary: str = "",
    items: list[dict] | None = None,
    submission: uuid.UUID | None = None,
) -> BulkJob:
    """Store the job (and, for an import, its items) and queue it for the worker, once the
    transaction it is made in commits.

    With `submission` (the start form's one-time id) a form sent again gets the job the first
    send made, even when both arrive at once: the id is unique, so the second insert fails.
    """
    if submission is not None:
        existing = BulkJob.objects.filter(submission=submission).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            job = BulkJob.objects.create(
                kind=kind,
                object_key=schema.key,
                user=user if getattr(user, "pk", None) else None,
                username=getattr(user, "get_username", lambda: "")(),
                selection=selection.as_json() if selection else {},
                params=dict(params or {}),
                summary=summary[:500],
                collected=items is not None,
                total=len(items or ()),
                submission=submission,
            )
            if items is not None:
                BulkItem.objects.bulk_create(
                    BulkItem(job=job, position=n, **item) for n, item in enumerate(items, 1)
                )
    except IntegrityError:
        # The same form sent twice; or another constraint (one count at a time), raised on.
        existing = BulkJob.objects.filter(submission=submission).first() if submission else None
        if existing is None:
            raise
        return existing
    transaction.on_commit(lambda: job_enqueue(job=job))
    return job


def job_enqueue(*, job: BulkJob) -> None:
    result = run_bulk_job.enqueue(str(job.pk))
    BulkJob.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.task_id = str(result.id)


def job_cancel(*, job: BulkJob) -> None:
    """Ask the job to stop: the worker finishes the calls in flight and sends no more."""
    updated = BulkJob.objects.filter(pk=job.pk, status=Status.QUEUED).update(
        status=Status.CANCELLED, finished_at=timezone.now()
    )
    if updated:
        cancel_pending(job)
    else:
        BulkJob.objects.filter(pk=job.pk, status=Status.RUNNING).update(status=Status.CANCELLING)
    job.refresh_from_db()


def job_retryable(*, job: BulkJob):
    """The items a retry sends again: those that did not get done.

    Not the rows the file itself got wrong, nor a row whose record id names no record (they
    would fail again; a lookup on the key's value would drop every row without the key too,
    SQL NULL, so this asks whether it is there), nor the import's creates whose outcome is
    unknown: the record may exist, and sending the row again could make it twice.
    """
    hopeless = Q(data__has_key="invalid") | Q(data__has_key="no_record")
    items = job.items.filter(Q(data__isnull=True) | ~hopeless, outcome__in=BulkItem.FAILURES)
    return items.exclude(_UNKNOWN_CREATE) if job.kind == Kind.IMPORT else items


def job_unknown_changes(*, job: BulkJob) -> int:
    """How many updates or deletes may have been carried out all the same (a retry sends them
    again: they are safe to repeat)."""
    return job.items.filter(outcome=Outcome.UNKNOWN).count() - job_unknown_creates(job=job)


def job_unknown_creates(*, job: BulkJob) -> int:
    """How many of an import's creates have an unknown outcome (left out of a retry)."""
    if job.kind != Kind.IMPORT:
        return 0
    return job.items.filter(_UNKNOWN_CREATE).count()


@dataclass(frozen=True)
class Retry:
    """What a retry of a finished job sends again."""

    failed: int = 0  # items sent that did not get done (refused, or outcome unknown)
    # Items never sent: cancelled, held back by a limit, or not reached by a job an error
    # stopped (still pending).
    unsent: int = 0
    from_start: bool = False  # it stopped before it had collected its records: it starts over

    def __bool__(self) -> bool:
        return bool(self.failed or self.unsent or self.from_start)


def job_retry_plan(*, job: BulkJob) -> Retry:
    """What job_retry_failed would send again (nothing while the job runs)."""
    if not job.is_finished:
        return Retry()
    if job.status in (Status.FAILED, Status.CANCELLED) and not job.collected:
        return Retry(from_start=True)
    retryable = job_retryable(job=job)
    return Retry(
        failed=retryable.exclude(outcome=Outcome.NOT_SENT).count(),
        unsent=retryable.filter(outcome=Outcome.NOT_SENT).count()
        + job.items.filter(outcome=Outcome.PENDING).count(),
    )


def job_retry_failed(*, job: BulkJob) -> Retry:
    """Queue the job again for its retryable items, and the pending ones a job stopped by an
    error left (or, when it stopped before it had collected its records, all of it, from the
    collection on); returns what it queued, nothing when a retry had nothing to send."""
    with transaction.atomic():
        plan = job_retry_plan(job=job)
        # Only the first of two retries sent at once finds the job still finished.
        if not plan or not BulkJob.objects.filter(pk=job.pk, status=job.status).update(
            status=Status.QUEUED, finished_at=None, error=""
        ):
            return Retry()
        if plan.from_start:
            # Nothing was sent before the collection ended: it starts over, from the search.
            job.items.all().delete()
            BulkJob.objects.filter(pk=job.pk).update(total=0)
        retryable = job_retryable(job=job)
        # A call that may have been carried out keeps its mark (sent_at), as after a restart:
        # the retry then looks before it sends, and a delete that finds the record gone did it.
        # One not sent this time keeps it too: set, it was sent before a restart.
        maybe_sent = Q(outcome__in=(Outcome.UNKNOWN, Outcome.NOT_SENT))
        again = {"outcome": Outcome.PENDING, "reason": "", "finished_at": None}
        retryable.filter(maybe_sent).update(**again)
        retryable.exclude(maybe_sent).update(**again, sent_at=None)
        transaction.on_commit(lambda: job_enqueue(job=job))
    job.refresh_from_db()
    return plan


def job_stalled(*, job: BulkJob) -> bool:
    """Whether a job says it runs but its worker has stopped (a restart): its heartbeat is
    older than stale_seconds(). A jobs_worker takes it over (jobs_resume_stale)."""
    if job.status not in (Status.RUNNING, Status.CANCELLING):
        return False
    limit = timezone.now() - timedelta(seconds=stale_seconds())
    return not (job.heartbeat_at and job.heartbeat_at > limit)


def job_resume_if_stale(*, job: BulkJob, everything: bool = False) -> bool:
    """Queue a job again when it says it runs but its worker stopped (job_stalled), or, with
    `everything`, whatever its heartbeat's age (no worker runs)."""
    if job.status not in (Status.RUNNING, Status.CANCELLING):
        return False
    if not everything and not job_stalled(job=job):
        return False
    updated = BulkJob.objects.filter(pk=job.pk, heartbeat_at=job.heartbeat_at).update(
        status=Status.QUEUED if job.status == Status.RUNNING else Status.CANCELLING,
        heartbeat_at=timezone.now(),
    )
    if updated:
        logger.warning("bulk job %s: its worker stopped; queued again to resume", job.pk)
        job.refresh_from_db()
        _task_lost(job)
        job_enqueue(job=job)
    return bool(updated)


class WorkerLost(Exception):
    """The task's worker stopped while it ran (a restart, a kill): another took its job over."""


def _task_lost(job: BulkJob) -> None:
    """The task the job ran in, when its worker stopped with it running, is failed: the task
    queue no longer counts it as running (/healthz), and its job runs in a new task."""
    lost = DBTaskResult.objects.running().filter(id=job.task_id).first() if job.task_id else None
    if lost is not None:
        lost.set_failed(WorkerLost("Its worker stopped; the job was queued again in a new task."))


def jobs_resume_stale(*, everything: bool = False) -> int:
    """Resume every job whose worker stopped; `everything` when no worker is running."""
    return sum(
        job_resume_if_stale(job=job, everything=everything)
        for job in BulkJob.objects.filter(status__in=(Status.RUNNING, Status.CANCELLING))
    )


def job_counts(*, job: BulkJob) -> dict[str, int]:
    """The job's items by outcome, each counted apart: "done", "skipped" (the record already
    was as asked: nothing to send), "failed" (refused), "unknown" (the answer was lost),
    "not_sent" (never sent: cancelled, or held back by a limit) and "pending"; with "total",
    "finished" (no longer pending), "processed" (what the progress bar shows: the items the
    job dealt with, which never-sent ones were not) and "not_done" (failed, unknown and not
    sent together: what the job page lists)."""
    counts = dict.fromkeys(Outcome.values, 0)
    for row in job.items.values("outcome").order_by().annotate(n=Count("id")):
        counts[row["outcome"]] = row["n"]
    counts["total"] = sum(counts.values())
    counts["finished"] = counts["total"] - counts[Outcome.PENDING]
    counts["processed"] = counts["finished"] - counts[Outcome.NOT_SENT]
    counts["not_done"] = sum(counts[outcome] for outcome in BulkItem.FAILURES)
    return counts


# How often a running job's page asks for its progress, by the job's size: each answer counts
# the job's items (job_counts), which costs more the more there are, and a big job moves at
# the records API's pace (about ten records a second) for minutes or hours.
POLL_SECONDS = ((2_000, 1), (20_000, 2))
POLL_SECONDS_MOST = 5


def job_poll_seconds(*, total: int) -> int:
    """The seconds between two looks at a running job of `total` items."""
    return next((seconds for most, seconds in POLL_SECONDS if total <= most), POLL_SECONDS_MOST)


def job_skips(*, job: BulkJob, most: int = 3) -> list[tuple[str, int]]:
    """Why the job's skipped items were skipped, the `most` commonest reasons first, each
    with its count; a last ("other reasons", n) holds the rest (the report lists each)."""
    rows = (
        job.items.filter(outcome=Outcome.SKIPPED)
        .values("reason")
        .order_by()
        .annotate(n=Count("id"))
        .order_by("-n", "reason")
    )
    found = [(row["reason"], row["n"]) for row in rows]
    rest = sum(n for _, n in found[most:])
    return found[:most] + ([("other reasons", rest)] if rest else [])


def job_failures(*, job: BulkJob):
    """The items sent that did not get done (refused, or outcome unknown), in order, for the
    job's page. The never-sent ones are not listed there: their count, the job's error and
    Retry say it, and the report lists them."""
    return job.items.filter(outcome__in=(Outcome.FAILED, Outcome.UNKNOWN)).order_by("position")


# -- revert -------------------------------------------------------------------------------------


REVERTIBLE = (
    RecordChange.Action.UPDATE,
    RecordChange.Action.CREATE,
    RecordChange.Action.RESTORE,
    RecordChange.Action.DELETE,
    RecordChange.Action.LINK,
)


class RevertTarget(NamedTuple):
    """A record a revert puts back, and the change of the job it undoes; `last_id`, the job's
    last change of a record it changed more than once (an import's rows of one value): a
    record it made and then changed is deleted while it holds what that change left, and
    one it changed again and again gets the values from before the first change back."""

    record_id: str
    change_id: int
    action: str
    last_id: int | None = None


def job_revert_changes(*, job: BulkJob) -> list[RevertTarget]:
    """The changes of `job` a revert puts back, one per record: its finished updates of
    records' values (put back, from before its first change of the record), the records it
    made or restored (deleted again), the records it deleted (restored, with new ids) and the
    links it made (removed).

    Read as three columns, in batches: a job of 100,000 records would otherwise load every
    change's values (its before and after) to count them on its page."""
    latest: dict[str, RevertTarget] = {}
    changes = (
        RecordChange.objects.filter(
            job_id=str(job.pk),
            action__in=REVERTIBLE,
            outcome=RecordChange.Outcome.OK,
        )
        .order_by("at", "id")
        .values_list("record_id", "id", "action")
    )
    made = (RecordChange.Action.CREATE, RecordChange.Action.RESTORE)
    update = RecordChange.Action.UPDATE
    for record_id, change_id, action in changes.iterator(chunk_size=5000):
        first = latest.get(record_id)
        if first is not None and first.action in made:
            latest[record_id] = first._replace(last_id=change_id)  # still deleted
        elif first is not None and first.action == update and action == update:
            latest[record_id] = first._replace(last_id=change_id)  # all of them undone
        else:
            latest[record_id] = RevertTarget(record_id, change_id, action)
    return list(latest.values())


@dataclass(frozen=True)
class RevertPlan:
    """What reverting a job does, counted: values put back, records deleted (those it made or
    restored), records restored (those it deleted); and the permissions that takes."""

    put_back: int = 0
    deleted: int = 0
    restored: int = 0
    unlinked: int = 0

    @property
    def total(self) -> int:
        return self.put_back + self.deleted + self.restored + self.unlinked

    @property
    def permissions(self) -> list[str]:
        needed = ["records.change_record"] if self.put_back or self.unlinked else []
        needed += ["records.delete_record"] if self.deleted else []
        return needed + (["records.add_record"] if self.restored else [])

    @property
    def text(self) -> str:
        """ "puts back the values of 3 records, deletes the 2 it made and restores the 1 it
        deleted (with a new id)"."""
        parts = []
        if self.put_back:
            parts.append(f"puts back the values of {_records(self.put_back)} it changed")
        if self.deleted:
            parts.append(f"deletes the {_records(self.deleted)} it made")
        if self.restored:
            ids = "a new id" if self.restored == 1 else "new ids"
            parts.append(f"restores the {_records(self.restored)} it deleted (with {ids})")
        if self.unlinked:
            parts.append(f"removes the links it made from {_records(self.unlinked)}")
        if len(parts) > 1:
            return ", ".join(parts[:-1]) + " and " + parts[-1]
        return parts[0] if parts else ""


def _records(count: int) -> str:
    return f"{count:,} record{'s' if count != 1 else ''}"


def job_revert_plan(*, job: BulkJob) -> RevertPlan:
    actions = Counter(target.action for target in job_revert_changes(job=job))
    Action = RecordChange.Action
    return RevertPlan(
        put_back=actions[Action.UPDATE],
        deleted=actions[Action.CREATE] + actions[Action.RESTORE],
        restored=actions[Action.DELETE],
        unlinked=actions[Action.LINK],
    )


def job_revert_latest(*, job: BulkJob) -> BulkJob | None:
    """The latest job that reverts `job`, if any."""
    reverts = BulkJob.objects.filter(kind=BulkJob.Kind.REVERT, params__reverts=str(job.pk))
    return reverts.order_by("-created_at").first()


def revert_blocks(revert: BulkJob | None) -> bool:
    """Whether a revert makes another one pointless: one still running, or one that finished
    its work. One cancelled or stopped by an error leaves a new revert to do the rest (it
    skips the records put back already)."""
    return revert is not None and (not revert.is_finished or revert.status == Status.DONE)


def job_revert_blocked_by(*, job: BulkJob) -> BulkJob | None:
    """The latest revert of `job` when it makes another one pointless (revert_blocks)."""
    latest = job_revert_latest(job=job)
    return latest if revert_blocks(latest) else None


def job_revert_start(*, user, schema: Schema, job: BulkJob) -> tuple[BulkJob | None, bool]:
    """The revert of `job`: (a new one, True), or (the one that makes another pointless,
    False), whoever asks twice (two tabs, two people); (None, False) when the job changed no
    record."""
    with transaction.atomic():
        BulkJob.objects.select_for_update().filter(pk=job.pk).first()
        blocked_by = job_revert_blocked_by(job=job)
        if blocked_by is not None:
            return blocked_by, False
        revert = job_revert_create(user=user, schema=schema, job=job)
        return revert, revert is not None


def job_revert_create(*, user, schema: Schema, job: BulkJob) -> BulkJob | None:
    """A job of its own that undoes `job` record by record: values put back, records it made
    deleted, each only while the record still holds what the job set; records it deleted
    restored (workers.revert_one). None when the job changed no record."""
    changes = job_revert_changes(job=job)
    if not changes:
        return None
    items = [
        {"record_id": c.record_id, "data": {"change": c.change_id, "last": c.last_id}}
        for c in changes
    ]
    return job_create(
        user=user,
        schema=schema,
        kind=BulkJob.Kind.REVERT,
        params={"reverts": str(job.pk)},
        summary=f"Revert of “{job.summary}”",
        items=items,
    )
