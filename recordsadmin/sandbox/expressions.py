"""SQL for a record's properties, spelled the same way wherever search and its indexes use it.

A property index serves a sort or a comparison only when it is on the very expression the query
compares by, so search (`search.py`), the per-type rules (`fieldtypes.py`) and the property
indexes (`indexing.py`) all build their SQL from these. Each one answers NULL for a property
that is absent or null, on SQLite and on PostgreSQL alike.
"""

import json

from django.db.models import BooleanField, F, FloatField, Func, TextField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
)

from recordsadmin.contract.datatypes import EQ, GT, GTE, LT, LTE

# The Django lookup of each comparison operator.
LOOKUPS = {
    EQ: Exact,
    GT: GreaterThan,
    GTE: GreaterThanOrEqual,
    LT: LessThan,
    LTE: LessThanOrEqual,
}


def literal(text: str) -> str:
    """`text` as an SQL string literal inside SQL that still goes through %-formatting."""
    return "'" + text.replace("'", "''").replace("%", "%%") + "'"


class PropertyValue(KeyTextTransform):
    """A property of the record as a plain SQL value; NULL when it is absent or null.

    PostgreSQL: `properties ->> 'key'` (Django's KT). SQLite: `JSON_EXTRACT(properties, path)`,
    which gives numbers as numbers and strings as text. Django's KT on SQLite wraps that in a
    CASE of three JSON calls that turns a JSON null into the text 'null'; this is one call.
    """

    def __init__(self, key: str):
        super().__init__(key, "properties")

    def as_sqlite(self, compiler, connection):
        lhs, params, keys = self.preprocess_lhs(compiler, connection)
        # The path is written into the SQL, not bound, so that an index on this expression
        # (see indexing.property_indexes) can serve it; doubled quotes keep it one literal.
        path = connection.ops.compile_json_path(keys).replace("'", "''").replace("%", "%%")
        return f"JSON_EXTRACT({lhs}, '{path}')", tuple(params)

    def as_postgresql(self, compiler, connection):
        # `properties ->> 'key'`, the key written into the SQL for the same reason as above.
        lhs, params, _ = self.preprocess_lhs(compiler, connection)
        return f"({lhs} ->> {literal(self.key_name)})", tuple(params)


class PropertyType(PropertyValue):
    """SQLite: the JSON type of a property ('array', 'text', 'integer'...), NULL if absent."""

    def as_sqlite(self, compiler, connection):
        sql, params = super().as_sqlite(compiler, connection)
        return sql.replace("JSON_EXTRACT(", "JSON_TYPE(", 1), params


class PropertyNumber(Func):
    """A NUMERICAL or MONETORY property as a float; NULL when it is absent or null.

    SQLite: `CAST(JSON_EXTRACT(...) AS real)`, as before. PostgreSQL: the jsonb number as
    double precision, and NULL for anything that is not a JSON number, where a plain cast of
    `->>` would fail the whole query on one odd value.
    """

    template = "%(expressions)s"
    output_field = FloatField()

    def __init__(self, key: str):
        super().__init__(Cast(PropertyValue(key), FloatField()))

    def as_postgresql(self, compiler, connection, **extra):
        value = self.source_expressions[0].source_expressions[0]  # the PropertyValue
        lhs, params = compiler.compile(value.lhs)
        key = literal(value.key_name)
        sql = (
            f"(CASE WHEN jsonb_typeof({lhs} -> {key}) = 'number' "
            f"THEN ({lhs} ->> {key})::double precision END)"
        )
        return sql, (*params, *params)


class PropertyText(Func):
    """A property as text that compares and sorts by code point on both databases.

    SQLite's default BINARY collation already does (this is JSON_EXTRACT there, unchanged);
    PostgreSQL adds COLLATE "C", so the database's own collation (en_US, ICU...) plays no part.
    """

    template = "%(expressions)s"
    output_field = TextField()

    def __init__(self, key: str):
        super().__init__(PropertyValue(key))

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f'({sql} COLLATE "C")', params


class HoldsOption(Func):
    """PostgreSQL: the list at `key` holds `option` (jsonb containment, `@>`)."""

    output_field = BooleanField()

    def __init__(self, key: str, option: str):
        self.key, self.option = key, option
        super().__init__(F("properties"))

    def as_postgresql(self, compiler, connection, **extra):
        lhs, params = compiler.compile(self.source_expressions[0])
        sql = f"(({lhs} -> {literal(self.key)}) @> %s::jsonb)"
        return sql, (*params, json.dumps([self.option]))


class WithoutIndex(Func):
    """The same value, that SQLite will not read through an index (`+column`)."""

    template = "%(expressions)s"

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, template="+%(expressions)s", **extra)
