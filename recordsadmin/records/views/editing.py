"""Pages that change records: create, edit, delete and restore.

Short views: they read the request, check the form, call services (each write kept in the
history) and pick a template. A form posted by htmx always comes back 200 with its errors in
place (htmx 2 does not swap 4xx/5xx), and whatever the user typed stays in the form on every
failure, the records API's included. Success is a redirect: HX-Redirect for htmx, 303 otherwise.
"""

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from recordsadmin.accounts import kept
from recordsadmin.accounts.preferences import preference_get, preference_set
from recordsadmin.client.domain import UNSET, Record, Schema
from recordsadmin.client.errors import (
    NotFound,
    OutcomeUnknown,
    RecordsApiError,
    UnexpectedAnswer,
    ValidationFailed,
)
from recordsadmin.records import fieldtypes, formatting, forms, selectors, services

from . import undo
from .browse import JUST_CREATED
from .common import can_add, can_change, can_delete, can_view, go, load_schema, uuid_or_none
from .problems import (
    Problem,
    attempt,
    explain,
    problem_status,
    shows_api_errors,
    wants_partial,
)

SAVE, ANOTHER, CONTINUE = "save", "another", "continue"
# The edit form of a record deleted meanwhile, sent to the create (record_form.html).
AS_NEW = "as-new"
# Values carried over to the next New form travel in its address, unless they are longer
# than this (a long text: gunicorn reads request lines of at most 4 KB, Django redirects to
# at most 16 KB); then the session keeps them for that form, and the address says so.
CARRIED_IN_ADDRESS = 2000
CARRIED = "records:carried"
NOTHING_SAVED = "Nothing was saved; your input is still here."
KEPT = (
    "You were signed out before this was saved. Here is what you typed: nothing was saved "
    "yet. Check it and save."
)
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
    gone: bool = False,
) -> HttpResponse:
    form.describe_errors()
    editing = record is not None
    # The record went while it was being edited: its form can be saved as a new one, and the
    # summary links to the button that does, at the form's foot.
    save_as_new_url = ""
    if gone and request.user.has_perm("records.add_record"):
        save_as_new_url = reverse("records:record_create", args=[schema.key])
        notices = [
            *(notices or []),
            {
                "label": f"Save it as a new {schema.singular.lower()}",
                "message": "what you typed goes into the new record",
                "anchor": "save-as-new",
            },
        ]
    summary = _summary(form, notices or []) if form.is_bound else []
    context = {
        "schema": schema,
        "form": form,
        "focus_key": form.mark_focus(problems=bool(summary)),
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
        "summary": summary,
        "unknown": unknown,
        "save_as_new_url": save_as_new_url,
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
        return [_unconfirmed(error, UNCONFIRMED)]
    problem = explain(error)
    return [f"{problem.title}. {problem.text}", NOTHING_SAVED]


def _unconfirmed(error: RecordsApiError, text: str) -> str:
    """The notice for a write whose outcome is unknown, saying first why when the API
    answered in a form we could not read (the answer was not lost: it said nothing usable)."""
    if isinstance(error, UnexpectedAnswer):
        return f"{error} {text}"
    return text


def carry_preference(schema: Schema) -> str:
    """The name under which a user's choice of fields to carry over is remembered."""
    return f"carry:{schema.key}"


def _saved(request: HttpRequest, schema: Schema, record: Record, form, verb: str) -> HttpResponse:
    if forms.CARRY in form.fields and request.POST.get("_save") != AS_NEW:
        # Remembered when a record is saved, whichever button: the pins then come back as the
        # user left them on the next New form, on any device (an edit form saved as a new
        # record has none, and changes none).
        kept = form.keepable(form.cleaned_data.get(forms.CARRY) or ())
        preference_set(user=request.user, name=carry_preference(schema), value=kept)
    name = formatting.record_name(record, schema)
    action = request.POST.get("_save", SAVE)
    if action == ANOTHER:
        messages.success(request, f"{schema.singular} “{name}” {verb}. Add the next one.")
        url = reverse("records:record_create", args=[schema.key])
        query = urlencode(form.carried_query() if forms.CARRY in form.fields else [])
        if len(query) > CARRIED_IN_ADDRESS:
            request.session[CARRIED] = {"schema": schema.key, "query": query}
            query = urlencode({CARRIED: "1"})
        return go(request, f"{url}?{query}" if query else url)
    text = f"{schema.singular} “{name}” {verb}."
    if verb == "saved":
        text = undo.with_undo(request, schema, record.id, text)
    messages.success(request, text)
    if action == CONTINUE:
        return go(request, reverse("records:record_edit", args=[schema.key, record.id]))
    if verb == "created":
        # The record page shows the create's own answer: no second call, and nothing to wait
        # for on a service whose reads may lag behind its writes.
        request.session[JUST_CREATED] = services.record_snapshot(record)
    return go(request, reverse("records:record_detail", args=[schema.key, record.id]))


# -- create -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@can_view
@can_add
@shows_api_errors(keeps_input=True)
def record_create(request: HttpRequest, key: str) -> HttpResponse:
    schema = load_schema(key)
    users = _users()
    if request.method == "GET" and (typed := kept.take(request)) is not None:
        # What the person was saving when their session ended: back, checked, not sent.
        form = forms.RecordForm(typed, schema=schema, users=users, carry=True)
        form.is_valid()
        submission = uuid_or_none(typed.get(forms.SUBMISSION, "")) or uuid.uuid4()
        messages.warning(request, KEPT)
        return _render_form(request, schema=schema, form=form, submission=str(submission))
    if request.method == "GET":
        form = forms.RecordForm(schema=schema, users=users, carry=True)
        query = request.GET
        if CARRIED in query:
            carried = request.session.pop(CARRIED, None) or {}
            if carried.get("schema") == schema.key:
                query = QueryDict(carried.get("query", ""))
        form.initial_from_query(query)
        if forms.CARRY not in query:
            remembered = preference_get(user=request.user, name=carry_preference(schema))
            form.initial[forms.CARRY] = form.keepable(
                remembered if isinstance(remembered, list) else []
            )
        return _render_form(request, schema=schema, form=form, submission=str(uuid.uuid4()))

    form = forms.RecordForm(request.POST, schema=schema, users=users, carry=True)
    submission = uuid_or_none(request.POST.get(forms.SUBMISSION, ""))
    render_again = {"request": request, "schema": schema, "form": form}
    if submission is None:
        form.add_error(None, "This form could not be checked. Look it over and save it again.")
        return _render_form(**render_again, submission=str(uuid.uuid4()))
    if not form.is_valid():
        return _render_form(**render_again, submission=str(submission))
    if request.POST.get("_resend"):
        # The user looked in the table after an unconfirmed save and asks to send it again.
        services.submission_release(submission=submission)
    try:
        record = services.record_create_logged(
            user=request.user,
            schema=schema,
            properties=form.properties(),
            owner=form.owner(),
            submission=submission,
        )
    except services.AlreadySubmitted as taken:
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
    change = selectors.submission_wait(change=change)
    if change.outcome == change.Outcome.OK and change.record_id:
        messages.info(request, "This form was already saved once; here is the record it made.")
        return go(request, reverse("records:record_detail", args=[schema.key, change.record_id]))
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
@shows_api_errors(keeps_input=True)
def record_edit(request: HttpRequest, key: str, record_id: str) -> HttpResponse:
    schema = load_schema(key)
    if request.method == "POST":
        return _update(request, schema, record_id, _users())
    if (typed := kept.take(request)) is not None and forms.VERSION in typed:
        return _kept_edit(request, schema, record_id, typed)
    record = _record_or_404(schema, record_id)
    form = forms.RecordForm(schema=schema, users=_users(), record=record)
    version = services.record_version(record)
    return _render_form(request, schema=schema, form=form, record=record, version=version)


def _kept_edit(request: HttpRequest, schema: Schema, record_id: str, typed) -> HttpResponse:
    """The edit form as it was sent when the person's session ended, with the version it
    started from: saving it is checked against the record as any save is."""
    version = services.read_version(typed.get(forms.VERSION, ""))
    if version is None:
        return go(request, reverse("records:record_edit", args=[schema.key, record_id]))
    base = Record(id=record_id, properties=version["p"], owner=version.get("o"))
    form = forms.RecordForm(typed, schema=schema, users=_users(), record=base)
    form.is_valid()
    messages.warning(request, KEPT)
    signed = typed.get(forms.VERSION, "")
    return _render_form(request, schema=schema, form=form, record=base, version=signed)


def _update(request: HttpRequest, schema: Schema, record_id: str, users) -> HttpResponse:
    version = services.read_version(request.POST.get(forms.VERSION, ""))
    if version is None:
        # No trustworthy record of what the form started from: compare with the record as it
        # is now, and let the user decide (the conflict page), never overwrite blindly.
        try:
            version = services.unversioned(_record_or_404(schema, record_id))
        except RecordsApiError as error:
            unread = Record(id=record_id)
            form = forms.RecordForm(request.POST, schema=schema, users=users, record=unread)
            form.is_valid()
            notices = _api_failure(form, error)
            return _render_form(request, schema=schema, form=form, record=unread, notices=notices)
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
    owner = changes.pop(forms.OWNER, UNSET)
    try:
        record = services.record_update_checked(
            user=request.user,
            schema=schema,
            record_id=record_id,
            version=version,
            properties=changes,
            owner=owner,
        )
    except services.Conflict as conflict:
        if owner is not UNSET:
            changes[forms.OWNER] = owner
        return _conflict(request, schema, form, base, conflict.current, changes)
    except NotFound as error:
        if error.status is None:
            # Not the API's 404 but the dashboard's own refusal (a record of another location,
            # services/records.py::record_get): not ours to edit, whatever version was posted.
            raise Http404(GONE) from None
        form.add_error(None, "This record was deleted while you were editing it.")
        # What was typed can still be saved, as a new record (the create form's one-time id
        # comes with it).
        return _render_form(
            **render_again,
            version=signed,
            notices=[NOTHING_SAVED],
            gone=True,
            submission=str(uuid.uuid4()),
        )
    except RecordsApiError as error:
        if services.update_may_have_applied(error):
            check = {
                "message": _unconfirmed(error, EDIT_UNCONFIRMED),
                "link": reverse("records:record_detail", args=[schema.key, record_id]),
                "link_text": "Open the record in a new tab",
            }
            return _render_form(**render_again, version=signed, notices=[check])
        return _render_form(**render_again, version=signed, notices=_api_failure(form, error))
    return _saved(request, schema, record, form, "saved")


def _saved_nothing(request: HttpRequest, schema: Schema, record_id: str) -> HttpResponse:
    action = request.POST.get("_save", SAVE)
    if action == ANOTHER:
        return go(request, reverse("records:record_create", args=[schema.key]))
    view = "records:record_edit" if action == CONTINUE else "records:record_detail"
    return go(request, reverse(view, args=[schema.key, record_id]))


def _conflict(request, schema, form, base: Record, current: Record, changes) -> HttpResponse:
    rows = []
    for f in schema.fields:
        if f.key not in form.fields:
            continue
        before, now = base.properties.get(f.key), current.properties.get(f.key)
        kind = fieldtypes.of(f)
        theirs = kind.normalise(before) != kind.normalise(now)
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
        "version": services.record_version(current, base=base),
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
@shows_api_errors
def record_delete(request: HttpRequest, key: str, record_id: str) -> HttpResponse:
    schema = load_schema(key)
    record = _record_or_404(schema, record_id)
    context = {"schema": schema, "record": record}
    if request.method == "GET":
        # Its links go with it (kept in the history: a restore makes them again): say which.
        links, context["links_problem"] = attempt(
            lambda: services.record_links(schema=schema, record_id=record.id)
        )
        context["links"] = [(a.heading(schema.key), count) for a, count in links or ()]
        return render(request, "records/record_confirm_delete.html", context)
    try:
        services.record_delete_keeping_links(user=request.user, schema=schema, record=record)
    except NotFound:
        raise Http404(GONE) from None
    except RecordsApiError as error:
        unconfirmed = services.update_may_have_applied(error)
        context["problem"] = DELETE_UNCONFIRMED if unconfirmed else explain(error)
        status = problem_status(request, error)
        return render(request, "records/record_confirm_delete.html", context, status=status)
    deleted = f"{schema.singular} “{formatting.record_name(record, schema)}” deleted."
    if request.user.has_perm("records.add_record"):
        restore = reverse("records:record_restore", args=[schema.key, record.id])
        link = format_html('<a href="{}">Restore it</a> (it will get a new id).', restore)
        deleted = format_html("{} {}", deleted, link)
    messages.success(request, deleted)
    return go(request, reverse("records:record_list", args=[schema.key]))


@require_http_methods(["GET", "POST"])
@can_view
@can_add
@shows_api_errors
def record_restore(request: HttpRequest, key: str, record_id: str) -> HttpResponse:
    schema = load_schema(key)
    deleted = selectors.deleted_change_get(object_key=schema.key, record_id=record_id)
    if deleted is None:
        raise Http404("There is no deletion of this record in the dashboard's history.")
    restored = selectors.restored_change_get(deleted=deleted)
    if request.method == "POST" and restored is not None:
        messages.info(request, "This record was restored already; here is the restored record.")
        return go(request, reverse("records:record_detail", args=[schema.key, restored.record_id]))
    context = {
        "schema": schema,
        "deleted": deleted,
        "restored": restored,
        "snapshot": deleted.before or {},
        "rows": _snapshot_rows(schema, deleted.before or {}),
        "history": selectors.history_entries(schema=schema, record_id=record_id),
    }
    if request.method == "GET":
        return render(request, "records/record_confirm_restore.html", context)
    if request.POST.get("_resend"):
        # The user looked for the record after an unconfirmed restore and asks to try again.
        services.submission_release(submission=services.restore_submission(deleted))
    try:
        record, missed = services.record_restore_with_links(
            user=request.user,
            schema=schema,
            deleted=deleted,
            relink=request.user.has_perm("records.change_record"),
        )
    except services.AlreadySubmitted as taken:
        return _restored_before(request, schema, taken.change, context)
    except OutcomeUnknown:
        context["unknown"] = True
        return render(request, "records/record_confirm_restore.html", context)
    except RecordsApiError as error:
        context["problem"] = explain(error)
        status = problem_status(request, error)
        return render(request, "records/record_confirm_restore.html", context, status=status)
    links = len((deleted.before or {}).get("links") or ())
    text = (
        f"{schema.singular} “{formatting.record_name(record, schema)}” restored. It has a new id: "
        f"{record.id} (it was {record_id})."
    )
    if links:
        text += f" Linked again: {links - len(missed)} of its {links} link{pluralize(links)}."
    messages.success(request, text)
    if missed:
        messages.warning(request, "Not linked again: " + "; ".join(missed) + ".")
    return go(request, reverse("records:record_detail", args=[schema.key, record.id]))


def _restored_before(request, schema, change, context) -> HttpResponse:
    """A second restore of one delete: no call to the API; point at what the first one made."""
    change = selectors.submission_wait(change=change)
    if change.outcome == change.Outcome.OK and change.record_id:
        messages.info(request, "This record was restored already; here is the restored record.")
        return go(request, reverse("records:record_detail", args=[schema.key, change.record_id]))
    context["unknown"] = True
    return render(request, "records/record_confirm_restore.html", context)


def _snapshot_rows(schema: Schema, snapshot: dict) -> list[tuple]:
    properties = snapshot.get("properties") or {}
    return [(f, properties.get(f.key)) for f in schema.fields]
