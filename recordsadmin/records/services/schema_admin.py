"""Changes to object schemas, their fields and their folders: the schema editor's writes, and
the counts its confirmations name.

Every write drops the cached copy of the schema it changes (schemas.schema_invalidate) once
the API has answered, whatever the answer: after a refusal nothing changed, but after a lost
answer the change may have been made, and the next page must read the schema again rather
than show the old one. Other processes see the change when their cached copy expires
(GHL_SCHEMA_CACHE_SECONDS); with the embedded API, its schema_changed signal drops it at once.

Values come in as the dashboard holds them (bare field keys, options as (key, label)); the
client writes them as the official files want (recordsadmin/client/wire.py).
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from recordsadmin.client import endpoints, wire
from recordsadmin.client.domain import Field, Filter, Folder, Schema
from recordsadmin.client.errors import ValidationFailed
from recordsadmin.contract.datatypes import EXISTS, DataType
from recordsadmin.records.formatting import is_empty

from . import records
from .catching_up import recent_writes
from .schemas import schema_invalidate


@contextmanager
def _changing(*keys: str) -> Iterator[None]:
    """Whatever happens inside, the cached schemas of `keys` go."""
    try:
        yield
    finally:
        for key in keys:
            schema_invalidate(key=key)


# -- objects --------------------------------------------------------------------------------------


def object_create(
    *,
    key: str,
    singular: str,
    plural: str,
    primary_key: str,
    primary_name: str,
    primary_data_type: str = DataType.TEXT,
    description: str = "",
    deadline: float | None = None,
) -> Schema:
    """Create an object schema with its primary display field (TEXT or NUMERICAL; it cannot
    change or go afterwards). Returns the new object without its fields (schema_get reads
    them). Sent once: a lost answer raises OutcomeUnknown."""
    body = wire.object_create_body(
        key=key,
        singular=singular,
        plural=plural,
        primary_key=primary_key,
        primary_name=primary_name,
        primary_data_type=primary_data_type,
        description=description,
    )
    with _changing(body["key"]):
        data = endpoints.object_create(body, deadline=deadline)
    return wire.parse_schema(data)


def object_update(
    *,
    schema: Schema,
    singular: str | None = None,
    plural: str | None = None,
    description: str | None = None,
    searchable: Iterable[str] | None = None,
    deadline: float | None = None,
) -> Schema:
    """Change an object's labels, description or searchable fields (bare keys); None keeps
    one. Returns the object as the API answered it, without its fields."""
    body = wire.object_update_body(
        schema, singular=singular, plural=plural, description=description, searchable=searchable
    )
    with _changing(schema.key):
        data = endpoints.object_update(schema.key, body, deadline=deadline)
    return wire.parse_schema(data)


# -- folders --------------------------------------------------------------------------------------


def folder_list(*, schema: Schema, deadline: float | None = None) -> list[Folder]:
    """The object's folders of fields, in the API's order (each field's `folder_id` names
    one of them)."""
    return wire.parse_folders(endpoints.fields_list(schema.key, deadline=deadline))


def folder_create(*, schema: Schema, name: str, deadline: float | None = None) -> Folder:
    """A new, empty folder of the object's fields."""
    body = wire.folder_body(name=name, object_key=schema.key)
    data = endpoints.folder_create(body, deadline=deadline)
    return wire.parse_folder(data)


def folder_rename(
    *, schema: Schema, folder: Folder, name: str, deadline: float | None = None
) -> Folder:
    data = endpoints.folder_update(folder.id, wire.folder_body(name=name), deadline=deadline)
    return wire.parse_folder(data)


def folder_delete(*, schema: Schema, folder: Folder, deadline: float | None = None) -> None:
    """Delete a folder. Only an empty one: a folder that holds fields is refused (400)."""
    holding = [f.name for f in schema.fields if f.folder_id and f.folder_id == folder.id]
    if holding:
        raise ValidationFailed(
            f"The folder {folder.name} holds {len(holding)} field"
            f"{'s' if len(holding) > 1 else ''} ({', '.join(holding)}); delete them first.",
            field_errors={"folder": [f"{folder.name} is not empty."]},
        )
    endpoints.folder_delete(folder.id, deadline=deadline)


# -- fields ---------------------------------------------------------------------------------------


def _field(data: dict, schema: Schema) -> Field:
    raw = data["field"] if isinstance(data.get("field"), dict) else data
    return wire.parse_field(
        raw,
        required=set(schema.required),
        searchable=set(schema.searchable),
        primary=schema.primary_display_key,
    )


def field_create(
    *,
    schema: Schema,
    key: str,
    name: str,
    data_type: str,
    options: Iterable[tuple[str, str]] = (),
    placeholder: str = "",
    description: str = "",
    show_in_forms: bool = True,
    folder_id: str = "",
    deadline: float | None = None,
) -> Field:
    """Create a field of any dataType in a folder: `folder_id`, else the object's first
    folder (one more call to find it). Options are (key, label), a key "" derived from its
    label; only the option types take them. Sent once: a lost answer raises OutcomeUnknown.
    A refusal is ValidationFailed with the problems by wire name (`fieldKey`, `options`...)."""
    if not folder_id:
        folders = folder_list(schema=schema, deadline=deadline)
        folder_id = folders[0].id if folders else ""
    body = wire.field_create_body(
        object_key=schema.key,
        key=key,
        name=name,
        data_type=data_type,
        folder_id=folder_id,
        options=options,
        placeholder=placeholder,
        description=description,
        show_in_forms=show_in_forms,
    )
    if not folder_id:
        body.pop("parentId")
    with _changing(schema.key):
        data = endpoints.field_create(body, deadline=deadline)
    return _field(data, schema)


def field_update(
    *,
    schema: Schema,
    field: Field,
    name: str | None = None,
    options: Iterable[tuple[str, str]] | None = None,
    placeholder: str | None = None,
    description: str | None = None,
    show_in_forms: bool | None = None,
    deadline: float | None = None,
) -> Field:
    """Change what is passed (None keeps it). `options` replaces the whole list: to rename
    or reorder, pass them all; one left out is removed (option_holders says how many records
    still hold it, so the page can ask first)."""
    body = wire.field_update_body(
        field,
        name=name,
        options=options,
        placeholder=placeholder,
        description=description,
        show_in_forms=show_in_forms,
    )
    with _changing(schema.key):
        data = endpoints.field_update(field.id, body, deadline=deadline)
    return _field(data, schema)


def field_delete(*, schema: Schema, field: Field, deadline: float | None = None) -> None:
    """Delete a field and every record's value in it. The primary display field cannot go:
    refused here, without a call."""
    if field.primary:
        raise ValidationFailed(
            f"{field.name} is the primary display field of {schema.plural}: it cannot be deleted.",
            field_errors={field.key: ["The primary display field cannot be deleted."]},
        )
    with _changing(schema.key):
        endpoints.field_delete(field.id, deadline=deadline)


def field_holders(*, schema: Schema, field: Field, deadline: float | None = None) -> int:
    """How many records hold a value in the field: a search, not a guess (and the records
    written a moment ago, _at_least_written)."""
    found = records.record_search(
        schema=schema, filters=[Filter(field.key, EXISTS)], per_page=1, deadline=deadline
    )
    return _at_least_written(schema, found.total, lambda value: not is_empty(value), field.key)


def option_holders(
    *, schema: Schema, field: Field, option_key: str, deadline: float | None = None
) -> int:
    """How many records hold this option of the field (for a list field: among others)."""
    found = records.record_search(
        schema=schema, filters=[Filter(field.key, "eq", option_key)], per_page=1, deadline=deadline
    )
    return _at_least_written(
        schema, found.total, lambda value: _holds(value, option_key), field.key
    )


def _at_least_written(schema: Schema, total: int, held: Callable[[Any], bool], key: str) -> int:
    """`total` as search counted it, or more: search lags behind writes, and the records the
    dashboard wrote a moment ago whose `key` value is `held` may not be counted yet
    (services/catching_up.py)."""
    written = recent_writes(schema=schema).values()
    return max(total, sum(1 for r in written if r is not None and held(r.properties.get(key))))


def _holds(value, option_key: str) -> bool:
    return value == option_key or (isinstance(value, list) and option_key in value)
