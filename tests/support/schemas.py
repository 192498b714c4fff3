"""Object schemas for tests, built one way: the API's JSON (for a stub to serve), read into a
Schema the way the dashboard reads it (recordsadmin/client/wire.py)."""

from collections.abc import Iterable

from recordsadmin.client.domain import Field, Schema
from recordsadmin.client.wire import parse_schema

KEY = "custom_objects.x"


def options(*keys: str) -> list[dict]:
    """Options keyed `keys`, labelled by their words: "under_contract" is "Under Contract"."""
    return [{"key": k, "label": k.replace("_", " ").title()} for k in keys]


def field(
    key: str,
    data_type: str,
    *,
    name: str = "",
    position: int = 0,
    object_key: str = KEY,
    choices: Iterable[str] | Iterable[tuple[str, str]] = (),
    **extra,
) -> dict:
    """One field as the records API describes it. `choices` are option keys, or (key, label)
    pairs; `extra` adds or overrides any of the API's properties (options, description...)."""
    raw = {
        "id": f"fld{position:05d}",
        "name": name or key.replace("_", " ").title(),
        "fieldKey": f"{object_key}.{key}",
        "dataType": data_type,
        "position": position,
    }
    pairs = [c if isinstance(c, tuple) else (c, c.replace("_", " ").title()) for c in choices]
    if pairs:
        raw["options"] = [{"key": k, "label": label} for k, label in pairs]
    return {**raw, **extra}


def obj(
    key: str = KEY,
    *,
    singular: str = "X",
    plural: str = "",
    primary: str = "",
    required: Iterable[str] = (),
    searchable: Iterable[str] = (),
    **extra,
) -> dict:
    """An object schema as the records API describes it; fields are named by bare key."""
    raw = {
        "id": "obj1",
        "key": key,
        "labels": {"singular": singular, "plural": plural or singular + "s"},
        "primaryDisplayProperty": f"{key}.{primary}" if primary else "",
        "requiredProperties": [f"{key}.{k}" for k in required],
        "searchableProperties": [f"{key}.{k}" for k in searchable],
    }
    return {**raw, **extra}


def schema(object_json: dict, fields: Iterable[dict]) -> Schema:
    """The Schema the dashboard reads from this JSON."""
    return parse_schema({"object": object_json, "fields": list(fields)})


def schema_of(*fields: tuple[str, str], key: str = KEY, **obj_kwargs) -> Schema:
    """A schema with these (field key, dataType) fields, in this order, without options."""
    raw = [
        field(k, t, position=n, object_key=key, name=k.title()) for n, (k, t) in enumerate(fields)
    ]
    return schema(obj(key, **obj_kwargs), raw)


def one_field(data_type: str, choices=(), *, key: str = "x", name: str = "X") -> Field:
    """A single Field of `data_type`, read as the dashboard reads it."""
    return schema_of_fields([field(key, data_type, name=name, choices=choices)]).fields[0]


def schema_of_fields(fields: Iterable[dict], **obj_kwargs) -> Schema:
    return schema(obj(**obj_kwargs), fields)
