"""What a bulk job would do, said before it is queued: "132 properties: Status Active → Sold",
with the values the API would refuse named first."""

from collections import Counter
from dataclasses import dataclass, field

from recordsadmin.client.domain import Schema, User
from recordsadmin.contract.limits import OWNER
from recordsadmin.records.models import BulkJob

from .changes import Change, already_set, record_value, value_text
from .selection import Selection, selection_count, selection_pages


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
    """What the job would do, from the count and the first page of the selection."""
    count = selection_count(schema=schema, selection=selection)
    noun = schema.singular.lower() if count == 1 else schema.plural.lower()
    if kind == BulkJob.Kind.DELETE:
        return Preview(count=count, summary=f"Delete {count:,} {noun}", blocked=count == 0)
    if change is None:
        raise ValueError("A bulk edit's preview needs the change it makes.")
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
