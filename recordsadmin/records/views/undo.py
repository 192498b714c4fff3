"""Undo a change: a page that shows what would be put back, and the POST that does it
(recordsadmin/records/services/undo.py). Only while the record still holds what the change
made; otherwise the page says which fields changed since, and sends nothing."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.views.decorators.http import require_http_methods

from recordsadmin.client.domain import UNSET
from recordsadmin.client.errors import NotFound, RecordsApiError
from recordsadmin.records import formatting, selectors, services

from .common import can_change, can_view, go, load_schema
from .problems import explain, problem_status, shows_api_errors

GONE = "This record does not exist any more: it was deleted since, so the change cannot be undone."


@require_http_methods(["GET", "POST"])
@can_view
@can_change
@shows_api_errors
def record_undo(request: HttpRequest, key: str, record_id: str, change_id: int) -> HttpResponse:
    schema = load_schema(key)
    change = selectors.change_get(object_key=schema.key, record_id=record_id, change_id=change_id)
    if change is None:
        raise Http404("There is no such change of this record in the dashboard's history.")
    context = {"schema": schema, "change": change, "record_id": record_id}
    try:
        services.undo_check(change=change)
    except services.NotUndoable as refusal:
        context["refusal"] = str(refusal)
        return render(request, "records/record_confirm_undo.html", context, status=409)
    try:
        current = services.record_get(schema=schema, record_id=record_id)
    except NotFound:
        raise Http404(GONE) from None
    context |= _rows(schema, change, current)
    if context["moved"]:
        return render(request, "records/record_confirm_undo.html", context, status=409)
    if services.undo_done(schema=schema, change=change, current=current):
        context["refusal"] = services.ALREADY_UNDONE
        return render(request, "records/record_confirm_undo.html", context, status=409)
    if request.method == "GET":
        return render(request, "records/record_confirm_undo.html", context)
    try:
        record = services.record_undo(user=request.user, schema=schema, change=change)
    except services.NotUndoable as refusal:  # undone meanwhile, by another tab or person
        context["refusal"] = str(refusal)
        return render(request, "records/record_confirm_undo.html", context, status=409)
    except services.UndoConflict as conflict:
        context |= _rows(schema, change, conflict.current)
        return render(request, "records/record_confirm_undo.html", context, status=409)
    except NotFound:
        raise Http404(GONE) from None
    except RecordsApiError as error:
        context["problem"] = explain(error)
        context["unconfirmed"] = services.update_may_have_applied(error)
        status = problem_status(request, error)
        return render(request, "records/record_confirm_undo.html", context, status=status)
    messages.success(
        request,
        f"{schema.singular} “{formatting.record_name(record, schema)}”: the change is undone.",
    )
    return go(request, reverse("records:record_detail", args=[schema.key, record.id]))


def with_undo(request: HttpRequest, schema, record_id: str, text: str) -> str | SafeString:
    """A saved message with a link that undoes the user's change, when there is one."""
    change = selectors.last_own_change_get(
        user=request.user, object_key=schema.key, record_id=record_id
    )
    if change is None or not request.user.has_perm("records.change_record"):
        return text
    url = reverse("records:record_undo", args=[schema.key, record_id, change.pk])
    return format_html('{} <a href="{}">Undo</a>', text, url)


def _rows(schema, change, current) -> dict:
    """Per field the change set: the value now, and the value an undo puts back."""
    values, owner = services.undo_values(schema=schema, change=change)
    moved = set(services.undo_conflicts(schema=schema, change=change, current=current))
    rows = [
        {
            "field": schema.field(key),
            "now": current.properties.get(key),
            "back": value,
            "moved": key in moved,
        }
        for key, value in values.items()
    ]
    owner_row = None
    if owner is not UNSET:
        owner_row = {"now": current.owner, "back": owner, "moved": "owner" in moved}
    return {"record": current, "rows": rows, "owner_row": owner_row, "moved": sorted(moved)}
