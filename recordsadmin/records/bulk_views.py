"""Pages for bulk work: edit or delete a selection, watch its job, export and import CSV.

The table's form posts the selection here (checked ids, or "all matching" with the table's
query string); a preview says what will happen before a job is queued. The job's page polls a
progress partial every second until the job is finished, then shows its report.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from recordsadmin.records import bulk, csvio, forms, services
from recordsadmin.records.exceptions import RecordsApiError
from recordsadmin.records.listing import ListQuery
from recordsadmin.records.models import BulkItem, BulkJob, ImportUpload
from recordsadmin.records.views import api_error_page, can_view, load_schema, wants_partial

Kind = BulkJob.Kind
REPORT_ROWS_SHOWN = 200
PREVIEW_ROWS_SHOWN = 20
can_export = permission_required("records.export_record", raise_exception=True)

PERMISSION_FOR = {
    Kind.UPDATE: "records.change_record",
    Kind.DELETE: "records.delete_record",
    Kind.IMPORT: "records.add_record",
}


def _require(request: HttpRequest, kind: str) -> None:
    if not request.user.has_perm(PERMISSION_FOR[kind]):
        raise PermissionDenied


def _list_url(schema_key: str, query: str = "") -> str:
    return reverse("records:record_list", args=[schema_key]) + (query if query != "?" else "")


# -- bulk edit and delete ---------------------------------------------------------------------


@require_POST
@can_view
@vary_on_headers("HX-Request")
def bulk_edit(request: HttpRequest, key: str) -> HttpResponse:
    """The selection's next step: choose the field and value, or see the delete's preview."""
    kind = Kind.DELETE if request.POST.get("action") == Kind.DELETE else Kind.UPDATE
    _require(request, kind)
    try:
        schema = load_schema(key)
        context = _edit_context(request, schema, kind)
    except RecordsApiError as error:
        return api_error_page(request, error)
    if context is None:
        messages.warning(request, "Select at least one record first.")
        return redirect(_list_url(key, request.POST.get("query", "")))
    template = "records/bulk_edit.html"
    if wants_partial(request):
        template += "#bulk-edit"
    return render(request, template, context)


def _edit_context(request: HttpRequest, schema, kind: str) -> dict | None:
    selection = bulk.Selection.from_post(request.POST)
    if selection.is_empty:
        return None
    users = services.user_list()
    context = {
        "schema": schema,
        "kind": kind,
        "selection": selection,
        "fields": bulk.settable_fields(schema),
        "users": users,
        "back_url": _list_url(schema.key, selection.query),
        "chosen": request.POST.get("field", ""),
        "values": request.POST.getlist("value"),
    }
    # The start form's one-time id: sent twice, it still makes one job.
    context["submission"] = str(uuid.uuid4())
    if kind == Kind.DELETE:
        context["preview"] = bulk.preview(schema=schema, selection=selection, kind=kind)
        return context
    if context["chosen"]:
        change = bulk.change_from_post(schema=schema, data=request.POST, users=users)
        context["change"] = change
        context["value_widget"] = _value_widget(schema, change.field_key, request.POST, users)
        if request.POST.get("step") == "preview":
            context["preview"] = bulk.preview(
                schema=schema, selection=selection, kind=kind, change=change, users=users
            )
    return context


def _value_widget(schema, key: str, data: QueryDict, users) -> str:
    """The input for the new value: the record form's own widget for the field."""
    if key == bulk.OWNER:
        return ""  # the template draws the user list
    f = schema.field(key)
    form_field = forms.form_field(f) if f is not None else None
    if form_field is None:
        return ""
    value = form_field.widget.value_from_datadict(data, {}, "value")
    attrs = {"id": "bulk-value"}
    return form_field.widget.render("value", value, attrs=attrs)


@require_POST
@can_view
def bulk_start(request: HttpRequest, key: str) -> HttpResponse:
    """Check the change again and queue the job; then its page."""
    kind = Kind.DELETE if request.POST.get("action") == Kind.DELETE else Kind.UPDATE
    _require(request, kind)
    try:
        schema = load_schema(key)
        selection = bulk.Selection.from_post(request.POST)
        if selection.is_empty:
            messages.warning(request, "Select at least one record first.")
            return redirect(_list_url(key, request.POST.get("query", "")))
        change, users = None, []
        if kind == Kind.UPDATE:
            users = services.user_list()
            change = bulk.change_from_post(schema=schema, data=request.POST, users=users)
        preview = bulk.preview(
            schema=schema,
            selection=selection,
            kind=kind,
            change=change,
            users=users,
        )
    except RecordsApiError as error:
        return api_error_page(request, error)
    submission = _submission(request.POST.get("submission", ""))
    if preview.blocked or submission is None:
        # Back to the preview (a start without the preview's one-time id gets a new one).
        data = request.POST.copy()
        data["step"] = "preview"
        request.POST = data
        return bulk_edit(request, key)
    job = bulk.job_create(
        user=request.user,
        schema=schema,
        kind=kind,
        selection=selection,
        params=change.as_json() if change else {},
        summary=preview.summary,
        submission=submission,
    )
    return redirect("records:job_detail", job_id=job.pk)


def _submission(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


# -- jobs --------------------------------------------------------------------------------------


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404("No such job or upload.") from None


def _job(job_id) -> BulkJob:
    return get_object_or_404(BulkJob, pk=_uuid(job_id))


@require_GET
@can_view
@vary_on_headers("HX-Request")
def job_detail(request: HttpRequest, job_id) -> HttpResponse:
    job = _job(job_id)
    bulk.job_resume_if_stale(job=job)
    counts = bulk.job_counts(job=job)
    context = {
        "job": job,
        "counts": counts,
        "percent": round(100 * counts["finished"] / counts["total"]) if counts["total"] else 0,
        "back_url": _list_url(job.object_key),
        "can_act": request.user.has_perm(PERMISSION_FOR[job.kind]),
        "can_read_rows": _may_read_rows(request, job),
    }
    if job.is_finished and context["can_read_rows"]:
        context["failed"] = list(
            job.items.filter(status=BulkItem.Status.FAILED).order_by("position")[:REPORT_ROWS_SHOWN]
        )
        context["retry"] = bulk.job_retry_plan(job=job)
        unknown = bulk.job_unknown_creates(job=job)
        context["unknown_text"] = _unknown_text(unknown) if unknown else ""
        maybe = bulk.job_unknown_changes(job=job)
        context["maybe_applied_text"] = _maybe_applied_text(job, maybe) if maybe else ""
    template = "records/bulk_job.html"
    if wants_partial(request):
        template += "#job-progress"
    return render(request, template, context)


@require_POST
@can_view
def job_cancel(request: HttpRequest, job_id) -> HttpResponse:
    job = _job(job_id)
    _require(request, job.kind)
    bulk.job_cancel(job=job)
    return redirect("records:job_detail", job_id=job.pk)


@require_POST
@can_view
def job_retry(request: HttpRequest, job_id) -> HttpResponse:
    job = _job(job_id)
    _require(request, job.kind)
    retry = bulk.job_retry_failed(job=job)
    if retry:
        messages.info(request, _retry_text(retry))
    unknown = bulk.job_unknown_creates(job=job)
    if unknown:
        messages.warning(request, _unknown_text(unknown))
    return redirect("records:job_detail", job_id=job.pk)


def _retry_text(retry: bulk.Retry) -> str:
    if retry.from_start:
        return "The job is queued again: it collects its records from the start."
    count = retry.failed + retry.unsent
    what = " and ".join(w for n, w in ((retry.failed, "failed"), (retry.unsent, "unsent")) if n)
    return f"{count:,} {what} {'item is' if count == 1 else 'items are'} queued again."


def _maybe_applied_text(job: BulkJob, count: int) -> str:
    records = "1 record" if count == 1 else f"{count:,} records"
    if job.kind == BulkJob.Kind.DELETE:
        done = "deleted"
        retry = "sends the delete again, and a record already gone then counts as deleted"
    else:
        done, retry = "changed", "sends the change again (setting a value twice does no harm)"
    return (
        f"{records} may have been {done} all the same: the records API did not confirm the "
        f"call (outcome unknown), and the record's history says so. A retry {retry}."
    )


def _unknown_text(count: int) -> str:
    rows = "1 row" if count == 1 else f"{count:,} rows"
    return (
        f"{rows} may have created {'its record' if count == 1 else 'their records'} before the "
        "answer was lost (outcome unknown): a retry leaves them out, so that no record is made "
        "twice. Look for them in the table (the report lists them) and import again only the "
        "missing ones."
    )


@require_GET
@can_view
def job_report(request: HttpRequest, job_id) -> HttpResponse:
    job = _job(job_id)
    if not _may_read_rows(request, job):
        raise Http404("This report is for the user who uploaded the file.")
    header = None
    upload_id = job.params.get("upload")
    if upload_id:
        upload = ImportUpload.objects.filter(pk=upload_id).first()
        header = csvio.read_csv(upload.content)[0] if upload else None
    response = StreamingHttpResponse(
        csvio.report_lines(job=job, header=header), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="job-{job.pk}-report.csv"'
    return response


# -- export ------------------------------------------------------------------------------------


@require_GET
@can_view
@can_export
def record_export(request: HttpRequest, key: str) -> HttpResponse:
    """The export's choices (columns, labels or keys) for the table's current search."""
    try:
        schema = load_schema(key)
    except RecordsApiError as error:
        return api_error_page(request, error)
    query = ListQuery.from_params(schema, request.GET)
    pairs = QueryDict(query.params(page=1).lstrip("?"))
    return render(
        request,
        "records/bulk_export.html",
        {
            "schema": schema,
            "query": query,
            "hidden": [(k, v) for k in pairs for v in pairs.getlist(k)],
            "back_url": _list_url(key, query.params()),
        },
    )


@require_GET
@can_view
@can_export
def record_export_csv(request: HttpRequest, key: str) -> HttpResponse:
    """Every record matching the search, streamed as CSV, 100 records per API call."""
    try:
        schema = load_schema(key)
        query = ListQuery.from_params(schema, request.GET)
        users = {u.id: u for u in services.user_list()}
        first = csvio.export_page(schema=schema, query=query, number=1)
    except RecordsApiError as error:
        return api_error_page(request, error)
    lines = csvio.export_lines(
        schema=schema,
        query=query,
        columns=csvio.export_columns(schema, every=request.GET.get("columns") == "all"),
        labels=request.GET.get("values", "labels") != "keys",
        users=users,
        first_page=first,
    )
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    name = slugify(schema.plural) or "records"
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response["Cache-Control"] = "no-store"
    return response


# -- import ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@can_view
def import_upload(request: HttpRequest, key: str) -> HttpResponse:
    _require(request, Kind.IMPORT)
    try:
        schema = load_schema(key)
    except RecordsApiError as error:
        return api_error_page(request, error)
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = "Choose a CSV file to upload."
        else:
            try:
                text = csvio.decode_upload(upload.read(csvio.MAX_UPLOAD_BYTES + 1))
            except csvio.UploadError as exc:
                error = str(exc)
            else:
                stored = ImportUpload.objects.create(
                    object_key=schema.key,
                    user=request.user,
                    filename=(upload.name or "")[:255],
                    content=text,
                )
                return redirect("records:import_map", upload_id=stored.pk)
    return render(
        request,
        "records/import_upload.html",
        {"schema": schema, "error": error, "back_url": _list_url(key)},
        status=200,
    )


def _upload(request: HttpRequest, upload_id) -> ImportUpload:
    upload = get_object_or_404(ImportUpload, pk=_uuid(upload_id))
    if not _may_read_upload(request, upload.user_id):
        raise Http404("No such upload.")
    return upload


def _may_read_upload(request: HttpRequest, owner_id: int | None) -> bool:
    """An uploaded file's cells are for the user who uploaded it, and superusers only: a CSV
    may hold more than the records API shows (other columns, other people's data)."""
    return owner_id in (None, request.user.pk) or request.user.is_superuser


def _may_read_rows(request: HttpRequest, job: BulkJob) -> bool:
    """Whether this user may see an import job's rows (its report holds the file's cells)."""
    return job.kind != Kind.IMPORT or _may_read_upload(request, job.user_id)


@require_http_methods(["GET", "POST"])
@can_view
def import_map(request: HttpRequest, upload_id) -> HttpResponse:
    """Map the columns to fields, choose create or update, and see every row checked."""
    _require(request, Kind.IMPORT)
    upload = _upload(request, upload_id)
    try:
        schema = load_schema(upload.object_key)
        users = services.user_list()
    except RecordsApiError as error:
        return api_error_page(request, error)
    header, rows = csvio.read_csv(upload.content)
    if request.method == "POST":
        options = _posted_options(request, upload, schema, header)
    elif upload.options:
        options = csvio.ImportOptions.from_json(upload.options)
    else:
        options = csvio.ImportOptions(mapping=csvio.auto_mapping(schema, header))
    return _map_page(
        request, upload, schema, header, rows, options, users, checked=request.method == "POST"
    )


def _posted_options(request, upload: ImportUpload, schema, header) -> csvio.ImportOptions:
    """The options on the form as sent, kept as the upload's last checked ones."""
    options = csvio.ImportOptions.from_post(request.POST, len(header), schema)
    upload.options = options.as_json()
    upload.save(update_fields=["options"])
    return options


def _map_page(request, upload, schema, header, rows, options, users, *, checked: bool):
    context = {
        "schema": schema,
        "upload": upload,
        "options": options,
        "columns": [
            {"index": n, "name": name, "target": options.mapping[n], "sample": _sample(rows, n)}
            for n, name in enumerate(header)
        ],
        "targets": csvio.import_targets(schema),
        "match_fields": bulk.settable_fields(schema),
        "row_count": len(rows),
        "back_url": _list_url(schema.key),
    }
    if checked:
        problems = options.problems(schema)
        context["problems"] = problems
        if not problems:
            checks = csvio.check_rows(schema=schema, rows=rows, options=options, users=users)
            bad = [c for c in checks if not c.ok]
            context |= {
                "checked": True,
                "good_count": len(checks) - len(bad),
                "bad_rows": bad[:500],
                "bad_count": len(bad),
                "sample_rows": [c for c in checks if c.ok][:PREVIEW_ROWS_SHOWN],
                "preview_fields": [schema.field(m) for m in options.mapping if schema.field(m)],
            }
    return render(request, "records/import_map.html", context)


def _sample(rows: list[list[str]], index: int) -> str:
    for row in rows[:20]:
        if index < len(row) and row[index].strip():
            return row[index].strip()[:60]
    return ""


@require_POST
@can_view
def import_start(request: HttpRequest, upload_id) -> HttpResponse:
    """Import with the options on the form as the Import button sent it. When they are not the
    ones last checked (changed after "Check the rows"), the rows are checked again with them
    and shown, and nothing starts until Import is clicked on that check."""
    _require(request, Kind.IMPORT)
    upload = _upload(request, upload_id)
    if upload.job_id is not None:
        return _already_imported(request, upload)
    try:
        schema = load_schema(upload.object_key)
        users = services.user_list()
    except RecordsApiError as error:
        return api_error_page(request, error)
    header, rows = csvio.read_csv(upload.content)
    options = csvio.ImportOptions.from_post(request.POST, len(header), schema)
    if options.mode != csvio.CREATE and not request.user.has_perm("records.change_record"):
        raise PermissionDenied
    changed = options.as_json() != upload.options
    if changed:
        upload.options = options.as_json()
        upload.save(update_fields=["options"])
        messages.warning(
            request,
            "The options changed after the rows were checked: here they are checked with the "
            "options as they are now. Import when the check looks right.",
        )
    if changed or options.problems(schema):
        return _map_page(request, upload, schema, header, rows, options, users, checked=True)
    checks = csvio.check_rows(schema=schema, rows=rows, options=options, users=users)
    mode = {"create": "create", "update_id": "update by id", "update_field": "update by field"}
    summary = f"Import {upload.filename or 'CSV'}: {len(checks):,} rows ({mode[options.mode]})"
    with transaction.atomic():
        # Under the upload's lock: of two starts at once, the second finds the first's job.
        locked = ImportUpload.objects.select_for_update().get(pk=upload.pk)
        if locked.job_id is not None:
            return _already_imported(request, locked)
        locked.job = bulk.job_create(
            user=request.user,
            schema=schema,
            kind=Kind.IMPORT,
            params={"upload": str(upload.pk), **options.as_json()},
            summary=summary,
            items=[c.item() for c in checks],
        )
        locked.save(update_fields=["job"])
    return redirect("records:job_detail", job_id=locked.job_id)


def _already_imported(request: HttpRequest, upload: ImportUpload) -> HttpResponse:
    messages.info(request, "This file was imported already: here is its job.")
    return redirect("records:job_detail", job_id=upload.job_id)
