"""JSON shapes of the embedded API (docs/records-api.md): objects, field folders, fields,
records, users, contacts, associations and relations.

Times go out in both spellings: `createdAt`/`updatedAt` (the setup document's, and the official
description's in search results) and `dateAdded`/`dateUpdated` (the official description's for
objects, fields and single records), so that a client written against either reads them.
"""

import datetime as dt

from .models import (
    Association,
    Contact,
    Field,
    FieldFolder,
    ObjectSchema,
    Record,
    Relation,
    SandboxUser,
)


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
        "parentId": field.folder_id,
        **times(field.created_at, field.updated_at),
    }


def folder_json(folder: FieldFolder, object_key: str | None = None) -> dict:
    return {
        "id": folder.id,
        "name": folder.name,
        "objectKey": object_key or folder.object.key,
        "locationId": folder.location_id,
        **times(folder.created_at, folder.updated_at),
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


def contact_json(contact: Contact) -> dict:
    """A contact in the official description's spelling (its name, and the lower-cased
    copies the real service keeps for search)."""
    return {
        "id": contact.id,
        "locationId": contact.location_id,
        "name": contact.name,
        "firstName": contact.first_name,
        "lastName": contact.last_name,
        "firstNameLowerCase": contact.first_name.lower(),
        "lastNameLowerCase": contact.last_name.lower(),
        "email": contact.email,
        "phone": contact.phone,
        "companyName": contact.company_name,
        **times(contact.created_at, contact.updated_at),
    }


def association_json(association: Association) -> dict:
    return {
        "id": association.id,
        "key": association.key,
        "locationId": association.location_id,
        "firstObjectKey": association.first_object_key,
        "firstObjectLabel": association.first_label,
        "secondObjectKey": association.second_object_key,
        "secondObjectLabel": association.second_label,
        "associationType": association.type,
        **times(association.created_at, association.updated_at),
    }


def relation_json(relation: Relation, association: Association | None = None) -> dict:
    """A relation as the real service's answers and webhooks spell it: both records with
    their objects' keys, in the association's order."""
    association = association or relation.association
    created = iso(relation.created_at)
    return {
        "id": relation.id,
        "associationId": association.id,
        "associationKey": association.key,
        "locationId": relation.location_id,
        "firstObjectKey": association.first_object_key,
        "firstRecordId": relation.first_record_id,
        "secondObjectKey": association.second_object_key,
        "secondRecordId": relation.second_record_id,
        "createdAt": created,
        "dateAdded": created,
    }
