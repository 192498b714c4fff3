"""Routes of the embedded records API, mounted at /sandbox/ (docs/records-api.md).

Every route takes its path with or without a trailing slash, so that CommonMiddleware's
APPEND_SLASH never answers a POST with a redirect. `records/search` comes before
`records/<recordId>`. What is not a route gets a JSON 404.
"""

from django.contrib.auth.decorators import login_not_required
from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt

from . import views
from .endpoint import endpoint
from .openapi import openapi_view

app_name = "sandbox"

_SEGMENT = r"[^/]+"

urlpatterns = [
    re_path(r"^openapi\.json$", openapi_view, name="openapi"),
    re_path(
        r"^objects/?$",
        endpoint(GET=views.list_objects, POST=views.create_object),
        name="objects",
    ),
    re_path(
        rf"^objects/(?P<id_or_key>{_SEGMENT})/records/search/?$",
        endpoint(GET=views.search_get, POST=views.search_post),
        name="record-search",
    ),
    re_path(
        rf"^objects/(?P<id_or_key>{_SEGMENT})/records/(?P<record_id>{_SEGMENT})/?$",
        endpoint(GET=views.read_record, PUT=views.update_record, DELETE=views.delete_record),
        name="record",
    ),
    re_path(
        rf"^objects/(?P<id_or_key>{_SEGMENT})/records/?$",
        endpoint(POST=views.create_record),
        name="records",
    ),
    re_path(
        rf"^objects/(?P<id_or_key>{_SEGMENT})/?$",
        endpoint(GET=views.read_object, PUT=views.update_object, DELETE=views.delete_object),
        name="object",
    ),
    re_path(
        rf"^custom-fields/object-key/(?P<object_key>{_SEGMENT})/?$",
        endpoint(GET=views.list_fields),
        name="object-fields",
    ),
    re_path(r"^custom-fields/?$", endpoint(POST=views.create_field), name="fields"),
    re_path(
        rf"^custom-fields/(?P<field_id>{_SEGMENT})/?$",
        endpoint(GET=views.read_field, PUT=views.update_field, DELETE=views.delete_field),
        name="field",
    ),
    re_path(r"^users/?$", endpoint(GET=views.list_users), name="users"),
    # [\s\S]: any path, a newline in it included, is answered in JSON.
    re_path(
        r"^(?P<rest>[\s\S]*)$", csrf_exempt(login_not_required(views.unknown_path)), name="unknown"
    ),
]
