"""JSON shapes of the embedded API (docs/records-api.md): objects, fields, records and users.

Times go out in both spellings: `createdAt`/`updatedAt` (the setup document's, and the official
description's in search results) and `dateAdded`/`dateUpdated` (the official description's for
objects, fields and single records), so that a client written against either reads them.
"""

import datetime as dt

from .models import Field, ObjectSchema, Record, SandboxUser


def iso(value: dt.datetime) -> str:
    """ISO-8601 in UTC with milliseconds and a Z, as JavaScript's toISOString writes it."""
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def times(created: dt.datetime, updated: dt.datetime) -> dict:
    added, changed = iso(created), iso(updated)
    return {"createdAt": added, "updatedAt": changed, "dateAdded": added, "dateUpdated": changed}


def object_json(obj: ObjectSchema) -> dict:
    return {
        "id": obj.id,
        # The official description's flag: false for custom objects, the only ones served here.
        "standard": False,
        "key": obj.key,
        "labels": {"singular": obj.singular, "plural": obj.plural},
        "description": obj.description,
        "locationId": obj.location_id,
        "primaryDisplayProperty": obj.primary_display_property,
        "requiredProperties": list(obj.required_properties),
        "searchableProperties": list(obj.searchable_properties),
        "type": obj.type,
        **times(obj.created_at, obj.updated_at),
    }


def field_json(field: Field, object_key: str | None = None) -> dict:
    return {
        "id": field.id,
        "name": field.name,
        "fieldKey": field.field_key,
        "dataType": field.data_type,
        "objectKey": object_key or field.object.key,
        "locationId": field.location_id,
        "options": [dict(option) for option in field.options],
        "description": field.description,
        "placeholder": field.placeholder,
        "showInForms": field.show_in_forms,
        "position": field.position,
        **times(field.created_at, field.updated_at),
    }


def record_json(record: Record, obj: ObjectSchema | None = None) -> dict:
    obj = obj or record.object
    return {
        "id": record.id,
        "objectId": obj.id,
        "objectKey": obj.key,
        "locationId": record.location_id,
        "properties": dict(record.properties),
        "owner": record.owner or None,
        "followers": list(record.followers),
        **times(record.created_at, record.updated_at),
    }


def user_json(user: SandboxUser) -> dict:
    return {"id": user.id, "name": user.name, "email": user.email}
