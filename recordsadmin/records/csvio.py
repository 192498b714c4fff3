"""CSV in and out: the current search exported as a stream, and imports checked row by row.

Export pages through the records API 100 records at a time and yields one CSV line at a time,
so memory stays flat whatever the number of records. A cell that a spreadsheet would read as a
formula (starting with = + - @ tab CR or NUL) gets a leading `'`; every other cell is written
as it is (RELIABILITY 13). Import takes that one quote off again, so an export imports as it was.

Import reads an upload kept in the database (`ImportUpload`), maps its columns to fields,
checks every row with the record form's own field for each value (so what the API would refuse
is found first), and becomes a bulk job with one item per row.
"""

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.http import QueryDict

from recordsadmin.records import api, forms, services
from recordsadmin.records.exceptions import NotFound, OutcomeUnknown, RateLimited, RecordsApiError
from recordsadmin.records.listing import ListQuery
from recordsadmin.records.models import BulkItem
from recordsadmin.records.types import Field, Record, Schema, User

PAGE_SIZE = 100
PAGE_DEADLINE_SECONDS = 60.0
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 20_000
LIST_SEPARATOR = ";"

# Import targets besides the schema's fields.
ID = "id"
OWNER = "owner"
IGNORE = ""

# Import modes.
CREATE = "create"
UPDATE_BY_ID = "update_id"
UPDATE_BY_FIELD = "update_field"


def neutralise(cell: str) -> str:
    """The cell as a spreadsheet will show it, never run it as a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def unneutralise(cell: str) -> str:
    """An imported cell without the `'` that `neutralise` put in front of it, so that an
    exported file imports as it was exported. Only that one quote goes: a `'` before any other
    character is the cell's own. (A cell of the API's that itself began with `'=` comes back
    without its quote: the price of leaving every other cell byte-identical on export.)"""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


class _Line:
    """A file-like object whose write returns what it was given, for csv.writer per line."""

    def write(self, value: str) -> str:
        return value


# -- export ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    field: Field | None = None


def export_columns(schema: Schema, *, every: bool) -> list[Column]:
    """The table's columns (primary field, the other fields, owner, updated), or with `every`
    the id, every field, owner, followers and both times."""
    fields = [Column(f.key, f.name, f) for f in schema.fields]
    if every:
        return [
            Column("id", "id"),
            *fields,
            Column("owner", "Owner"),
            Column("followers", "Followers"),
            Column("createdAt", "Created"),
            Column("updatedAt", "Updated"),
        ]
    return [*fields, Column("owner", "Owner"), Column("updatedAt", "Updated")]


def cell_text(column: Column, record: Record, *, labels: bool, users: Mapping[str, User]) -> str:
    if column.field is not None:
        return value_text(column.field, record.properties.get(column.field.key), labels=labels)
    if column.name == "id":
        return record.id
    if column.name == "owner":
        user = users.get(record.owner or "")
        return (user.name if labels and user else record.owner) or ""
    if column.name == "followers":
        return f"{LIST_SEPARATOR} ".join(record.followers)
    moment = record.created_at if column.name == "createdAt" else record.updated_at
    return moment.isoformat().replace("+00:00", "Z") if moment else ""


def value_text(f: Field, value: Any, *, labels: bool) -> str:
    """A property as one CSV cell: option labels or keys, lists joined with "; "."""
    if forms.is_empty(value):
        return ""
    names = f.option_labels if labels else {}
    if isinstance(value, dict) and f.data_type == "MONETORY":
        value = value.get("value")
    if isinstance(value, list):
        parts = [
            str(v.get("url", "")) if isinstance(v, dict) else names.get(str(v), str(v))
            for v in value
        ]
        return f"{LIST_SEPARATOR} ".join(parts)
    if isinstance(value, dict):
        return f"{LIST_SEPARATOR} ".join(f"{names.get(k, k)}: {v}" for k, v in value.items())
    if isinstance(value, bool):
        return "true" if value else "false"
    return names.get(str(value), str(value))


def export_lines(
    *,
    schema: Schema,
    query: ListQuery,
    columns: list[Column],
    labels: bool,
    users: Mapping[str, User],
    first_page=None,
) -> Iterator[str]:
    """The CSV, one line at a time: the header, then every matching record, 100 per call.

    `first_page` is the first page when the caller already fetched it (so an API error shows
    as an error page, before the download starts). A failure later ends the file with a line
    saying so, never silently short.
    """
    writer = csv.writer(_Line())
    yield writer.writerow([neutralise(c.label) for c in columns])
    number, written = 1, 0
    page = first_page
    while True:
        if page is None:
            try:
                page = export_page(schema=schema, query=query, number=number)
            except RecordsApiError as error:
                yield writer.writerow([f"# Export stopped after {written} records: {error}"])
                return
        for record in page.records:
            yield writer.writerow(
                [neutralise(cell_text(c, record, labels=labels, users=users)) for c in columns]
            )
        written += len(page.records)
        if not page.has_next or not page.records:
            return
        number, page = number + 1, None


def export_page(*, schema: Schema, query: ListQuery, number: int):
    return services.record_search(
        schema=schema,
        query=query.q,
        filters=query.filters(schema),
        sort=query.search_sort(),
        page=number,
        per_page=PAGE_SIZE,
        deadline=api.deadline_in(PAGE_DEADLINE_SECONDS),
    )


# -- import: reading and mapping ------------------------------------------------------------------


class UploadError(Exception):
    """The file cannot be read as a CSV; the text says why."""


def decode_upload(raw: bytes) -> str:
    if len(raw) > MAX_UPLOAD_BYTES:
        raise UploadError(f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover (cp1252 decodes almost anything)
        raise UploadError("The file is not text in UTF-8.")
    header, rows = read_csv(text)
    if not header:
        raise UploadError("The file has no header row.")
    if not rows:
        raise UploadError("The file has a header row and no data rows.")
    return text


def read_csv(text: str) -> tuple[list[str], list[list[str]]]:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        lines = list(csv.reader(io.StringIO(text, newline=""), dialect))
    except csv.Error as error:
        raise UploadError(f"The file is not a valid CSV: {error}") from None
    lines = [line for line in lines if any(cell.strip() for cell in line)]
    if len(lines) > MAX_IMPORT_ROWS + 1:
        raise UploadError(f"The file has more than {MAX_IMPORT_ROWS:,} rows.")
    if not lines:
        return [], []
    return [h.strip() for h in lines[0]], lines[1:]


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def import_targets(schema: Schema) -> list[tuple[str, str]]:
    """What a column can be mapped to: (value, label)."""
    targets = [(IGNORE, "— ignore —"), (ID, "Record id"), (OWNER, "Owner")]
    targets += [(f.key, f.name) for f in schema.fields if f.data_type not in UNSETTABLE]
    return targets


UNSETTABLE = frozenset({"FILE_UPLOAD", "TEXTBOX_LIST"})


def auto_mapping(schema: Schema, header: list[str]) -> list[str]:
    """Each column's target, matched by name, key or full field key where one fits."""
    names: dict[str, str] = {_norm(ID): ID, _norm("record id"): ID, _norm(OWNER): OWNER}
    for f in schema.fields:
        if f.data_type in UNSETTABLE:
            continue
        for name in (f.key, f.name, f.field_key):
            names.setdefault(_norm(name), f.key)
    mapping, used = [], set()
    for column in header:
        target = names.get(_norm(column), IGNORE)
        if target in used:
            target = IGNORE
        used.add(target)
        mapping.append(target)
    return mapping


@dataclass
class ImportOptions:
    mapping: list[str]
    mode: str = CREATE
    match_field: str = ""
    keep_blanks: bool = True  # "don't overwrite with blanks"

    def as_json(self) -> dict:
        return {
            "mapping": self.mapping,
            "mode": self.mode,
            "match_field": self.match_field,
            "keep_blanks": self.keep_blanks,
        }

    @classmethod
    def from_json(cls, data: Mapping) -> "ImportOptions":
        return cls(
            mapping=list(data.get("mapping") or ()),
            mode=data.get("mode") or CREATE,
            match_field=data.get("match_field") or "",
            keep_blanks=bool(data.get("keep_blanks", True)),
        )

    @classmethod
    def from_post(cls, data: QueryDict, columns: int, schema: Schema) -> "ImportOptions":
        allowed = {value for value, _label in import_targets(schema)}
        mapping = [data.get(f"col{n}", IGNORE) for n in range(columns)]
        mapping = [m if m in allowed else IGNORE for m in mapping]
        mode = data.get("mode", CREATE)
        if mode not in (CREATE, UPDATE_BY_ID, UPDATE_BY_FIELD):
            mode = CREATE
        return cls(
            mapping=mapping,
            mode=mode,
            match_field=data.get("match_field", ""),
            keep_blanks=data.get("keep_blanks") == "1",
        )

    def problems(self, schema: Schema) -> list[str]:
        found = []
        chosen = [m for m in self.mapping if m]
        duplicates = sorted({m for m in chosen if chosen.count(m) > 1})
        if duplicates:
            found.append("Several columns are mapped to: " + ", ".join(duplicates) + ".")
        if self.mode == UPDATE_BY_ID and ID not in self.mapping:
            found.append("Updating by record id needs a column mapped to “Record id”.")
        if self.mode == UPDATE_BY_FIELD:
            f = schema.field(self.match_field)
            if f is None:
                found.append("Choose the field that finds the record to update.")
            elif self.match_field not in self.mapping:
                found.append(f"Map a column to {f.name}: it finds the record to update.")
        if self.mode == CREATE:
            missing = [f.name for f in schema.fields if f.required and f.key not in self.mapping]
            if missing:
                found.append("Creating records needs a column for: " + ", ".join(missing) + ".")
        if not any(m not in (IGNORE, ID) for m in self.mapping):
            found.append("Map at least one column to a field.")
        return found


# -- import: checking rows ------------------------------------------------------------------------


@dataclass
class RowCheck:
    number: int  # the row's line in the file, the header being line 1
    cells: list[str]
    properties: dict[str, Any] = field(default_factory=dict)
    owner: str | None = None
    has_owner: bool = False
    match: dict | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def item(self) -> dict:
        """The job item for this row: what to send, or why it is not sent."""
        data: dict[str, Any] = {"row": self.number, "cells": self.cells}
        if self.ok:
            data["properties"] = self.properties
            if self.has_owner:
                data["owner"] = self.owner
            if self.match:
                data["match"] = self.match
            return {"data": data, "record_id": (self.match or {}).get("id", "")}
        data["invalid"] = True
        return {"data": data, "status": BulkItem.Status.FAILED, "reason": "; ".join(self.errors)}


def parse_value(f: Field, text: str) -> Any:
    """A CSV cell as the value the record form would produce; ValidationError when the API
    would refuse it. Option cells take keys or labels; lists are separated by ";"."""
    form_field = forms.form_field(f)
    if form_field is None:
        raise ValidationError(f"{f.name} cannot be imported.")
    text = text.strip()
    if f.data_type in ("SINGLE_OPTIONS", "RADIO", "MULTIPLE_OPTIONS", "CHECKBOX"):
        by_label = {label.lower(): key for key, label in f.options}
        keys = {key for key, _label in f.options}

        def option(part: str) -> str:
            return part if part in keys else by_label.get(part.lower(), part)

        if f.data_type in ("MULTIPLE_OPTIONS", "CHECKBOX"):
            raw: Any = [option(p.strip()) for p in text.split(LIST_SEPARATOR) if p.strip()]
        else:
            raw = option(text)
    elif f.data_type in ("NUMERICAL", "MONETORY"):
        raw = text.replace(",", "").lstrip("$€£")
    else:
        raw = text
    value = form_field.clean(raw)
    return None if forms.is_empty(value) else value


def check_rows(
    *, schema: Schema, rows: Iterable[list[str]], options: ImportOptions, users: list[User]
) -> list[RowCheck]:
    by_user = {}
    for user in users:
        for name in (user.id, user.name.lower(), user.email.lower()):
            if name:
                by_user.setdefault(name, user.id)
    checks = []
    for number, cells in enumerate(rows, start=2):
        checks.append(_check_row(schema, number, cells, options, by_user))
    return checks


def _check_row(schema, number, cells, options: ImportOptions, by_user) -> RowCheck:
    check = RowCheck(number=number, cells=list(cells))
    updating = options.mode != CREATE
    for index, target in enumerate(options.mapping):
        text = unneutralise(cells[index]).strip() if index < len(cells) else ""
        if target == IGNORE:
            continue
        if target == ID:
            if text:
                check.match = {"id": text}
            continue
        if target == OWNER:
            if text:
                owner = by_user.get(text) or by_user.get(text.lower())
                if owner is None:
                    check.errors.append(f"Owner: no user “{text}” in this location.")
                check.owner, check.has_owner = owner, True
            elif not (updating and options.keep_blanks):
                check.owner, check.has_owner = None, updating
            continue
        f = schema.field(target)
        if not text:
            if updating and not options.keep_blanks:
                if f.required:
                    check.errors.append(f"{f.name}: required, it cannot be cleared.")
                check.properties[f.key] = None
            elif not updating and f.required:
                check.errors.append(f"{f.name}: this field is required.")
            continue
        try:
            check.properties[f.key] = parse_value(f, text)
        except ValidationError as error:
            check.errors += [f"{f.name}: {m}" for m in error.messages]
    if options.mode == UPDATE_BY_ID and not (check.match or {}).get("id"):
        check.errors.append("Record id: empty, so no record to update.")
    if options.mode == UPDATE_BY_FIELD:
        value = check.properties.get(options.match_field)
        if forms.is_empty(value):
            check.errors.append("The field that finds the record is empty.")
        else:
            check.match = {"field": options.match_field, "value": value}
            # It found the record, so it holds this value already: nothing to send for it.
            check.properties.pop(options.match_field, None)
    elif options.mode == CREATE:
        check.match = None
    return check


# -- import: one row, run by the job (HTTP only) --------------------------------------------------


def import_one(schema: Schema, pacer, item: BulkItem, params: Mapping):
    from recordsadmin.records.bulk import STOPPED_CREATE_REASON, Outcome, _reason, write_failed

    Status = BulkItem.Status
    data = item.data or {}
    properties = data.get("properties") or {}
    owner_kwargs = {"owner": data["owner"]} if "owner" in data else {}
    match = data.get("match")
    resumed = getattr(item, "resumed", False)
    try:
        if not match:
            if resumed:
                return Outcome(Status.FAILED, STOPPED_CREATE_REASON, maybe_applied=True)
            record = pacer.call(
                services.record_create,
                schema=schema,
                properties=properties,
                owner=data.get("owner"),
            )
            return Outcome(Status.DONE, record=record, record_id=record.id)
        current = _find(schema, pacer, match)
        if current is None:
            return Outcome(Status.FAILED, _no_match(schema, match))
    except RateLimited:
        raise
    except OutcomeUnknown as error:  # a create whose answer was lost
        return Outcome(Status.FAILED, _reason(error), maybe_applied=True)
    except RecordsApiError as error:  # a create refused, or the look for the record failed
        return write_failed(error, maybe_applied=resumed)
    try:
        record = pacer.call(
            services.record_update,
            schema=schema,
            record_id=current.id,
            properties=properties,
            **owner_kwargs,
        )
    except RateLimited:
        raise
    except RecordsApiError as error:
        return write_failed(error, maybe_applied=error.maybe_applied or resumed)
    from recordsadmin.records.history import record_snapshot

    return Outcome(Status.DONE, record=record, record_id=record.id, before=record_snapshot(current))


def _find(schema: Schema, pacer, match: Mapping) -> Record | None:
    if match.get("id"):
        try:
            return pacer.call(services.record_get, schema=schema, record_id=match["id"])
        except NotFound:
            return None
    from recordsadmin.records.types import Filter

    page = pacer.call(
        services.record_search,
        schema=schema,
        filters=[Filter(match["field"], "eq", match["value"])],
        per_page=2,
    )
    if page.total > 1:
        raise RecordsApiError(f"{page.total} records have this value: update one by its id.")
    return page.records[0] if page.records else None


def _no_match(schema: Schema, match: Mapping) -> str:
    if match.get("id"):
        return f"No record with id {match['id']}."
    f = schema.field(match["field"])
    return f"No record has {f.name if f else match['field']} = {match['value']}."


# -- the report -----------------------------------------------------------------------------------


def report_lines(*, job, header: list[str] | None = None) -> Iterator[str]:
    """A job's per-item report as CSV: row (for imports), record id, status, reason, and the
    row's own cells, so failed rows can be fixed and imported again."""
    writer = csv.writer(_Line())
    columns = ["row", "record_id", "status", "reason"]
    yield writer.writerow([*columns, *(neutralise(h) for h in (header or []))])
    for item in job.items.order_by("position").iterator(chunk_size=500):
        data = item.data or {}
        cells = [neutralise(c) for c in data.get("cells") or ()]
        yield writer.writerow(
            [data.get("row", ""), item.record_id, item.status, neutralise(item.reason), *cells]
        )
