"""Indexes that the embedded API keeps beside its tables, made after `migrate`.

Property indexes depend on the fields that exist, so no migration can name them:
`search.sync_property_indexes` makes them after every migrate, as after every schema change.
"""

from django.db import connections

from .models import Field, Record


def after_migrate(sender, using: str, **kwargs) -> None:
    """post_migrate: objects and fields made before this run, or by a plain ORM write or a
    `sandbox_demo --no-indexes`, get their property indexes."""
    from .search import sync_property_indexes

    tables = set(connections[using].introspection.table_names())
    if {Record._meta.db_table, Field._meta.db_table} <= tables:  # not after `migrate sandbox zero`
        sync_property_indexes(using)
