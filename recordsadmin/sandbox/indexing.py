"""Indexes that the embedded API keeps beside its tables, made after every `migrate`.

- Property indexes depend on the fields that exist, so no migration can name them:
  `sync_property_indexes` makes them after every migrate, as after every schema change. Each is
  on the very expression search sorts and compares a property by (its type's, fieldtypes.py).
- The text index serves the `query` parameter, a case-insensitive substring of `search_text`,
  which a B-tree cannot help with. On SQLite it is an FTS5 table with the trigram tokenizer
  (SQLite 3.34 or later), external content over `sandbox_record`, kept in step by triggers on
  every insert, delete and change of `search_text`, however it is written (bulk_create and
  bulk_update included). It is keyed by the record table's rowid, which a migration that
  rebuilds the table renumbers (and whose triggers it drops), so after any migration of this
  app the triggers are made again and the index rebuilt. On PostgreSQL it is a pg_trgm GIN
  index on `search_text`, when the extension is there or can be created.
  Where neither is available the query is a plain scan, as it always is for fewer than three
  characters (a trigram index has nothing to look up for them).
"""

import hashlib
import logging
from collections.abc import Iterable

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.db.models import BooleanField, F, Index
from django.db.models.expressions import Expression

from . import fieldtypes
from .models import Field, ObjectSchema, Record

logger = logging.getLogger(__name__)

TEXT_TABLE = "sandbox_record_text"
TRIGRAM_INDEX = "sandbox_rec_text_trgm"
MIN_INDEXED_QUERY = 3
# SQLite reads the index's candidates one by one: when they are more than 1/TEXT_SCAN_SHARE of
# the records, a scan of them all is faster (about 2 µs a candidate against 0.4 µs a scanned
# record, measured with bench/sandbox_search.py at 100,000 records).
TEXT_SCAN_SHARE = 5

_RECORDS = Record._meta.db_table
# The SQLite triggers that keep the text index in step with sandbox_record, by name. Literal
# SQL: the names are this module's own constants, spelled out.
TEXT_TRIGGERS = {
    "sandbox_record_text_insert": """
        CREATE TRIGGER IF NOT EXISTS sandbox_record_text_insert AFTER INSERT ON sandbox_record
        BEGIN
            INSERT INTO sandbox_record_text (rowid, search_text)
                VALUES (new.rowid, new.search_text);
        END""",
    "sandbox_record_text_delete": """
        CREATE TRIGGER IF NOT EXISTS sandbox_record_text_delete AFTER DELETE ON sandbox_record
        BEGIN
            INSERT INTO sandbox_record_text (sandbox_record_text, rowid, search_text)
                VALUES ('delete', old.rowid, old.search_text);
        END""",
    "sandbox_record_text_update": """
        CREATE TRIGGER IF NOT EXISTS sandbox_record_text_update
            AFTER UPDATE OF search_text ON sandbox_record
            WHEN old.search_text IS NOT new.search_text
        BEGIN
            INSERT INTO sandbox_record_text (sandbox_record_text, rowid, search_text)
                VALUES ('delete', old.rowid, old.search_text);
            INSERT INTO sandbox_record_text (rowid, search_text)
                VALUES (new.rowid, new.search_text);
        END""",
}
_CREATE_TEXT_TABLE = (
    "CREATE VIRTUAL TABLE sandbox_record_text USING fts5(search_text, "
    "content='sandbox_record', tokenize='trigram')"
)
_REBUILD = "INSERT INTO sandbox_record_text (sandbox_record_text) VALUES ('rebuild')"
# Databases (by NAME) where the SQLite text index is known to exist.
_ready: set[str] = set()

PROPERTY_INDEX_PREFIX = "sandbox_prop_"
# Any constant will do: the advisory lock that lets one sync_property_indexes run at a time.
INDEX_LOCK = 0x5A4E_D8B0_1DE7


# --- Indexes on properties ---------------------------------------------------------------------


def field_indexes(key: str, data_type: str, vendor: str) -> list[Index]:
    """The indexes that serve sorts and comparisons on one property (none for a type with no
    order: lists, text boxes and files). Named by kind and key alone, so that every object
    with a property of that key and kind shares them."""
    field_type = fieldtypes.of(data_type)
    kind = field_type.index_kind
    if kind is None:
        return []
    digest = hashlib.sha256(f"{kind}:{key}".encode()).hexdigest()[:12]
    value = field_type.expression(key)
    name = f"{PROPERTY_INDEX_PREFIX}{kind}_{digest}"
    indexes = [Index(F("object"), value, F("id"), name=name)]
    if vendor == "postgresql":
        descending = (F("object"), value.desc(nulls_last=True), F("id").desc())
        indexes.append(Index(*descending, name=f"{PROPERTY_INDEX_PREFIX}{kind}d_{digest}"))
    return indexes


def property_indexes(obj: ObjectSchema) -> list[Index]:
    """An index per sortable property of `obj`, on the very expression search sorts and
    compares by: (object, value, id). A sort on an indexed property reads the index in order;
    a comparison on it reads an index range, instead of parsing every record's JSON.

    On PostgreSQL a second index per property holds (object, value DESC NULLS LAST, id DESC):
    missing values sort last in both directions, and one B-tree read backwards gives nulls
    first. (SQLite sorts NULL as the smallest value, so its one index serves the descending
    order read backwards.)

    Properties are named by key alone, so objects that share a key share its index.
    """
    return [
        index
        for field in obj.fields.all()
        for index in field_indexes(field.key, field.data_type, connection.vendor)
    ]


def _existing_indexes(conn) -> set[str]:
    """The names of the records table's indexes, read from the catalog: Django's
    introspection would parse the table's whole SQL for them, tens of milliseconds on SQLite
    at every schema change."""
    with conn.cursor() as cursor:
        if conn.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = %s", [_RECORDS]
            )
        elif conn.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname FROM pg_indexes "
                "WHERE schemaname = current_schema() AND tablename = %s",
                [_RECORDS],
            )
        else:
            return set(conn.introspection.get_constraints(cursor, _RECORDS))
        return {name for (name,) in cursor.fetchall()}


def _create_indexes(conn, indexes: Iterable[Index]) -> None:
    # Only the editor's SQL is used: CREATE INDEX may run inside a transaction, which
    # SQLite's schema editor, entered as a context, refuses.
    editor = conn.SchemaEditorClass(conn)
    with conn.cursor() as cursor:
        for index in indexes:
            cursor.execute(str(index.create_sql(Record, editor)))


def _before_index_writes(conn) -> None:
    if conn.vendor == "postgresql" and conn.in_atomic_block:
        # PostgreSQL refuses CREATE INDEX on a table with deferred foreign key checks still
        # pending in this transaction (records just written): run those checks now.
        conn.check_constraints()


def ensure_property_indexes(obj: ObjectSchema) -> list[str]:
    """Create the missing `property_indexes(obj)`; returns the names of those it created."""
    existing = _existing_indexes(connection)
    missing = [index for index in property_indexes(obj) if index.name not in existing]
    if missing:
        _before_index_writes(connection)
    _create_indexes(connection, missing)
    return [index.name for index in missing]


def sync_property_indexes(using: str = DEFAULT_DB_ALIAS) -> tuple[list[str], list[str]]:
    """Give every property of every object its indexes, and drop those no field needs any
    more; returns the names created and dropped.

    Run after each schema change of the API (once its transaction has committed) and after
    `migrate`, so that objects and fields made any way are sorted from an index. One run at a
    time: SQLite's IMMEDIATE transactions queue behind each other and behind the field writes,
    PostgreSQL takes an advisory lock, so a field created while another run drops its index
    gets it back from its own run.
    """
    conn = connections[using]
    _before_index_writes(conn)
    with transaction.atomic(using=using):
        if conn.vendor == "postgresql":
            with conn.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [INDEX_LOCK])
        fields = Field.objects.using(using).values_list("field_key", "data_type").distinct()
        wanted = {
            index.name: index
            for field_key, data_type in fields
            for index in field_indexes(field_key.rsplit(".", 1)[-1], data_type, conn.vendor)
        }
        existing = {
            name for name in _existing_indexes(conn) if name.startswith(PROPERTY_INDEX_PREFIX)
        }
        created = sorted(wanted.keys() - existing)
        dropped = sorted(existing - wanted.keys())
        _create_indexes(conn, (wanted[name] for name in created))
        with conn.cursor() as cursor:
            for name in dropped:
                cursor.execute(f"DROP INDEX IF EXISTS {conn.ops.quote_name(name)}")
    return created, dropped


# --- After migrate -----------------------------------------------------------------------------


def after_migrate(sender, using: str, plan=None, **kwargs) -> None:
    """post_migrate: objects and fields made before this run, or by a plain ORM write or a
    `sandbox_demo --no-indexes`, get their property indexes; the text index is made or, after
    a migration of this app, rebuilt."""
    tables = set(connections[using].introspection.table_names())
    if not {_RECORDS, Field._meta.db_table} <= tables:  # after `migrate sandbox zero`
        return
    sync_property_indexes(using)
    migrated = any(
        migration.app_label == sender.label and not backwards for migration, backwards in plan or ()
    )
    ensure_text_index(using, rebuild=migrated)


# --- The text index ----------------------------------------------------------------------------


def ensure_text_index(using: str, *, rebuild: bool = False) -> bool:
    """Makes the text index where it is missing; True when the database has one now."""
    conn = connections[using]
    if conn.vendor == "sqlite":
        return _ensure_fts(conn, rebuild=rebuild)
    if conn.vendor == "postgresql":
        return _ensure_trigram_index(conn)
    return False


def _ensure_fts(conn, *, rebuild: bool) -> bool:
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master "
            "WHERE name = %s OR (type = 'trigger' AND tbl_name = %s)",
            [TEXT_TABLE, _RECORDS],
        )
        present = {row[0] for row in cursor.fetchall()}
        if TEXT_TABLE not in present:
            try:
                with transaction.atomic(using=conn.alias):
                    cursor.execute(_CREATE_TEXT_TABLE)
            except DatabaseError as exc:  # no FTS5, or SQLite before 3.34 (no trigram)
                logger.warning("No text index: SQLite cannot make one (%s); queries scan.", exc)
                return False
        missing = [sql for name, sql in TEXT_TRIGGERS.items() if name not in present]
        for sql in missing:
            cursor.execute(sql)
        if rebuild or missing:
            # Rows written while a trigger was missing are not in the index: read them all.
            cursor.execute(_REBUILD)
    _ready.add(conn.settings_dict["NAME"])
    return True


def _ensure_trigram_index(conn) -> bool:
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [TRIGRAM_INDEX])
        if cursor.fetchone():
            return True
        try:
            with transaction.atomic(using=conn.alias):
                # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may
                # create it. Elsewhere a superuser must, and until then queries scan.
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                cursor.execute(
                    f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON {_RECORDS} "
                    "USING gin (search_text gin_trgm_ops)"
                )
        except DatabaseError as exc:
            logger.warning("No text index: pg_trgm is not available (%s); queries scan.", exc)
            return False
    return True


def text_index_ready(conn) -> bool:
    """True when SQLite's text index exists, so that search may ask it. PostgreSQL's needs no
    asking: its planner takes the trigram index for LIKE by itself."""
    name = conn.settings_dict["NAME"]
    if name in _ready:
        return True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [TEXT_TABLE])
        if cursor.fetchone() is None:
            return False
    _ready.add(name)
    return True


def fts_phrase(text: str) -> str:
    """`text` as one FTS5 phrase: matched as a substring, with no query syntax in it."""
    return '"' + text.replace('"', '""') + '"'


_FEW_CANDIDATES = """
    WITH bound (n) AS (
        SELECT coalesce(max(rowid), 0) / %s + 1 FROM sandbox_record
    )
    SELECT (
        SELECT count(*) FROM (
            SELECT rowid FROM sandbox_record_text WHERE sandbox_record_text MATCH %s
            LIMIT (SELECT n FROM bound)
        )
    ) < (SELECT n FROM bound)
"""


def few_text_candidates(conn, text: str) -> bool:
    """SQLite: the text index holds fewer than 1/TEXT_SCAN_SHARE of all records for `text`.
    One query that counts no further than that; max(rowid) stands in for the number of
    records (deleted rows keep their numbers: it errs towards the index)."""
    with conn.cursor() as cursor:
        cursor.execute(_FEW_CANDIDATES, [TEXT_SCAN_SHARE, fts_phrase(text)])
        return bool(cursor.fetchone()[0])


def text_index_pays(text: str) -> bool:
    """SQLite: the trigram index can serve `text` and holds few candidates for it, so search
    asks it. (PostgreSQL's planner weighs its trigram index against a scan by itself.)"""
    return (
        len(text) >= MIN_INDEXED_QUERY
        and connection.vendor == "sqlite"
        and text_index_ready(connection)
        and few_text_candidates(connection, text)
    )


class InTextIndex(Expression):
    """SQLite: the record's row is among those the trigram index finds for `text`, a phrase
    of at least three characters that FTS5 matches as a substring, case-insensitively."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        matching = "SELECT rowid FROM sandbox_record_text WHERE sandbox_record_text MATCH %s"
        return f"{table}.rowid IN ({matching})", (fts_phrase(self.text),)
