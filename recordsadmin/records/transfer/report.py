"""A bulk job's report: what became of each item, as CSV."""

import csv
from collections.abc import Iterator

from recordsadmin.records.formatting import is_empty
from recordsadmin.records.models import RecordChange

from .csvfiles import Line, neutralise, unneutralise

COLUMNS = ["row", "record_id", "display_value", "status", "reason"]


def report_lines(*, job, header: list[str] | None = None, display_key: str = "") -> Iterator[str]:
    """A job's per-item report as CSV: row (for imports), record id, the record's primary
    display value (`display_key`'s, so that a person knows the record without looking its id
    up), outcome, reason, and the row's own cells, so failed rows can be fixed and imported
    again."""
    writer = csv.writer(Line())
    yield writer.writerow([*COLUMNS, *(neutralise(h) for h in (header or []))])
    history = _history_displays(job, display_key)
    mapping = list((job.params or {}).get("mapping") or ())
    column = mapping.index(display_key) if display_key and display_key in mapping else None
    for item in job.items.order_by("position").iterator(chunk_size=500):
        data = item.data or {}
        raw = list(data.get("cells") or ())
        cells = [neutralise(c) for c in raw]
        display = _display(item, display_key) or history.get(item.record_id, "")
        if not display and column is not None and column < len(raw):
            display = unneutralise(raw[column]).strip()  # a row the file got wrong: its cell
        yield writer.writerow(
            [
                data.get("row", ""),
                neutralise(item.record_id or ""),
                neutralise(display),
                item.outcome,
                neutralise(item.reason),
                *cells,
            ]
        )


def _display(item, key: str) -> str:
    """The display value the item knows: the record as the search found it (an edit or a
    delete), or the row's own value (an import), or the value that found the record."""
    if not key:
        return ""
    data = item.data or {}
    match = data.get("match") or {}
    for value in (
        ((item.before or {}).get("properties") or {}).get(key),
        (data.get("properties") or {}).get(key),
        match.get("value") if match.get("field") == key else None,
    ):
        if not is_empty(value):
            return str(value)
    return ""


def _history_displays(job, key: str) -> dict[str, str]:
    """The value the history holds for each record, where the item does not: for an
    import's updates by record id without the display field's column, the record's history
    row (the record before the change, or after it); for a revert, the change it undoes (an
    item skipped has no row of its own)."""
    if not key or job.kind not in ("import", "revert"):
        return {}
    changes = RecordChange.objects.filter(job_id=str(job.pk))
    if job.kind == "revert":
        undone = job.items.values_list("data__change", flat=True)
        changes = RecordChange.objects.filter(pk__in=[pk for pk in undone if pk])
    found = {}
    rows = changes.exclude(record_id="").values_list("record_id", "before", "after")
    for record_id, before, after in rows.iterator(chunk_size=1000):
        for snapshot in (after, before):
            value = ((snapshot or {}).get("properties") or {}).get(key)
            if not is_empty(value):
                found[record_id] = str(value)
                break
    return found
