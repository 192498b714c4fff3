"""Routes of the embedded records API, mounted at /sandbox/ (docs/records-api.md).

Every route takes its path with or without a trailing slash, so that CommonMiddleware's
APPEND_SLASH never answers a POST with a redirect. Literal segments come before the ids they
could be taken for: `records/search` before `records/<recordId>`, `custom-fields/folder` before
`custom-fields/<id>`, `associations/relations`, `key/` and `objectKey/` before
`associations/<associationId>`. What is not a route gets a JSON 404.
"""

from django.contrib.auth.decorators import login_not_required
from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt

from . import associations, contacts, views
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
    re_path(r"^custom-fields/folder/?$", endpoint(POST=views.create_folder), name="folders"),
    re_path(
        rf"^custom-fields/folder/(?P<folder_id>{_SEGMENT})/?$",
        endpoint(PUT=views.update_folder, DELETE=views.delete_folder),
        name="folder",
    ),
    re_path(
        rf"^custom-fields/(?P<field_id>{_SEGMENT})/?$",
        endpoint(GET=views.read_field, PUT=views.update_field, DELETE=views.delete_field),
        name="field",
    ),
    re_path(r"^users/?$", endpoint(GET=views.list_users), name="users"),
    re_path(
        r"^associations/?$",
        endpoint(GET=associations.list_associations, POST=associations.create_association),
        name="associations",
    ),
    re_path(
        r"^associations/relations/?$",
        endpoint(POST=associations.create_relation),
        name="relations",
    ),
    re_path(
        rf"^associations/relations/(?P<id>{_SEGMENT})/?$",
        endpoint(GET=associations.list_relations, DELETE=associations.delete_relation),
        name="relation",
    ),
    re_path(
        rf"^associations/key/(?P<key_name>{_SEGMENT})/?$",
        endpoint(GET=associations.read_association_by_key),
        name="association-by-key",
    ),
    re_path(
        rf"^associations/objectKey/(?P<object_key>{_SEGMENT})/?$",
        endpoint(GET=associations.associations_of_object),
        name="object-associations",
    ),
    re_path(
        rf"^associations/(?P<association_id>{_SEGMENT})/?$",
        endpoint(
            GET=associations.read_association,
            PUT=associations.update_association,
            DELETE=associations.delete_association,
        ),
        name="association",
    ),
    re_path(r"^contacts/search/?$", endpoint(POST=contacts.search_contacts), name="contact-search"),
    re_path(r"^contacts/?$", endpoint(POST=contacts.create_contact), name="contacts"),
    re_path(
        rf"^contacts/(?P<contact_id>{_SEGMENT})/?$",
        endpoint(GET=contacts.read_contact),
        name="contact",
    ),
    # [\s\S]: any path, a newline in it included, is answered in JSON.
    re_path(
        r"^(?P<rest>[\s\S]*)$", csrf_exempt(login_not_required(views.unknown_path)), name="unknown"
    ),
]
