"""Editing one cell of the table in place: its editor (GET), and the save of that one field
(POST), by the edit form's rules (views/editing.py): only a change is sent, never over a change
someone made since the editor opened (the signed version, services/editing.py), every save in
the history, and on any error the editor comes back with what was typed and says why.

The answers are parts of a cell (htmx swaps its inside): the editor, or the value as the table
shows it, with the saved message and its Undo sent to the page's messages (out of band).
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from recordsadmin.client.domain import Field, Record, Schema
from recordsadmin.client.errors import NotFound, RecordsApiError, ValidationFailed
from recordsadmin.records import fieldtypes, formatting, forms, services
from recordsadmin.records.formatting import html_of
from recordsadmin.records.tables import updated_html

from .common import can_change, can_view, load_schema
from .problems import explain
from .undo import with_undo

GONE = "This record was deleted, so it cannot be changed."
CHANGED = (
    "Someone changed this record since you opened the cell; it now holds the value below. "
    "Save again to replace it with yours."
)
UNCONFIRMED = "We could not confirm the save: it may or may not have been saved. Check the record."


def cell_form(schema: Schema, field: Field, record: Record, data=None) -> forms.RecordForm:
    """The record form with only this field: its input, its checks, its idea of a change."""
    form = forms.RecordForm(data, schema=schema, record=record)
    if field.key not in form.property_keys:
        raise Http404(f"{field.name} cannot be edited here.")
    form.fields = {field.key: form.fields[field.key]}
    return form


@require_http_methods(["GET", "POST"])
@can_view
@can_change
def record_cell(request: HttpRequest, key: str, record_id: str, field_key: str) -> HttpResponse:
    schema = load_schema(key)
    field = schema.field(field_key)
    if field is None or field.key == schema.primary_display_key:
        raise Http404("No such field to edit in place.")
    if request.method == "GET":
        try:
            record = services.record_get(schema=schema, record_id=record_id)
        except NotFound:
            return _problem(request, GONE)
        except RecordsApiError as error:
            return _problem(request, _said(error))
        form = cell_form(schema, field, record)
        return _editor(request, schema, field, record_id, form, services.record_version(record))
    return _save(request, schema, field, record_id)


def _save(request: HttpRequest, schema: Schema, field: Field, record_id: str) -> HttpResponse:
    signed = request.POST.get(forms.VERSION, "")
    version = services.read_version(signed)
    if version is None:
        return _problem(request, "This editor could not be checked. Open the cell again.")
    base = Record(id=record_id, properties=version["p"], owner=version.get("o"))
    form = cell_form(schema, field, base, request.POST)
    again = {"request": request, "schema": schema, "field": field, "record_id": record_id}
    if not form.is_valid():
        return _editor(**again, form=form, version=signed)
    changes = form.changes(base.properties, base.owner)
    if not changes:
        return _value(request, schema, field, base, message="")
    try:
        record = services.record_update_checked(
            user=request.user,
            schema=schema,
            record_id=record_id,
            version=version,
            properties=changes,
        )
    except services.Conflict as conflict:
        # The user's input stays; saving again goes onto the record as it is now.
        current = conflict.current
        fresh = services.record_version(current, base=base)
        shown = fieldtypes.of(field).render(current.properties.get(field.key))
        return _editor(**again, form=form, version=fresh, notice=CHANGED, theirs=shown)
    except NotFound:
        return _problem(request, GONE)
    except ValidationFailed as error:
        rest = form.add_api_errors(error.field_errors, error.messages)
        return _editor(**again, form=form, version=signed, notice=" ".join(rest))
    except RecordsApiError as error:
        notice = UNCONFIRMED if services.update_may_have_applied(error) else _said(error)
        return _editor(**again, form=form, version=signed, notice=notice)
    text = f"{schema.singular} “{formatting.record_name(record, schema)}”: {field.name} saved."
    return _value(
        request, schema, field, record, message=with_undo(request, schema, record.id, text)
    )


def _said(error: RecordsApiError) -> str:
    problem = explain(error)
    return f"{problem.title}. {problem.text} Nothing was saved."


def _editor(request, schema, field, record_id, form, version, notice="", theirs=None):
    context = {
        "schema": schema,
        "field": field,
        "record_id": record_id,
        "bf": form[field.key],
        "version": version,
        "notice": notice,
        "theirs": theirs,
    }
    return render(request, "records/_cell_editor.html", context)


def _value(request, schema, field, record, *, message) -> HttpResponse:
    context = {"html": fieldtypes.of(field).render(record.properties.get(field.key))}
    context["message"] = message
    if message and record.updated_at is not None:
        # The row's "Updated" column shows the save's time too (hx-swap-oob).
        context["updated"] = html_of(updated_html(record, oob=True))
    return render(request, "records/_cell_value.html", context)


def _problem(request: HttpRequest, text: str) -> HttpResponse:
    """Why the cell could not open or save, in the page's messages; the cell stays as it is
    (an open editor keeps what was typed)."""
    response = render(request, "records/_cell_value.html", {"problem": text})
    response["HX-Reswap"] = "none"
    return response
