"""What the views, bulk jobs and CSV work call: schemas, records and users of the configured
location, the history of every write, and the checked update.

Keyword-only functions named `<entity>_<action>`. They speak schemas and records, never HTTP:
the client (recordsadmin/client/) does the wire.
"""

from recordsadmin.client.domain import UNSET

from .charts import Chart, chart_data, chart_fields
from .counts import Counter, Facets, facet_counts, search_count, search_count_cached
from .editing import (
    Conflict,
    is_current,
    read_version,
    record_update_checked,
    record_version,
    unversioned,
)
from .health import api_health, breaker_health, budget_health
from .history import (
    AlreadySubmitted,
    change_finish,
    change_start,
    record_create_logged,
    record_delete_logged,
    record_from_snapshot,
    record_restore,
    record_snapshot,
    record_update_logged,
    restorable_properties,
    restore_submission,
    submission_release,
    update_may_have_applied,
)
from .records import (
    record_count,
    record_create,
    record_delete,
    record_get,
    record_search,
    record_update,
)
from .schemas import (
    schema_cache_key,
    schema_get,
    schema_invalidate,
    schema_list,
    user_list,
    user_list_invalidate,
)
from .undo import NotUndoable, UndoConflict, record_undo, undo_check, undo_conflicts, undo_values

__all__ = [
    "UNSET",
    "AlreadySubmitted",
    "Chart",
    "Conflict",
    "Counter",
    "Facets",
    "NotUndoable",
    "UndoConflict",
    "api_health",
    "breaker_health",
    "budget_health",
    "change_finish",
    "change_start",
    "chart_data",
    "chart_fields",
    "facet_counts",
    "is_current",
    "read_version",
    "record_count",
    "record_create",
    "record_create_logged",
    "record_delete",
    "record_delete_logged",
    "record_from_snapshot",
    "record_get",
    "record_restore",
    "record_search",
    "record_snapshot",
    "record_undo",
    "record_update",
    "record_update_checked",
    "record_update_logged",
    "record_version",
    "restorable_properties",
    "restore_submission",
    "schema_cache_key",
    "schema_get",
    "schema_invalidate",
    "schema_list",
    "search_count",
    "search_count_cached",
    "submission_release",
    "undo_check",
    "undo_conflicts",
    "undo_values",
    "unversioned",
    "update_may_have_applied",
    "user_list",
    "user_list_invalidate",
]
