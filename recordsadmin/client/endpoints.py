"""One function per records API operation the dashboard uses; each returns the answer's JSON.

Where `locationId` goes is the real service's rule (docs/records-api.md): the body on create and
search, the query on update and on GET of objects and users, nowhere on delete or a record GET;
it answers 422 to a locationId anywhere else.
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
