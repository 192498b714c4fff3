"""What every page of the dashboard shares: the object's schema, the permissions."""

import uuid

from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django_htmx.http import HttpResponseClientRedirect

from recordsadmin.accounts.preferences import preference_get
from recordsadmin.client.domain import Schema
from recordsadmin.client.errors import NotFound
from recordsadmin.records import services
from recordsadmin.records.tables import TableLayout, preference_name

# Signed-in staff without the permission get 403.
can_view = permission_required("records.view_record", raise_exception=True)
can_add = permission_required("records.add_record", raise_exception=True)
can_change = permission_required("records.change_record", raise_exception=True)
can_delete = permission_required("records.delete_record", raise_exception=True)
can_export = permission_required("records.export_record", raise_exception=True)
# The schema editor (views/schema.py): objects, fields, folders and associations.
can_manage_schema = permission_required("records.manage_schema", raise_exception=True)


def load_schema(key: str) -> Schema:
    """The object's schema; a 404 page when the location has no such object."""
    try:
        schema = services.schema_get(key=key)
    except NotFound:
        raise Http404(f"There is no object “{key}” in this location.") from None
    if not schema.is_custom:
        raise Http404(f"“{key}” is not a custom object, so it has no records here.")
    return schema


class SeeOther(HttpResponseRedirect):
    status_code = 303


def table_layout(user, schema: Schema) -> TableLayout:
    """The user's columns and density of the object's table (the column chooser's)."""
    return TableLayout.from_value(preference_get(user=user, name=preference_name(schema)))


def go(request: HttpRequest, url: str) -> HttpResponse:
    """After a write: HX-Redirect for htmx, 303 otherwise."""
    return HttpResponseClientRedirect(url) if request.htmx else SeeOther(url)


def uuid_or_none(value: str) -> uuid.UUID | None:
    """A form's id field as a UUID; None when it is missing or malformed."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
