"""What a bulk job would do, said before it is queued: "132 properties: Status Active → Sold",
with the values the API would refuse named first; a delete names the records it deletes and the
search they came from."""

from collections import Counter
from dataclasses import dataclass, field

from recordsadmin.client.domain import Record, Schema, User
from recordsadmin.contract.limits import OWNER
from recordsadmin.records import fieldtypes
from recordsadmin.records.fieldtypes.options import Choice
from recordsadmin.records.formatting import cut
from recordsadmin.records.models import BulkJob
from recordsadmin.records.query import ListQuery

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
    # A delete's first records (RECORDS_NAMED of them) and how many more it deletes.
    records: list[Record] = field(default_factory=list)
    more: int = 0
    search: str = ""  # the search the selection came from, in words


# A delete's preview names this many records; the rest are "and N more".
RECORDS_NAMED = 20


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
        return _delete_preview(schema, selection, count, noun, users)
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
    # Counted by the whole value; said cut short (a long text in a sentence).
    transitions = [(cut(before), n) for before, n in befores.most_common()]
    before_text = transitions[0][0] if len(transitions) == 1 else "various"
    after_text = change.value_text or cut(value_text(f, change.value))
    result = Preview(
        count=count,
        summary=f"{count:,} {noun}: {change.label} {before_text} → {after_text}",
        transitions=transitions,
        sampled=len(sample),
        unchanged=unchanged,
        warnings=list(change.errors),
        blocked=bool(change.errors) or count == 0,
        search=search_in_words(selection.list_query(schema), users=users),
    )
    if unchanged:
        result.warnings.append(
            f"{unchanged} of the first {len(sample)} already hold this value: they will be "
            "skipped, with no call to the API."
        )
    return result


def _delete_preview(schema: Schema, selection: Selection, count: int, noun: str, users) -> Preview:
    """A delete cannot be undone from here: the preview names the records (the first
    RECORDS_NAMED, by their primary display value) and the search they came from."""
    named: list[Record] = []
    for records in selection_pages(schema=schema, selection=selection):
        named += records[: RECORDS_NAMED - len(named)]
        if len(named) >= RECORDS_NAMED:
            break
    return Preview(
        count=count,
        summary=f"Delete {count:,} {noun}",
        blocked=count == 0,
        records=named,
        more=max(0, count - len(named)),
        search=search_in_words(selection.list_query(schema), users=users),
    )


def search_in_words(query: ListQuery, *, users: list[User] = ()) -> str:
    """The table's search and filters as a sentence: 'text “pool”; Status is Active or Sold;
    Price from 100000 to 200000; owner Ann Lee' (empty for no search and no filter)."""
    parts = [f"text “{query.q}”"] if query.q else []
    for key, state in query.chosen.items():
        f = query.schema.field(key)
        if f is not None:
            parts.append(_filter_in_words(f, state))
    if query.owner:
        names = {u.id: u.name for u in users}
        parts.append(f"owner {names.get(query.owner, query.owner)}")
    if query.conditions.count:
        parts.append(query.conditions_in_words())
    return "; ".join(parts)


def _filter_in_words(f, state) -> str:
    kind = fieldtypes.of(f)
    if isinstance(kind, Choice):
        return f"{f.name} is " + " or ".join(f.option_label(key) for key in state)
    low, high = state
    low_text, high_text = (kind.text(bound) if bound else "" for bound in (low, high))
    if low and high:
        return f"{f.name} from {low_text} to {high_text}"
    return f"{f.name} at least {low_text}" if low else f"{f.name} at most {high_text}"
