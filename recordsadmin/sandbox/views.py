"""The embedded records API's calls (docs/records-api.md), one handler per method and path.

Handlers take a `Call` (location, body, query) and return (status, payload); `endpoint`
in urls.py wraps them with auth, rate limit and error bodies.
"""

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.http import HttpRequest, JsonResponse
from django.utils import timezone

from recordsadmin.contract import datatypes
from recordsadmin.contract.datatypes import PRIMARY, DataType
from recordsadmin.contract.limits import (
    CUSTOM_OBJECT_PREFIX,
    KEY_NAME,
    MAX_DESCRIPTION_LENGTH,
    MAX_KEY_LENGTH,
    MAX_LABEL_LENGTH,
    MAX_OBJECTS,
    MAX_PLACEHOLDER_LENGTH,
    RESERVED_KEYS,
)

from . import indexing, lag, search
from .endpoint import Call
from .errors import ApiError, bad_request, not_found
from .models import (
    DEFAULT_FOLDER,
    Field,
    FieldFolder,
    ObjectSchema,
    Record,
    Relation,
    SandboxUser,
    new_id,
)
from .serializers import field_json, folder_json, object_json, record_json, user_json
from .validation import ValidationFailed, clean_people, clean_properties

_NAME = KEY_NAME

RECORD_KEYS = {"locationId", "properties", "owner", "followers"}
OBJECT_CREATE_KEYS = {"locationId", "key", "labels", "description", "primaryDisplayPropertyDetails"}
OBJECT_UPDATE_KEYS = {
    "locationId",
    "labels",
    "description",
    "searchableProperties",
    "requiredProperties",
}
FIELD_UPDATE_KEYS = {
    "locationId",
    "name",
    "description",
    "placeholder",
    "showInForms",
    "options",
    "acceptedFormats",
    "maxFileLimit",
}
# Accepted as in the official spec; the embedded API keeps none of `acceptedFormats`,
# `maxFileLimit` and `allowCustomOption`.
FIELD_CREATE_KEYS = FIELD_UPDATE_KEYS | {
    "objectKey",
    "fieldKey",
    "dataType",
    "allowCustomOption",
    "parentId",
}
FOLDER_CREATE_KEYS = {"locationId", "objectKey", "name"}
FOLDER_UPDATE_KEYS = {"locationId", "name"}


# --- shared -----------------------------------------------------------------------------------


def only(body: Mapping, allowed: set[str], within: str = "") -> None:
    """The real service refuses unknown body properties with 422; so does the embedded one,
    inside `labels`, `primaryDisplayPropertyDetails` and options too (`within` names them)."""
    errors: dict[str, list[str]] = {}
    for key in body:
        if key not in allowed:
            name = f"{within}.{key}" if within else key
            errors.setdefault(within or key, []).append(f"property {name} should not exist")
    if errors:
        raise ApiError.from_errors(422, errors)


def get_object(call: Call, id_or_key: str) -> ObjectSchema:
    found = list(
        ObjectSchema.objects.filter(location=call.location)
        .filter(Q(key=id_or_key) | Q(id=id_or_key))
        .prefetch_related("fields")
    )
    if not found:
        raise not_found(f"Custom Object ({id_or_key}) not found")
    return next((obj for obj in found if obj.key == id_or_key), found[0])


# The record endpoints' copies of objects with their fields, by (location, its schema
# version, id or key): reading them costs two queries and a model per field at every call.
_OBJECTS: dict[tuple[str, str, str], ObjectSchema] = {}
_OBJECTS_KEPT = 256


def record_object(call: Call, id_or_key: str) -> ObjectSchema:
    """get_object for the record endpoints, which only read the object and its fields: this
    process's copy while the location's schema version (read with the token at each call) is
    the one it was read under. Any write of an object or a field, in any process, draws a
    new version (signals.py), so the next call reads it again. The endpoints that change an
    object or its fields use get_object: a copy is shared by the threads that read it."""
    location = call.location
    key = (location.pk, location.schema_version, id_or_key)
    obj = _OBJECTS.get(key)
    if obj is None:
        obj = get_object(call, id_or_key)
        # The location's copies under a past version go; past the bound, the oldest kept.
        # (list() copies the keys at once: other threads may change the dict meanwhile.)
        kept = list(_OBJECTS)
        for old in [k for k in kept if k[0] == key[0] and k[1] != key[1]]:
            _OBJECTS.pop(old, None)
        for old in kept[: max(0, len(kept) - _OBJECTS_KEPT + 1)]:
            _OBJECTS.pop(old, None)
        _OBJECTS[key] = obj
    return obj


def get_record(obj: ObjectSchema, record_id: str, *, for_update: bool = False) -> Record:
    records = Record.objects.filter(object=obj, id=record_id)
    record = (records.select_for_update() if for_update else records).first()
    if record is None:
        raise not_found(f"Record {record_id} not found in {obj.key}")
    return record


def record_keys(field_keys: Iterable[str]) -> list[str]:
    return [key.rsplit(".", 1)[-1] for key in field_keys]


def string(
    body: Mapping,
    key: str,
    *,
    required: bool = False,
    empty: bool = True,
    longest: int | None = None,
    name: str = "",
) -> str | None:
    """A string property of the body (None when absent or null); 400 naming it (as `name`
    when given) when it is not a string, blank where it must not be, or past `longest`
    characters as sent (the length openapi.json states)."""
    name = name or key
    value = body.get(key)
    if value is None:
        if required:
            raise bad_request(f"{name} is required", name)
        return None
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise bad_request(f"{name} must be a {'' if empty else 'non-empty '}string", name)
    if longest is not None:
        within(value, name, longest)
    return value


def within(value: str, name: str, longest: int) -> str:
    """`value`, or 400 naming `name` when it is past `longest` characters."""
    if len(value) > longest:
        raise bad_request(
            f"{name} is {len(value)} characters long; at most {longest} are allowed", name
        )
    return value


def location_user_ids(call: Call) -> list[str]:
    return list(SandboxUser.objects.filter(location=call.location).values_list("id", flat=True))


# --- objects ----------------------------------------------------------------------------------


def list_objects(call: Call) -> tuple[int, dict]:
    objects = ObjectSchema.objects.filter(location=call.location)
    return 200, {"objects": [object_json(obj) for obj in objects]}


def read_object(call: Call, id_or_key: str) -> tuple[int, dict]:
    fetch = call.query.get("fetchProperties", "false")
    if fetch not in ("true", "false"):
        raise bad_request("fetchProperties must be true or false", "fetchProperties")
    obj = get_object(call, id_or_key)
    # `cache` as the real service answers it (the official description requires it).
    payload: dict[str, Any] = {"object": object_json(obj), "cache": False}
    if fetch == "true":
        payload["fields"] = [field_json(f, obj.key) for f in obj.fields.all()]
    return 200, payload


def full_field_key(obj_key: str, key: Any, name: str) -> str:
    """`custom_objects.property.price` from `price` or from itself; 400 for anything else."""
    if not isinstance(key, str) or not key:
        raise bad_request(f"{name} must be a non-empty string", name)
    bare = key.removeprefix(obj_key + ".") if key.startswith(obj_key + ".") else key
    if not _NAME.fullmatch(bare):
        raise bad_request(
            f"{name} {key!r} must be {obj_key}.<name> or <name>, with letters, digits and _", name
        )
    within(bare, name, MAX_KEY_LENGTH)
    if bare in RESERVED_KEYS:
        # A record's own fields: a search filter or sort by a bare key means these.
        raise bad_request(
            f"{name} {key!r}: {bare} is a record's own field (search reads it so); "
            f"a field key cannot be any of {', '.join(sorted(RESERVED_KEYS))}",
            name,
        )
    return f"{obj_key}.{bare}"


def labels_of(body: Mapping, *, partial: bool) -> dict[str, str]:
    labels = body.get("labels")
    if labels is None and partial:
        return {}
    if not isinstance(labels, Mapping):
        raise bad_request("labels must be an object with singular and plural", "labels")
    only(labels, {"singular", "plural"}, "labels")
    result = {}
    for part in ("singular", "plural"):
        value = labels.get(part)
        if value is None and partial:
            continue
        if not isinstance(value, str) or not value.strip():
            raise bad_request(f"labels.{part} must be a non-empty string", "labels")
        if len(value) > MAX_LABEL_LENGTH:
            raise bad_request(
                f"labels.{part} is {len(value)} characters long; at most "
                f"{MAX_LABEL_LENGTH} are allowed",
                "labels",
            )
        result[part] = value.strip()
    return result


def create_object(call: Call) -> tuple[int, dict]:
    body = call.body
    only(body, OBJECT_CREATE_KEYS)
    key = string(body, "key", required=True, empty=False)
    key = key if key.startswith(CUSTOM_OBJECT_PREFIX) else CUSTOM_OBJECT_PREFIX + key
    if not _NAME.fullmatch(key.removeprefix(CUSTOM_OBJECT_PREFIX)):
        raise bad_request(
            f"key {key!r} must be custom_objects.<name>, with letters, digits and _", "key"
        )
    within(key.removeprefix(CUSTOM_OBJECT_PREFIX), "key", MAX_KEY_LENGTH)
    labels = labels_of(body, partial=False)
    description = string(body, "description", longest=MAX_DESCRIPTION_LENGTH) or ""
    details = body.get("primaryDisplayPropertyDetails")
    if not isinstance(details, Mapping):
        raise bad_request(
            "primaryDisplayPropertyDetails must be an object with key, name and dataType",
            "primaryDisplayPropertyDetails",
        )
    only(details, {"key", "name", "dataType"}, "primaryDisplayPropertyDetails")
    primary_key = full_field_key(key, details.get("key"), "primaryDisplayPropertyDetails.key")
    primary_name = string(
        details,
        "name",
        required=True,
        empty=False,
        longest=MAX_LABEL_LENGTH,
        name="primaryDisplayPropertyDetails.name",
    )
    data_type = details.get("dataType")
    if not isinstance(data_type, str) or data_type not in PRIMARY:
        raise bad_request(
            f"primaryDisplayPropertyDetails.dataType must be {' or '.join(PRIMARY)}",
            "primaryDisplayPropertyDetails",
        )
    with transaction.atomic():
        if ObjectSchema.objects.filter(location=call.location).count() >= MAX_OBJECTS:
            raise bad_request(f"A location has at most {MAX_OBJECTS} custom objects", "key")
        if ObjectSchema.objects.filter(location=call.location, key=key).exists():
            raise bad_request(f"key {key} is taken by another object of this location", "key")
        now = timezone.now()
        obj = ObjectSchema.objects.create(
            location=call.location,
            key=key,
            singular=labels["singular"],
            plural=labels["plural"],
            description=description,
            primary_display_property=primary_key,
            required_properties=[primary_key],
            searchable_properties=[primary_key],
            created_at=now,
            updated_at=now,
        )
        folder = FieldFolder.objects.create(
            location=call.location, object=obj, name=DEFAULT_FOLDER, created_at=now, updated_at=now
        )
        Field.objects.create(
            location=call.location,
            object=obj,
            folder=folder,
            name=primary_name.strip(),
            field_key=primary_key,
            data_type=data_type,
            created_at=now,
            updated_at=now,
        )
        _sync_indexes_after_commit()
    return 201, {"object": object_json(obj)}


def property_list(obj: ObjectSchema, body: Mapping, name: str) -> list[str] | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, list):
        raise bad_request(f"{name} must be a list of field keys", name)
    known = {f.field_key for f in obj.fields.all()}
    result = []
    for item in value:
        key = full_field_key(obj.key, item, name)
        if key not in known:
            raise bad_request(f"{name}: {item} is not a field of {obj.key}", name)
        result.append(key)
    return list(dict.fromkeys(result))


def update_object(call: Call, id_or_key: str) -> tuple[int, dict]:
    body = call.body
    only(body, OBJECT_UPDATE_KEYS)
    with transaction.atomic():
        obj = get_object(call, id_or_key)
        labels = labels_of(body, partial=True)
        description = string(body, "description", longest=MAX_DESCRIPTION_LENGTH)
        searchable = property_list(obj, body, "searchableProperties")
        required = property_list(obj, body, "requiredProperties")
        obj.singular = labels.get("singular", obj.singular)
        obj.plural = labels.get("plural", obj.plural)
        if description is not None:
            obj.description = description
        if required is not None:
            obj.required_properties = required
        reindex = searchable is not None and searchable != obj.searchable_properties
        if searchable is not None:
            obj.searchable_properties = searchable
        obj.updated_at = timezone.now()
        obj.save()
        if reindex:
            search.reindex_object(obj)
    return 200, {"object": object_json(obj)}


def delete_object(call: Call, id_or_key: str) -> tuple[int, dict]:
    obj = get_object(call, id_or_key)
    object_id = obj.id
    with transaction.atomic():
        Record.objects.filter(object=obj).delete()
        obj.delete()
        _sync_indexes_after_commit()
    return 200, {"id": object_id, "success": True}


def _sync_indexes_after_commit() -> None:
    """Sorts on the new property read an index; a dropped property's index goes. After the
    commit, so that the run sees the change, and robust: the schema change has succeeded
    whatever happens to its index, and the next change or `migrate` makes up for a failure."""
    transaction.on_commit(indexing.sync_property_indexes, robust=True)


# --- custom fields ----------------------------------------------------------------------------


def list_fields(call: Call, object_key: str) -> tuple[int, dict]:
    obj = get_object(call, object_key)
    folders = FieldFolder.objects.filter(object=obj)
    return 200, {
        "fields": [field_json(f, obj.key) for f in obj.fields.all()],
        "folders": [folder_json(folder, obj.key) for folder in folders],
    }


def get_field(call: Call, field_id: str) -> Field:
    field = Field.objects.select_related("object").filter(location=call.location, id=field_id)
    found = field.first()
    if found is None:
        raise not_found(f"Custom field {field_id} not found")
    return found


def clean_options(value: Any, data_type: str) -> list[dict]:
    if value is None:
        value = []
    if not isinstance(value, list):
        raise bad_request("options must be a list of {key, label}", "options")
    if not datatypes.rule(data_type).has_options:
        if value:
            raise bad_request(f"options are only for option fields, not {data_type}", "options")
        return []
    options = []
    for item in value:
        if not isinstance(item, Mapping):
            raise bad_request("options must be a list of {key, label}", "options")
        # `url` is the official description's (for RADIO options); accepted, not kept.
        only(item, {"key", "label", "url"}, "options")
        label, key = item.get("label"), item.get("key")
        if not isinstance(label, str) or not label.strip():
            raise bad_request("every option needs a label (a non-empty string)", "options")
        within(label, "options", MAX_LABEL_LENGTH)
        if key is None:
            key = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_") or label
        if not isinstance(key, str) or not key:
            raise bad_request("an option key must be a non-empty string", "options")
        within(key, "options", MAX_KEY_LENGTH)
        options.append({"key": key, "label": label})
    keys = [o["key"] for o in options]
    if len(set(keys)) != len(keys):
        raise bad_request("option keys must be unique", "options")
    if not options:
        raise bad_request(f"a {data_type} field needs at least one option", "options")
    return options


def field_text(body: Mapping, field: Field | None) -> dict:
    values = {}
    for name, longest in (
        ("description", MAX_DESCRIPTION_LENGTH),
        ("placeholder", MAX_PLACEHOLDER_LENGTH),
    ):
        value = string(body, name, longest=longest)
        if value is not None:
            values[name] = value
    if "name" in body or field is None:
        name = string(body, "name", required=True, empty=False, longest=MAX_LABEL_LENGTH)
        values["name"] = name.strip()
    show = body.get("showInForms")
    if show is not None:
        if not isinstance(show, bool):
            raise bad_request("showInForms must be true or false", "showInForms")
        values["show_in_forms"] = show
    return values


def create_field(call: Call) -> tuple[int, dict]:
    body = call.body
    only(body, FIELD_CREATE_KEYS)
    object_key = string(body, "objectKey", required=True, empty=False)
    data_type = body.get("dataType")
    # Any JSON may come: a list or an object is no dataType either (and cannot be looked up).
    if not isinstance(data_type, str) or not datatypes.known(data_type):
        raise bad_request(f"dataType must be one of {', '.join(DataType)}", "dataType")
    values = field_text(body, None)
    options = clean_options(body.get("options"), data_type)
    parent_id = string(body, "parentId")
    with transaction.atomic():
        obj = get_object(call, object_key)
        field_key = full_field_key(obj.key, body.get("fieldKey"), "fieldKey")
        if Field.objects.filter(object=obj, field_key=field_key).exists():
            raise bad_request(f"fieldKey {field_key} is taken by another field", "fieldKey")
        folder = _folder_of(obj, parent_id)
        position = Field.objects.filter(object=obj).aggregate(p=Max("position"))["p"]
        now = timezone.now()
        field = Field.objects.create(
            location=call.location,
            object=obj,
            folder=folder,
            field_key=field_key,
            data_type=data_type,
            options=options,
            position=(position if position is not None else -1) + 1,
            created_at=now,
            updated_at=now,
            **values,
        )
        _sync_indexes_after_commit()
    return 201, {"field": field_json(field, obj.key)}


def _folder_of(obj: ObjectSchema, parent_id: str | None) -> FieldFolder:
    """The folder a new field goes into: `parentId`, which must be one of the object's, or
    the object's first folder when none is given."""
    if parent_id is None:
        return FieldFolder.default_of(obj)
    folder = FieldFolder.objects.filter(object=obj, id=parent_id).first()
    if folder is None:
        raise bad_request(f"parentId {parent_id} is not a folder of {obj.key}", "parentId")
    return folder


def read_field(call: Call, field_id: str) -> tuple[int, dict]:
    field = get_field(call, field_id)
    return 200, {"field": field_json(field)}


def update_field(call: Call, field_id: str) -> tuple[int, dict]:
    body = call.body
    only(body, FIELD_UPDATE_KEYS)
    with transaction.atomic():
        field = get_field(call, field_id)
        for attr, value in field_text(body, field).items():
            setattr(field, attr, value)
        if "options" in body:
            field.options = clean_options(body["options"], field.data_type)
        field.updated_at = timezone.now()
        field.save()
        if (
            datatypes.rule(field.data_type).has_options
            and field.field_key in field.object.searchable_properties
        ):
            # Search text holds option labels too.
            search.reindex_object(
                ObjectSchema.objects.prefetch_related("fields").get(pk=field.object_id)
            )
    return 200, {"field": field_json(field)}


def delete_field(call: Call, field_id: str) -> tuple[int, dict]:
    with transaction.atomic():
        field = get_field(call, field_id)
        obj = field.object
        if field.field_key == obj.primary_display_property:
            raise bad_request("The primary display property cannot be deleted", "fieldKey")
        searchable = field.field_key in obj.searchable_properties
        obj.required_properties = [k for k in obj.required_properties if k != field.field_key]
        obj.searchable_properties = [k for k in obj.searchable_properties if k != field.field_key]
        obj.save(update_fields=["required_properties", "searchable_properties"])
        key = field.key
        field.delete()
        _sync_indexes_after_commit()
        _forget_property(obj, key)
        if searchable:
            search.reindex_object(ObjectSchema.objects.prefetch_related("fields").get(pk=obj.pk))
    return 200, {"id": field_id, "key": field.field_key, "succeded": True, "success": True}


def _forget_property(obj: ObjectSchema, key: str) -> None:
    """A later field with the same key must not find the old field's values."""
    holding = Record.objects.filter(object=obj, properties__has_key=key).only("id", "properties")
    batch = []
    for record in holding.iterator(chunk_size=1000):
        record.properties.pop(key, None)
        batch.append(record)
        if len(batch) == 1000:
            Record.objects.bulk_update(batch, ["properties"])
            batch = []
    Record.objects.bulk_update(batch, ["properties"])


def get_folder(call: Call, folder_id: str) -> FieldFolder:
    found = FieldFolder.objects.select_related("object").filter(location=call.location)
    folder = found.filter(id=folder_id).first()
    if folder is None:
        raise not_found(f"Custom field folder {folder_id} not found")
    return folder


def _folder_name(body: Mapping) -> str:
    return string(body, "name", required=True, empty=False, longest=MAX_LABEL_LENGTH).strip()


def create_folder(call: Call) -> tuple[int, dict]:
    body = call.body
    only(body, FOLDER_CREATE_KEYS)
    object_key = string(body, "objectKey", required=True, empty=False)
    name = _folder_name(body)
    with transaction.atomic():
        obj = get_object(call, object_key)
        now = timezone.now()
        folder = FieldFolder.objects.create(
            location=call.location, object=obj, name=name, created_at=now, updated_at=now
        )
    # The official description answers the folder itself, not wrapped.
    return 201, folder_json(folder, obj.key)


def update_folder(call: Call, folder_id: str) -> tuple[int, dict]:
    body = call.body
    only(body, FOLDER_UPDATE_KEYS)
    name = _folder_name(body)
    with transaction.atomic():
        folder = get_folder(call, folder_id)
        folder.name = name
        folder.updated_at = timezone.now()
        folder.save(update_fields=["name", "updated_at"])
    return 200, folder_json(folder)


def delete_folder(call: Call, folder_id: str) -> tuple[int, dict]:
    """Only an empty folder goes: its fields are deleted (or kept) one by one first."""
    with transaction.atomic():
        folder = get_folder(call, folder_id)
        holding = Field.objects.filter(folder=folder).count()
        if holding:
            raise bad_request(
                f"The folder {folder.name!r} holds {holding} field{'s' if holding > 1 else ''}; "
                "delete them first",
                "id",
            )
        folder.delete()
    # The official answer to a field's delete, with the folder's object's key as `key`.
    return 200, {"id": folder_id, "key": folder.object.key, "succeded": True, "success": True}


# --- records ----------------------------------------------------------------------------------


def _validated(
    call: Call, obj: ObjectSchema, record: Record | None
) -> tuple[dict, str | None, list[str]]:
    """Properties, owner and followers after the body; every problem at once."""
    body = call.body
    only(body, RECORD_KEYS)
    errors: dict[str, list[str]] = {}
    statuses: set[int] = set()
    properties = record.properties if record else {}
    if record is None and "properties" not in body:
        errors["properties"] = ["properties is required"]
        statuses.add(400)
    elif "properties" in body:
        try:
            properties = clean_properties(
                obj.fields.all(),
                body["properties"],
                required=record_keys(obj.required_properties),
                current=record.properties if record else None,
            )
        except ValidationFailed as exc:
            errors.update(exc.errors)
            statuses.add(exc.status)
    owner, followers = (record.owner, record.followers) if record else (None, [])
    if "owner" in body or "followers" in body:
        try:
            owner, followers = clean_people(
                body, user_ids=location_user_ids(call), owner=owner, followers=followers
            )
        except ValidationFailed as exc:
            errors.update(exc.errors)
            statuses.add(exc.status)
    if errors:
        raise ApiError.from_errors(400 if 400 in statuses else 422, errors)
    return properties, owner, followers


def create_record(call: Call, id_or_key: str) -> tuple[int, dict]:
    obj = record_object(call, id_or_key)
    properties, owner, followers = _validated(call, obj, None)
    now = timezone.now()
    record = Record(
        id=new_id(),
        location=call.location,
        object=obj,
        properties=properties,
        search_text=search.build_search_text(obj, properties),
        owner=owner,
        followers=followers,
        created_at=now,
        updated_at=now,
    )
    try:
        with transaction.atomic():
            lag.before_write(obj, record.id, None)
            record.save(force_insert=True)
    except IntegrityError:  # an object deleted meanwhile
        raise not_found(f"Custom Object ({id_or_key}) not found") from None
    # The setup guide (the seed document) says 200; the real service answers 201.
    return 200, {"record": record_json(record, obj)}


def read_record(call: Call, id_or_key: str, record_id: str) -> tuple[int, dict]:
    obj = record_object(call, id_or_key)
    return 200, {"record": record_json(get_record(obj, record_id), obj)}


def update_record(call: Call, id_or_key: str, record_id: str) -> tuple[int, dict]:
    obj = record_object(call, id_or_key)
    with transaction.atomic():
        record = get_record(obj, record_id, for_update=True)
        properties, owner, followers = _validated(call, obj, record)
        lag.before_write(obj, record.id, record)
        record.properties = properties
        record.search_text = search.build_search_text(obj, properties)
        record.owner, record.followers = owner, followers
        record.version += 1
        record.updated_at = timezone.now()
        record.save(
            update_fields=[
                "properties",
                "search_text",
                "owner",
                "followers",
                "version",
                "updated_at",
            ]
        )
    return 200, {"record": record_json(record, obj)}


def delete_record(call: Call, id_or_key: str, record_id: str) -> tuple[int, dict]:
    """The record goes with its relations."""
    obj = record_object(call, id_or_key)
    with transaction.atomic():
        lag.before_delete(obj, record_id)
        deleted, _ = Record.objects.filter(object=obj, id=record_id).delete()
        if not deleted:
            raise not_found(f"Record {record_id} not found in {obj.key}")
        Relation.objects.filter(location=call.location).filter(
            Q(first_record_id=record_id, association__first_object=obj)
            | Q(second_record_id=record_id, association__second_object=obj)
        ).delete()
    return 200, {"id": record_id, "success": True}


def _found(records: list[Record], obj: ObjectSchema) -> list[dict]:
    return [{**record_json(r, obj), "searchAfter": search.search_after_of(r)} for r in records]


def _run(obj: ObjectSchema, parse, source) -> tuple[search.SearchRequest, list[Record], int]:
    try:
        request = parse(obj, source)
        records, total = search.run_search(obj, request)
    except search.SearchInvalid as exc:
        message = str(exc)
        raise ApiError(400, message, {exc.field: [message]} if exc.field else None) from None
    return request, records, total


def search_get(call: Call, id_or_key: str) -> tuple[int, dict]:
    obj = record_object(call, id_or_key)
    request, records, total = _run(obj, search.parse_get, call.query)
    return 200, {
        "records": _found(records, obj),
        "total": total,
        "limit": request.limit,
        "offset": request.offset,
    }


def search_post(call: Call, id_or_key: str) -> tuple[int, dict]:
    obj = record_object(call, id_or_key)
    request, records, total = _run(obj, search.parse_post, call.body)
    return 200, {
        "records": _found(records, obj),
        "total": total,
        "page": request.page,
        "pageLimit": request.page_limit,
    }


# --- users ------------------------------------------------------------------------------------


def list_users(call: Call) -> tuple[int, dict]:
    users = SandboxUser.objects.filter(location=call.location)
    return 200, {"users": [user_json(user) for user in users]}


def unknown_path(request: HttpRequest, rest: str = "") -> JsonResponse:
    body = {"statusCode": 404, "message": f"Cannot {request.method} {request.path}"}
    return JsonResponse({**body, "error": "Not Found"}, status=404)
