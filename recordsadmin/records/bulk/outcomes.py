"""What became of a bulk item (BulkItem.Outcome), and the words that tell people why.

Retry and the job page decide by the outcome; the reason is text for people only.
"""

from dataclasses import dataclass

from django.utils import timezone

from recordsadmin.client.domain import Record
from recordsadmin.client.errors import OutcomeUnknown, RecordsApiError, ValidationFailed
from recordsadmin.records.models import BulkItem, BulkJob

Outcome = BulkItem.Outcome

MAYBE_CHANGED = (
    "The change may have been made all the same: a retry sends it again (setting a value "
    "twice does no harm)."
)
MAYBE_DELETED = (
    "The record may have been deleted all the same: a retry sends the delete again, and a "
    "record already gone then counts as deleted."
)
STOPPED_CREATE_REASON = (
    "Outcome unknown: the job stopped while this row was being sent. "
    "Look for the record before retrying."
)
NOT_YET_SEARCHABLE_REASON = (
    "Outcome unknown: the record this row may have made does not show in search yet. "
    "Retry in a few seconds: the row then updates it, or makes it if it was never made."
)
DAILY_LIMIT_REASON = "Not sent: the records API's daily limit for this location was spent."
RESENT_DELETE = "Deleted by the call sent before (before the restart, or whose answer was lost)."
RESENT_UPDATE = "Set by the call sent before (before the restart, or whose answer was lost)."
RESENT_LINK = "Linked by the call sent before (before the restart, or whose answer was lost)."
MAYBE_LINKED = (
    "The link may have been made all the same: a retry looks for it first and links only "
    "when it is missing."
)
MAYBE_UNLINKED = (
    "The link may have been removed all the same: a retry sends the removal again, and a "
    "link already gone then counts as removed."
)
CANCELLED_REASON = "Not sent: the job was cancelled before it was sent. A retry sends it."
CANCELLED_IN_FLIGHT_REASON = (
    "Not sent again: the job was cancelled after a restart that caught this call in flight; "
    "a retry looks at the record before it sends it again."
)


@dataclass
class ItemResult:
    """What the call (or calls) for one item came to."""

    outcome: str
    reason: str = ""
    record: Record | None = None
    record_id: str = ""
    # The item's history row is dropped: nothing was sent that changed the record.
    drop_history: bool = False
    before: dict | None = None  # the record before an import's update, found by the call
    after: dict | None = None  # what a link made (its history row's `after`, relation id included)
    data: dict | None = None  # added to the item's data: what a count found ({"relations": n})
    made: bool = False  # a "create or update" import's row made its record: its history says so


def refused_reason(times: int, *, unavailable: bool = False) -> str:
    if unavailable:
        return (
            f"Not sent: the records API was unavailable each of the {times} times this item "
            "came up (it kept failing, so the dashboard held its calls back). Retry it later."
        )
    return (
        f"Not sent: the records API refused it for the rate limit {times} times in a row "
        "(HTTP 429). Retry it later."
    )


def error_reason(error: RecordsApiError, *, maybe: str = "") -> str:
    """An item's reason after an error; `maybe` (MAYBE_CHANGED, MAYBE_DELETED) when the call
    may have been carried out all the same."""
    if isinstance(error, OutcomeUnknown):
        return f"Outcome unknown: {error.message} Look for the record before retrying."
    parts = [str(error)]
    if isinstance(error, ValidationFailed):
        parts += [f"{k}: {'; '.join(v)}" for k, v in error.field_errors.items()]
        parts += [m for m in error.messages if m not in parts[0]]
    text = " — ".join(dict.fromkeys(parts))
    return (f"Outcome unknown: {text}. {maybe}" if maybe else text)[:2000]


def write_failed(
    error: RecordsApiError, *, maybe_applied: bool, maybe: str = MAYBE_CHANGED
) -> ItemResult:
    """The result of a write the API did not confirm. `maybe_applied` when it may have been
    carried out all the same: the client says so of the call (error.maybe_applied), or it was
    sent before (a restart, or a retry of such an item) and may have been carried out then."""
    if maybe_applied:
        return ItemResult(Outcome.UNKNOWN, error_reason(error, maybe=maybe))
    return ItemResult(Outcome.FAILED, error_reason(error))


def item_set(
    item: BulkItem, outcome: str, reason: str = "", record_id: str = "", data: dict | None = None
) -> None:
    """Store what became of an item, at once."""
    item.outcome = outcome
    item.reason = reason[:2000]
    item.finished_at = timezone.now()
    fields = ["outcome", "reason", "finished_at"]
    if record_id:
        item.record_id = record_id
        fields.append("record_id")
    if data:
        item.data = {**(item.data or {}), **data}
        fields.append("data")
    item.save(update_fields=fields)


def unsend_pending(job: BulkJob) -> None:
    """A cancelled job's pending items: not sent (their own count, and what a retry sends),
    never "skipped", which says the record already was as asked. One that was in flight at a
    restart keeps its mark (sent_at), so that a retry looks before it sends it again."""
    pending = job.items.filter(outcome=Outcome.PENDING)
    now = timezone.now()
    pending.filter(sent_at__isnull=False).update(
        outcome=Outcome.NOT_SENT, reason=CANCELLED_IN_FLIGHT_REASON, finished_at=now
    )
    pending.update(outcome=Outcome.NOT_SENT, reason=CANCELLED_REASON, finished_at=now)
