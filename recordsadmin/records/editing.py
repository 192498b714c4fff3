"""Pages that change records: create, edit, delete and restore.

Short views: they read the request, call `history` (the writes, each kept in the history) and
`services`, pick a template. A form posted by htmx always comes back 200 with its errors in
place (htmx 2 does not swap 4xx/5xx), and whatever the user typed stays in the form on every
failure, the records API's included (RELIABILITY 26). Success is a redirect: HX-Redirect for htmx,
303 otherwise.
"""

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from recordsadmin.records import forms, history, services
from recordsadmin.records.errors import Problem, error_status, explain
from recordsadmin.records.exceptions import (
    NotFound,
    OutcomeUnknown,
    RecordsApiError,
    ValidationFailed,
)
from recordsadmin.records.types import Record, Schema
from recordsadmin.records.views import (
    JUST_CREATED,
    api_error_page,
    can_view,
    load_schema,
    wants_partial,
)

can_add = permission_required("records.add_record", raise_exception=True)
can_change = permission_required("records.change_record", raise_exception=True)
can_delete = permission_required("records.delete_record", raise_exception=True)

SAVE, ANOTHER, CONTINUE = "save", "another", "continue"
NOTHING_SAVED = "Nothing was saved; your input is still here."
UNCONFIRMED = (
    "We could not confirm the save: the record may or may not have been created. "
    "Check the table before trying again."
)
EDIT_UNCONFIRMED = (
    "We could not confirm the save: your changes may or may not have been saved. "
    "Check the record before saving again; your input is still here."
)
GONE = "This record does not exist. It may have been deleted."
DELETE_UNCONFIRMED = Problem(
    "unknown",
    "We could not confirm the delete",
    "The records API had the request but its answer was lost: the record may or may not have "
    "been deleted. Open the record to check before deleting it again.",
)


class SeeOther(HttpResponseRedirect):
    status_code = 303


def _go(request: HttpRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if request.htmx else SeeOther(url)


def _users():
    """Who can own a record; None when the list cannot be had (the form then has no picker
    and leaves the owner alone)."""
    try:
        return services.user_list()
    except RecordsApiError:
        return None


def _record_or_404(schema: Schema, record_id: str) -> Record:
    try:
        return services.record_get(schema=schema, record_id=record_id)
    except NotFound:
        raise Http404(GONE) from None


def _summary(form: forms.RecordForm, notices: list[str]) -> list[dict]:
    """The error summary: each field's errors linked to its input, then the rest."""
    items = [{"message": m} for m in form.non_field_errors()]
    for bf in form:
        for message in bf.errors:
            anchor = bf.id_for_label or f"{bf.auto_id}_0"
            items.append({"label": bf.label, "message": message, "anchor": anchor})
    return items + [m if isinstance(m, dict) else {"message": m} for m in notices]


def _render_form(
    request: HttpRequest,
    *,
    schema: Schema,
    form: forms.RecordForm,
    record: Record | None = None,
    submission: str = "",
    version: str = "",
    notices: list[str | dict] | None = None,
    unknown: bool = False,
) -> HttpResponse:
    form.describe_errors()
    editing = record is not None
    context = {
        "schema": schema,
        "form": form,
        "record": record,
        "editing": editing,
        "action_url": (
            reverse("records:record_edit", args=[schema.key, record.id])
            if editing
            else reverse("records:record_create", args=[schema.key])
        ),
        "cancel_url": (
            reverse("records:record_detail", args=[schema.key, record.id])
            if editing
            else reverse("records:record_list", args=[schema.key])
        ),
        "submission": submission,
        "version": version,
        "summary": _summary(form, notices or []) if form.is_bound else [],
        "unknown": unknown,
    }
    template = "records/record_form.html"
    if wants_partial(request):
        template += "#record-page"
    return render(request, template, context)


def _api_failure(form: forms.RecordForm, error: RecordsApiError) -> list[str]:
    """Place what the API said on the form; the notices for the summary."""
    if isinstance(error, ValidationFailed):
        rest = form.add_api_errors(error.field_errors, error.messages)
        if not rest and not error.field_errors and not error.messages:
            rest = [error.message]
        return [*rest, NOTHING_SAVED]
    if isinstance(error, OutcomeUnknown):
        return [UNCONFIRMED]
    problem = explain(error)
    return [f"{problem.title}. {problem.text}", NOTHING_SAVED]


def _saved(request: HttpRequest, schema: Schema, record: Record, form, verb: str) -> HttpResponse:
    name = record.display(schema)
    action = request.POST.get("_save", SAVE)
    if action == ANOTHER:
        messages.success(request, f"{schema.singular} “{name}” {verb}. Add the next one.")
        url = reverse("records:record_create", args=[schema.key])
        query = form.carried_query() if forms.CARRY in form.fields else []
        return _go(request, f"{url}?{urlencode(query)}" if query else url)
    messages.success(request, f"{schema.singular} “{name}” {verb}.")
    if action == CONTINUE:
        return _go(request, reverse("records:record_edit", args=[schema.key, record.id]))
    if verb == "created":
        # The record page shows the create's own answer: no second call, and nothing to wait
        # for on a service whose reads may lag behind its writes.
        request.session[JUST_CREATED] = history.record_snapshot(record)
    return _go(request, reverse("records:record_detail", args=[schema.key, record.id]))


def _unsaved(request: HttpRequest, error: RecordsApiError) -> HttpResponse:
    """A posted form whose object schema cannot be had (the API is down and no copy of it is
    cached, not even a stale one): there is no form to show again, so the page shows what was
    posted, to copy, and can post it again as it was."""
    posted = [
        (name, value)
        for name in request.POST
        if name != "csrfmiddlewaretoken"
        for value in request.POST.getlist(name)
    ]
    context = {
        "problem": explain(error),
        "posted": posted,
        "shown": [(name, value) for name, value in posted if not name.startswith("_") and value],
        "action_url": request.path,
    }
    template, status = "records/record_unsaved.html", error_status(error)
    if wants_partial(request):
        template, status = template + "#record-page", 200
    return render(request, template, context, status=status)


# -- create -------------------------------------------------------------------------------------


def _submission_id(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


@require_http_methods(["GET", "POST"])
@can_view
@can_add
def record_create(request: HttpRequest, key: str) -> HttpResponse:
    try:
        schema = load_schema(key)
    except RecordsApiError as error:
        return (
            _unsaved(request, error) if request.method == "POST" else api_error_page(request, error)
        )
    users = _users()
    if request.method == "GET":
        form = forms.RecordForm(schema=schema, users=users, carry=True)
        form.initial_from_query(request.GET)
        return _render_form(request, schema=schema, form=form, submission=str(uuid.uuid4()))

    form = forms.RecordForm(request.POST, schema=schema, users=users, carry=True)
    submission = _submission_id(request.POST.get(forms.SUBMISSION, ""))
    render_again = {"request": request, "schema": schema, "form": form}
    if submission is None:
        form.add_error(None, "This form could not be checked. Look it over and save it again.")
        return _render_form(**render_again, submission=str(uuid.uuid4()))
    if not form.is_valid():
        return _render_form(**render_again, submission=str(submission))
    if request.POST.get("_resend"):
        # The user looked in the table after an unconfirmed save and asks to send it again.
        history.submission_release(submission=submission)
    try:
        record = history.record_create_logged(
            user=request.user,
            schema=schema,
            properties=form.properties(),
            owner=form.owner(),
            submission=submission,
        )
    except history.AlreadySubmitted as taken:
        return _sent_before(request, schema, form, taken.change, render_again)
    except RecordsApiError as error:
        notices = _api_failure(form, error)
        unknown = isinstance(error, OutcomeUnknown)
        return _render_form(
            **render_again, submission=str(submission), notices=notices, unknown=unknown
        )
    return _saved(request, schema, record, form, "created")


def _sent_before(request, schema, form, change, render_again) -> HttpResponse:
    """A second send of a create form: no call to the API; point at what the first one made."""
    change = history.submission_wait(change=change)
    if change.outcome == change.Outcome.OK and change.record_id:
        messages.info(request, "This form was already saved once; here is the record it made.")
        return _go(request, reverse("records:record_detail", args=[schema.key, change.record_id]))
    notices = (
        [UNCONFIRMED]
        if change.outcome == change.Outcome.UNKNOWN
        else ["This form is still being saved. Check the table in a moment before trying again."]
    )
    return _render_form(
        **render_again, submission=str(change.submission), notices=notices, unknown=True
    )


# -- edit ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@can_view
@can_change
def record_edit(request: HttpRequest, key: str, record_id: str) -> HttpResponse:
    try:
        schema = load_schema(key)
        if request.method == "GET":
            record = _record_or_404(schema, record_id)
    except RecordsApiError as error:
        return (
            _unsaved(request, error) if request.method == "POST" else api_error_page(request, error)
        )
    users = _users()
    if request.method == "GET":
        form = forms.RecordForm(schema=schema, users=users, record=record)
        version = forms.record_version(record)
        return _render_form(request, schema=schema, form=form, record=record, version=version)
    return _update(request, schema, record_id, users)


def _update(request: HttpRequest, schema: Schema, record_id: str, users) -> HttpResponse:
    version = forms.read_version(request.POST.get(forms.VERSION, ""))
    if version is None:
        # No trustworthy record of what the form started from: compare with the record as it
        # is now, and let the user decide (the conflict page), never overwrite blindly.
        try:
            current = _record_or_404(schema, record_id)
        except RecordsApiError as error:
            unread = Record(id=record_id)
            form = forms.RecordForm(request.POST, schema=schema, users=users, record=unread)
            form.is_valid()
            notices = _api_failure(form, error)
            return _render_form(request, schema=schema, form=form, record=unread, notices=notices)
        version = {"u": None, "h": None, "p": current.properties, "o": current.owner}
    base = Record(id=record_id, properties=version["p"], owner=version.get("o"))
    form = forms.RecordForm(request.POST, schema=schema, users=users, record=base)
    render_again = {"request": request, "schema": schema, "form": form, "record": base}
    signed = request.POST.get(forms.VERSION, "")
    if not form.is_valid():
        return _render_form(**render_again, version=signed)
    changes = form.changes(base.properties, base.owner)
    if not changes:
        messages.info(request, "Nothing was changed, so nothing was saved.")
        return _saved_nothing(request, schema, record_id)
    try:
        # Read it again just before saving: if someone changed it since the form was loaded,
        # the user chooses, instead of overwriting their change (RELIABILITY 27).
        current = services.record_get(schema=schema, record_id=record_id)
    except NotFound:
        form.add_error(None, "This record was deleted while you were editing it.")
        return _render_form(**render_again, version=signed, notices=[NOTHING_SAVED])
    except RecordsApiError as error:
        return _render_form(**render_again, version=signed, notices=_api_failure(form, error))
    if not forms.is_current(version, current):
        return _conflict(request, schema, form, base, current, changes)
    owner = changes.pop(forms.OWNER, services.UNSET)
    try:
        record = history.record_update_logged(
            user=request.user, schema=schema, record=current, properties=changes, owner=owner
        )
    except RecordsApiError as error:
        if history.update_may_have_applied(error):
            check = {
                "message": EDIT_UNCONFIRMED,
                "link": reverse("records:record_detail", args=[schema.key, record_id]),
                "link_text": "Open the record in a new tab",
            }
            return _render_form(**render_again, version=signed, notices=[check])
        return _render_form(**render_again, version=signed, notices=_api_failure(form, error))
    return _saved(request, schema, record, form, "saved")


def _saved_nothing(request: HttpRequest, schema: Schema, record_id: str) -> HttpResponse:
    action = request.POST.get("_save", SAVE)
    if action == ANOTHER:
        return _go(request, reverse("records:record_create", args=[schema.key]))
    view = "records:record_edit" if action == CONTINUE else "records:record_detail"
    return _go(request, reverse(view, args=[schema.key, record_id]))


def _conflict(request, schema, form, base: Record, current: Record, changes) -> HttpResponse:
    rows = []
    for f in schema.fields:
        if f.key not in form.fields:
            continue
        before, now = base.properties.get(f.key), current.properties.get(f.key)
        theirs = forms.normalized(f, before) != forms.normalized(f, now)
        if theirs or f.key in changes:
            rows.append(
                {
                    "field": f,
                    "mine": form.cleaned_data.get(f.key),
                    "current": now,
                    "changed_by_me": f.key in changes,
                    "changed_by_them": theirs,
                }
            )
    owner_theirs = (base.owner or None) != (current.owner or None)
    owner_row = None
    if owner_theirs or forms.OWNER in changes:
        names = dict(form.owner_choices or [])
        owner_row = {
            "mine": names.get(form.owner() or "", form.owner()),
            "current": names.get(current.owner or "", current.owner),
            "changed_by_me": forms.OWNER in changes,
            "changed_by_them": owner_theirs,
        }
    context = {
        "schema": schema,
        "record": current,
        "rows": rows,
        "owner_row": owner_row,
        "posted": form.posted_pairs(),
        # Saving again starts from what the user loaded, against the record as it is now.
        "version": forms.record_version(current, base=base),
        "action_url": reverse("records:record_edit", args=[schema.key, current.id]),
    }
    template = "records/record_conflict.html"
    if wants_partial(request):
        template += "#record-page"
    return render(request, template, context)


# -- delete and restore ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@can_view
@can_delete
def record_delete(request: HttpRequest, key: str, record_id: str) -> HttpResponse:
    try:
        schema = load_schema(key)
        record = _record_or_404(schema, record_id)
    except RecordsApiError as error:
        return api_error_page(request, error)
    context = {"schema": schema, "record": record}
    if request.method == "GET":
        return render(request, "records/record_confirm_delete.html", context)
    try:
        history.record_delete_logged(user=request.user, schema=schema, record=record)
    except NotFound:
        raise Http404(GONE) from None
    except RecordsApiError as error:
        unconfirmed = history.update_may_have_applied(error)
        context["problem"] = DELETE_UNCONFIRMED if unconfirmed else explain(error)
        status = 200 if request.htmx else error_status(error)
        return render(request, "records/record_confirm_delete.html", context, status=status)
    deleted = f"{schema.singular} “{record.display(schema)}” deleted."
    if request.user.has_perm("records.add_record"):
        restore = reverse("records:record_restore", args=[schema.key, record.id])
        link = format_html('<a href="{}">Restore it</a> (it will get a new id).', restore)
        deleted = format_html("{} {}", deleted, link)
    messages.success(request, deleted)
    return _go(request, reverse("records:record_list", args=[schema.key]))


@require_http_methods(["GET", "POST"])
@can_view
@can_add
def record_restore(request: HttpRequest, key: str, record_id: str) -> HttpResponse:
    try:
        schema = load_schema(key)
    except RecordsApiError as error:
        return api_error_page(request, error)
    deleted = history.deleted_change_get(object_key=schema.key, record_id=record_id)
    if deleted is None:
        raise Http404("There is no deletion of this record in the dashboard's history.")
    restored = history.restored_change_get(deleted=deleted)
    if request.method == "POST" and restored is not None:
        messages.info(request, "This record was restored already; here is the restored record.")
        return _go(request, reverse("records:record_detail", args=[schema.key, restored.record_id]))
    context = {
        "schema": schema,
        "deleted": deleted,
        "restored": restored,
        "snapshot": deleted.before or {},
        "rows": _snapshot_rows(schema, deleted.before or {}),
        "history": history.history_entries(schema=schema, record_id=record_id),
    }
    if request.method == "GET":
        return render(request, "records/record_confirm_restore.html", context)
    if request.POST.get("_resend"):
        # The user looked for the record after an unconfirmed restore and asks to try again.
        history.submission_release(submission=history.restore_submission(deleted))
    try:
        record = history.record_restore(user=request.user, schema=schema, deleted=deleted)
    except history.AlreadySubmitted as taken:
        return _restored_before(request, schema, taken.change, context)
    except OutcomeUnknown:
        context["unknown"] = True
        return render(request, "records/record_confirm_restore.html", context)
    except RecordsApiError as error:
        context["problem"] = explain(error)
        status = 200 if request.htmx else error_status(error)
        return render(request, "records/record_confirm_restore.html", context, status=status)
    messages.success(
        request,
        f"{schema.singular} “{record.display(schema)}” restored. It has a new id: "
        f"{record.id} (it was {record_id}).",
    )
    return _go(request, reverse("records:record_detail", args=[schema.key, record.id]))


def _restored_before(request, schema, change, context) -> HttpResponse:
    """A second restore of one delete: no call to the API; point at what the first one made."""
    change = history.submission_wait(change=change)
    if change.outcome == change.Outcome.OK and change.record_id:
        messages.info(request, "This record was restored already; here is the restored record.")
        return _go(request, reverse("records:record_detail", args=[schema.key, change.record_id]))
    context["unknown"] = True
    return render(request, "records/record_confirm_restore.html", context)


def _snapshot_rows(schema: Schema, snapshot: dict) -> list[tuple]:
    properties = snapshot.get("properties") or {}
    return [(f, properties.get(f.key)) for f in schema.fields]
