"""Import: a file's columns mapped to fields, every row checked, then a bulk job.

Each row is checked with the record form's own field for each value (fieldtypes' `csv_in`), so
what the API would refuse is found before anything is sent; the rows that pass become the
job's items, one per row.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import QueryDict

from recordsadmin.client.domain import Schema, User
from recordsadmin.records import fieldtypes
from recordsadmin.records.bulk import jobs
from recordsadmin.records.bulk.changes import settable_fields
from recordsadmin.records.fieldtypes.base import DAY_ORDERS, YMD
from recordsadmin.records.formatting import is_empty
from recordsadmin.records.models import BulkItem, BulkJob, ImportUpload

from .csvfiles import DETECT, decode_upload, read_csv, unneutralise

# Import targets besides the schema's fields.
ID = "id"
OWNER = "owner"
IGNORE = ""

# Import modes.
CREATE = "create"
UPDATE_BY_ID = "update_id"
UPDATE_BY_FIELD = "update_field"
UPSERT_BY_FIELD = "upsert_field"  # the record holding the row's value is updated, else one made
MODES = (CREATE, UPDATE_BY_ID, UPDATE_BY_FIELD, UPSERT_BY_FIELD)
BY_FIELD = (UPDATE_BY_FIELD, UPSERT_BY_FIELD)
MAKES = (CREATE, UPSERT_BY_FIELD)


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def import_targets(schema: Schema) -> list[tuple[str, str]]:
    """What a column can be mapped to: (value, label)."""
    targets = [(IGNORE, "— ignore —"), (ID, "Record id"), (OWNER, "Owner")]
    targets += [(f.key, f.name) for f in settable_fields(schema)]
    return targets


def auto_mapping(schema: Schema, header: list[str]) -> list[str]:
    """Each column's target, matched by name, key or full field key where one fits."""
    names: dict[str, str] = {_norm(ID): ID, _norm("record id"): ID, _norm(OWNER): OWNER}
    for f in settable_fields(schema):
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
    day_order: str = YMD  # how the file writes dates (fieldtypes.base.DAY_ORDERS)

    def as_json(self) -> dict:
        return {
            "mapping": self.mapping,
            "mode": self.mode,
            "match_field": self.match_field,
            "keep_blanks": self.keep_blanks,
            "day_order": self.day_order,
        }

    @classmethod
    def from_json(cls, data: Mapping) -> "ImportOptions":
        return cls(
            mapping=list(data.get("mapping") or ()),
            mode=data.get("mode") or CREATE,
            match_field=data.get("match_field") or "",
            keep_blanks=bool(data.get("keep_blanks", True)),
            day_order=_day_order(data.get("day_order")),
        )

    @classmethod
    def from_post(cls, data: QueryDict, columns: int, schema: Schema) -> "ImportOptions":
        allowed = {value for value, _label in import_targets(schema)}
        mapping = [data.get(f"col{n}", IGNORE) for n in range(columns)]
        mapping = [m if m in allowed else IGNORE for m in mapping]
        mode = data.get("mode", CREATE)
        if mode not in MODES:
            mode = CREATE
        return cls(
            mapping=mapping,
            mode=mode,
            match_field=data.get("match_field", ""),
            keep_blanks=data.get("keep_blanks") == "1",
            day_order=_day_order(data.get("day_order")),
        )

    def problems(self, schema: Schema) -> list[str]:
        """What keeps the import from running with these options, in the words of the page."""
        return [problem.text for problem in self.problem_places(schema)]

    def problem_places(self, schema: Schema) -> list["MapProblem"]:
        """The problems, each with the control it is about (`anchor`, the map page's id) and
        the columns whose lists it is about, so that the page ties each to its controls."""
        found = []
        chosen = [m for m in self.mapping if m]
        duplicates = sorted({m for m in chosen if chosen.count(m) > 1})
        if duplicates:
            names = [_target_name(schema, key) for key in duplicates]
            columns = tuple(n for n, m in enumerate(self.mapping) if m in duplicates)
            found.append(
                MapProblem(
                    "Several columns are mapped to "
                    + ", ".join(f"“{n}”" for n in names)
                    + ": map each field from one column.",
                    f"col{columns[0]}",
                    columns,
                )
            )
        first = ["col0"] if self.mapping else []
        if self.mode == UPDATE_BY_ID and ID not in self.mapping:
            found.append(
                MapProblem("Updating by record id needs a column mapped to “Record id”.", *first)
            )
        if self.mode in BY_FIELD:
            f = schema.field(self.match_field)
            if f is None:
                found.append(
                    MapProblem("Choose the field that finds the record to update.", "match-field")
                )
            elif self.match_field not in self.mapping:
                found.append(
                    MapProblem(f"Map a column to {f.name}: it finds the record to update.", *first)
                )
        if self.mode in MAKES:
            missing = [f.name for f in schema.fields if f.required and f.key not in self.mapping]
            if missing:
                found.append(
                    MapProblem(
                        "Creating records needs a column for: " + ", ".join(missing) + ".", *first
                    )
                )
        if not any(m not in (IGNORE, ID) for m in self.mapping):
            found.append(MapProblem("Map at least one column to a field.", *first))
        return found


@dataclass(frozen=True)
class MapProblem:
    """A problem of the map page: its text, the id of the control to go to ("" for none),
    and the columns (by index) whose lists are wrong."""

    text: str
    anchor: str = ""
    columns: tuple[int, ...] = ()


def _day_order(value: str | None) -> str:
    return value if value in DAY_ORDERS else YMD


def day_order_choices() -> list[tuple[str, str]]:
    """The map page's "Dates are written as" choices: (value, "month/day/year")."""
    return [(order, name) for order, (name, _pattern, _example) in DAY_ORDERS.items()]


@dataclass
class RowCheck:
    number: int  # the row's line in the file, the header being line 1
    cells: list[str]
    properties: dict[str, Any] = field(default_factory=dict)
    owner: str | None = None
    has_owner: bool = False
    match: dict | None = None
    errors: list[str] = field(default_factory=list)
    # A "create or update" row's required fields left blank (kept as they are when it finds
    # its record): it makes no record without them.
    needs: list[str] = field(default_factory=list)

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
        return {"data": data, "outcome": BulkItem.Outcome.FAILED, "reason": "; ".join(self.errors)}


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


def repeated_rows(rows: list[list[str]], *, most: int = 5) -> list[tuple[int, int]]:
    """Rows that repeat an earlier one cell for cell (spaces around a cell aside): (the row
    repeated, the repeat), numbered as check_rows numbers them; at most `most` of them. Each
    is sent like any row: a create makes two records that are alike."""
    seen: dict[tuple[str, ...], int] = {}
    found = []
    for number, cells in enumerate(rows, start=2):
        key = tuple(cell.strip() for cell in cells)
        if key in seen:
            found.append((seen[key], number))
            if len(found) == most:
                break
        else:
            seen[key] = number
    return found


def _check_row(schema, number, cells, options: ImportOptions, by_user) -> RowCheck:
    check = RowCheck(number=number, cells=list(cells))
    updating = options.mode != CREATE
    # A "create or update" row may make its record: it needs what a create needs, unless
    # its blanks are kept (then only a row that makes its record needs them: `needs`).
    creating = options.mode in MAKES
    extra = [c for c in cells[len(options.mapping) :] if c.strip()]
    if extra:
        # Values past the header's last column belong to no field: most often a value with a
        # comma that is not in quotes, which moved every cell after it one column on.
        check.errors.append(
            f"This row has {len(cells)} cells, the header {len(options.mapping)}: "
            "is there a separator (a comma, say) in a value that is not in quotes?"
        )
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
            if creating and f.required and updating and options.keep_blanks:
                check.needs.append(f.name)  # required only if the row makes its record
            elif creating and f.required:
                check.errors.append(f"{f.name}: this field is required.")
            elif updating and not options.keep_blanks:
                if f.required:
                    check.errors.append(f"{f.name}: required, it cannot be cleared.")
                check.properties[f.key] = None
            continue
        try:
            check.properties[f.key] = fieldtypes.of(f).csv_in(text, day_order=options.day_order)
        except ValidationError as error:
            check.errors += [f"{f.name}: {m}" for m in error.messages]
    if options.mode == UPDATE_BY_ID and not (check.match or {}).get("id"):
        check.errors.append("Record id: empty, so no record to update.")
    if options.mode in BY_FIELD:
        value = check.properties.get(options.match_field)
        if is_empty(value):
            check.errors.append("The field that finds the record is empty.")
        elif options.mode == UPSERT_BY_FIELD:
            # The value is sent when the row makes its record, not when it finds one.
            check.match = {"field": options.match_field, "value": value, "or_create": True}
            if check.needs:
                check.match["needs"] = check.needs
        else:
            check.match = {"field": options.match_field, "value": value}
            # It found the record, so it holds this value already: nothing to send for it.
            check.properties.pop(options.match_field, None)
    elif options.mode == CREATE:
        check.match = None
    return check


def row_shown(*, schema: Schema, check: RowCheck, options: ImportOptions) -> dict[str, str]:
    """A checked row's values as a person writes them (option labels joined by "; ", dates in
    the file's order), by field key, for the preview."""
    shown = {}
    values = dict(check.properties)
    match = check.match or {}
    if match.get("field") and match["field"] not in values:
        # Found by it, so not sent; shown all the same: it says which record the row updates.
        values[match["field"]] = match["value"]
    for key, value in values.items():
        f = schema.field(key)
        if f is not None:
            kind = fieldtypes.of(f)
            shown[key] = (
                "" if is_empty(value) else kind.csv_shown(value, day_order=options.day_order)
            )
    return shown


# -- the upload and the start ------------------------------------------------------------------

MODE_NAMES = {
    CREATE: "create",
    UPDATE_BY_ID: "update by id",
    UPDATE_BY_FIELD: "update by field",
    UPSERT_BY_FIELD: "create or update by field",
}


def upload_store(
    *, schema: Schema, user, filename: str, raw: bytes, encoding: str = DETECT
) -> ImportUpload:
    """Keep an uploaded file whole in the database, once it reads as a CSV with a header and
    rows in `encoding` (csvfiles.decode_upload); UploadError says why it does not."""
    return ImportUpload.objects.create(
        object_key=schema.key,
        user=user,
        filename=filename[:255],
        content=decode_upload(raw, encoding),
    )


def upload_options_save(*, upload: ImportUpload, options: ImportOptions) -> bool:
    """Keep the options as the upload's last checked ones; True when they changed."""
    changed = options.as_json() != upload.options
    if changed:
        upload.options = options.as_json()
        upload.save(update_fields=["options"])
    return changed


def import_start(
    *, user, upload: ImportUpload, schema: Schema, options: ImportOptions, users: list[User]
) -> tuple[BulkJob, bool]:
    """Check every row with `options` and start the import as a bulk job, once per upload:
    (the job, True), or (the job a first start made, False) when the file was imported
    already, even when two starts arrive at once."""
    _header, rows = read_csv(upload.content)
    checks = check_rows(schema=schema, rows=rows, options=options, users=users)
    name = upload.filename or "CSV"
    rows = f"{len(checks):,} row{'s' if len(checks) != 1 else ''}"
    summary = f"Import {name}: {rows} ({MODE_NAMES[options.mode]})"
    with transaction.atomic():
        # Under the upload's lock: of two starts at once, the second finds the first's job.
        locked = ImportUpload.objects.select_for_update().get(pk=upload.pk)
        if locked.job_id is not None:
            return locked.job, False
        locked.job = jobs.job_create(
            user=user,
            schema=schema,
            kind=BulkJob.Kind.IMPORT,
            params={"upload": str(upload.pk), **options.as_json()},
            summary=summary,
            items=[c.item() for c in checks],
        )
        locked.save(update_fields=["job"])
    return locked.job, True


def _target_name(schema: Schema, key: str) -> str:
    """A mapping's target as the page names it: the field's name, "Record id" or "Owner"."""
    if key in (ID, OWNER):
        return "Record id" if key == ID else "Owner"
    f = schema.field(key)
    return f.name if f is not None else key
