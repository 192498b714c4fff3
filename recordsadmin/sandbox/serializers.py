"""JSON shapes of the embedded API (docs/records-api.md): objects, fields, records and users."""

import datetime as dt

from .models import Field, ObjectSchema, Record, SandboxUser


def iso(value: dt.datetime) -> str:
    """ISO-8601 in UTC with milliseconds and a Z, as JavaScript's toISOString writes it."""
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def object_json(obj: ObjectSchema) -> dict:
    return {
        "id": obj.id,
        "key": obj.key,
        "labels": {"singular": obj.singular, "plural": obj.plural},
        "description": obj.description,
        "locationId": obj.location_id,
        "primaryDisplayProperty": obj.primary_display_property,
        "requiredProperties": list(obj.required_properties),
        "searchableProperties": list(obj.searchable_properties),
        "type": obj.type,
        "createdAt": iso(obj.created_at),
        "updatedAt": iso(obj.updated_at),
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
        "createdAt": iso(field.created_at),
        "updatedAt": iso(field.updated_at),
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
        "createdAt": iso(record.created_at),
        "updatedAt": iso(record.updated_at),
    }


def user_json(user: SandboxUser) -> dict:
    return {"id": user.id, "name": user.name, "email": user.email}
