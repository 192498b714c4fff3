"""The OpenAPI 3 description of the embedded records API, served at /sandbox/openapi.json.

It describes what this server does, not the real service (docs/records-api.md tells them
apart): tests check that every route is described and every described path resolves, and
schemathesis can run against it. Types, operators and limits come from `recordsadmin.contract`,
so the document says what the code does.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from recordsadmin.contract.datatypes import OPERATORS, PRESENCE, PRIMARY, SORTABLE, DataType
from recordsadmin.contract.limits import (
    API_VERSION,
    MAX_PAGE_LIMIT,
    MAX_QUERY_LENGTH,
    MAX_SORT_KEYS,
)

DATA_TYPES = [data_type.value for data_type in DataType]
PAGE_LIMIT = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_LIMIT}
QUERY = {"type": "string", "maxLength": MAX_QUERY_LENGTH}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _query(name: str, schema: dict, description: str = "", required: bool = False) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "schema": schema,
        "description": description,
    }


def _path(name: str, description: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": "^[^/]+$"},
        "description": description,
    }


LOCATION = _query("locationId", {"type": "string"}, "Must be the token's location when given.")
ID_OR_KEY = _path("idOrKey", "The object's id or key, e.g. custom_objects.property")
RECORD_ID = _path("recordId", "The record's id")
FIELD_ID = _path("id", "The custom field's id")
RATE_LIMIT_HEADERS = {
    name: {"$ref": f"#/components/headers/{name}"}
    for name in (
        "X-RateLimit-Max",
        "X-RateLimit-Remaining",
        "X-RateLimit-Interval-Milliseconds",
        "X-RateLimit-Limit-Daily",
        "X-RateLimit-Daily-Remaining",
    )
}
ERRORS = {
    "400": _json(_ref("Error"), "Bad request: a wrong type, a missing required value, bad JSON"),
    "401": _json(_ref("Error"), "Missing or unknown token, or another location's locationId"),
    "404": _json(_ref("Error"), "Unknown object, record or field"),
    "422": _json(_ref("Error"), "A value that is not an option; an unknown body property"),
    "429": {
        **_json(_ref("Error"), "Past the rate limit: wait the interval (no Retry-After is sent)"),
        "headers": RATE_LIMIT_HEADERS,
    },
    "default": _json(_ref("Error"), "Any other error (405, 413, 500), in the same shape"),
}


def _op(summary: str, responses: dict, *, parameters=(), body: str | None = None) -> dict:
    operation: dict = {
        "summary": summary,
        "parameters": [{"$ref": "#/components/parameters/Version"}, *parameters],
        "responses": {**responses, **ERRORS},
    }
    if body:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(body)}},
        }
    return operation


_LIST_CHANGE = {
    "type": "object",
    "properties": {
        "add": {"type": "array", "items": {"type": "string"}},
        "remove": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": False,
}
_STRINGS = {"type": "array", "items": {"type": "string"}}
SORT_BY = (
    "createdAt (the default), updatedAt or properties.<key> of a field of type "
    f"{', '.join(SORTABLE)}; list, text box list and file fields have no order (400). "
    "Records without the property come last in both directions; ties go by id."
)
_SEARCH_AFTER = {
    "type": "array",
    "items": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
    "minItems": 2,
    "maxItems": 2,
    "example": [1772884800000, "6650b3f0c2a4e1d2f3a4b5c6"],
}

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["statusCode", "message", "error"],
        "properties": {
            "statusCode": {"type": "integer"},
            "message": {"oneOf": [{"type": "string"}, _STRINGS]},
            "error": {"type": "string"},
            "errors": {
                "type": "object",
                "additionalProperties": _STRINGS,
                "description": "Messages by field key (the embedded API's addition)",
            },
        },
        "additionalProperties": False,
    },
    "Labels": {
        "type": "object",
        "properties": {"singular": {"type": "string"}, "plural": {"type": "string"}},
        "additionalProperties": False,
    },
    "Object": {
        "type": "object",
        "required": [
            "id",
            "key",
            "labels",
            "description",
            "locationId",
            "primaryDisplayProperty",
            "requiredProperties",
            "searchableProperties",
            "type",
            "createdAt",
            "updatedAt",
        ],
        "properties": {
            "id": {"type": "string"},
            "key": {"type": "string"},
            "labels": _ref("Labels"),
            "description": {"type": "string"},
            "locationId": {"type": "string"},
            "primaryDisplayProperty": {"type": "string", "description": "A full fieldKey"},
            "requiredProperties": {**_STRINGS, "description": "Full fieldKeys"},
            "searchableProperties": {**_STRINGS, "description": "Full fieldKeys"},
            "type": {"type": "string"},
            "createdAt": {"type": "string", "format": "date-time"},
            "updatedAt": {"type": "string", "format": "date-time"},
        },
        "additionalProperties": False,
    },
    "Option": {
        "type": "object",
        "required": ["label"],
        "properties": {"key": {"type": "string"}, "label": {"type": "string"}},
        "additionalProperties": False,
    },
    "Field": {
        "type": "object",
        "required": [
            "id",
            "name",
            "fieldKey",
            "dataType",
            "objectKey",
            "locationId",
            "options",
            "description",
            "placeholder",
            "showInForms",
            "position",
            "createdAt",
            "updatedAt",
        ],
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "fieldKey": {"type": "string"},
            "dataType": {"type": "string", "enum": DATA_TYPES},
            "objectKey": {"type": "string"},
            "locationId": {"type": "string"},
            "options": {"type": "array", "items": _ref("Option")},
            "description": {"type": "string"},
            "placeholder": {"type": "string"},
            "showInForms": {"type": "boolean"},
            "position": {"type": "integer"},
            "createdAt": {"type": "string", "format": "date-time"},
            "updatedAt": {"type": "string", "format": "date-time"},
        },
        "additionalProperties": False,
    },
    "Record": {
        "type": "object",
        "required": [
            "id",
            "objectId",
            "objectKey",
            "locationId",
            "properties",
            "owner",
            "followers",
            "createdAt",
            "updatedAt",
        ],
        "properties": {
            "id": {"type": "string"},
            "objectId": {"type": "string"},
            "objectKey": {"type": "string"},
            "locationId": {"type": "string"},
            "properties": {
                "type": "object",
                "description": "Record key (the last segment of the fieldKey) to value",
            },
            "owner": {"type": "string", "nullable": True},
            "followers": _STRINGS,
            "createdAt": {"type": "string", "format": "date-time"},
            "updatedAt": {"type": "string", "format": "date-time"},
            "searchAfter": {**_SEARCH_AFTER, "description": "[createdAt in ms, id], in search"},
        },
        "additionalProperties": False,
    },
    "RecordWrite": {
        "type": "object",
        "properties": {
            "locationId": {"type": "string"},
            "properties": {
                "type": "object",
                "description": "Record key (last segment of the fieldKey) to value; null clears",
            },
            "owner": {"oneOf": [{"type": "string"}, _STRINGS, _LIST_CHANGE], "nullable": True},
            "followers": {"oneOf": [_STRINGS, _LIST_CHANGE]},
        },
        "additionalProperties": False,
    },
    "ObjectCreate": {
        "type": "object",
        "required": ["key", "labels", "primaryDisplayPropertyDetails"],
        "properties": {
            "locationId": {"type": "string"},
            "key": {"type": "string"},
            "labels": _ref("Labels"),
            "description": {"type": "string"},
            "primaryDisplayPropertyDetails": {
                "type": "object",
                "required": ["key", "name", "dataType"],
                "properties": {
                    "key": {"type": "string"},
                    "name": {"type": "string"},
                    "dataType": {"type": "string", "enum": [t.value for t in PRIMARY]},
                },
            },
        },
        "additionalProperties": False,
    },
    "ObjectUpdate": {
        "type": "object",
        "properties": {
            "locationId": {"type": "string"},
            "labels": _ref("Labels"),
            "description": {"type": "string"},
            "searchableProperties": _STRINGS,
            "requiredProperties": _STRINGS,
        },
        "additionalProperties": False,
    },
    "FieldCreate": {
        "type": "object",
        "required": ["objectKey", "name", "fieldKey", "dataType"],
        "properties": {
            "locationId": {"type": "string"},
            "objectKey": {"type": "string"},
            "name": {"type": "string"},
            "fieldKey": {"type": "string"},
            "dataType": {"type": "string", "enum": DATA_TYPES},
            "options": {"type": "array", "items": _ref("Option")},
            "description": {"type": "string"},
            "placeholder": {"type": "string"},
            "showInForms": {"type": "boolean"},
        },
    },
    "FieldUpdate": {
        "type": "object",
        "properties": {
            "locationId": {"type": "string"},
            "name": {"type": "string"},
            "options": {"type": "array", "items": _ref("Option")},
            "description": {"type": "string"},
            "placeholder": {"type": "string"},
            "showInForms": {"type": "boolean"},
        },
    },
    "SearchBody": {
        "type": "object",
        "properties": {
            "locationId": {"type": "string"},
            "page": {"type": "integer", "minimum": 1},
            "pageLimit": PAGE_LIMIT,
            "query": QUERY,
            "filters": {
                "type": "array",
                "items": {"type": "object"},
                "description": "{field, operator, value} or {group: AND|OR, filters: [...]}",
            },
            "sort": {
                "type": "array",
                "maxItems": MAX_SORT_KEYS,
                "description": SORT_BY.replace("properties.<key>", "<key> or properties.<key>"),
                "items": {
                    "type": "object",
                    "properties": {
                        "field": {"type": "string"},
                        "direction": {"type": "string", "enum": ["asc", "desc"]},
                    },
                },
            },
            "searchAfter": {**_SEARCH_AFTER, "description": "A found record's searchAfter"},
        },
        "additionalProperties": False,
    },
    "Deleted": {
        "type": "object",
        "required": ["id", "success"],
        "properties": {"id": {"type": "string"}, "success": {"type": "boolean"}},
        "additionalProperties": False,
    },
    "FieldDeleted": {
        "type": "object",
        "required": ["id", "key", "succeded", "success"],
        "properties": {
            "id": {"type": "string"},
            "key": {"type": "string", "description": "The deleted field's fieldKey"},
            "succeded": {"type": "boolean", "description": "The real service's spelling"},
            "success": {"type": "boolean"},
        },
        "additionalProperties": False,
    },
    "User": {
        "type": "object",
        "required": ["id", "name", "email"],
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "email": {"type": "string"},
        },
        "additionalProperties": False,
    },
}


def _wrap(name: str, schema: dict) -> dict:
    return {
        "type": "object",
        "required": [name],
        "properties": {name: schema},
        "additionalProperties": False,
    }


_RECORD = _json(_wrap("record", _ref("Record")))
FILTER_OPERATORS = sorted(OPERATORS - PRESENCE)
# OpenAPI 3.0 cannot name parameters by a pattern; a form-style object whose members are the
# query parameters themselves is how it says "any parameter of this shape".
PROPERTY_FILTERS = {
    "name": "propertyFilters",
    "in": "query",
    "required": False,
    "style": "form",
    "explode": True,
    "schema": {
        "type": "object",
        "additionalProperties": {"type": "string"},
        "example": {"properties.status": "Active", "properties.price[lte]": "400000"},
    },
    "description": (
        "Filters, all ANDed, each a query parameter of its own: "
        "`properties.<key>=<value>` (equals; for a list field: holds that option), "
        f"`properties.<key>[<op>]=<value>` with <op> one of {', '.join(FILTER_OPERATORS)}, "
        "and `properties.<key>[exists]=true` or `properties.<key>[not_exists]=true`. "
        "<key> is the record key (the last segment of the fieldKey, case-sensitive); "
        "a number field takes a number, a date field YYYY-MM-DD. An unknown key or operator, "
        "or a value of the wrong type, is 400 naming the parameter. A parameter may repeat."
    ),
}
_RECORDS = {"type": "array", "items": _ref("Record")}

PATHS = {
    "/openapi.json": {
        "get": {
            "summary": "This description",
            "security": [],
            "responses": {"200": _json({"type": "object"}, "OpenAPI 3 document")},
        }
    },
    "/objects/": {
        "get": _op(
            "List the location's objects",
            {"200": _json(_wrap("objects", {"type": "array", "items": _ref("Object")}))},
            parameters=[LOCATION],
        ),
        "post": _op(
            "Create an object schema",
            {"201": _json(_wrap("object", _ref("Object")))},
            body="ObjectCreate",
        ),
    },
    "/objects/{idOrKey}": {
        "get": _op(
            "Get an object schema (and its fields with fetchProperties=true)",
            {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["object"],
                        "properties": {
                            "object": _ref("Object"),
                            "fields": {
                                "type": "array",
                                "items": _ref("Field"),
                                "description": "Only with fetchProperties=true",
                            },
                        },
                        "additionalProperties": False,
                    }
                )
            },
            parameters=[
                ID_OR_KEY,
                LOCATION,
                _query("fetchProperties", {"type": "string", "enum": ["true", "false"]}),
            ],
        ),
        "put": _op(
            "Update an object schema",
            {"200": _json(_wrap("object", _ref("Object")))},
            parameters=[ID_OR_KEY, LOCATION],
            body="ObjectUpdate",
        ),
        "delete": _op(
            "Delete an object schema and its records",
            {"200": _json(_ref("Deleted"))},
            parameters=[ID_OR_KEY, LOCATION],
        ),
    },
    "/objects/{idOrKey}/records": {
        "post": _op(
            "Create a record (200, as the seed document says)",
            {"200": _RECORD},
            parameters=[ID_OR_KEY, LOCATION],
            body="RecordWrite",
        ),
    },
    "/objects/{idOrKey}/records/search": {
        "get": _op(
            "Search records (the seed's form); also properties.<key>[op]=value filters",
            {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["records", "total", "limit", "offset"],
                        "properties": {
                            "records": _RECORDS,
                            "total": {"type": "integer", "description": "All matches"},
                            "limit": {"type": "integer"},
                            "offset": {"type": "integer"},
                        },
                        "additionalProperties": False,
                    }
                )
            },
            parameters=[
                ID_OR_KEY,
                LOCATION,
                _query("query", QUERY),
                _query("limit", PAGE_LIMIT),
                _query("offset", {"type": "integer", "minimum": 0}),
                _query("sortBy", {"type": "string"}, SORT_BY),
                _query("sortOrder", {"type": "string", "enum": ["asc", "desc"]}),
                _query("owner", {"type": "string"}, "Records this user owns"),
                PROPERTY_FILTERS,
            ],
        ),
        "post": _op(
            "Search records (the real service's form)",
            {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["records", "total", "page", "pageLimit"],
                        "properties": {
                            "records": _RECORDS,
                            "total": {"type": "integer", "description": "All matches"},
                            "page": {"type": "integer"},
                            "pageLimit": {"type": "integer"},
                        },
                        "additionalProperties": False,
                    }
                )
            },
            parameters=[ID_OR_KEY, LOCATION],
            body="SearchBody",
        ),
    },
    "/objects/{idOrKey}/records/{recordId}": {
        "get": _op("Get a record", {"200": _RECORD}, parameters=[ID_OR_KEY, RECORD_ID]),
        "put": _op(
            "Update a record with only what changes",
            {"200": _RECORD},
            parameters=[ID_OR_KEY, RECORD_ID, LOCATION],
            body="RecordWrite",
        ),
        "delete": _op(
            "Delete a record",
            {"200": _json(_ref("Deleted"))},
            parameters=[ID_OR_KEY, RECORD_ID, LOCATION],
        ),
    },
    "/custom-fields/": {
        "post": _op(
            "Create a custom field",
            {"201": _json(_wrap("field", _ref("Field")))},
            body="FieldCreate",
        ),
    },
    "/custom-fields/object-key/{objectKey}": {
        "get": _op(
            "List an object's fields",
            {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["fields", "folders"],
                        "properties": {
                            "fields": {"type": "array", "items": _ref("Field")},
                            "folders": {
                                "type": "array",
                                "items": {"type": "object"},
                                "description": "Always empty here",
                            },
                        },
                        "additionalProperties": False,
                    }
                )
            },
            parameters=[_path("objectKey", "The object's key (or id)"), LOCATION],
        ),
    },
    "/custom-fields/{id}": {
        "get": _op(
            "Get a custom field",
            {"200": _json(_wrap("field", _ref("Field")))},
            parameters=[FIELD_ID, LOCATION],
        ),
        "put": _op(
            "Update a custom field",
            {"200": _json(_wrap("field", _ref("Field")))},
            parameters=[FIELD_ID, LOCATION],
            body="FieldUpdate",
        ),
        "delete": _op(
            "Delete a custom field",
            {"200": _json(_ref("FieldDeleted"))},
            parameters=[FIELD_ID, LOCATION],
        ),
    },
    "/users/": {
        "get": _op(
            "Users who can own or follow a record",
            {"200": _json(_wrap("users", {"type": "array", "items": _ref("User")}))},
            parameters=[LOCATION],
        ),
    },
}

SPEC = {
    "openapi": "3.0.3",
    "info": {
        "title": "recordsadmin embedded records API",
        "version": API_VERSION,
        "description": "The GoHighLevel Custom Objects records API as recordsadmin serves it "
        "from its own database (docs/records-api.md).",
    },
    "servers": [{"url": "/sandbox"}],
    "security": [{"bearer": []}],
    "paths": PATHS,
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "parameters": {
            "Version": {
                "name": "Version",
                "in": "header",
                "required": True,
                "schema": {"type": "string", "enum": [API_VERSION]},
            }
        },
        "headers": {
            name: {"description": description, "schema": {"type": "integer"}}
            for name, description in [
                ("X-RateLimit-Max", "Requests allowed in each interval"),
                ("X-RateLimit-Remaining", "Requests left in the current interval"),
                ("X-RateLimit-Interval-Milliseconds", "The interval's length"),
                ("X-RateLimit-Limit-Daily", "Requests allowed in a day"),
                ("X-RateLimit-Daily-Remaining", "Requests left today"),
            ]
        },
        "schemas": SCHEMAS,
    },
}


@login_not_required
@require_GET
def openapi_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse(SPEC)
