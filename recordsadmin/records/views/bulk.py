"""Pages for bulk work: edit or delete a selection, then watch its job.

The table's form posts the selection here (checked ids, or "all matching" with the table's
query string); a preview says what will happen before a job is queued. The job's page polls a
progress partial every second until the job is finished, then shows its report.
"""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from recordsadmin.accounts import kept
from recordsadmin.client.errors import RecordsApiError
from recordsadmin.contract.limits import OWNER
from recordsadmin.records import fieldtypes, selectors, services
from recordsadmin.records.bulk import changes, counting, jobs, links, preview
from recordsadmin.records.bulk.selection import Selection
from recordsadmin.records.models import BulkJob
from recordsadmin.records.transfer import csvfiles, report

from .common import can_view, load_schema
from .problems import shows_api_errors, wants_partial

Kind = BulkJob.Kind
REPORT_ROWS_SHOWN = 200

PERMISSION_FOR = {
    Kind.UPDATE: "records.change_record",
    Kind.DELETE: "records.delete_record",
    Kind.IMPORT: "records.add_record",
    Kind.REVERT: "records.change_record",
    Kind.LINK: "records.change_record",
    # A count changes nothing; it is asked for from the schema editor (bulk/counting.py).
    Kind.COUNT: "records.manage_schema",
}
# What the table's bulk form may ask for (its buttons' `action`); anything else is an edit.
FORM_KINDS = {Kind.DELETE: Kind.DELETE, Kind.LINK: Kind.LINK}


def _kind(request: HttpRequest) -> str:
    return FORM_KINDS.get(request.POST.get("action", ""), Kind.UPDATE)


def require_permission_for(request: HttpRequest, kind: str) -> None:
    """403 unless the user may do what a job of this kind does."""
    if not request.user.has_perm(PERMISSION_FOR[kind]):
        raise PermissionDenied


def list_url(schema_key: str, query: str = "") -> str:
    return reverse("records:record_list", args=[schema_key]) + (query if query != "?" else "")


# -- bulk edit and delete ---------------------------------------------------------------------


KEPT = (
    "You were signed out before this was started. Here is what you chose: nothing was sent "
    "yet. Check it and start it again."
)


@require_http_methods(["GET", "POST"])
@can_view
@vary_on_headers("HX-Request")
@shows_api_errors
def bulk_edit(request: HttpRequest, key: str) -> HttpResponse:
    """The selection's next step: choose the field and value, the record to link to, or see
    the delete's preview. A GET gives back the step a person sent when their session ended
    (recordsadmin/accounts/kept.py; the start comes back as its preview, nothing started);
    without one there is no selection to show, and the table is where one is made."""
    if request.method == "GET":
        typed = kept.take(request)
        if typed is None:
            messages.info(request, "Tick records in the table first, then choose what to do.")
            return redirect(list_url(key))
        if "submission" in typed:
            typed["step"] = "preview"
        request.POST = typed
        messages.warning(request, KEPT)
    kind = _kind(request)
    require_permission_for(request, kind)
    schema = load_schema(key)
    make = _link_context if kind == Kind.LINK else _edit_context
    context = make(request, schema, kind)
    if context is None:
        messages.warning(request, "Select at least one record first.")
        return redirect(list_url(key, request.POST.get("query", "")))
    template = "records/bulk_link.html" if kind == Kind.LINK else "records/bulk_edit.html"
    if wants_partial(request):
        template += "#bulk-link" if kind == Kind.LINK else "#bulk-edit"
    return render(request, template, context)


def _link_context(request: HttpRequest, schema, kind: str) -> dict | None:
    """The link form: the association, a search of the other object's records (or the
    contacts) to pick the one to link to, and once one is picked, the preview."""
    selection = Selection.from_post(request.POST)
    if selection.is_empty:
        return None
    choice = links.link_from_post(schema=schema, data=request.POST)
    context = {
        "schema": schema,
        "kind": kind,
        "selection": selection,
        "choice": choice,
        "back_url": list_url(schema.key, selection.query),
        "submission": str(uuid.uuid4()),
        "search_url": reverse("records:bulk_edit", args=[schema.key]),
    }
    if request.POST.get("step") == "preview" and choice.association is None:
        context["association_error"] = "Choose what to link by."
    if request.POST.get("step") == "preview" and choice.association is not None:
        if choice.target is None and not choice.errors:
            choice.errors.append("Choose the record to link to.")
        context["preview"] = links.link_preview(schema=schema, selection=selection, choice=choice)
    return context


def _edit_context(request: HttpRequest, schema, kind: str) -> dict | None:
    selection = Selection.from_post(request.POST)
    if selection.is_empty:
        return None
    users = services.user_list()
    context = {
        "schema": schema,
        "kind": kind,
        "selection": selection,
        "fields": changes.settable_fields(schema),
        "users": users,
        "back_url": list_url(schema.key, selection.query),
        "chosen": request.POST.get("field", ""),
        "values": request.POST.getlist("value"),
    }
    # The start form's one-time id: sent twice, it still makes one job.
    context["submission"] = str(uuid.uuid4())
    if kind == Kind.DELETE:
        context["preview"] = preview.preview(
            schema=schema, selection=selection, kind=kind, users=users
        )
        return context
    if not context["chosen"] and request.POST.get("step") == "preview":
        context["field_error"] = "Choose the field to set."
    if context["chosen"]:
        change = changes.change_from_post(schema=schema, data=request.POST, users=users)
        context["change"] = change
        context["value_widget"], context["value_grouped"] = _value_input(
            schema, change.field_key, request.POST
        )
        if request.POST.get("step") == "preview":
            context["preview"] = preview.preview(
                schema=schema, selection=selection, kind=kind, change=change, users=users
            )
    return context


def _value_input(schema, key: str, data: QueryDict) -> tuple[str, bool]:
    """The input for the new value, the record form's own widget for the field ("" for the
    owner, whose user list the template draws), and whether it is a group (checkboxes,
    radios, a list of boxes), which a legend names: a label's `for` cannot point at a group."""
    f = schema.field(key) if key != OWNER else None
    if f is None:
        return "", False
    kind = fieldtypes.of(f)
    form_field = kind.form_field()
    if form_field is None:
        return "", kind.grouped
    value = form_field.widget.value_from_datadict(data, {}, "value")
    return form_field.widget.render("value", value, attrs={"id": "bulk-value"}), kind.grouped


@require_POST
@can_view
@shows_api_errors
def bulk_start(request: HttpRequest, key: str) -> HttpResponse:
    """Check the change again and queue the job; then its page."""
    kind = _kind(request)
    require_permission_for(request, kind)
    schema = load_schema(key)
    selection = Selection.from_post(request.POST)
    if selection.is_empty:
        messages.warning(request, "Select at least one record first.")
        return redirect(list_url(key, request.POST.get("query", "")))
    if kind == Kind.LINK:
        return _link_start(request, schema, selection)
    change, users = None, []
    if kind == Kind.UPDATE:
        users = services.user_list()
        change = changes.change_from_post(schema=schema, data=request.POST, users=users)
    planned = preview.preview(
        schema=schema, selection=selection, kind=kind, change=change, users=users
    )
    submission = _submission(request.POST.get("submission", ""))
    if planned.blocked or submission is None:
        # Back to the preview (a start without the preview's one-time id gets a new one).
        data = request.POST.copy()
        data["step"] = "preview"
        request.POST = data
        return bulk_edit(request, key)
    job = jobs.job_create(
        user=request.user,
        schema=schema,
        kind=kind,
        selection=selection,
        params=change.as_json() if change else {},
        summary=planned.summary,
        submission=submission,
    )
    return redirect("records:job_detail", job_id=job.pk)


def _link_start(request: HttpRequest, schema, selection: Selection) -> HttpResponse:
    """Queue the link job once its association and record are checked again (read now)."""
    choice = links.link_from_post(schema=schema, data=request.POST, search=False)
    planned = links.link_preview(schema=schema, selection=selection, choice=choice)
    submission = _submission(request.POST.get("submission", ""))
    if planned.blocked or submission is None:
        data = request.POST.copy()
        data["step"] = "preview"
        request.POST = data
        return bulk_edit(request, schema.key)
    job = jobs.job_create(
        user=request.user,
        schema=schema,
        kind=Kind.LINK,
        selection=selection,
        params=links.link_params(choice),
        summary=planned.summary,
        submission=submission,
    )
    return redirect("records:job_detail", job_id=job.pk)


def _submission(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


# -- jobs --------------------------------------------------------------------------------------


def uuid_or_404(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404("No such job or upload.") from None


def _object_name(key: str) -> str:
    """The object's name for the job page's breadcrumb, from the cached schema (the page
    polls while the job runs, and must show even while the records API is away)."""
    schema = services.schema_known(key=key)
    return schema.plural if schema else "Records"


def _job(job_id) -> BulkJob:
    return get_object_or_404(BulkJob, pk=uuid_or_404(job_id))


@require_GET
@can_view
@vary_on_headers("HX-Request")
def job_detail(request: HttpRequest, job_id) -> HttpResponse:
    job = _job(job_id)
    counts = jobs.job_counts(job=job)
    context = {
        "job": job,
        # Shown, not acted on: a GET changes nothing; a jobs_worker takes the job over.
        "stalled": jobs.job_stalled(job=job),
        "counts": counts,
        "percent": round(100 * counts["processed"] / counts["total"]) if counts["total"] else 0,
        "skips": jobs.job_skips(job=job) if counts["skipped"] else [],
        # Back to the search the job's records were chosen in.
        "back_url": list_url(job.object_key, _search_of(job)),
        "back_label": _object_name(job.object_key),
        "can_act": request.user.has_perm(PERMISSION_FOR[job.kind]),
        "can_read_rows": may_read_rows(request, job),
        "milestone": job_milestone(job, counts),
        "poll_seconds": jobs.job_poll_seconds(total=counts["total"]),
        "first_crumb_url": reverse("records:home"),
        "first_crumb_label": "Objects",
    }
    if job.kind == Kind.COUNT:
        context.update(_count_context(job, counts))
    if job.is_finished and context["can_read_rows"]:
        context["failed"] = list(jobs.job_failures(job=job)[:REPORT_ROWS_SHOWN])
        context["retry"] = jobs.job_retry_plan(job=job)
        unknown = jobs.job_unknown_creates(job=job)
        context["unknown_text"] = _unknown_text(unknown) if unknown else ""
        maybe = jobs.job_unknown_changes(job=job)
        context["maybe_applied_text"] = _maybe_applied_text(job, maybe) if maybe else ""
        context["reverted_by"] = reverted_by = jobs.job_revert_latest(job=job)
        plan = jobs.job_revert_plan(job=job)
        if (
            not jobs.revert_blocks(reverted_by)
            and plan.total
            and request.user.has_perms(plan.permissions)
        ):
            context["revert_plan"] = plan
    template = "records/bulk_job.html"
    if wants_partial(request):
        template += "#job-progress"
    return render(request, template, context)


def _search_of(job: BulkJob) -> str:
    """The table's query string the job's records were chosen by ("" for none), encoded
    again from its parts."""
    query = (job.selection or {}).get("query") or ""
    params = QueryDict(query.lstrip("?")).urlencode() if isinstance(query, str) else ""
    return f"?{params}" if params else ""


def _count_context(job: BulkJob, counts: dict[str, int]) -> dict:
    """A count's page: the relations counted so far, and the way back to the association's
    delete confirmation (and to counting again) on the schema page it was asked from."""
    args = [job.params.get("from") or job.object_key, job.params.get("association", "")]
    return {
        "relation_count": counting.count_result(job=job, counts=counts),
        "back_url": reverse("records:schema_association_delete", args=args),
        "back_label": f"Delete the association {job.params.get('association_key', '')}",
        # Asked from the schema pages: the trail starts there, not at the records' objects.
        "first_crumb_url": reverse("records:schema_objects"),
        "first_crumb_label": "Schema",
        "count_url": reverse("records:schema_association_count", args=args),
        "count_submission": str(uuid.uuid4()),
    }


def job_milestone(job: BulkJob, counts: dict) -> str:
    """What a screen reader is told of the job, changing only at its milestones: its status,
    each quarter of the way while it runs, and the outcome once it ended."""
    status = job.get_status_display()
    if job.is_finished:
        parts = [f"{counts['done']:,} done"]
        named = (("failed", "failed"), ("unknown", "outcome unknown"), ("not_sent", "never sent"))
        parts += [f"{counts[key]:,} {words}" for key, words in named if counts.get(key)]
        return f"Job {status.lower()}: " + ", ".join(parts) + "."
    if job.status != BulkJob.Status.RUNNING or not counts["total"]:
        return f"Job {status.lower()}."
    quarter = 25 * (4 * counts["processed"] // counts["total"])
    if not quarter:
        return "Job running."  # not "0%" while the first quarter's records are being done
    return f"Job running: at least {quarter}% processed."


@require_http_methods(["GET", "POST"])
@can_view
def job_revert(request: HttpRequest, job_id) -> HttpResponse:
    """A job of its own that undoes this one (values put back, records it made deleted, both
    only where the records still hold what it set; records it deleted restored), and its page.
    It takes the permissions of what it does: change, delete, add. A GET asks first, saying
    what the revert will do; a job is reverted once (a revert cut short may be done again)."""
    job = _job(job_id)
    require_permission_for(request, Kind.REVERT)
    if not may_read_rows(request, job):
        raise Http404("No such job.")  # an import's rows are its uploader's
    if not job.is_finished:
        messages.error(request, "A job can be reverted once it has finished.")
        return redirect("records:job_detail", job_id=job.pk)
    blocked_by = jobs.job_revert_blocked_by(job=job)
    if blocked_by is not None:
        messages.info(request, "This job is reverted already: here is its revert.")
        return redirect("records:job_detail", job_id=blocked_by.pk)
    plan = jobs.job_revert_plan(job=job)
    if not request.user.has_perms(plan.permissions):
        raise PermissionDenied
    if request.method == "GET" and not plan.total:
        messages.info(request, "This job changed no record: there is nothing to revert.")
        return redirect("records:job_detail", job_id=job.pk)
    if request.method == "GET":
        context = {
            "job": job,
            "plan": plan,
            "back_url": list_url(job.object_key),
            "back_label": _object_name(job.object_key),
        }
        return render(request, "records/job_confirm_revert.html", context)
    schema = load_schema(job.object_key)
    revert, started = jobs.job_revert_start(user=request.user, schema=schema, job=job)
    if revert is None:
        messages.info(request, "This job changed no record: there is nothing to revert.")
        return redirect("records:job_detail", job_id=job.pk)
    if started:
        messages.info(
            request,
            f"Reverting: the new job {plan.text}. A record changed since the job is left as it "
            "is (skipped, and the report says which).",
        )
    return redirect("records:job_detail", job_id=revert.pk)


@require_POST
@can_view
def job_cancel(request: HttpRequest, job_id) -> HttpResponse:
    job = _job(job_id)
    require_permission_for(request, job.kind)
    jobs.job_cancel(job=job)
    return redirect("records:job_detail", job_id=job.pk)


@require_POST
@can_view
def job_retry(request: HttpRequest, job_id) -> HttpResponse:
    job = _job(job_id)
    require_permission_for(request, job.kind)
    if not may_read_rows(request, job):
        raise Http404("No such job.")  # an import's rows are its uploader's
    retry = jobs.job_retry_failed(job=job)
    if retry:
        messages.info(request, _retry_text(retry))
    unknown = jobs.job_unknown_creates(job=job)
    if unknown:
        messages.warning(request, _unknown_text(unknown))
    return redirect("records:job_detail", job_id=job.pk)


def _retry_text(retry: jobs.Retry) -> str:
    if retry.from_start:
        return "The job is queued again: it collects its records from the start."
    count = retry.failed + retry.unsent
    what = " and ".join(w for n, w in ((retry.failed, "failed"), (retry.unsent, "never-sent")) if n)
    return f"{count:,} {what} {'item is' if count == 1 else 'items are'} queued again."


def _maybe_applied_text(job: BulkJob, count: int) -> str:
    records = "1 record" if count == 1 else f"{count:,} records"
    if job.kind == BulkJob.Kind.DELETE:
        done = "deleted"
        retry = "sends the delete again, and a record already gone then counts as deleted"
    elif job.kind == BulkJob.Kind.LINK:
        done = "linked"
        retry = "looks for each link first and makes only those that are missing"
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
    if not may_read_rows(request, job):
        raise Http404("This report is for the user who uploaded the file.")
    header = None
    upload_id = job.params.get("upload")
    if upload_id:
        upload = selectors.import_upload_get(upload_id=upload_id)
        header = csvfiles.read_csv(upload.content)[0] if upload else None
    lines = report.report_lines(job=job, header=header, display_key=_display_key(job.object_key))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="job-{job.pk}-report.csv"'
    return response


def _display_key(object_key: str) -> str:
    """The key of the object's primary display field; none when the records API cannot say
    (the report is the dashboard's own data: it downloads all the same, that column empty)."""
    try:
        return services.schema_get(key=object_key).primary_display_key
    except RecordsApiError:
        return ""


def may_read_upload(request: HttpRequest, owner_id: int | None) -> bool:
    """An uploaded file's cells are for the user who uploaded it, and superusers only: a CSV
    may hold more than the records API shows (other columns, other people's data). Once the
    uploader's account is gone (`owner_id` None), superusers only."""
    return (owner_id is not None and owner_id == request.user.pk) or request.user.is_superuser


def may_read_rows(request: HttpRequest, job: BulkJob) -> bool:
    """Whether this user may see an import job's rows (its report holds the file's cells)."""
    return job.kind != Kind.IMPORT or may_read_upload(request, job.user_id)
