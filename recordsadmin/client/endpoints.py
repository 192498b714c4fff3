"""One function per records API operation the dashboard uses; each returns the answer's JSON.

Where `locationId` goes is the real service's rule (docs/records-api.md): for records, the body
on create and search, the query on update and on GET of objects and users, nowhere on delete or
a record GET; it answers 422 to a locationId anywhere else. The schema, association and contact
calls (below the record calls) put it where the official files do, each section says where.
tests/records/test_openapi.py checks every call against those files.
"""

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from .call import call
from .errors import NotFound

# Path segments we put into a URL: object keys and ids. Anything else is refused before sending
# (an id like "../users" must not reach another endpoint).
_SEGMENT = re.compile(r"^[A-Za-z0-9_\-:.]{1,200}$")


def segment(value: str) -> str:
    """A path segment (an object key or an id), checked and quoted; NotFound when malformed."""
    value = str(value)
    if not _SEGMENT.match(value) or value.strip(".") == "":
        raise NotFound("No such object or record.", status=None)
    return quote(value, safe="")


def objects_list(*, deadline: float | None = None) -> dict:
    return call("GET", "/objects/", location="query", deadline=deadline, carries="objects")


def object_get(key: str, *, deadline: float | None = None) -> dict:
    path = f"/objects/{segment(key)}"
    params = {"fetchProperties": "true"}
    return call("GET", path, params=params, location="query", deadline=deadline, carries="object")


def records_search(key: str, body: Mapping[str, Any], *, deadline: float | None = None) -> dict:
    path = f"/objects/{segment(key)}/records/search"
    return call("POST", path, body=body, location="body", deadline=deadline, carries="records")


def record_get(key: str, record_id: str, *, deadline: float | None = None) -> dict:
    path = f"/objects/{segment(key)}/records/{segment(record_id)}"
    return call("GET", path, deadline=deadline, carries="record")


def record_create(
    key: str,
    body: Mapping[str, Any],
    *,
    field_keys: Iterable[str] = (),
    deadline: float | None = None,
) -> dict:
    return call(
        "POST",
        f"/objects/{segment(key)}/records",
        body=body,
        location="body",
        create=True,
        field_keys=field_keys,
        deadline=deadline,
        carries="record",
    )


def record_update(
    key: str,
    record_id: str,
    body: Mapping[str, Any],
    *,
    field_keys: Iterable[str] = (),
    deadline: float | None = None,
) -> dict:
    return call(
        "PUT",
        f"/objects/{segment(key)}/records/{segment(record_id)}",
        body=body,
        location="query",
        field_keys=field_keys,
        deadline=deadline,
        carries="record",
    )


def record_delete(key: str, record_id: str, *, deadline: float | None = None) -> dict:
    path = f"/objects/{segment(key)}/records/{segment(record_id)}"
    return call("DELETE", path, deadline=deadline)


def users_list(*, deadline: float | None = None) -> dict:
    return call("GET", "/users/", location="query", deadline=deadline, carries="users")


# -- object schemas, fields and folders: writes (Custom Fields V2) ------------------------------
#
# `locationId` goes where the official files put it: the body of every create and update
# (custom-fields.json requires it there, objects.json on the object update too), the query of
# the field list and of a folder's delete, nowhere on a field's delete.


def object_create(body: Mapping[str, Any], *, deadline: float | None = None) -> dict:
    """POST /objects/: a new object schema; sent once (a lost answer is OutcomeUnknown)."""
    return call(
        "POST",
        "/objects/",
        body=body,
        location="body",
        create=True,
        field_keys=("key", "labels", "description", "primaryDisplayPropertyDetails"),
        deadline=deadline,
        carries="object",
    )


def object_update(key: str, body: Mapping[str, Any], *, deadline: float | None = None) -> dict:
    """PUT /objects/{key}: labels, description, searchable fields."""
    return call(
        "PUT",
        f"/objects/{segment(key)}",
        body=body,
        location="body",
        field_keys=("labels", "description", "searchableProperties"),
        deadline=deadline,
        carries="object",
    )


_FIELD_PARTS = ("name", "fieldKey", "dataType", "options", "placeholder", "description", "parentId")


def fields_list(object_key: str, *, deadline: float | None = None) -> dict:
    """GET /custom-fields/object-key/{objectKey}: the object's fields and folders."""
    path = f"/custom-fields/object-key/{segment(object_key)}"
    return call("GET", path, location="query", deadline=deadline, carries="fields")


def field_create(body: Mapping[str, Any], *, deadline: float | None = None) -> dict:
    """POST /custom-fields/: a new field; sent once."""
    return call(
        "POST",
        "/custom-fields/",
        body=body,
        location="body",
        create=True,
        field_keys=_FIELD_PARTS,
        deadline=deadline,
        carries="field",
    )


def field_update(field_id: str, body: Mapping[str, Any], *, deadline: float | None = None) -> dict:
    """PUT /custom-fields/{id}: what changes of a field (options replace the whole list)."""
    return call(
        "PUT",
        f"/custom-fields/{segment(field_id)}",
        body=body,
        location="body",
        field_keys=_FIELD_PARTS,
        deadline=deadline,
        carries="field",
    )


def field_delete(field_id: str, *, deadline: float | None = None) -> dict:
    """DELETE /custom-fields/{id}: the field and every record's value in it."""
    return call("DELETE", f"/custom-fields/{segment(field_id)}", deadline=deadline)


def folder_create(body: Mapping[str, Any], *, deadline: float | None = None) -> dict:
    """POST /custom-fields/folder: a new folder of an object's fields; sent once."""
    return call(
        "POST",
        "/custom-fields/folder",
        body=body,
        location="body",
        create=True,
        field_keys=("name", "objectKey"),
        deadline=deadline,
        carries="folder",
    )


def folder_update(
    folder_id: str, body: Mapping[str, Any], *, deadline: float | None = None
) -> dict:
    """PUT /custom-fields/folder/{id}: a folder's new name."""
    return call(
        "PUT",
        f"/custom-fields/folder/{segment(folder_id)}",
        body=body,
        location="body",
        field_keys=("name",),
        deadline=deadline,
        carries="folder",
    )


def folder_delete(folder_id: str, *, deadline: float | None = None) -> dict:
    """DELETE /custom-fields/folder/{id}: an empty folder."""
    path = f"/custom-fields/folder/{segment(folder_id)}"
    return call("DELETE", path, location="query", deadline=deadline)


# -- associations and relations (associations.json) ---------------------------------------------
#
# `locationId`: the query of the list, key and object-key lookups and of a relation's delete
# and listing, the body of both creates, nowhere on the calls by association id.

_ASSOCIATION_PARTS = (
    "key",
    "firstObjectKey",
    "firstObjectLabel",
    "secondObjectKey",
    "secondObjectLabel",
)
_RELATION_PARTS = ("associationId", "firstRecordId", "secondRecordId")


def associations_list(*, skip: int, limit: int, deadline: float | None = None) -> dict:
    """GET /associations/: one page of the location's associations."""
    return call(
        "GET",
        "/associations/",
        params={"skip": skip, "limit": limit},
        location="query",
        deadline=deadline,
        carries="associations",
    )


def associations_of_object(object_key: str, *, deadline: float | None = None) -> dict:
    """GET /associations/objectKey/{objectKey}: the associations with this object (or
    `contact`) on either side."""
    path = f"/associations/objectKey/{segment(object_key)}"
    return call("GET", path, location="query", deadline=deadline, carries="associations")


def association_get(association_id: str, *, deadline: float | None = None) -> dict:
    """GET /associations/{associationId}."""
    path = f"/associations/{segment(association_id)}"
    return call("GET", path, deadline=deadline, carries="association")


def association_get_by_key(key: str, *, deadline: float | None = None) -> dict:
    """GET /associations/key/{key_name}."""
    path = f"/associations/key/{segment(key)}"
    return call("GET", path, location="query", deadline=deadline, carries="association")


def association_create(body: Mapping[str, Any], *, deadline: float | None = None) -> dict:
    """POST /associations/: a new association; sent once."""
    return call(
        "POST",
        "/associations/",
        body=body,
        location="body",
        create=True,
        field_keys=_ASSOCIATION_PARTS,
        deadline=deadline,
        carries="association",
    )


def association_update(
    association_id: str, body: Mapping[str, Any], *, deadline: float | None = None
) -> dict:
    """PUT /associations/{associationId}: both labels."""
    return call(
        "PUT",
        f"/associations/{segment(association_id)}",
        body=body,
        field_keys=_ASSOCIATION_PARTS,
        deadline=deadline,
        carries="association",
    )


def association_delete(association_id: str, *, deadline: float | None = None) -> dict:
    """DELETE /associations/{associationId}: the association and all its relations."""
    return call("DELETE", f"/associations/{segment(association_id)}", deadline=deadline)


def relation_create(body: Mapping[str, Any], *, deadline: float | None = None) -> dict:
    """POST /associations/relations: link two records; sent once (a lost answer is
    OutcomeUnknown: the link may exist)."""
    return call(
        "POST",
        "/associations/relations",
        body=body,
        location="body",
        create=True,
        field_keys=_RELATION_PARTS,
        deadline=deadline,
        carries="relation",
    )


def relations_of_record(
    record_id: str,
    *,
    skip: int,
    limit: int,
    association_ids: Iterable[str] = (),
    deadline: float | None = None,
) -> dict:
    """GET /associations/relations/{recordId}: one page of a record's (or contact's)
    relations, only those of `association_ids` when given (sent as repeated parameters)."""
    params: dict[str, Any] = {"skip": skip, "limit": limit}
    ids = [segment(i) for i in association_ids]
    if ids:
        params["associationIds"] = ids
    return call(
        "GET",
        f"/associations/relations/{segment(record_id)}",
        params=params,
        location="query",
        deadline=deadline,
        carries="relations",
    )


def relation_delete(relation_id: str, *, deadline: float | None = None) -> dict:
    """DELETE /associations/relations/{relationId}."""
    path = f"/associations/relations/{segment(relation_id)}"
    return call("DELETE", path, location="query", deadline=deadline)


# -- contacts (contacts.json): what relations need ----------------------------------------------


def contacts_search(body: Mapping[str, Any], *, deadline: float | None = None) -> dict:
    """POST /contacts/search: contacts by text, one page (`locationId` in the body)."""
    return call(
        "POST",
        "/contacts/search",
        body=body,
        location="body",
        field_keys=("query", "page", "pageLimit"),
        deadline=deadline,
        carries="contacts",
    )


def contact_get(contact_id: str, *, deadline: float | None = None) -> dict:
    """GET /contacts/{contactId}."""
    return call("GET", f"/contacts/{segment(contact_id)}", deadline=deadline, carries="contact")


def contact_create(body: Mapping[str, Any], *, deadline: float | None = None) -> dict:
    """POST /contacts/: a new contact; sent once."""
    return call(
        "POST",
        "/contacts/",
        body=body,
        location="body",
        create=True,
        field_keys=("firstName", "lastName", "name", "email", "phone", "companyName"),
        deadline=deadline,
        carries="contact",
    )
