"""Bulk work: delete, set a field, or import rows on many records, as a job beside the page.

The records API has no bulk endpoint and allows `X-RateLimit-Max` calls per
`X-RateLimit-Interval-Milliseconds` per location (100 per 10 s on the real service), so a job is
one call per record, paced by `Pacer` to stay just under what the API announces, with a few
calls in flight so that latency does not cost throughput.

A job first collects its items (the selected records, with what they held, from the search that
selected them: one call per 100 records), then works through its pending items. Each item's
outcome is committed as it finishes, so a job stopped by a restart resumes with the pending
items only; an item that was in flight at the restart is checked before it is sent again.

Every change is written to the history (`RecordChange`) with the job's id, before the call and
completed after it, like a change made from a record's page.
"""

import logging
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.http import QueryDict
from django.utils import timezone

from recordsadmin.records import api, display, forms, history, services
from recordsadmin.records.exceptions import (
    NotFound,
    OutcomeUnknown,
    RateLimited,
    RecordsApiError,
    ValidationFailed,
)
from recordsadmin.records.listing import ListQuery
from recordsadmin.records.models import BulkItem, BulkJob, RecordChange
from recordsadmin.records.types import Field, Record, Schema, User

logger = logging.getLogger(__name__)

Kind = BulkJob.Kind
Status = BulkJob.Status
ItemStatus = BulkItem.Status

PAGE_SIZE = 100  # the most records one search call returns
MAX_IDS = 100  # checked rows come from one page of the table
# A job gives each call this long, retries included (a page view gives GHL_PAGE_DEADLINE).
CALL_DEADLINE_SECONDS = 60.0
# A running job writes its heartbeat between calls; one silent for STALE_SECONDS (longer than
# any one call may take, retries included) was stopped by a restart and is queued again.
HEARTBEAT_SECONDS = 2.0
STALE_SECONDS = 2 * CALL_DEADLINE_SECONDS
OWNER = "owner"
# Field types a bulk edit or an import can set (files need an upload first; see ghl-notes.md).
UNSETTABLE_TYPES = frozenset({"FILE_UPLOAD", "TEXTBOX_LIST"})
# The reason of an item whose call may or may not have been carried out (its answer was lost).
UNKNOWN_PREFIX = "Outcome unknown"
MAYBE_CHANGED = (
    "The change may have been made all the same: a retry sends it again (setting a value "
    "twice does no harm)."
)
MAYBE_DELETED = (
    "The record may have been deleted all the same: a retry sends the delete again, and a "
    "record already gone then counts as deleted."
)
# An import row that creates (no "match") and failed with its outcome unknown.
_UNKNOWN_CREATE = Q(reason__startswith=UNKNOWN_PREFIX) & ~Q(data__has_key="match")
STOPPED_CREATE_REASON = (
    f"{UNKNOWN_PREFIX}: the job stopped while this row was being sent. "
    "Look for the record before retrying."
)
# The reason of an item the job did not send this time (the rate limit, the daily quota).
NOT_SENT_PREFIX = "Not sent"


# How often in a row one item may be refused for the rate (429, each after the client's own
# retries) before it fails: a limit that never lets it through must not keep the job forever.
MAX_RATE_REFUSALS = 10


# -- pacing -------------------------------------------------------------------------------------


class DailyLimitSpent(Exception):
    """The location's daily quota of calls is spent (X-RateLimit-Daily-Remaining: 0)."""


class Pacer:
    """Lets a call go when the API's announced limit has room for it, counting our own calls.

    Our calls of the last interval are kept by the time they finished (later than the server
    counted them, so we err on the safe side), and in-flight calls count too. `reserve` calls of
    each interval are left to people browsing the dashboard meanwhile. When the last answer says
    that none remain (others have used more than the reserve), one call is let through per 1/max
    of the interval until the answers say there is room again; a 429 all the same pauses the
    job for as long as the API asks.

    Until an answer has announced a limit, one call at a time goes; if answers announce none
    (the embedded API with its rate limit off), calls are not paced.
    """

    def __init__(self, *, reserve: int = 2, clock: Callable[[], float] = time.monotonic):
        self.reserve = max(0, reserve)
        self._clock = clock
        self._started = clock()
        self._done: deque[float] = deque()
        self._in_flight = 0
        self._answered = False
        self._not_before = 0.0
        self._lock = threading.Condition()

    def _limit(self) -> tuple[int, float] | None:
        """(calls, seconds) we may use, None when unpaced; from the latest answer of this job."""
        seen = api.rate_limit_seen()
        if seen is None or seen.at < self._started or seen.max <= 0 or seen.interval_ms <= 0:
            return None if self._answered else (1, 0.0)
        return max(1, seen.max - self.reserve), seen.interval_ms / 1000

    def _wait_for(self, now: float) -> float:
        """Seconds until a call may go; 0 when it may go now."""
        if now < self._not_before:
            return self._not_before - now
        limit = self._limit()
        if limit is None:
            return 0.0
        calls, seconds = limit
        if seconds == 0.0:  # no limit announced yet: one call at a time
            return 0.0 if self._in_flight == 0 else 0.05
        while self._done and self._done[0] <= now - seconds:
            self._done.popleft()
        if len(self._done) + self._in_flight >= calls:
            return max(0.005, self._done[0] + seconds - now) if self._done else 0.05
        seen = api.rate_limit_seen()
        if seen is not None and seen.at >= self._started and seen.remaining <= 0:
            # Others have spent the limit: probe once per 1/max of the interval, one at a time.
            step = seconds / max(1, seen.max)
            last = max(self._done[-1] if self._done else seen.at, seen.at)
            if self._in_flight or now < last + step:
                return max(0.01, last + step - now)
        return 0.0

    def daily_spent(self) -> bool:
        """Whether an answer to this job said that the day's quota is spent: every call would
        be refused until it resets, so the job stops instead of waiting for it."""
        seen = api.rate_limit_seen()
        return (
            seen is not None
            and seen.at >= self._started
            and seen.daily_remaining is not None
            and seen.daily_remaining <= 0
        )

    def acquire(self) -> None:
        with self._lock:
            while True:
                if self.daily_spent():
                    raise DailyLimitSpent
                wait_for = self._wait_for(self._clock())
                if wait_for <= 0:
                    self._in_flight += 1
                    return
                self._lock.wait(timeout=wait_for)

    def release(self) -> None:
        with self._lock:
            self._in_flight -= 1
            self._answered = True
            self._done.append(self._clock())
            self._lock.notify_all()

    def pause(self, seconds: float) -> None:
        """The API refused a call for the rate (429): no call goes for `seconds`."""
        with self._lock:
            self._not_before = max(self._not_before, self._clock() + seconds)

    def call(self, function: Callable, /, **kwargs):
        """`function(**kwargs)` once the limit has room for it."""
        self.acquire()
        try:
            return function(deadline=api.deadline_in(CALL_DEADLINE_SECONDS), **kwargs)
        except RateLimited as error:
            self.pause(error.retry_after or 1.0)
            raise
        finally:
            self.release()


# -- the selection --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """Checked rows (`ids`), or every record matching the table's search (`all_matching`)."""

    query: str = ""  # the table's query string, "?q=...&f.status=..."
    ids: tuple[str, ...] = ()
    all_matching: bool = False

    @classmethod
    def from_post(cls, data: QueryDict) -> "Selection":
        query = data.get("query", "")
        if not query.startswith("?"):
            query = "?" + query
        ids = tuple(dict.fromkeys(i for i in data.getlist("ids") if i))[:MAX_IDS]
        return cls(query=query, ids=ids, all_matching=data.get("all") == "1")

    def as_json(self) -> dict:
        return {"query": self.query, "ids": list(self.ids), "all": self.all_matching}

    @classmethod
    def from_json(cls, data: Mapping) -> "Selection":
        return cls(
            query=data.get("query", ""),
            ids=tuple(data.get("ids") or ()),
            all_matching=bool(data.get("all")),
        )

    @property
    def is_empty(self) -> bool:
        return not self.all_matching and not self.ids

    def list_query(self, schema: Schema) -> ListQuery:
        return ListQuery.from_params(schema, QueryDict(self.query.lstrip("?")))


def selection_count(*, schema: Schema, selection: Selection) -> int:
    if not selection.all_matching:
        return len(selection.ids)
    query = selection.list_query(schema)
    page = services.record_search(
        schema=schema, query=query.q, filters=query.filters(schema), per_page=1
    )
    return page.total


def selection_pages(
    *, schema: Schema, selection: Selection, call: Callable | None = None
) -> Iterator[list[Record]]:
    """The selected records, a search page (100) at a time, in the table's order.

    For checked rows the table's search is paged until every checked id was met (they come
    from one page of it); ids it no longer finds are not yielded.
    """
    call = call or (lambda function, **kwargs: function(**kwargs))
    query = selection.list_query(schema)
    wanted = set(selection.ids)
    page_number = 1
    while True:
        page = call(
            services.record_search,
            schema=schema,
            query=query.q,
            filters=query.filters(schema),
            sort=query.search_sort(),
            page=page_number,
            per_page=PAGE_SIZE,
        )
        records = list(page.records)
        if not selection.all_matching:
            records = [r for r in records if r.id in wanted]
            wanted -= {r.id for r in records}
        if records:
            yield records
        if not page.has_next or not page.records or (not selection.all_matching and not wanted):
            return
        page_number += 1


# -- the change: what a bulk edit sets --------------------------------------------------------


@dataclass
class Change:
    """A bulk edit's field and value (None clears it), checked against the schema."""

    field_key: str
    value: Any = None
    label: str = ""
    value_text: str = ""
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"field": self.field_key, "value": self.value}


def settable_fields(schema: Schema) -> list[Field]:
    return [f for f in schema.fields if f.data_type not in UNSETTABLE_TYPES]


def change_from_post(*, schema: Schema, data: QueryDict, users: list[User]) -> Change:
    """The field and value the user chose, cleaned by the record form's own field for it, so a
    value the API would refuse is found before any record is touched."""
    key = data.get("field", "")
    if key == OWNER:
        known = {u.id: u for u in users}
        value = data.get("value", "").strip() or None
        change = Change(OWNER, value, "Owner", known[value].name if value in known else "nobody")
        if value and value not in known:
            change.errors.append("That user cannot own records in this location.")
        return change
    f = schema.field(key)
    if f is None or f.data_type in UNSETTABLE_TYPES:
        return Change(key, errors=["Choose a field to set."])
    form_field = forms.form_field(f)
    raw = form_field.widget.value_from_datadict(data, {}, "value")
    change = Change(f.key, None, f.name)
    if f.required and forms.is_empty(raw):
        change.errors.append(
            f"{f.name} is required: the records API refuses to clear it on any record."
        )
        return change
    try:
        change.value = form_field.clean(raw)
    except ValidationError as error:
        change.errors += [f"{f.name}: {m}" for m in error.messages]
        return change
    if forms.is_empty(change.value):
        change.value = None
    change.value_text = value_text(f, change.value)
    return change


def value_text(f: Field | None, value: Any) -> str:
    if forms.is_empty(value):
        return "(empty)"
    if f is None:
        return str(value)
    if f.data_type == "MONETORY":
        return display.money_text(value) or str(value)
    labels = f.option_labels
    if isinstance(value, list):
        return ", ".join(labels.get(str(v), str(v)) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return labels.get(str(value), str(value))


def record_value(record_or_snapshot: Any, key: str) -> Any:
    if isinstance(record_or_snapshot, Record):
        return record_or_snapshot.owner if key == OWNER else record_or_snapshot.properties.get(key)
    snapshot = record_or_snapshot or {}
    if key == OWNER:
        return snapshot.get("owner")
    return (snapshot.get("properties") or {}).get(key)


def already_set(schema: Schema, change: Mapping, current: Any) -> bool:
    key, value = change["field"], change["value"]
    if key == OWNER:
        return (current or None) == (value or None)
    f = schema.field(key)
    return f is not None and forms.normalized(f, current) == forms.normalized(f, value)


# -- the preview ----------------------------------------------------------------------------------


@dataclass
class Preview:
    count: int
    summary: str
    transitions: list[tuple[str, int]] = field(default_factory=list)
    sampled: int = 0
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)
    blocked: bool = False


def preview(
    *,
    schema: Schema,
    selection: Selection,
    kind: str,
    change: Change | None = None,
    users: list[User] = (),
) -> Preview:
    """What the job would do, from the count and the first page of the selection: "132
    properties: Status Active → Sold", with the values the API would refuse named first."""
    count = selection_count(schema=schema, selection=selection)
    noun = schema.singular.lower() if count == 1 else schema.plural.lower()
    if kind == Kind.DELETE:
        return Preview(count=count, summary=f"Delete {count:,} {noun}", blocked=count == 0)
    assert change is not None
    sample = next(iter(selection_pages(schema=schema, selection=selection)), [])
    f = schema.field(change.field_key)
    names = {u.id: u.name for u in users}
    befores: Counter[str] = Counter()
    unchanged = 0
    for record in sample:
        current = record_value(record, change.field_key)
        if already_set(schema, change.as_json(), current):
            unchanged += 1
        if change.field_key == OWNER:
            befores[names.get(current, current) if current else "nobody"] += 1
        else:
            befores[value_text(f, current)] += 1
    transitions = befores.most_common()
    before_text = transitions[0][0] if len(transitions) == 1 else "various"
    after_text = change.value_text or value_text(f, change.value)
    result = Preview(
        count=count,
        summary=f"{count:,} {noun}: {change.label} {before_text} → {after_text}",
        transitions=transitions,
        sampled=len(sample),
        unchanged=unchanged,
        warnings=list(change.errors),
        blocked=bool(change.errors) or count == 0,
    )
    if unchanged:
        result.warnings.append(
            f"{unchanged} of the first {len(sample)} already hold this value: they will be "
            "skipped, with no call to the API."
        )
    return result


# -- jobs -----------------------------------------------------------------------------------------


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
        if submission is None:
            raise
        return BulkJob.objects.get(submission=submission)
    transaction.on_commit(lambda: job_enqueue(job=job))
    return job


def job_enqueue(*, job: BulkJob) -> None:
    from recordsadmin.records.tasks import run_bulk_job

    result = run_bulk_job.enqueue(str(job.pk))
    BulkJob.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.task_id = str(result.id)


def job_cancel(*, job: BulkJob) -> None:
    """Ask the job to stop: the worker finishes the calls in flight and sends no more."""
    updated = BulkJob.objects.filter(pk=job.pk, status=Status.QUEUED).update(
        status=Status.CANCELLED, finished_at=timezone.now()
    )
    if updated:
        _skip_pending(job, "Cancelled before it was sent.")
    else:
        BulkJob.objects.filter(pk=job.pk, status=Status.RUNNING).update(status=Status.CANCELLING)
    job.refresh_from_db()


def job_retryable(*, job: BulkJob):
    """The failed items a retry sends again.

    Not the rows the file itself got wrong (they would fail again; a lookup on the key's value
    would drop every row without the key too, SQL NULL, so this asks whether it is there), nor
    the import's creates whose outcome is unknown: the record may exist, and sending the row
    again could make it twice.
    """
    items = job.items.filter(
        Q(data__isnull=True) | ~Q(data__has_key="invalid"), status=ItemStatus.FAILED
    )
    return items.exclude(_UNKNOWN_CREATE) if job.kind == Kind.IMPORT else items


def job_unknown_changes(*, job: BulkJob) -> int:
    """How many failed updates or deletes may have been carried out all the same (a retry
    sends them again: they are safe to repeat)."""
    unknown = job.items.filter(reason__startswith=UNKNOWN_PREFIX, status=ItemStatus.FAILED)
    return unknown.count() - job_unknown_creates(job=job)


def job_unknown_creates(*, job: BulkJob) -> int:
    """How many of an import's creates failed with their outcome unknown (left out of a retry)."""
    if job.kind != Kind.IMPORT:
        return 0
    return job.items.filter(_UNKNOWN_CREATE, status=ItemStatus.FAILED).count()


@dataclass(frozen=True)
class Retry:
    """What a retry of a finished job sends again."""

    failed: int = 0  # failed items that may go through now
    unsent: int = 0  # items a job stopped by an error had not reached (still pending)
    from_start: bool = False  # it stopped before it had collected its records: it starts over

    def __bool__(self) -> bool:
        return bool(self.failed or self.unsent or self.from_start)


def job_retry_plan(*, job: BulkJob) -> Retry:
    """What job_retry_failed would send again (nothing while the job runs)."""
    if not job.is_finished:
        return Retry()
    if job.status == Status.FAILED and not job.collected:
        return Retry(from_start=True)
    return Retry(
        failed=job_retryable(job=job).count(),
        unsent=job.items.filter(status=ItemStatus.PENDING).count(),
    )


def job_retry_failed(*, job: BulkJob) -> Retry:
    """Queue the job again for its retryable failed items, and the pending ones a job stopped
    by an error left (or, when it stopped before it had collected its records, all of it, from
    the collection on); returns what it queued, nothing when a retry had nothing to send."""
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
        maybe_sent = Q(reason__startswith=UNKNOWN_PREFIX) | Q(reason__startswith=NOT_SENT_PREFIX)
        retryable.filter(maybe_sent).update(status=ItemStatus.PENDING, reason="", finished_at=None)
        retryable.exclude(maybe_sent).update(
            status=ItemStatus.PENDING, reason="", sent_at=None, finished_at=None
        )
        transaction.on_commit(lambda: job_enqueue(job=job))
    job.refresh_from_db()
    return plan


def job_resume_if_stale(*, job: BulkJob, everything: bool = False) -> bool:
    """Queue a job again when it says it runs but its worker stopped (a restart): its heartbeat
    is older than STALE_SECONDS, or, with `everything`, whatever its age (no worker runs)."""
    limit = timezone.now() - timedelta(seconds=STALE_SECONDS)
    if job.status not in (Status.RUNNING, Status.CANCELLING):
        return False
    if not everything and job.heartbeat_at and job.heartbeat_at > limit:
        return False
    updated = BulkJob.objects.filter(pk=job.pk, heartbeat_at=job.heartbeat_at).update(
        status=Status.QUEUED if job.status == Status.RUNNING else Status.CANCELLING,
        heartbeat_at=timezone.now(),
    )
    if updated:
        logger.warning("bulk job %s: its worker stopped; queued again to resume", job.pk)
        job.refresh_from_db()
        job_enqueue(job=job)
    return bool(updated)


def jobs_resume_stale(*, everything: bool = False) -> int:
    """Resume every job whose worker stopped; `everything` when no worker is running."""
    return sum(
        job_resume_if_stale(job=job, everything=everything)
        for job in BulkJob.objects.filter(status__in=(Status.RUNNING, Status.CANCELLING))
    )


def job_counts(*, job: BulkJob) -> dict[str, int]:
    counts = dict.fromkeys(ItemStatus.values, 0)
    for row in job.items.values("status").order_by().annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    counts["total"] = sum(counts[s] for s in ItemStatus.values)
    counts["finished"] = counts["total"] - counts[ItemStatus.PENDING]
    return counts


def _skip_pending(job: BulkJob, reason: str) -> None:
    job.items.filter(status=ItemStatus.PENDING).update(
        status=ItemStatus.SKIPPED, reason=reason, finished_at=timezone.now()
    )


# -- running a job --------------------------------------------------------------------------------


@dataclass
class Outcome:
    status: str
    reason: str = ""
    record: Record | None = None
    record_id: str = ""
    drop_history: bool = False
    before: dict | None = None  # the record before an import's update, found by the call
    # A failure after which the write may have been carried out all the same (its answer was
    # lost, or a 500): the history says "outcome unknown", not "failed".
    maybe_applied: bool = False


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
        job.save(update_fields=["status", "started_at", "heartbeat_at"])
    pacer = Pacer(reserve=int(getattr(settings, "BULK_RESERVE", 2)))
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
        job.error = f"The job stopped: {error}"
        job.save(update_fields=["error"])
        _finish(job, Status.FAILED)
        return job
    job.refresh_from_db(fields=["status"])
    if job.status == Status.CANCELLING:
        _finish(job, Status.CANCELLED)
    elif job.status == Status.RUNNING and not stopped:
        _finish(job, Status.DONE)
    # Otherwise it was queued again meanwhile (its heartbeat looked stale): the new run ends it.
    return job


DAILY_LIMIT_REASON = (
    f"{NOT_SENT_PREFIX}: the records API's daily limit for this location was spent."
)


def _stop_for_the_day(job: BulkJob) -> None:
    """The daily quota is spent: the pending items fail (a retry sends them once it resets)."""
    job.refresh_from_db(fields=["status", "collected"])
    if job.status == Status.CANCELLING:
        _finish(job, Status.CANCELLED)
        return
    pending = job.items.filter(status=ItemStatus.PENDING)
    if job.kind == Kind.IMPORT:
        _stop_unknown_creates(job, pending.filter(sent_at__isnull=False))
    # The others keep sent_at: one that was in flight at a restart is looked at before a retry
    # sends it again.
    count = pending.update(
        status=ItemStatus.FAILED, reason=DAILY_LIMIT_REASON, finished_at=timezone.now()
    )
    if job.collected:
        left = f"{count:,} record{'s were' if count != 1 else ' was'} not sent: retry them"
    else:
        left = "It had not collected all its records yet: retry it"
    job.error = (
        "The job stopped: the records API's daily limit of calls for this location is spent "
        f"(X-RateLimit-Daily-Remaining: 0). {left} once the limit resets, the next day."
    )
    job.save(update_fields=["error"])
    _finish(job, Status.FAILED)


def _stop_unknown_creates(job: BulkJob, in_flight) -> None:
    """The import's creates that were in flight at a restart (and not looked at since) may
    have made their records: they fail as unknown, so that a retry leaves them out, and so
    do their history rows (no call is in flight now: a pending create row is one of them)."""
    in_flight.exclude(data__has_key="match").update(
        status=ItemStatus.FAILED, reason=STOPPED_CREATE_REASON, finished_at=timezone.now()
    )
    for change in RecordChange.objects.filter(
        job_id=str(job.pk), action=RecordChange.Action.CREATE, outcome=RecordChange.Outcome.PENDING
    ):
        history.change_finish(change=change, error=OutcomeUnknown(STOPPED_CREATE_REASON))


def _finish(job: BulkJob, status: str) -> None:
    if status == Status.CANCELLED:
        _skip_pending(job, "Cancelled before it was sent.")
    job.status = status
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at"])


def _collect(job: BulkJob, schema: Schema, pacer: Pacer) -> bool:
    """The selected records as items, each with what it held (from the search, 100 a call).

    False when the job was cancelled meanwhile (a large selection takes a while to collect):
    it stops at once, and what was collected is skipped.
    """
    selection = Selection.from_json(job.selection)
    job.items.all().delete()  # a collection cut short by a restart starts over
    position = 0
    if _heartbeat(job) != Status.RUNNING:
        return False
    for records in selection_pages(schema=schema, selection=selection, call=pacer.call):
        BulkItem.objects.bulk_create(
            BulkItem(job=job, position=position + n, record_id=record.id,
                     before=history.record_snapshot(record))
            for n, record in enumerate(records, 1)
        )  # fmt: skip
        position += len(records)
        if _heartbeat(job) != Status.RUNNING:
            BulkJob.objects.filter(pk=job.pk).update(total=position)
            return False
    job.collected = True
    job.total = position
    job.save(update_fields=["collected", "total"])
    return True


def _status(job: BulkJob) -> str:
    return BulkJob.objects.values_list("status", flat=True).get(pk=job.pk)


def _heartbeat(job: BulkJob) -> str:
    """Write the heartbeat; return the job's status as stored (it may be cancelling)."""
    BulkJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
    return _status(job)


def _pending(job: BulkJob) -> Iterator[BulkItem]:
    """The pending items in order, read a batch at a time (no cursor stays open across writes)."""
    after = 0
    while True:
        batch = list(
            job.items.filter(status=ItemStatus.PENDING, position__gt=after).order_by("position")[
                :200
            ]
        )
        if not batch:
            return
        yield from batch
        after = batch[-1].position


def _process(job: BulkJob, schema: Schema, pacer: Pacer, *, stop_after: int | None) -> bool:
    """Work through the pending items, a few in flight; True when stopped by `stop_after`.

    An item the API refused for the rate (429, after the client's own retries) goes back to
    pending; when the others are done the pending ones are read again, after the pause the
    API asked for. One refused MAX_RATE_REFUSALS times in a row fails. When an answer says
    that the day's quota is spent, no more calls go: DailyLimitSpent once those in flight end.
    """
    concurrency = max(1, int(getattr(settings, "BULK_CONCURRENCY", 4)))
    worker = _worker(job, schema, pacer)
    names = _owner_names(job, pacer)
    items = _pending(job)
    in_flight: dict[Future, tuple[BulkItem, RecordChange | None]] = {}
    finished = 0
    status = _status(job)
    beat = time.monotonic()
    exhausted = requeued = spent = False
    refusals: Counter[int] = Counter()
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
                item = next(items, None)
                if item is None:
                    exhausted = True
                    break
                if any(item.pk == other.pk for other, _ in in_flight.values()):
                    continue
                started = _start_item(job, schema, item)
                if started is None:
                    finished += 1
                    continue
                in_flight[pool.submit(worker, item)] = (item, started)
            if not in_flight:
                if exhausted and requeued and status == Status.RUNNING and not spent:
                    items, exhausted, requeued = _pending(job), False, False
                    continue
                break
            done, _ = wait(in_flight, timeout=HEARTBEAT_SECONDS, return_when=FIRST_COMPLETED)
            for future in done:
                item, change = in_flight.pop(future)
                result = _finish_item(item, change, future, names)
                if result == FINISHED:
                    finished += 1
                elif result == NOT_SENT:
                    spent = True
                else:
                    refusals[item.pk] += 1
                    if refusals[item.pk] < MAX_RATE_REFUSALS:
                        requeued = True
                    else:
                        _set_item(item, ItemStatus.FAILED, _refused_reason(refusals[item.pk]))
                        finished += 1
            if exhausted and requeued:
                items, exhausted, requeued = _pending(job), False, False
            # Written between calls (not while the only one is in flight), so that with one call
            # at a time the job never writes while the API's server does.
            if done and time.monotonic() - beat >= HEARTBEAT_SECONDS / 2:
                status = _heartbeat(job)
                beat = time.monotonic()
    if spent:
        raise DailyLimitSpent
    return stop_after is not None and not exhausted and status == Status.RUNNING


def _refused_reason(times: int) -> str:
    return (
        f"{NOT_SENT_PREFIX}: the records API refused it for the rate limit {times} times in a row "
        "(HTTP 429). Retry it later."
    )


def _start_item(job: BulkJob, schema: Schema, item: BulkItem) -> RecordChange | None:
    """Before the call: the history row (pending) and the item marked as sent. None when the
    item needs no call (it is skipped here)."""
    fresh = item.sent_at is None and item.before is not None
    if job.kind == Kind.UPDATE and fresh:
        current = record_value(item.before, job.params["field"])
        if already_set(schema, job.params, current):
            _set_item(item, ItemStatus.SKIPPED, "Already holds this value.")
            return None
    if job.kind == Kind.IMPORT and (item.data or {}).get("invalid"):
        return None
    change = None
    if item.sent_at is not None:
        # It was in flight when the job stopped: its history row is still there, pending.
        change = RecordChange.objects.filter(
            job_id=str(job.pk), record_id=item.record_id, outcome=RecordChange.Outcome.PENDING
        ).first()
    if change is None and not (item.data or {}).get("invalid"):
        change = _change_start(job, schema, item)
    item.resumed = item.sent_at is not None
    item.sent_at = timezone.now()
    item.save(update_fields=["sent_at"])
    return change


def _change_start(job: BulkJob, schema: Schema, item: BulkItem) -> RecordChange:
    """The history row for an item, like history.change_start but carrying the job's id."""
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
    else:
        data = item.data or {}
        creating = not data.get("match")
        action = RecordChange.Action.CREATE if creating else RecordChange.Action.UPDATE
        after = {"properties": data.get("properties") or {}}
        if "owner" in data:
            after["owner"] = data["owner"]
        changed = sorted(after["properties"]) + (["owner"] if "owner" in data else [])
    return RecordChange.objects.create(
        user_id=job.user_id,
        username=job.username,
        location_id=_location_id(),
        object_key=schema.key,
        record_id=item.record_id,
        action=action,
        before=item.before,
        after=after,
        changed_fields=changed,
        job_id=str(job.pk),
        note=f"Bulk job: {job.summary}"[:1000],
    )


def _location_id() -> str:
    try:
        return api.connection().location_id
    except RecordsApiError:
        return ""


def _set_item(item: BulkItem, status: str, reason: str = "", record_id: str = "") -> None:
    item.status = status
    item.reason = reason[:2000]
    item.finished_at = timezone.now()
    fields = ["status", "reason", "finished_at"]
    if record_id:
        item.record_id = record_id
        fields.append("record_id")
    item.save(update_fields=fields)


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
    """After the call: the item's outcome and its history row, committed at once. REFUSED or
    NOT_SENT when the item went back to pending (refused for the rate, or never sent because
    the daily quota is spent), FINISHED otherwise."""
    try:
        outcome: Outcome = future.result()
    except (RateLimited, DailyLimitSpent) as error:
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
        logger.info("bulk item %s: rate limited, will retry: %s", item.pk, error)
        return REFUSED
    except Exception as error:  # a bug must fail the item, not the job
        logger.exception("bulk item %s failed unexpectedly", item.pk)
        outcome = Outcome(ItemStatus.FAILED, f"Unexpected error: {type(error).__name__}")
    if change is not None:
        if outcome.before is not None:
            change.before = outcome.before
            change.record_id = change.record_id or outcome.record_id
            change.save(update_fields=["before", "record_id"])
        if outcome.drop_history:
            change.delete()
        elif outcome.status == ItemStatus.FAILED:
            error_class = OutcomeUnknown if outcome.maybe_applied else RecordsApiError
            history.change_finish(change=change, error=error_class(outcome.reason))
        else:
            history.change_finish(change=change, record=outcome.record)
        if not outcome.drop_history:
            _name_owners(change, names or {})
    _set_item(item, outcome.status, outcome.reason, outcome.record_id)
    return FINISHED


FINISHED, REFUSED, NOT_SENT = "finished", "refused", "not sent"


def _reason(error: RecordsApiError, *, maybe: str = "") -> str:
    """The item's reason; `maybe` (MAYBE_CHANGED, MAYBE_DELETED) when the call may have been
    carried out all the same."""
    if isinstance(error, OutcomeUnknown):
        return f"{UNKNOWN_PREFIX}: {error.message} Look for the record before retrying."
    parts = [str(error)]
    if isinstance(error, ValidationFailed):
        parts += [f"{k}: {'; '.join(v)}" for k, v in error.field_errors.items()]
        parts += [m for m in error.messages if m not in parts[0]]
    text = " — ".join(dict.fromkeys(parts))
    return (f"{UNKNOWN_PREFIX}: {text}. {maybe}" if maybe else text)[:2000]


def write_failed(
    error: RecordsApiError, *, maybe_applied: bool, maybe: str = MAYBE_CHANGED
) -> Outcome:
    """The outcome of a write the API did not confirm. `maybe_applied` when it may have been
    carried out all the same: the client says so of the call (error.maybe_applied), or it was
    sent before (a restart, or a retry of such an item) and may have been carried out then."""
    if maybe_applied:
        return Outcome(ItemStatus.FAILED, _reason(error, maybe=maybe), maybe_applied=True)
    return Outcome(ItemStatus.FAILED, _reason(error))


def _worker(job: BulkJob, schema: Schema, pacer: Pacer) -> Callable[[BulkItem], Outcome]:
    """The call (or calls) for one item, run in a pool thread: HTTP only, no database."""
    if job.kind == Kind.DELETE:
        return lambda item: _delete_one(schema, pacer, item)
    if job.kind == Kind.UPDATE:
        return lambda item: _update_one(schema, pacer, item, job.params)
    from recordsadmin.records import csvio

    return lambda item: csvio.import_one(schema, pacer, item, job.params)


def _delete_one(schema: Schema, pacer: Pacer, item: BulkItem) -> Outcome:
    resumed = getattr(item, "resumed", False)
    try:
        pacer.call(services.record_delete, schema=schema, record_id=item.record_id)
    except NotFound:
        if resumed:
            return Outcome(ItemStatus.DONE, RESENT_DELETE)
        return Outcome(ItemStatus.SKIPPED, "Already deleted.", drop_history=True)
    except RateLimited:
        raise
    except RecordsApiError as error:
        return write_failed(
            error, maybe_applied=error.maybe_applied or resumed, maybe=MAYBE_DELETED
        )
    return Outcome(ItemStatus.DONE)


RESENT_DELETE = "Deleted by the call sent before (before the restart, or whose answer was lost)."
RESENT_UPDATE = "Set by the call sent before (before the restart, or whose answer was lost)."


def _update_one(schema: Schema, pacer: Pacer, item: BulkItem, change: Mapping) -> Outcome:
    key, value = change["field"], change["value"]
    resumed = getattr(item, "resumed", False)
    try:
        if item.before is None or resumed:
            # No snapshot, or the call may have gone before (a restart, a lost answer): look
            # before sending.
            current = pacer.call(services.record_get, schema=schema, record_id=item.record_id)
            if already_set(schema, change, record_value(current, key)):
                if resumed:
                    return Outcome(ItemStatus.DONE, RESENT_UPDATE, record=current)
                return Outcome(ItemStatus.SKIPPED, "Already holds this value.", drop_history=True)
        if key == OWNER:
            kwargs = {"properties": {}, "owner": value}
        else:
            kwargs = {"properties": {key: value}}
    except NotFound:
        return Outcome(ItemStatus.SKIPPED, "The record no longer exists.", drop_history=True)
    except RateLimited:
        raise
    except RecordsApiError as error:  # the look before sending: no PUT went this time
        return write_failed(error, maybe_applied=resumed)
    try:
        record = pacer.call(
            services.record_update, schema=schema, record_id=item.record_id, **kwargs
        )
    except NotFound:
        return Outcome(ItemStatus.SKIPPED, "The record no longer exists.", drop_history=True)
    except RateLimited:
        raise
    except RecordsApiError as error:
        return write_failed(error, maybe_applied=error.maybe_applied or resumed)
    return Outcome(ItemStatus.DONE, record=record)
