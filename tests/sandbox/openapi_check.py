"""Checks against /sandbox/openapi.json: that it is an OpenAPI 3.0 document in shape, and that a
response of the embedded API is one the document describes (status and body).

No OpenAPI validator package is at hand, so the document's shape is checked by a small JSON
Schema of the OpenAPI 3.0 structure written here, and each of its Schema Objects by the
JSON Schema draft 4 meta-schema plus OpenAPI 3.0's own limits on them. Bodies are validated
with jsonschema, after OpenAPI's `nullable` is turned into JSON Schema.
"""

import copy
import datetime as dt
import json
import re
from collections.abc import Iterator
from functools import cache
from urllib.parse import urlsplit

import jsonschema
import requests

from recordsadmin.sandbox.openapi import SPEC

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
BASE = "/sandbox"

# OpenAPI 3.0.3, section "Schema Object": the keywords it allows, nothing else.
SCHEMA_KEYWORDS = {
    "title", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
    "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems",
    "maxProperties", "minProperties", "required", "enum", "type", "allOf", "oneOf", "anyOf",
    "not", "items", "properties", "additionalProperties", "description", "format", "default",
    "nullable", "discriminator", "readOnly", "writeOnly", "xml", "externalDocs", "example",
    "deprecated", "$ref",
}  # fmt: skip
SCHEMA_TYPES = {"array", "boolean", "integer", "number", "object", "string"}

_REF = {"type": "object", "required": ["$ref"], "properties": {"$ref": {"type": "string"}}}
_MEDIA = {
    "type": "object",
    "additionalProperties": {
        "type": "object",
        "properties": {"schema": {"type": "object"}, "example": {}, "examples": {}},
        "additionalProperties": False,
    },
}
_HEADER = {
    "type": "object",
    "properties": {"description": {"type": "string"}, "schema": {"type": "object"}},
    "required": ["schema"],
}
_PARAMETER = {
    "type": "object",
    "required": ["name", "in"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "in": {"enum": ["query", "header", "path", "cookie"]},
        "description": {"type": "string"},
        "required": {"type": "boolean"},
        "style": {
            "enum": [
                "matrix",
                "label",
                "form",
                "simple",
                "spaceDelimited",
                "pipeDelimited",
                "deepObject",
            ]
        },
        "explode": {"type": "boolean"},
        "schema": {"type": "object"},
        "example": {},
    },
    "additionalProperties": False,
    "oneOf": [
        {
            "properties": {"in": {"const": "path"}, "required": {"const": True}},
            "required": ["required"],
        },
        {"properties": {"in": {"enum": ["query", "header", "cookie"]}}},
    ],
}
_RESPONSE = {
    "type": "object",
    "required": ["description"],
    "properties": {
        "description": {"type": "string"},
        "content": _MEDIA,
        "headers": {"type": "object", "additionalProperties": {"anyOf": [_REF, _HEADER]}},
    },
    "additionalProperties": False,
}
_OPERATION = {
    "type": "object",
    "required": ["responses"],
    "properties": {
        "summary": {"type": "string"},
        "description": {"type": "string"},
        "operationId": {"type": "string"},
        "parameters": {"type": "array", "items": {"anyOf": [_REF, _PARAMETER]}},
        "requestBody": {
            "type": "object",
            "required": ["content"],
            "properties": {
                "description": {"type": "string"},
                "content": _MEDIA,
                "required": {"type": "boolean"},
            },
            "additionalProperties": False,
        },
        "responses": {
            "type": "object",
            "minProperties": 1,
            "patternProperties": {r"^([1-5][0-9][0-9]|[1-5]XX|default)$": _RESPONSE},
            "additionalProperties": False,
        },
        "security": {"type": "array", "items": {"type": "object"}},
        "tags": {"type": "array", "items": {"type": "string"}},
        "deprecated": {"type": "boolean"},
    },
    # Specification Extensions: openapi.py's x-refused-beyond-schema.
    "patternProperties": {"^x-": {}},
    "additionalProperties": False,
}
# The parts of OpenAPI 3.0's document structure that this API uses, as JSON Schema (draft 7).
DOCUMENT = {
    "type": "object",
    "required": ["openapi", "info", "paths"],
    "properties": {
        "openapi": {"type": "string", "pattern": r"^3\.0\.\d+$"},
        "info": {
            "type": "object",
            "required": ["title", "version"],
            "properties": {
                "title": {"type": "string"},
                "version": {"type": "string"},
                "description": {"type": "string"},
            },
        },
        "servers": {
            "type": "array",
            "items": {"type": "object", "required": ["url"]},
        },
        "security": {"type": "array", "items": {"type": "object"}},
        "paths": {
            "type": "object",
            "patternProperties": {
                "^/": {
                    "type": "object",
                    "properties": {
                        **dict.fromkeys(METHODS, _OPERATION),
                        "summary": {"type": "string"},
                        "description": {"type": "string"},
                        "parameters": {"type": "array"},
                    },
                    "additionalProperties": False,
                }
            },
            "additionalProperties": False,
        },
        "components": {
            "type": "object",
            "properties": {
                "schemas": {"type": "object", "additionalProperties": {"type": "object"}},
                "parameters": {"type": "object", "additionalProperties": _PARAMETER},
                "headers": {"type": "object", "additionalProperties": _HEADER},
                "securitySchemes": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "required": ["type"],
                        "properties": {
                            "type": {"enum": ["apiKey", "http", "oauth2", "openIdConnect"]}
                        },
                    },
                },
            },
            "additionalProperties": False,
        },
    },
    "additionalProperties": False,
}


def document_problems(spec: dict) -> list[str]:
    """Everything that keeps `spec` from being a well-formed OpenAPI 3.0 document."""
    problems = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in jsonschema.Draft7Validator(DOCUMENT).iter_errors(spec)
    ]
    for where, schema in schema_objects(spec):
        problems += [f"{where}: {p}" for p in schema_problems(schema)]
    for path, item in spec.get("paths", {}).items():
        templated = set(re.findall(r"\{([^}]+)\}", path))
        for method in set(item) & set(METHODS):
            declared = {
                p["name"] for p in map(_resolve, item[method].get("parameters", []))
                if p["in"] == "path"
            }  # fmt: skip
            if declared != templated:
                problems.append(f"{method.upper()} {path}: path parameters {declared}")
    return problems


def schema_objects(spec: dict) -> Iterator[tuple[str, dict]]:
    """(where, Schema Object) of every schema in the document, top-level ones only."""
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        yield f"components/schemas/{name}", schema
    for name, header in spec.get("components", {}).get("headers", {}).items():
        yield f"components/headers/{name}", header["schema"]
    for path, item in spec.get("paths", {}).items():
        for method in set(item) & set(METHODS):
            operation = item[method]
            for parameter in map(_resolve, operation.get("parameters", [])):
                yield f"{path} {method} {parameter['name']}", parameter["schema"]
            body = operation.get("requestBody", {}).get("content", {})
            for media, content in body.items():
                yield f"{path} {method} body {media}", content["schema"]
            for status, response in operation.get("responses", {}).items():
                for media, content in response.get("content", {}).items():
                    yield f"{path} {method} {status} {media}", content["schema"]


def schema_problems(schema: dict) -> list[str]:
    """A Schema Object of OpenAPI 3.0: valid JSON Schema draft 4, within 3.0's subset."""
    problems = []
    try:
        jsonschema.Draft4Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        problems.append(exc.message)
    for sub in _subschemas(schema):
        extra = set(sub) - SCHEMA_KEYWORDS
        if extra:
            problems.append(f"not OpenAPI 3.0 Schema keywords: {sorted(extra)}")
        if "type" in sub and (not isinstance(sub["type"], str) or sub["type"] not in SCHEMA_TYPES):
            problems.append(f"type must be one of {sorted(SCHEMA_TYPES)}, not {sub['type']!r}")
        if sub.get("type") == "array" and "items" not in sub:
            problems.append("an array schema needs items")
        if "$ref" in sub and len(sub) > 1:
            problems.append(f"$ref with siblings (ignored by OpenAPI 3.0): {sorted(sub)}")
    return problems


def _subschemas(schema) -> Iterator[dict]:
    if not isinstance(schema, dict):
        return
    yield schema
    for key in ("items", "not", "additionalProperties"):
        yield from _subschemas(schema.get(key))
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in schema.get(key, []):
            yield from _subschemas(sub)
    for sub in schema.get("properties", {}).values():
        yield from _subschemas(sub)


def _resolve(item: dict) -> dict:
    if "$ref" not in item:
        return item
    node = SPEC
    for part in item["$ref"].removeprefix("#/").split("/"):
        node = node[part]
    return node


# --- responses -----------------------------------------------------------------------------


def _json_schema(schema):
    """OpenAPI 3.0's `nullable: true` as JSON Schema: the schema, or null."""
    if isinstance(schema, list):
        return [_json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {key: _json_schema(value) for key, value in schema.items()}
    if converted.pop("nullable", False):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


@cache
def _components() -> dict:
    return _json_schema(copy.deepcopy(SPEC["components"]))


@cache
def _routes() -> list[tuple[re.Pattern, str]]:
    """(pattern, described path) with literal paths before templated ones, as the URLconf
    puts records/search before records/{recordId}. A trailing slash is optional."""
    routes = []
    for path in SPEC["paths"]:
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path.rstrip("/")))
        routes.append((re.compile(pattern + "/?"), path))
    return sorted(routes, key=lambda route: route[1].count("{"))


def described(method: str, url: str, status: int) -> tuple[str, dict]:
    """(where, schema) of the body that the document promises for this answer."""
    path = urlsplit(url).path.removeprefix(BASE)
    for pattern, template in _routes():
        if pattern.fullmatch(path):
            operation = SPEC["paths"][template].get(method.lower())
            break
    else:
        operation = None
    if operation is None:
        # No such route, or a method it does not take: the API's JSON 404 or 405.
        assert status in (404, 405), f"{method} {path} is not described, yet answered {status}"
        return f"{method} {path} (undescribed)", {"$ref": "#/components/schemas/Error"}
    responses = operation["responses"]
    key = str(status) if str(status) in responses else "default"
    assert key in responses, f"{method} {template}: {status} is not a documented answer"
    content = responses[key].get("content", {})
    assert "application/json" in content, f"{method} {template} {status}: no JSON described"
    return f"{method} {template} {key}", content["application/json"]["schema"]


_formats = jsonschema.FormatChecker()


_DATE_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


@_formats.checks("date-time", raises=ValueError)
def _is_date_time(value) -> bool:
    if not isinstance(value, str):
        return True
    return bool(_DATE_TIME.fullmatch(value)) and bool(dt.datetime.fromisoformat(value))


def check_response(response: requests.Response) -> None:
    """Fails unless the response's status and body are what openapi.json describes."""
    request = response.request
    where, schema = described(request.method, request.url, response.status_code)
    assert response.headers.get("Content-Type", "").startswith("application/json"), where
    body = json.loads(response.content)
    root = {"allOf": [_json_schema(schema)], "components": _components()}
    errors = list(jsonschema.Draft4Validator(root, format_checker=_formats).iter_errors(body))
    assert not errors, f"{where}: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path)) or 'body'}: {e.message}" for e in errors[:5]
    )
