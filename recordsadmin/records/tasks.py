"""Where the bulk job task lived before it moved to recordsadmin/records/bulk/tasks.py.

Queued tasks name their function by its import path; jobs queued before the move name this
one, so it stays importable here for the worker to find them.
"""

from recordsadmin.records.bulk.tasks import run_bulk_job

__all__ = ["run_bulk_job"]
