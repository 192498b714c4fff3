"""Counting an association's relations, so that its delete confirmation can say how many go.

The records API has no call that counts an association's relations, only one record's
(services.relation_count: its relations filtered to the association, whose answer carries
the total). So a count is a bulk job (Kind.COUNT) like any other: it collects the records of
one custom-object side of the association (the side with fewer records when both are custom
objects; never contacts, which this API cannot list), makes one call per record through the
job's pacer (the shared rate budget, yielding to people browsing), and sums what each found
(workers.count_one stores it in the item's data). A record that could not be counted leaves
the sum a lower bound: "at least N". An object linked to itself sees each relation from both
of its records, so that sum is halved.
"""

import math
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError
from django.db.models import IntegerField, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone

from recordsadmin.client import ratelimit
from recordsadmin.client.domain import Association, Schema
from recordsadmin.contract.limits import CONTACT, RATE_LIMIT_CALLS, RATE_LIMIT_SECONDS
from recordsadmin.records import services
from recordsadmin.records.models import BulkItem, BulkJob

from .jobs import job_counts, job_create
from .selection import PAGE_SIZE, Selection

Kind = BulkJob.Kind
Status = BulkJob.Status
Outcome = BulkItem.Outcome


@dataclass(frozen=True)
class Side:
    """The object a count walks, and how many records it has (one count search)."""

    schema: Schema
    records: int


def count_side(*, association: Association) -> Side:
    """The custom-object side with fewer records (the first on a tie)."""
    keys = dict.fromkeys((association.first_object_key, association.second_object_key))
    sides = [
        Side(schema, services.record_count(schema=schema))
        for schema in (services.schema_get(key=k) for k in keys if k != CONTACT)
    ]
    return min(sides, key=lambda side: side.records)


def _rate() -> tuple[int, float]:
    """(calls, seconds) of the rate limit: the last one an answer announced, else the
    contract's."""
    seen = ratelimit.rate_limit_seen()
    if seen is not None and seen.max > 0 and seen.interval_ms > 0:
        return seen.max, seen.interval_ms / 1000
    return RATE_LIMIT_CALLS, float(RATE_LIMIT_SECONDS)


def count_seconds(records: int) -> int:
    """How long a count of `records` records takes at the rate limit, with nobody else
    calling: a call per record, a search per PAGE_SIZE of them to collect them, and the
    association read."""
    calls, seconds = _rate()
    made = records + math.ceil(records / PAGE_SIZE) + 1
    return math.ceil(made * seconds / calls)


def duration_words(seconds: int) -> str:
    """ "about 3 seconds", "about 4 minutes", "about 2 hours"."""
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= 2 * size:
            count = round(seconds / size)
            return f"about {count:,} {unit}s"
    count = max(1, seconds)
    return f"about {count} second{'s' if count != 1 else ''}"


def rate_words() -> str:
    """ "100 calls per 10 seconds": the rate count_seconds assumes."""
    calls, seconds = _rate()
    return f"{calls:,} calls per {seconds:g} seconds"


def _jobs(association_id: str):
    return BulkJob.objects.filter(kind=Kind.COUNT, params__association=association_id)


def count_running(*, association_id: str) -> BulkJob | None:
    """The count of this association that is queued or running, if any."""
    return _jobs(association_id).exclude(status__in=BulkJob.FINISHED).first()


def count_latest(*, association_id: str) -> BulkJob | None:
    """The latest finished count of this association (done, cancelled or stopped)."""
    finished = _jobs(association_id).filter(status__in=BulkJob.FINISHED)
    return finished.order_by("-finished_at", "-created_at").first()


def count_start(
    *, user, association: Association, from_key: str, submission: uuid.UUID | None = None
) -> tuple[BulkJob, bool]:
    """Queue a count of the association's relations; (the job, True). While one runs already
    it is that one, and False: a second would only spend the rate limit again."""
    running = count_running(association_id=association.id)
    if running is not None:
        return running, False
    side = count_side(association=association)
    try:
        job = job_create(
            user=user,
            schema=side.schema,
            kind=Kind.COUNT,
            selection=Selection(query="?", all_matching=True),
            params={
                "association": association.id,
                "association_key": association.key,
                "from": from_key,  # the object whose schema page the count was asked from
                "twice": association.first_object_key == association.second_object_key,
            },
            summary=f"Count the relations of the association {association.key}",
            submission=submission,
        )
    except IntegrityError:
        # Another start came in between (another page, process or machine): the database
        # keeps one count of an association queued or running (BulkJob.Meta.constraints).
        running = count_running(association_id=association.id)
        if running is None:
            raise
        return running, False
    return job, True


@dataclass(frozen=True)
class RelationCount:
    """What a count job found so far: `relations` over the `counted` of its `records`."""

    job: BulkJob
    relations: int
    counted: int  # records counted (a record gone since counts, with none)
    not_counted: int  # records that could not be counted (failed, or never sent)
    records: int

    @property
    def finished(self) -> bool:
        return self.job.is_finished

    @property
    def complete(self) -> bool:
        """Every record counted: the sum is the number, not a lower bound."""
        return self.job.status == Status.DONE and self.counted == self.records

    @property
    def at(self) -> datetime | None:
        return self.job.finished_at

    @property
    def when(self) -> str:
        """ "14:05", or "2 Dec 14:05" when not today (local time)."""
        if self.at is None:
            return ""
        at = timezone.localtime(self.at)
        if at.date() == timezone.localdate():
            return at.strftime("%H:%M")
        return f"{at.day} {at.strftime('%b %H:%M')}"

    @property
    def by(self) -> str:
        return self.job.username or "someone"

    @property
    def sentence(self) -> str:
        """ "12 relations go with it", "at least 1 relation goes with it"."""
        return f"{self.figure} {'goes' if self.relations == 1 else 'go'} with it"

    @property
    def figure(self) -> str:
        """ "12 relations", or "at least 12 relations" when some records were not counted."""
        words = f"{self.relations:,} relation{'s' if self.relations != 1 else ''}"
        return words if self.complete else f"at least {words}"


def count_result(*, job: BulkJob, counts: dict[str, int] | None = None) -> RelationCount:
    """The relations counted so far; `counts` are the job's (job_counts) when the caller has
    them already (a running count's page, every few seconds)."""
    counts = counts if counts is not None else job_counts(job=job)
    found = job.items.filter(outcome__in=(Outcome.DONE, Outcome.SKIPPED)).aggregate(
        n=Sum(Cast(KT("data__relations"), IntegerField()))
    )
    relations = found["n"] or 0
    if job.params.get("twice"):
        relations = math.ceil(relations / 2)
    return RelationCount(
        job=job,
        relations=relations,
        counted=counts[Outcome.DONE] + counts[Outcome.SKIPPED],
        not_counted=counts["not_done"],
        records=job.total,
    )
