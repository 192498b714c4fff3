"""Indexes that the embedded API keeps beside its tables, made after every `migrate`.

- Property indexes depend on the fields that exist, so no migration can name them:
  `search.sync_property_indexes` makes them after every migrate, as after every schema change.
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

import logging

from django.db import DatabaseError, connections, transaction

from .models import Field, Record

logger = logging.getLogger(__name__)

TEXT_TABLE = "sandbox_record_text"
TRIGRAM_INDEX = "sandbox_rec_text_trgm"
MIN_INDEXED_QUERY = 3
# SQLite reads the index's candidates one by one: when they are more than 1/TEXT_SCAN_SHARE of
# the records, a scan of them all is faster (about 2 µs a candidate against 0.4 µs a scanned
# record, measured with bench/sandbox_search.py at 100,000 records).
TEXT_SCAN_SHARE = 5

_RECORDS = Record._meta.db_table
# Literal SQL: the names are this module's own constants, spelled out.
_TRIGGERS = {
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


def after_migrate(sender, using: str, plan=None, **kwargs) -> None:
    """post_migrate: objects and fields made before this run, or by a plain ORM write or a
    `sandbox_demo --no-indexes`, get their property indexes; the text index is made or, after
    a migration of this app, rebuilt."""
    from .search import sync_property_indexes

    tables = set(connections[using].introspection.table_names())
    if not {_RECORDS, Field._meta.db_table} <= tables:  # after `migrate sandbox zero`
        return
    sync_property_indexes(using)
    migrated = any(
        migration.app_label == sender.label and not backwards for migration, backwards in plan or ()
    )
    ensure_text_index(using, rebuild=migrated)


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
        missing = [sql for name, sql in _TRIGGERS.items() if name not in present]
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
