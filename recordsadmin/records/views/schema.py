"""The schema editor: objects, their fields in folders, and their associations.

Only for users with `records.manage_schema`. Plain forms and links (every page works without
JavaScript); a form the API refuses, or that fails on the way, comes back with what was typed
and a summary of what happened, focused. The writes go through services/schema_admin.py and
services/relations.py, which drop the cached schema, so that the table, the record forms, the
filters and CSV import see a change at once. A change of two calls (a field in a new folder)
says, when the second fails, what the first did.
"""

import uuid
from collections.abc import Callable, Iterable

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from recordsadmin.client.domain import Association, Field, Folder, Schema
from recordsadmin.client.errors import OutcomeUnknown, RecordsApiError, ValidationFailed
from recordsadmin.contract.limits import CONTACT
from recordsadmin.records import fieldtypes, services
from recordsadmin.records.bulk import counting
from recordsadmin.records.schema_forms import (
    BLANK_OPTIONS,
    NEW_FOLDER,
    AssociationForm,
    EditorForm,
    FieldForm,
    FolderForm,
    ObjectForm,
    TypedNameForm,
    needs_options,
    option_formset,
    with_more_rows,
)

from .common import can_manage_schema, go, load_schema, uuid_or_none
from .problems import Problem, attempt, explain, shows_api_errors

NOTHING_CHANGED = "Nothing was changed; what you typed is still here."
MAYBE_CHANGED = (
    "We could not confirm the change: it may or may not have been made. Look at the object's "
    "page before trying again; what you typed is still here."
)
MORE_OPTIONS = "_more"
CONFIRM_REMOVE = "_confirm_remove"


def _url(name: str, *args) -> str:
    return reverse(f"records:{name}", args=args)


def _send[T](
    form: EditorForm | None, what: str, call: Callable[[], T]
) -> tuple[T | None, list[str]]:
    """The schema change `call` makes, or None and what the summary says when the records API
    did not make it (the page shows the form again, with what was typed)."""
    try:
        return call(), []
    except RecordsApiError as error:
        return None, _failure(form, error, what=what)


def _failure(form: EditorForm | None, error: RecordsApiError, *, what: str) -> list[str]:
    """What the summary says when the API did not make the change `what` names; the API's
    refusals by part go under their inputs."""
    if isinstance(error, ValidationFailed):
        rest = form.place_api_errors(error.field_errors) if form is not None else []
        rest += [m for m in error.messages if m not in rest]
        if not rest and not error.field_errors:
            rest = [error.message]
        return [*rest, NOTHING_CHANGED]
    if isinstance(error, OutcomeUnknown):
        return [
            f"We could not confirm that {what} was made: it may or may not exist now. Look at "
            "the object's page before trying again; what you typed is still here."
        ]
    problem = explain(error)
    return [
        f"{problem.title}. {problem.text}",
        MAYBE_CHANGED if error.maybe_applied else (NOTHING_CHANGED),
    ]


def _summary(forms: Iterable, notices: Iterable[str | dict]) -> list[dict]:
    """The error summary: each input's errors linked to it, then the notices."""
    items = []
    for form in forms:
        items += [{"message": m} for m in form.non_field_errors()]
        for bf in form:
            for message in bf.errors:
                items.append({"label": bf.label, "message": message, "anchor": bf.id_for_label})
    return items + [n if isinstance(n, dict) else {"message": n} for n in notices]


def _form_page(
    request: HttpRequest, context: dict, *, notices: Iterable[str | dict] = ()
) -> HttpResponse:
    formset = context.get("formset")
    bound = context["form"].is_bound
    context["summary"] = _summary([context["form"]], notices) if bound else []
    if bound and formset is not None:
        # An option's inputs are named with its place in the list, as their labels are.
        for n, row in enumerate(formset.forms, 1):
            for bf in row:
                for message in bf.errors:
                    label = f"{bf.label} of option {n}"
                    context["summary"].append(
                        {"label": label, "message": message, "anchor": bf.id_for_label}
                    )
    if bound and formset is not None and formset.forms:
        # About the list as a whole: linked to its first option's label.
        first = formset.forms[0]["label"].id_for_label
        context["summary"] += [
            {"label": "Options", "message": m, "anchor": first} for m in formset.non_form_errors()
        ]
    elif bound and formset is not None:
        context["summary"] += [{"message": m} for m in formset.non_form_errors()]
    return render(request, "records/schema/form.html", context)


def _crumbs(schema: Schema | None = None, *more: tuple[str, str]) -> list[tuple[str, str]]:
    crumbs = [("Schema", _url("schema_objects"))]
    if schema is not None:
        crumbs.append((schema.plural, _url("schema_object", schema.key)))
    return crumbs + list(more)


# -- objects --------------------------------------------------------------------------------------


def _count(schema: Schema) -> int | None:
    return attempt(lambda: services.record_count(schema=schema))[0]


@require_GET
@can_manage_schema
@shows_api_errors
def schema_objects(request: HttpRequest) -> HttpResponse:
    """The location's objects, each with its number of records (a search apiece)."""
    objects = [{"schema": s, "count": _count(s)} for s in services.schema_list()]
    return render(request, "records/schema/objects.html", {"objects": objects})


@require_http_methods(["GET", "POST"])
@can_manage_schema
@shows_api_errors(keeps_input=True)
def object_create(request: HttpRequest) -> HttpResponse:
    form = ObjectForm(request.POST or None, creating=True)
    notices: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created, notices = _send(
            form,
            f"the object {data['plural']}",
            lambda: services.object_create(
                key=data["key"],
                singular=data["singular"],
                plural=data["plural"],
                primary_key=data["primary_key"],
                primary_name=data["primary_name"],
                primary_data_type=data["primary_data_type"],
                description=data["description"],
            ),
        )
        if not notices:
            messages.success(request, f"The object {created.plural} was created.")
            return go(request, _url("schema_object", created.key))
    context = {
        "title": "New object",
        "crumbs": _crumbs(None, ("New object", "")),
        "form": form,
        "action_url": _url("schema_object_create"),
        "cancel_url": _url("schema_objects"),
        "submit": "Create the object",
    }
    return _form_page(request, context, notices=notices)


@require_http_methods(["GET", "POST"])
@can_manage_schema
@shows_api_errors(keeps_input=True)
def object_edit(request: HttpRequest, key: str) -> HttpResponse:
    schema = load_schema(key)
    initial = {"singular": schema.singular, "plural": schema.plural}
    initial["description"] = schema.description
    form = ObjectForm(request.POST or None, initial=initial)
    notices: list[str] = []
    if request.method == "POST" and form.is_valid():
        _, notices = _send(
            form, "the change", lambda: services.object_update(schema=schema, **form.cleaned_data)
        )
        if not notices:
            messages.success(request, f"The object {form.cleaned_data['plural']} was saved.")
            return go(request, _url("schema_object", schema.key))
    context = {
        "title": f"Edit the object {schema.plural}",
        "crumbs": _crumbs(schema, ("Edit", "")),
        "form": form,
        "action_url": _url("schema_object_edit", schema.key),
        "cancel_url": _url("schema_object", schema.key),
        "submit": "Save",
    }
    return _form_page(request, context, notices=notices)


def _names(objects: Iterable[Schema]) -> dict[str, str]:
    return {CONTACT: "Contacts", **{s.key: s.plural for s in objects}}


@require_GET
@can_manage_schema
@shows_api_errors
def schema_object(request: HttpRequest, key: str) -> HttpResponse:
    """An object's fields in their folders, its folders, its associations."""
    schema = load_schema(key)
    folders = services.folder_list(schema=schema)
    known = {f.id for f in folders}

    def rows(fields: Iterable[Field]) -> list[dict]:
        return [{"field": f, "type": fieldtypes.type_name(f.data_type)} for f in fields]

    groups = [
        {"folder": f, "fields": rows(x for x in schema.fields if x.folder_id == f.id)}
        for f in folders
    ]
    loose = rows(x for x in schema.fields if x.folder_id not in known)
    if loose:
        groups.append({"folder": None, "fields": loose})
    names = _names(services.schema_list())
    associations = [
        {
            "association": a,
            "other": names.get(a.other_key(schema.key), a.other_key(schema.key)),
            "ours": a.label_of(schema.key),
            "theirs": a.other_label(schema.key),
        }
        for a in services.association_list(object_key=schema.key)
    ]
    context = {
        "schema": schema,
        "groups": groups,
        "associations": associations,
        "folder_form": FolderForm(),
    }
    return render(request, "records/schema/object.html", context)


# -- fields ---------------------------------------------------------------------------------------


def _field_or_404(schema: Schema, field_key: str) -> Field:
    field = schema.field(field_key)
    if field is None:
        raise Http404(f"{schema.plural} have no field “{field_key}”.")
    return field


def _more_rows(request: HttpRequest, form_class, **kwargs):
    """The form as posted, not checked, with more option rows (the "Add more options" button
    of a page without JavaScript)."""
    initial = request.POST.dict()
    initial["show_in_forms"] = "show_in_forms" in request.POST
    formset = option_formset(with_more_rows(request.POST))
    # Focus on the first new row's label: the rows are where the person was, far down.
    first_new = len(formset.forms) - BLANK_OPTIONS
    if 0 <= first_new < len(formset.forms):
        formset.forms[first_new].fields["label"].widget.attrs["autofocus"] = True
    return form_class(initial=initial, **kwargs), formset


@require_http_methods(["GET", "POST"])
@can_manage_schema
@shows_api_errors(keeps_input=True)
def field_create(request: HttpRequest, key: str) -> HttpResponse:
    schema = load_schema(key)
    folders = services.folder_list(schema=schema)
    context = {
        "title": f"New field of {schema.plural}",
        "crumbs": _crumbs(schema, ("New field", "")),
        "action_url": _url("schema_field_create", schema.key),
        "cancel_url": _url("schema_object", schema.key),
        "submit": "Create the field",
        "options_intro": "Only for the option types and text box lists.",
    }
    if request.method == "GET":
        context["form"] = FieldForm(creating=True, folders=folders)
        context["formset"] = option_formset()
        return _form_page(request, context)
    if MORE_OPTIONS in request.POST:
        form, formset = _more_rows(request, FieldForm, creating=True, folders=folders)
        return _form_page(request, {**context, "form": form, "formset": formset})
    form = FieldForm(request.POST, creating=True, folders=folders, others=schema.fields)
    formset = option_formset(request.POST)
    valid = form.is_valid() & formset.is_valid()
    options = formset.options_for(form.data_type) if valid else []
    context.update(form=form, formset=formset)
    if not valid or formset.non_form_errors():
        return _form_page(request, context)
    return _create_field(request, schema, folders, form, options, context)


def _create_field(request, schema, folders, form, options, context) -> HttpResponse:
    data = form.cleaned_data
    folder_id, made = data["folder"], None
    if folder_id == NEW_FOLDER:
        name = data["new_folder"]
        made, notices = _send(
            form, f"the folder {name}", lambda: services.folder_create(schema=schema, name=name)
        )
        if notices:
            notices.insert(0, "Neither the folder nor the field was created.")
            return _form_page(request, context, notices=notices)
        folder_id = made.id
    if made is not None:
        # Should the field fail, the form asks again with the new folder chosen.
        placed = _in_folder(request, form, [*folders, made], made)
    field, notices = _send(
        placed if made is not None else form,
        f"the field {data['name']}",
        lambda: services.field_create(
            schema=schema,
            key=data["key"],
            name=data["name"],
            data_type=data["data_type"],
            options=options,
            placeholder=data["placeholder"],
            description=data["description"],
            show_in_forms=data["show_in_forms"],
            folder_id=folder_id,
        ),
    )
    if notices:
        if made is not None:
            context["form"] = placed
            notices.insert(
                0,
                f"The folder “{made.name}” was created; the field “{data['name']}” was not. "
                "The form now puts the field in that folder.",
            )
        return _form_page(request, context, notices=notices)
    where = made.name if made else next((f.name for f in folders if f.id == folder_id), "")
    messages.success(
        request,
        f"The field {field.name} ({fieldtypes.type_name(field.data_type)}) was created in {where}.",
    )
    return go(request, _url("schema_object", schema.key))


def _in_folder(request, form: FieldForm, folders: list[Folder], folder: Folder) -> FieldForm:
    """The form as posted, now with `folder` (made by the first call) chosen."""
    data = request.POST.copy()
    data["folder"], data["new_folder"] = folder.id, ""
    form = FieldForm(data, creating=True, folders=folders)
    form.is_valid()
    return form


def _field_initial(field: Field) -> dict:
    return {
        "name": field.name,
        "placeholder": field.placeholder,
        "description": field.description,
        "show_in_forms": field.show_in_forms,
    }


@require_http_methods(["GET", "POST"])
@can_manage_schema
@shows_api_errors(keeps_input=True)
def field_edit(request: HttpRequest, key: str, field_key: str) -> HttpResponse:
    schema = load_schema(key)
    field = _field_or_404(schema, field_key)
    has_options = needs_options(field.data_type)
    context = {
        "title": f"Edit the field {field.name}",
        "crumbs": _crumbs(schema, (field.name, "")),
        "field": field,
        "type": fieldtypes.type_name(field.data_type),
        "action_url": _url("schema_field_edit", schema.key, field.key),
        "cancel_url": _url("schema_object", schema.key),
        "submit": "Save",
    }
    if request.method == "GET":
        context["form"] = FieldForm(field=field, initial=_field_initial(field))
        context["formset"] = option_formset(field=field) if has_options else None
        return _form_page(request, context)
    if MORE_OPTIONS in request.POST and has_options:
        form, formset = _more_rows(request, FieldForm, field=field)
        return _form_page(request, {**context, "form": form, "formset": formset})
    form = FieldForm(request.POST, field=field, initial=_field_initial(field), others=schema.fields)
    formset = option_formset(request.POST, field=field) if has_options else None
    valid = form.is_valid() & (formset is None or formset.is_valid())
    options = formset.options_for(field.data_type) if valid and formset else []
    context.update(form=form, formset=formset)
    if not valid or (formset is not None and formset.non_form_errors()):
        return _form_page(request, context)
    if formset is not None:
        held = _held_options(schema, field, formset.removed())
        asked = ",".join(sorted(held))
        if held and request.POST.get(CONFIRM_REMOVE) != asked:
            context["removal"] = {"options": held, "keys": asked}
            return _form_page(request, context, notices=[_removal_notice(held)])
    _, notices = _send(
        form,
        "the change",
        lambda: services.field_update(
            schema=schema,
            field=field,
            options=options if formset is not None else None,
            **form.cleaned_data,
        ),
    )
    if notices:
        return _form_page(request, context, notices=notices)
    messages.success(request, f"The field {form.cleaned_data['name']} was saved.")
    return go(request, _url("schema_object", schema.key))


def _held_options(schema: Schema, field: Field, removed: list[str]) -> dict[str, dict]:
    """The removed options that records still hold: key -> {"label", "count"}. A text box
    list's line cannot be searched for by itself: its count is None (it may be held)."""
    held = {}
    for key in removed:
        count = None
        if field.rule.choice:
            count = services.option_holders(schema=schema, field=field, option_key=key)
        if count != 0:
            held[key] = {"label": field.option_label(key), "count": count}
    return held


def _removal_notice(held: dict[str, dict]) -> dict:
    counts = [item["count"] for item in held.values()]
    if None in counts:
        said = "Records may hold what you are removing (the records API cannot count them)."
    else:
        total = sum(counts)
        said = f"{total} record{'s' if total != 1 else ''} still hold what you are removing."
    return {
        "label": "Options in use",
        "message": f"{said} Nothing was changed yet: confirm below, or untick Remove.",
        "anchor": "confirm-remove",
    }


@require_http_methods(["GET", "POST"])
@can_manage_schema
@shows_api_errors
def field_delete(request: HttpRequest, key: str, field_key: str) -> HttpResponse:
    schema = load_schema(key)
    field = _field_or_404(schema, field_key)
    form = TypedNameForm(request.POST or None, expected=field.name)
    notices: list[str] = []
    if request.method == "POST" and not field.primary and form.is_valid():
        _, notices = _send(
            None, "the delete", lambda: services.field_delete(schema=schema, field=field)
        )
        if not notices:
            messages.success(request, f"The field {field.name} was deleted.")
            return go(request, _url("schema_object", schema.key))
    holders = None if field.primary else services.field_holders(schema=schema, field=field)
    context = {
        "title": f"Delete the field {field.name}?",
        "crumbs": _crumbs(schema, (field.name, _url("schema_field_edit", schema.key, field.key))),
        "field": field,
        "holders": holders,
        "schema": schema,
        "form": form,
        "summary": _summary([form], notices) if form.is_bound else [],
        "action_url": _url("schema_field_delete", schema.key, field.key),
        "cancel_url": _url("schema_object", schema.key),
    }
    return render(request, "records/schema/field_delete.html", context)


# -- folders --------------------------------------------------------------------------------------


def _folder_or_404(schema: Schema, folder_id: str) -> Folder:
    for folder in services.folder_list(schema=schema):
        if folder.id == folder_id:
            return folder
    raise Http404(f"{schema.plural} have no such folder.")


@require_http_methods(["GET", "POST"])
@can_manage_schema
@shows_api_errors(keeps_input=True)
def folder_create(request: HttpRequest, key: str) -> HttpResponse:
    schema = load_schema(key)
    others = services.folder_list(schema=schema) if request.method == "POST" else ()
    form = FolderForm(request.POST or None, others=others)
    notices: list[str] = []
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["name"]
        _, notices = _send(
            form, f"the folder {name}", lambda: services.folder_create(schema=schema, name=name)
        )
        if not notices:
            messages.success(request, f"The folder {name} was created.")
            return go(request, _url("schema_object", schema.key))
    context = {
        "title": f"New folder of {schema.plural}",
        "crumbs": _crumbs(schema, ("New folder", "")),
        "form": form,
        "action_url": _url("schema_folder_create", schema.key),
        "cancel_url": _url("schema_object", schema.key),
        "submit": "Create the folder",
    }
    return _form_page(request, context, notices=notices)


@require_http_methods(["GET", "POST"])
@can_manage_schema
@shows_api_errors(keeps_input=True)
def folder_rename(request: HttpRequest, key: str, folder_id: str) -> HttpResponse:
    schema = load_schema(key)
    folder = _folder_or_404(schema, folder_id)
    others = [f for f in services.folder_list(schema=schema) if f.id != folder.id]
    form = FolderForm(request.POST or None, initial={"name": folder.name}, others=others)
    notices: list[str] = []
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["name"]
        _, notices = _send(
            form,
            "the change",
            lambda: services.folder_rename(schema=schema, folder=folder, name=name),
        )
        if not notices:
            messages.success(request, f"The folder {folder.name} is now called {name}.")
            return go(request, _url("schema_object", schema.key))
    context = {
        "title": f"Rename the folder {folder.name}",
        "crumbs": _crumbs(schema, (folder.name, "")),
        "form": form,
        "action_url": _url("schema_folder_rename", schema.key, folder.id),
        "cancel_url": _url("schema_object", schema.key),
        "submit": "Rename",
    }
    return _form_page(request, context, notices=notices)


@require_http_methods(["GET", "POST"])
@can_manage_schema
@shows_api_errors
def folder_delete(request: HttpRequest, key: str, folder_id: str) -> HttpResponse:
    schema = load_schema(key)
    folder = _folder_or_404(schema, folder_id)
    holding = [f for f in schema.fields if f.folder_id == folder.id]
    notices: list[str] = []
    if request.method == "POST" and not holding:
        _, notices = _send(
            None, "the delete", lambda: services.folder_delete(schema=schema, folder=folder)
        )
        if not notices:
            messages.success(request, f"The folder {folder.name} was deleted.")
            return go(request, _url("schema_object", schema.key))
    context = {
        "title": (
            f"The folder {folder.name} is not empty"
            if holding
            else f"Delete the folder {folder.name}?"
        ),
        "crumbs": _crumbs(schema, (folder.name, "")),
        "schema": schema,
        "holding": holding,
        "summary": [{"message": n} for n in notices],
        "action_url": _url("schema_folder_delete", schema.key, folder.id),
        "cancel_url": _url("schema_object", schema.key),
        "text": "The folder is empty; deleting it changes no field and no record.",
        "button": f"Delete the folder {folder.name}",
    }
    return render(request, "records/schema/confirm_delete.html", context)


# -- associations ---------------------------------------------------------------------------------


def _association_or_404(schema: Schema, association_id: str) -> Association:
    for association in services.association_list(object_key=schema.key):
        if association.id == association_id:
            return association
    raise Http404(f"{schema.plural} have no such association.")


@require_http_methods(["GET", "POST"])
@can_manage_schema
@shows_api_errors(keeps_input=True)
def association_create(request: HttpRequest, key: str) -> HttpResponse:
    schema = load_schema(key)
    form = AssociationForm(
        request.POST or None,
        schema=schema,
        objects=services.schema_list(),
        associations=services.association_list(),
    )
    notices: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        _, notices = _send(
            form,
            f"the association {data['key']}",
            lambda: services.association_create(
                key=data["key"],
                first_object_key=schema.key,
                first_label=data["first_label"],
                second_object_key=data["other"],
                second_label=data["second_label"],
            ),
        )
        if not notices:
            messages.success(
                request,
                f"{schema.plural} can now be linked to their {data['second_label']} records.",
            )
            return go(request, _url("schema_object", schema.key))
    context = {
        "title": f"New association of {schema.plural}",
        "crumbs": _crumbs(schema, ("New association", "")),
        "form": form,
        "action_url": _url("schema_association_create", schema.key),
        "cancel_url": _url("schema_object", schema.key),
        "submit": "Create the association",
    }
    return _form_page(request, context, notices=notices)


@require_http_methods(["GET", "POST"])
@can_manage_schema
@shows_api_errors(keeps_input=True)
def association_edit(request: HttpRequest, key: str, association_id: str) -> HttpResponse:
    """Rename both labels; the form speaks from this object's side, the API in its order."""
    schema = load_schema(key)
    association = _association_or_404(schema, association_id)
    initial = {
        "first_label": association.label_of(schema.key),
        "second_label": association.other_label(schema.key),
    }
    form = AssociationForm(
        request.POST or None,
        schema=schema,
        initial=initial,
        association=association,
        associations=services.association_list(),
    )
    notices: list[str] = []
    if request.method == "POST" and form.is_valid():
        ours, theirs = form.cleaned_data["first_label"], form.cleaned_data["second_label"]
        first, second = (ours, theirs)
        if schema.key != association.first_object_key:
            first, second = theirs, ours
        _, notices = _send(
            form,
            "the change",
            lambda: services.association_update(
                association=association, first_label=first, second_label=second
            ),
        )
        if not notices:
            messages.success(request, f"The association {association.key} was saved.")
            return go(request, _url("schema_object", schema.key))
    context = {
        "title": f"Rename the association {association.key}",
        "crumbs": _crumbs(schema, (association.key, "")),
        "form": form,
        "action_url": _url("schema_association_edit", schema.key, association.id),
        "cancel_url": _url("schema_object", schema.key),
        "submit": "Save",
    }
    return _form_page(request, context, notices=notices)


# The official API has no call that counts an association's relations (only a record's).
STAYS = "Every link made by this association goes with it; the records themselves stay."


@require_http_methods(["GET", "POST"])
@can_manage_schema
@shows_api_errors
def association_delete(request: HttpRequest, key: str, association_id: str) -> HttpResponse:
    schema = load_schema(key)
    association = _association_or_404(schema, association_id)
    notices: list[str] = []
    if request.method == "POST":
        _, notices = _send(
            None, "the delete", lambda: services.association_delete(association=association)
        )
        if not notices:
            messages.success(request, f"The association {association.key} was deleted.")
            return go(request, _url("schema_object", schema.key))
    label = f"{association.label_of(schema.key)} / {association.other_label(schema.key)}"
    context = {
        "title": f"Delete the association {association.key} ({label})?",
        "crumbs": _crumbs(schema, (association.key, "")),
        "schema": schema,
        "summary": [{"message": n} for n in notices],
        "action_url": _url("schema_association_delete", schema.key, association.id),
        "cancel_url": _url("schema_object", schema.key),
        "text": STAYS,
        "button": f"Delete the association {association.key}",
        **_count_context(schema, association),
    }
    return render(request, "records/schema/confirm_delete.html", context)


def _count_context(schema: Schema, association: Association) -> dict:
    """The relations' count on the delete's confirmation: the latest finished count, the one
    running, and, without a complete count, what a count costs (one count search per
    custom-object side, to choose the one to walk)."""
    running = counting.count_running(association_id=association.id)
    latest = counting.count_latest(association_id=association.id)
    context = {
        "count_url": _url("schema_association_count", schema.key, association.id),
        "count_running": counting.count_result(job=running) if running else None,
        "relation_count": counting.count_result(job=latest) if latest else None,
        "running_url": reverse("records:job_detail", args=[running.pk]) if running else "",
        "latest_url": reverse("records:job_detail", args=[latest.pk]) if latest else "",
        "count_submission": str(uuid.uuid4()),
    }
    # While a count runs, its progress says enough: the cost is not read again at every one
    # of the section's askings (it takes a count search per custom-object side).
    if running is None and (latest is None or latest.status != latest.Status.DONE):
        side = attempt(lambda: counting.count_side(association=association))[0]
        context["count_cost"] = _count_cost(side)
    return context


def _count_cost(side: counting.Side | None) -> str:
    """Why the page cannot say how many relations go, and what counting them takes."""
    text = (
        "The records API cannot count an association's relations in one call, only one "
        "record's at a time, so a count takes a call per record of one side"
    )
    if side is None:
        return text + ", in the background, at the pace the rate limit allows."
    noun = side.schema.singular.lower() if side.records == 1 else side.schema.plural.lower()
    seconds = counting.count_seconds(side.records)
    return (
        f"{text}: {side.records:,} {noun}, {counting.duration_words(seconds)} at the rate "
        f"limit ({counting.rate_words()}), longer while people browse (their calls go "
        "first). It runs in the background."
    )


@require_http_methods(["GET", "POST"])
@can_manage_schema
@shows_api_errors(partial="records/schema/_count_problem.html")
def association_count(request: HttpRequest, key: str, association_id: str) -> HttpResponse:
    """Start counting the association's relations (a job), or show the count that runs.

    From the delete's confirmation (htmx) it answers with the confirmation's count section
    instead: the count starts when the page opens, and the section asks again (GET) until
    the figure is there, so that the confirmation names it; an API error or an association
    deleted meanwhile is said there (a 200: htmx swaps only those), which ends the asking.
    A plain form goes to the job."""
    schema = load_schema(key)
    try:
        association = _association_or_404(schema, association_id)
    except Http404:
        if not request.htmx:
            raise
        gone = Problem("gone", "This association no longer exists", "It was deleted meanwhile.")
        return render(request, "records/schema/_count_problem.html", {"problem": gone})
    if request.method == "POST":
        job, started = counting.count_start(
            user=request.user,
            association=association,
            from_key=schema.key,
            submission=uuid_or_none(request.POST.get("submission", "")),
        )
        if not request.htmx:
            if not started:
                message = "These relations are being counted already: here is that count."
                messages.info(request, message)
            return go(request, reverse("records:job_detail", args=[job.pk]))
    elif not request.htmx:
        return go(request, _url("schema_association_delete", schema.key, association.id))
    context = _count_context(schema, association)
    return render(request, "records/schema/_count_section.html", context)
