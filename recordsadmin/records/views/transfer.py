"""Pages for CSV: export the table's search, import a file (upload, map, check, start)."""

import itertools
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from recordsadmin.records import services
from recordsadmin.records.bulk.changes import settable_fields
from recordsadmin.records.models import BulkJob, ImportUpload
from recordsadmin.records.query import ListQuery
from recordsadmin.records.tables import shown_fields
from recordsadmin.records.transfer import csvfiles, export, imports

from .bulk import list_url, may_read_upload, require_permission_for, uuid_or_404
from .common import can_export, can_view, load_schema, table_layout, uuid_or_none
from .problems import shows_api_errors

Kind = BulkJob.Kind
# The export page asks once a second how its download goes; with no sign of it after this
# many asks, it stops asking.
STATUS_ASKS_BEFORE_GIVING_UP = 30
# A CSV file's first character "For Excel": its byte order mark, by which Excel knows the file
# is UTF-8.
BOM = "\ufeff"
PREVIEW_ROWS_SHOWN = 20


# -- export ------------------------------------------------------------------------------------


@require_GET
@can_view
@can_export
@shows_api_errors
def record_export(request: HttpRequest, key: str) -> HttpResponse:
    """The export's choices (columns, labels or keys) for the table's current search."""
    schema = load_schema(key)
    query = ListQuery.from_params(schema, request.GET)
    pairs = QueryDict(query.params(page=1).lstrip("?"))
    return render(
        request,
        "records/bulk_export.html",
        {
            "schema": schema,
            "query": query,
            "hidden": [(k, v) for k in pairs for v in pairs.getlist(k)],
            "back_url": list_url(key, query.params()),
            "download": uuid.uuid4(),
            "table_columns": [c.label for c in _table_columns(request, schema)],
            # Records written within search's lag are exported as written; under a search or
            # filters, whether they match it is search's to say, and it may not know yet.
            "catching_up": query.is_filtered and bool(services.recent_writes(schema=schema)),
        },
    )


def _table_columns(request: HttpRequest, schema) -> list[export.Column]:
    """The columns the person's table shows, in its order (the column chooser's)."""
    return export.table_columns(shown_fields(schema, table_layout(request.user, schema)))


@require_GET
@can_view
@can_export
@shows_api_errors
def record_export_csv(request: HttpRequest, key: str) -> HttpResponse:
    """Every record matching the search, streamed as CSV, 100 records per API call. The first
    page is read before the answer starts, so that an API error shows as an error page."""
    schema = load_schema(key)
    query = ListQuery.from_params(schema, request.GET)
    users = {u.id: u for u in services.user_list()}
    first = export.export_page(schema=schema, query=query, number=1)
    download = uuid_or_none(request.GET.get("download", ""))
    progress = {}
    if download is not None:
        progress["progress"] = export.progress_to_cache(request.user.pk, download)
    lines = export.export_lines(
        schema=schema,
        query=query,
        columns=(
            export.every_column(schema)
            if request.GET.get("columns") == "all"
            else _table_columns(request, schema)
        ),
        labels=request.GET.get("values", "labels") != "keys",
        users=users,
        first_page=first,
        **progress,
    )
    if request.GET.get("excel") == "1":
        lines = itertools.chain([BOM], lines)  # else Excel reads it in the computer's code page
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    name = slugify(schema.plural) or "records"
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@can_view
@can_export
def record_export_status(request: HttpRequest, key: str, download: uuid.UUID) -> HttpResponse:
    """How the page's download is going (an htmx partial that asks again each second while
    it runs): finished, or stopped short and why. Only its own user's downloads are known."""
    state = export.progress_get(request.user.pk, download)
    try:
        asked = max(0, int(request.GET.get("n", "0")))
    except ValueError:
        asked = 0
    context = {
        "state": state,
        "schema_key": key,
        "download": download,
        "next": asked + 1,
        # A download that never started (a browser that kept it from starting) is not asked
        # about for ever.
        "gave_up": state is None and asked >= STATUS_ASKS_BEFORE_GIVING_UP,
    }
    return render(request, "records/_export_status.html", context)


# -- import ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@can_view
@shows_api_errors
def import_upload(request: HttpRequest, key: str) -> HttpResponse:
    require_permission_for(request, Kind.IMPORT)
    schema = load_schema(key)
    error = ""
    encoding = request.POST.get("encoding", csvfiles.DETECT)
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = "Choose a CSV file to upload."
        else:
            try:
                stored = imports.upload_store(
                    schema=schema,
                    user=request.user,
                    filename=upload.name or "",
                    raw=upload.read(csvfiles.MAX_UPLOAD_BYTES + 1),
                    encoding=encoding,
                )
            except csvfiles.UploadError as exc:
                error = str(exc)
            else:
                return redirect("records:import_map", upload_id=stored.pk)
    return render(
        request,
        "records/import_upload.html",
        {
            "schema": schema,
            "error": error,
            "encodings": csvfiles.ENCODING_CHOICES,
            "encoding": encoding,
            "back_url": list_url(key),
        },
    )


def _upload(request: HttpRequest, upload_id) -> ImportUpload:
    upload = get_object_or_404(ImportUpload, pk=uuid_or_404(upload_id))
    if not may_read_upload(request, upload.user_id):
        raise Http404("No such upload.")
    return upload


@require_http_methods(["GET", "POST"])
@can_view
@shows_api_errors
def import_map(request: HttpRequest, upload_id) -> HttpResponse:
    """Map the columns to fields, choose create or update, and see every row checked."""
    require_permission_for(request, Kind.IMPORT)
    upload = _upload(request, upload_id)
    schema = load_schema(upload.object_key)
    users = services.user_list()
    header, rows = csvfiles.read_csv(upload.content)
    if request.method == "POST":
        options = imports.ImportOptions.from_post(request.POST, len(header), schema)
        imports.upload_options_save(upload=upload, options=options)
    elif upload.options:
        options = imports.ImportOptions.from_json(upload.options)
    else:
        mapping = imports.auto_mapping(schema, header)
        # A file with record ids (an export's, say) is about those records: creating would
        # make a copy of each. Whoever may change records starts from updating them.
        by_id = imports.ID in mapping and request.user.has_perm("records.change_record")
        options = imports.ImportOptions(
            mapping=mapping, mode=imports.UPDATE_BY_ID if by_id else imports.CREATE
        )
    return _map_page(
        request, upload, schema, header, rows, options, users, checked=request.method == "POST"
    )


def _map_page(request, upload, schema, header, rows, options, users, *, checked: bool):
    context = {
        "schema": schema,
        "upload": upload,
        "options": options,
        "columns": [
            {"index": n, "name": name, "target": options.mapping[n], "sample": _sample(rows, n)}
            for n, name in enumerate(header)
        ],
        "targets": imports.import_targets(schema),
        "match_fields": settable_fields(schema),
        "row_count": len(rows),
        "back_url": list_url(schema.key),
        "day_orders": imports.day_order_choices(),
    }
    if checked:
        problems = options.problem_places(schema)
        context["problems"] = problems
        # Each column's list names the problems it is in (aria-describedby, aria-invalid).
        for column in context["columns"]:
            column["problems"] = " ".join(
                f"import-problem-{n}"
                for n, problem in enumerate(problems, 1)
                if column["index"] in problem.columns
            )
        if not problems:
            checks = imports.check_rows(schema=schema, rows=rows, options=options, users=users)
            bad = [c for c in checks if not c.ok]
            fields = [schema.field(m) for m in options.mapping if schema.field(m)]
            context |= {
                "checked": True,
                "good_count": len(checks) - len(bad),
                "bad_rows": bad[:500],
                "bad_count": len(bad),
                "sample_rows": [
                    _row_shown(schema, check, options, fields)
                    for check in [c for c in checks if c.ok][:PREVIEW_ROWS_SHOWN]
                ],
                "preview_fields": fields,
                "repeated": imports.repeated_rows(rows),
            }
    return render(request, "records/import_map.html", context)


def _row_shown(schema, check, options, fields) -> dict:
    """A row of the preview: its line in the file and its values as a person writes them,
    one per field of `fields`."""
    shown = imports.row_shown(schema=schema, check=check, options=options)
    return {"number": check.number, "values": [shown.get(f.key, "") for f in fields]}


def _sample(rows: list[list[str]], index: int) -> str:
    for row in rows[:20]:
        if index < len(row) and row[index].strip():
            return row[index].strip()[:60]
    return ""


@require_POST
@can_view
@shows_api_errors
def import_start(request: HttpRequest, upload_id) -> HttpResponse:
    """Import with the options on the form as the Import button sent it. When they are not the
    ones last checked (changed after "Check the rows"), the rows are checked again with them
    and shown, and nothing starts until Import is clicked on that check."""
    require_permission_for(request, Kind.IMPORT)
    upload = _upload(request, upload_id)
    if upload.job_id is not None:
        return _already_imported(request, upload.job_id)
    schema = load_schema(upload.object_key)
    users = services.user_list()
    header, rows = csvfiles.read_csv(upload.content)
    options = imports.ImportOptions.from_post(request.POST, len(header), schema)
    if options.mode != imports.CREATE and not request.user.has_perm("records.change_record"):
        raise PermissionDenied
    changed = imports.upload_options_save(upload=upload, options=options)
    if changed:
        messages.warning(
            request,
            "The options changed after the rows were checked: here they are checked with the "
            "options as they are now. Import when the check looks right.",
        )
    if changed or options.problems(schema):
        return _map_page(request, upload, schema, header, rows, options, users, checked=True)
    job, started = imports.import_start(
        user=request.user, upload=upload, schema=schema, options=options, users=users
    )
    if not started:
        return _already_imported(request, job.pk)
    return redirect("records:job_detail", job_id=job.pk)


def _already_imported(request: HttpRequest, job_id) -> HttpResponse:
    messages.info(request, "This file was imported already: here is its job.")
    return redirect("records:job_detail", job_id=job_id)
