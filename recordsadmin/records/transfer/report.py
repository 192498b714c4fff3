"""A bulk job's report: what became of each item, as CSV."""

import csv
from collections.abc import Iterator

from .csvfiles import Line, neutralise


def report_lines(*, job, header: list[str] | None = None) -> Iterator[str]:
    """A job's per-item report as CSV: row (for imports), record id, status, reason, and the
    row's own cells, so failed rows can be fixed and imported again."""
    writer = csv.writer(Line())
    columns = ["row", "record_id", "status", "reason"]
    yield writer.writerow([*columns, *(neutralise(h) for h in (header or []))])
    for item in job.items.order_by("position").iterator(chunk_size=500):
        data = item.data or {}
        cells = [neutralise(c) for c in data.get("cells") or ()]
        yield writer.writerow(
            [data.get("row", ""), item.record_id, item.status, neutralise(item.reason), *cells]
        )
