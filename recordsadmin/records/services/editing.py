"""Editing a record without overwriting someone else's change: the version a form was loaded
from, and the checked update that saves only onto that version.

The records API has no conditional PUT. So the edit form carries a signed token of the record
as it was loaded (its updatedAt and a hash of its values, and the values the user started
from); just before saving, the record is read again, and when it changed meanwhile nothing is
sent: the user sees both versions and chooses.
"""

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from django.core import signing

from recordsadmin.client.domain import UNSET, Record, Schema

from . import history, records

VERSION_SALT = "records.edit.version"


class Conflict(Exception):
    """The record changed since the form was loaded; `current` is how it is now."""

    def __init__(self, current: Record):
        super().__init__(f"Record {current.id} changed since it was loaded.")
        self.current = current


def properties_hash(properties: Mapping[str, Any], owner: str | None) -> str:
    text = json.dumps({"p": properties, "o": owner}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def record_version(record: Record, *, base: Record | None = None) -> str:
    """A signed token of the record as the form was loaded: its updatedAt and a hash of its
    values (to see whether it changed before saving), and the values the user started from
    (`base`, to know what the user changed). After a conflict the user starts over from their
    own loaded values, but against the record's current version."""
    base = base or record
    return signing.dumps(
        {
            "u": record.updated_at.isoformat() if record.updated_at else "",
            "h": properties_hash(record.properties, record.owner),
            "p": base.properties,
            "o": base.owner,
        },
        salt=VERSION_SALT,
        compress=True,
    )


def read_version(token: str) -> dict | None:
    """The loaded version from the signed token, or None when it is missing or tampered with."""
    try:
        data = signing.loads(token or "", salt=VERSION_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("p"), dict):
        return None
    return data


def unversioned(record: Record) -> dict:
    """A version that matches no record: for a form whose token was lost, so that saving it
    always goes through the conflict page instead of overwriting blindly."""
    return {"u": None, "h": None, "p": record.properties, "o": record.owner}


def is_current(version: Mapping[str, Any], record: Record) -> bool:
    updated = record.updated_at.isoformat() if record.updated_at else ""
    return version.get("u") == updated and version.get("h") == properties_hash(
        record.properties, record.owner
    )


def record_update_checked(
    *,
    user,
    schema: Schema,
    record_id: str,
    version: Mapping[str, Any],
    properties: Mapping[str, Any],
    owner: Any = UNSET,
) -> Record:
    """Save the changed `properties` (and the owner, when given) onto the record, only when it
    is still the `version` the form was loaded from; Conflict when it is not. The record is
    read just before saving; NotFound when it was deleted meanwhile."""
    current = records.record_get(schema=schema, record_id=record_id)
    if not is_current(version, current):
        raise Conflict(current)
    return history.record_update_logged(
        user=user, schema=schema, record=current, properties=properties, owner=owner
    )
