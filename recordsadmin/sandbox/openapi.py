"""The OpenAPI 3 description of the embedded records API, served at /sandbox/openapi.json.

It describes what this server does, not the real service (docs/records-api.md tells them
apart): tests check that every route is described and every described path resolves, and
schemathesis runs against it (tests/sandbox/test_schemathesis.py): every request the document
allows is accepted, every request it forbids is refused. Types, operators and limits come from
`recordsadmin.contract`, so the document says what the code does.

What OpenAPI 3.0 cannot state is named on the operation, in `x-refused-beyond-schema`: a
parameter or body property whose refusal depends on stored data (a record's property keys and
values follow the object's fields, a user id must be one of the location's) or on several
values together. Its 400 or 422 names that parameter or property in `errors`.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from recordsadmin.contract.datatypes import (
    OPERATORS,
    POST_OPERATORS,
    PRESENCE,
    PRIMARY,
    RULES,
    SORTABLE,
    DataType,
)
from recordsadmin.contract.limits import (
    API_VERSION,
    CONTACT,
    DEFAULT_PAGE_LIMIT,
    MAX_DESCRIPTION_LENGTH,
    MAX_EMAIL_LENGTH,
    MAX_FOLLOWERS,
    MAX_KEY_LENGTH,
    MAX_LABEL_LENGTH,
    MAX_OBJECTS,
    MAX_OWNERS,
    MAX_PAGE_LIMIT,
    MAX_PHONE_LENGTH,
    MAX_PLACEHOLDER_LENGTH,
    MAX_QUERY_LENGTH,
    MAX_SORT_KEYS,
    PHONE_RULE,
    RESERVED_KEYS,
)

from .search import MAX_CONDITIONS, MAX_GROUP_DEPTH, MAX_OFFSET, MAX_PAGE

DATA_TYPES = [data_type.value for data_type in DataType]
PAGE_LIMIT = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_LIMIT}
# Every string the API reads refuses NUL (endpoint.check_no_nul: PostgreSQL cannot store it).
NO_NUL = "^[^\\u0000]*$"
TEXT = {"type": "string", "pattern": NO_NUL}
# Not empty nor only whitespace (what `str.strip()` removes), and no NUL.
FILLED = {"type": "string", "pattern": "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"}
QUERY = {**TEXT, "maxLength": MAX_QUERY_LENGTH}
# What the text query of record search means (recordsadmin/contract/textquery.py).
RECORD_QUERY = (
    "Part of a searchable property's text, in any letter case. `key:value` (the bare key of a "
    "searchable property, in any case, then a colon) looks for value in that property only: "
    "`address:oak`. The value is everything after the first colon, trimmed; quotes are no "
    "syntax and are looked for like any other character. A key that is not a searchable "
    "property (unknown, or a field that is not searchable) is not refused: the whole query, "
    "key and colon included, is searched as plain text. The length limit counts the whole query."
)
# A name people read (a label), as sent: not blank, at most MAX_LABEL_LENGTH characters.
LABEL = {**FILLED, "maxLength": MAX_LABEL_LENGTH}
DESCRIPTION = {**TEXT, "maxLength": MAX_DESCRIPTION_LENGTH, "nullable": True}
PLACEHOLDER = {**TEXT, "maxLength": MAX_PLACEHOLDER_LENGTH, "nullable": True}
NAME = "[A-Za-z0-9_]+"
# The <name> of a key: letters, digits and _, at most MAX_KEY_LENGTH of them.
KEY_NAME = f"[A-Za-z0-9_]{{1,{MAX_KEY_LENGTH}}}"
# asc or desc in any case (search._sort_key).
DIRECTION = {"type": "string", "pattern": "^([Aa][Ss][Cc]|[Dd][Ee][Ss][Cc])$", "example": "desc"}
OBJECT_KEY = {
    "type": "string",
    "pattern": f"^(custom_objects\\.)?{KEY_NAME}$",
    "description": "custom_objects.<name> (the prefix is added when missing)",
}
# A field key as a body gives it: the bare name (the full `<object key>.<name>` is taken too,
# but only with this object's key, which no pattern can say), never a record's own field.
FIELD_NAME = {
    "type": "string",
    "pattern": f"^{KEY_NAME}$",
    "not": {"enum": sorted(RESERVED_KEYS)},
    "description": "<name> or <object key>.<name>; letters, digits and _; not "
    + ", ".join(sorted(RESERVED_KEYS)),
}
FIELD_KEY_ITEM = {
    "type": "string",
    "pattern": f"^(custom_objects\\.{NAME}\\.)?{KEY_NAME}$",
    "description": "A field of this object: <name> or its full fieldKey",
}


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
        "schema": {"type": "string", "pattern": "^[^/\\u0000]+$"},
        "description": description,
    }


LOCATION = _query("locationId", TEXT, "Must be the token's location when given (else 401).")
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
    "404": _json(
        _ref("Error"),
        "Unknown object, record, field, folder, association, relation or contact",
    ),
    "422": _json(_ref("Error"), "A value that is not an option; an unknown body property"),
    "429": {
        **_json(_ref("Error"), "Past the rate limit: wait the interval (no Retry-After is sent)"),
        "headers": RATE_LIMIT_HEADERS,
    },
    "default": _json(_ref("Error"), "Any other error (405, 413, 500), in the same shape"),
}


def _op(
    summary: str,
    responses: dict,
    *,
    parameters=(),
    body: str | None = None,
    beyond: dict[str, str] | None = None,
) -> dict:
    """`beyond`: parameter or body property -> the refusal this document cannot state."""
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
    if beyond:
        operation["x-refused-beyond-schema"] = beyond
        operation["description"] = "Refused (400 or 422, naming it in `errors`) beyond this "
        operation["description"] += "schema: " + "; ".join(f"{k}: {v}" for k, v in beyond.items())
    return operation


_STRINGS = {"type": "array", "items": {"type": "string"}}
_USER_IDS = {"type": "array", "items": TEXT}
# The real service's list update: removals first, then additions (at least one of the two).
_LIST_CHANGE = {
    "type": "object",
    "properties": {"add": _USER_IDS, "remove": _USER_IDS},
    "minProperties": 1,
    "additionalProperties": False,
}
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
_DATE_TIME = {"type": "string", "format": "date-time"}
# Both spellings of a time (serializers.times): the setup document's and the official one's.
_TIMES = {
    "createdAt": _DATE_TIME,
    "updatedAt": _DATE_TIME,
    "dateAdded": {**_DATE_TIME, "description": "The official description's createdAt"},
    "dateUpdated": {**_DATE_TIME, "description": "The official description's updatedAt"},
}
_TIME_NAMES = list(_TIMES)
_IGNORED = {"description": "Accepted as in the official description, and not kept"}
_STRING = {"type": "string"}
# Either side of an association: contact, or a custom object's key (the prefix may be left out).
SIDE_KEY = {
    "type": "string",
    "pattern": f"^(custom_objects\\.)?{KEY_NAME}$",
    "description": f"{CONTACT}, or a custom object's key (custom_objects.<name> or <name>)",
    "example": "custom_objects.property",
}
ASSOCIATION_SCHEMAS = {
    "Association": {
        "type": "object",
        "required": [
            "id",
            "key",
            "locationId",
            "firstObjectKey",
            "firstObjectLabel",
            "secondObjectKey",
            "secondObjectLabel",
            "associationType",
            *_TIME_NAMES,
        ],
        "properties": {
            "id": _STRING,
            "key": _STRING,
            "locationId": _STRING,
            "firstObjectKey": {**_STRING, "description": f"A custom object's key, or {CONTACT}"},
            "firstObjectLabel": {**_STRING, "description": "What the first object's records are"},
            "secondObjectKey": {**_STRING, "description": f"A custom object's key, or {CONTACT}"},
            "secondObjectLabel": {**_STRING, "description": "What the second's records are"},
            "associationType": {"type": "string", "enum": ["USER_DEFINED"]},
            **_TIMES,
        },
        "additionalProperties": False,
    },
    "AssociationCreate": {
        "type": "object",
        "required": [
            "key",
            "firstObjectKey",
            "firstObjectLabel",
            "secondObjectKey",
            "secondObjectLabel",
        ],
        "properties": {
            "locationId": TEXT,
            "key": {
                "type": "string",
                "pattern": f"^{KEY_NAME}$",
                "description": "Unique in the location",
                "example": "property_buyer",
            },
            "firstObjectKey": SIDE_KEY,
            "firstObjectLabel": {**LABEL, "example": "Interested property"},
            "secondObjectKey": {**SIDE_KEY, "example": CONTACT},
            "secondObjectLabel": {**LABEL, "example": "Buyer"},
        },
        "additionalProperties": False,
    },
    "AssociationUpdate": {
        "type": "object",
        "required": ["firstObjectLabel", "secondObjectLabel"],
        "properties": {
            "locationId": TEXT,
            "firstObjectLabel": LABEL,
            "secondObjectLabel": LABEL,
        },
        "additionalProperties": False,
    },
    "AssociationDeleted": {
        "type": "object",
        "required": ["deleted", "id", "message"],
        "properties": {"deleted": {"type": "boolean"}, "id": _STRING, "message": _STRING},
        "additionalProperties": False,
    },
    "Relation": {
        "type": "object",
        "required": [
            "id",
            "associationId",
            "associationKey",
            "locationId",
            "firstObjectKey",
            "firstRecordId",
            "secondObjectKey",
            "secondRecordId",
            "createdAt",
            "dateAdded",
        ],
        "properties": {
            "id": _STRING,
            "associationId": _STRING,
            "associationKey": _STRING,
            "locationId": _STRING,
            "firstObjectKey": _STRING,
            "firstRecordId": {**_STRING, "description": "A record of the first object"},
            "secondObjectKey": _STRING,
            "secondRecordId": {**_STRING, "description": "A record of the second object"},
            "createdAt": _DATE_TIME,
            "dateAdded": _DATE_TIME,
        },
        "additionalProperties": False,
    },
    "RelationCreate": {
        "type": "object",
        "required": ["associationId", "firstRecordId", "secondRecordId"],
        "properties": {
            "locationId": TEXT,
            "associationId": FILLED,
            "firstRecordId": {
                **FILLED,
                "description": "A record (or contact) of either of the association's objects",
            },
            "secondRecordId": {**FILLED, "description": "A record of the other object"},
        },
        "additionalProperties": False,
    },
}
CONTACT_SCHEMAS = {
    "Contact": {
        "type": "object",
        "required": [
            "id",
            "locationId",
            "name",
            "firstName",
            "lastName",
            "firstNameLowerCase",
            "lastNameLowerCase",
            "email",
            "phone",
            "companyName",
            *_TIME_NAMES,
        ],
        "properties": {
            "id": _STRING,
            "locationId": _STRING,
            "name": {**_STRING, "description": "First and last name"},
            "firstName": _STRING,
            "lastName": _STRING,
            "firstNameLowerCase": _STRING,
            "lastNameLowerCase": _STRING,
            "email": _STRING,
            "phone": _STRING,
            "companyName": _STRING,
            **_TIMES,
        },
        "additionalProperties": False,
    },
    "ContactCreate": {
        "type": "object",
        "properties": {
            "locationId": TEXT,
            "firstName": {**TEXT, "maxLength": MAX_LABEL_LENGTH, "nullable": True},
            "lastName": {**TEXT, "maxLength": MAX_LABEL_LENGTH, "nullable": True},
            "name": {
                **TEXT,
                "maxLength": MAX_LABEL_LENGTH,
                "nullable": True,
                "description": "Split into first and last name when those are not given",
            },
            "email": {**TEXT, "maxLength": MAX_EMAIL_LENGTH, "nullable": True},
            "phone": {**TEXT, "maxLength": MAX_PHONE_LENGTH, "nullable": True},
            "companyName": {**TEXT, "maxLength": MAX_LABEL_LENGTH, "nullable": True},
        },
        "additionalProperties": False,
    },
    "ContactSearch": {
        "type": "object",
        "properties": {
            "locationId": TEXT,
            "query": {
                **QUERY,
                "nullable": True,
                "description": "Part of the name, email, phone or company, in any case",
            },
            "page": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "nullable": True},
            "pageLimit": {**PAGE_LIMIT, "nullable": True},
        },
        "additionalProperties": False,
    },
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
            "standard",
            *_TIME_NAMES,
        ],
        "properties": {
            "id": {"type": "string"},
            "standard": {"type": "boolean", "description": "Always false: custom objects"},
            "key": {"type": "string"},
            "labels": _ref("Labels"),
            "description": {"type": "string"},
            "locationId": {"type": "string"},
            "primaryDisplayProperty": {"type": "string", "description": "A full fieldKey"},
            "requiredProperties": {**_STRINGS, "description": "Full fieldKeys"},
            "searchableProperties": {**_STRINGS, "description": "Full fieldKeys"},
            "type": {"type": "string"},
            **_TIMES,
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
            "parentId",
            *_TIME_NAMES,
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
            "parentId": {"type": "string", "description": "The id of the field's folder"},
            **_TIMES,
        },
        "additionalProperties": False,
    },
    "Folder": {
        "type": "object",
        "required": ["id", "name", "objectKey", "locationId", *_TIME_NAMES],
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "objectKey": {"type": "string"},
            "locationId": {"type": "string"},
            **_TIMES,
        },
        "additionalProperties": False,
    },
    "FolderCreate": {
        "type": "object",
        "required": ["objectKey", "name"],
        "properties": {
            "locationId": TEXT,
            "objectKey": {**FILLED, "description": "The object's key or id"},
            "name": LABEL,
        },
        "additionalProperties": False,
    },
    "FolderUpdate": {
        "type": "object",
        "required": ["name"],
        "properties": {"locationId": TEXT, "name": LABEL},
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
            *_TIME_NAMES,
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
            **_TIMES,
            "searchAfter": {**_SEARCH_AFTER, "description": "[createdAt in ms, id], in search"},
        },
        "additionalProperties": False,
    },
    "LabelsCreate": {
        "type": "object",
        "required": ["singular", "plural"],
        "properties": {"singular": LABEL, "plural": LABEL},
        "additionalProperties": False,
    },
    "LabelsUpdate": {
        "type": "object",
        "nullable": True,
        "description": "Only the labels that change; null changes none",
        "properties": {
            "singular": {**LABEL, "nullable": True},
            "plural": {**LABEL, "nullable": True},
        },
        "additionalProperties": False,
    },
    "OptionWrite": {
        "type": "object",
        "required": ["label"],
        "properties": {
            "key": {
                **TEXT,
                "minLength": 1,
                "maxLength": MAX_KEY_LENGTH,
                "nullable": True,
                "description": "Derived from the label when missing; unique in the field",
            },
            "label": LABEL,
            "url": {**TEXT, **_IGNORED},
        },
        "additionalProperties": False,
    },
    "RecordCreate": {
        "type": "object",
        "required": ["properties"],
        "properties": {
            "locationId": TEXT,
            "properties": {
                "type": "object",
                "description": "Record key (the last segment of the fieldKey) to value, as the "
                "object's fields take them (docs/records-api.md, DataTypes); the required "
                "ones must be there and not empty",
                "example": {
                    "address": "742 Evergreen Terrace",
                    "price": 350000,
                    "status": "Active",
                },
            },
            "owner": {"$ref": "#/components/schemas/Owner"},
            "followers": {"$ref": "#/components/schemas/Followers"},
        },
        "additionalProperties": False,
    },
    "RecordUpdate": {
        "type": "object",
        "properties": {
            "locationId": TEXT,
            "properties": {
                "type": "object",
                "description": "Only what changes: record key to value; null clears (not a "
                "required field)",
                "example": {"price": 340000},
            },
            "owner": {"$ref": "#/components/schemas/Owner"},
            "followers": {"$ref": "#/components/schemas/Followers"},
        },
        "additionalProperties": False,
    },
    "Owner": {
        "oneOf": [
            TEXT,
            {**_USER_IDS, "maxItems": MAX_OWNERS},
            _LIST_CHANGE,
        ],
        "nullable": True,
        "description": f"A user id, a list of at most {MAX_OWNERS}, or {{add, remove}}; null, "
        '"" or [] clears. The users must be the location\'s.',
    },
    "Followers": {
        "oneOf": [TEXT, {**_USER_IDS, "maxItems": MAX_FOLLOWERS}, _LIST_CHANGE],
        "nullable": True,
        "description": f"A user id, a list of at most {MAX_FOLLOWERS}, or {{add, remove}}; "
        'null, "" or [] clears. The users must be the location\'s.',
    },
    "ObjectCreate": {
        "type": "object",
        "required": ["key", "labels", "primaryDisplayPropertyDetails"],
        "properties": {
            "locationId": TEXT,
            "key": OBJECT_KEY,
            "labels": _ref("LabelsCreate"),
            "description": DESCRIPTION,
            "primaryDisplayPropertyDetails": {
                "type": "object",
                "required": ["key", "name", "dataType"],
                "properties": {
                    "key": FIELD_NAME,
                    "name": LABEL,
                    "dataType": {"type": "string", "enum": [t.value for t in PRIMARY]},
                },
                "additionalProperties": False,
            },
        },
        "additionalProperties": False,
    },
    "ObjectUpdate": {
        "type": "object",
        "properties": {
            "locationId": TEXT,
            "labels": _ref("LabelsUpdate"),
            "description": DESCRIPTION,
            "searchableProperties": {
                "type": "array",
                "items": FIELD_KEY_ITEM,
                "nullable": True,
            },
            "requiredProperties": {"type": "array", "items": FIELD_KEY_ITEM, "nullable": True},
        },
        "additionalProperties": False,
    },
    "FieldCreate": {
        "type": "object",
        "required": ["objectKey", "name", "fieldKey", "dataType"],
        "properties": {
            "locationId": TEXT,
            "objectKey": {
                **FILLED,
                "description": "The object's key or id",
                "example": "custom_objects.property",
            },
            "name": LABEL,
            "fieldKey": FIELD_NAME,
            "dataType": {"type": "string", "enum": DATA_TYPES},
            "options": {"type": "array", "items": _ref("OptionWrite"), "nullable": True},
            "description": DESCRIPTION,
            "placeholder": PLACEHOLDER,
            "showInForms": {"type": "boolean", "nullable": True},
            "acceptedFormats": _IGNORED,
            "maxFileLimit": _IGNORED,
            "allowCustomOption": _IGNORED,
            "parentId": {
                **TEXT,
                "nullable": True,
                "description": "The folder's id (one of the object's); its first when missing",
            },
        },
        "additionalProperties": False,
    },
    "FieldUpdate": {
        "type": "object",
        "properties": {
            "locationId": TEXT,
            "name": LABEL,
            "options": {"type": "array", "items": _ref("OptionWrite"), "nullable": True},
            "description": DESCRIPTION,
            "placeholder": PLACEHOLDER,
            "showInForms": {"type": "boolean", "nullable": True},
            "acceptedFormats": _IGNORED,
            "maxFileLimit": _IGNORED,
        },
        "additionalProperties": False,
    },
    "Condition": {
        "type": "object",
        "required": ["field"],
        "properties": {
            "field": {
                **FILLED,
                "description": "<key>, properties.<key>, createdAt, updatedAt or owner",
            },
            "operator": {"type": "string", "enum": sorted(POST_OPERATORS)},
            "value": {
                "description": "As the field's dataType takes it; none for exists/not_exists; "
                "{gt?, gte?, lt?, lte?} for range"
            },
        },
        "additionalProperties": False,
        "example": {"field": "price", "operator": "range", "value": {"lte": 400000}},
    },
    "Group": {
        "type": "object",
        "required": ["group"],
        "properties": {
            "group": {"type": "string", "pattern": "^([Aa][Nn][Dd]|[Oo][Rr])$", "example": "OR"},
            "filters": {"type": "array", "items": _ref("Filter")},
        },
        "additionalProperties": False,
    },
    "Filter": {"oneOf": [_ref("Condition"), _ref("Group")]},
    "SearchBody": {
        "type": "object",
        "properties": {
            "locationId": TEXT,
            "page": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
            "pageLimit": PAGE_LIMIT,
            "query": {**QUERY, "nullable": True, "description": RECORD_QUERY},
            "filters": {
                "type": "array",
                "nullable": True,
                "items": _ref("Filter"),
                "description": f"ANDed; at most {MAX_CONDITIONS} conditions, groups nested at "
                f"most {MAX_GROUP_DEPTH} deep",
            },
            "sort": {
                "type": "array",
                "nullable": True,
                "maxItems": MAX_SORT_KEYS,
                "description": SORT_BY.replace("properties.<key>", "<key> or properties.<key>"),
                "items": {
                    "type": "object",
                    "required": ["field"],
                    "properties": {
                        "field": FILLED,
                        "direction": DIRECTION,
                    },
                    "additionalProperties": False,
                    "example": {"field": "price", "direction": "desc"},
                },
            },
            "searchAfter": {
                **_SEARCH_AFTER,
                "minItems": 0,
                "nullable": True,
                "description": "A found record's searchAfter; null or [] for none",
            },
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
    **ASSOCIATION_SCHEMAS,
    **CONTACT_SCHEMAS,
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
        "additionalProperties": TEXT,
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
_PROPERTY_VALUES = (
    "keys and values as the object's fields take them (docs/records-api.md, DataTypes): an "
    "unknown key or a value of the wrong type is 400, a value that is not an option 422; a "
    "required field must be there (on create) and not empty; NUL anywhere in it is 400"
)
_USERS = "users of the location (400 naming it otherwise)"
_RECORD_BEYOND = {"properties": _PROPERTY_VALUES, "owner": _USERS, "followers": _USERS}
_SEARCH_FIELD = "a field of the object (400 naming it otherwise)"
_WITH_OPTIONS = [rule.data_type.value for rule in RULES.values() if rule.has_options]
_OPTIONS = (
    f"at least one for {', '.join(_WITH_OPTIONS[:-1])} and {_WITH_OPTIONS[-1]}, none for other "
    "dataTypes; keys unique, those derived from labels included (400)"
)

FOLDER_ID = _path("id", "The folder's id")
_FOLDER = _json(_ref("Folder"))
FOLDER_PATHS = {
    "/custom-fields/folder": {
        "post": _op(
            "Create a folder of an object's fields (answers the folder, not wrapped)",
            {"201": _FOLDER},
            body="FolderCreate",
        ),
    },
    "/custom-fields/folder/{id}": {
        "put": _op(
            "Rename a folder",
            {"200": _FOLDER},
            parameters=[FOLDER_ID, LOCATION],
            body="FolderUpdate",
        ),
        "delete": _op(
            "Delete an empty folder",
            {"200": _json(_ref("FieldDeleted"))},
            parameters=[FOLDER_ID, LOCATION],
            beyond={"id": "the folder must hold no field (400)"},
        ),
    },
}

ASSOCIATION_ID = _path("associationId", "The association's id")
SKIP = _query("skip", {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET}, "From 0")
LIMIT = _query("limit", PAGE_LIMIT, f"1 to {MAX_PAGE_LIMIT}, {DEFAULT_PAGE_LIMIT} when not given")
_ASSOCIATION = _json(_ref("Association"))
_ASSOCIATIONS = {"type": "array", "items": _ref("Association")}
_SIDES = f"{CONTACT} or a custom object of the location, and not {CONTACT} on both sides (400)"
_LINKED = (
    "a record or contact of this location (400), of one of the association's two objects, "
    "the other record of the other one (422), not linked by this association already (400)"
)
ASSOCIATION_PATHS = {
    "/associations/": {
        "get": _op(
            "List the location's associations, oldest first",
            {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["associations", "total"],
                        "properties": {
                            "associations": _ASSOCIATIONS,
                            "total": {"type": "integer", "description": "All of them"},
                        },
                        "additionalProperties": False,
                    }
                )
            },
            parameters=[LOCATION, SKIP, LIMIT],
        ),
        "post": _op(
            "Create an association between two objects (answers it, not wrapped)",
            {"201": _ASSOCIATION},
            body="AssociationCreate",
            beyond={
                "key": "not taken by another association of the location (400)",
                "firstObjectKey": _SIDES,
                "secondObjectKey": _SIDES,
            },
        ),
    },
    "/associations/relations": {
        "post": _op(
            "Link two records (or a record and a contact) by an association, in either order",
            {"201": _json(_ref("Relation"))},
            body="RelationCreate",
            beyond={
                "associationId": "an association of this location (400)",
                "firstRecordId": _LINKED,
                "secondRecordId": _LINKED + "; not firstRecordId (400)",
            },
        ),
    },
    "/associations/relations/{id}": {
        "get": _op(
            "A record's (or contact's) relations, oldest first; none for an unknown id",
            {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["relations", "total"],
                        "properties": {
                            "relations": {"type": "array", "items": _ref("Relation")},
                            "total": {"type": "integer", "description": "All of the record's"},
                        },
                        "additionalProperties": False,
                    }
                )
            },
            parameters=[
                _path("id", "The record's or contact's id"),
                LOCATION,
                SKIP,
                LIMIT,
                {
                    "name": "associationIds",
                    "in": "query",
                    "required": False,
                    "style": "form",
                    "explode": True,
                    "schema": {"type": "array", "items": TEXT},
                    "description": "Only these associations' relations (repeated, or one "
                    "comma-separated list)",
                },
            ],
        ),
        "delete": _op(
            "Delete a relation (answers the relation that went)",
            {"200": _json(_ref("Relation"))},
            parameters=[_path("id", "The relation's id"), LOCATION],
        ),
    },
    "/associations/key/{key_name}": {
        "get": _op(
            "Get an association by its key",
            {"200": _ASSOCIATION},
            parameters=[_path("key_name", "The association's key"), LOCATION],
        ),
    },
    "/associations/objectKey/{objectKey}": {
        "get": _op(
            "The associations with this object on either side",
            {"200": _json(_wrap("associations", _ASSOCIATIONS))},
            parameters=[_path("objectKey", f"{CONTACT} or a custom object's key"), LOCATION],
        ),
    },
    "/associations/{associationId}": {
        "get": _op(
            "Get an association", {"200": _ASSOCIATION}, parameters=[ASSOCIATION_ID, LOCATION]
        ),
        "put": _op(
            "Rename an association's labels",
            {"200": _ASSOCIATION},
            parameters=[ASSOCIATION_ID, LOCATION],
            body="AssociationUpdate",
        ),
        "delete": _op(
            "Delete an association and its relations",
            {"200": _json(_ref("AssociationDeleted"))},
            parameters=[ASSOCIATION_ID, LOCATION],
        ),
    },
}

_CONTACT = _json(_wrap("contact", _ref("Contact")))
CONTACT_PATHS = {
    "/contacts/search": {
        "post": _op(
            "Search contacts by text, by last name, first name and id",
            {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["contacts", "total"],
                        "properties": {
                            "contacts": {"type": "array", "items": _ref("Contact")},
                            "total": {"type": "integer", "description": "All matches"},
                        },
                        "additionalProperties": False,
                    }
                )
            },
            body="ContactSearch",
        ),
    },
    "/contacts/": {
        "post": _op(
            "Create a contact",
            {"201": _CONTACT},
            body="ContactCreate",
            beyond={
                "name": "a contact needs a name, an email or a phone (400)",
                "email": "a valid address that no other contact of the location has (400)",
                "phone": f"{PHONE_RULE} (400)",
            },
        ),
    },
    "/contacts/{contactId}": {
        "get": _op(
            "Get a contact",
            {"200": _CONTACT},
            parameters=[_path("contactId", "The contact's id"), LOCATION],
        ),
    },
}

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
            beyond={
                "key": "not taken by another object of the location, which holds at most "
                f"{MAX_OBJECTS} (400)"
            },
        ),
    },
    "/objects/{idOrKey}": {
        "get": _op(
            "Get an object schema (and its fields with fetchProperties=true)",
            {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["object", "cache"],
                        "properties": {
                            "object": _ref("Object"),
                            "cache": {"type": "boolean", "description": "Always false here"},
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
            beyond={"searchableProperties": _SEARCH_FIELD, "requiredProperties": _SEARCH_FIELD},
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
            body="RecordCreate",
            beyond=_RECORD_BEYOND,
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
                _query("query", QUERY, RECORD_QUERY),
                _query("limit", PAGE_LIMIT),
                _query("offset", {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET}),
                _query(
                    "sortBy",
                    {"type": "string", "pattern": f"^(createdAt|updatedAt|properties\\.{NAME})$"},
                    SORT_BY,
                ),
                _query("sortOrder", DIRECTION),
                _query("owner", TEXT, "Records this user owns"),
                PROPERTY_FILTERS,
            ],
            beyond={
                "sortBy": "properties.<key> must be a sortable field of the object",
                "propertyFilters": "each parameter is properties.<key> or "
                "properties.<key>[<op>], <key> a field of the object and <op> one that its "
                "dataType takes, with a value of that type (400 naming the parameter)",
            },
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
            beyond={
                "filters": f"each field {_SEARCH_FIELD}, an operator its dataType takes and a "
                "value of that type",
                "sort": f"each field {_SEARCH_FIELD}, of a sortable dataType",
                "searchAfter": "[createdAt in ms, record id], in that order; a record gone is "
                "400 unless the order starts with createdAt",
            },
        ),
    },
    "/objects/{idOrKey}/records/{recordId}": {
        "get": _op("Get a record", {"200": _RECORD}, parameters=[ID_OR_KEY, RECORD_ID]),
        "put": _op(
            "Update a record with only what changes",
            {"200": _RECORD},
            parameters=[ID_OR_KEY, RECORD_ID, LOCATION],
            body="RecordUpdate",
            beyond=_RECORD_BEYOND,
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
            beyond={
                "fieldKey": "not taken by another field of the object (400)",
                "options": _OPTIONS,
                "parentId": "a folder of this object (400)",
            },
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
                            "folders": {"type": "array", "items": _ref("Folder")},
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
            beyond={"options": _OPTIONS},
        ),
        "delete": _op(
            "Delete a custom field",
            {"200": _json(_ref("FieldDeleted"))},
            parameters=[FIELD_ID, LOCATION],
            beyond={"fieldKey": "the primary display property cannot be deleted (400)"},
        ),
    },
    "/users/": {
        "get": _op(
            "Users who can own or follow a record",
            {"200": _json(_wrap("users", {"type": "array", "items": _ref("User")}))},
            parameters=[LOCATION],
        ),
    },
    **FOLDER_PATHS,
    **ASSOCIATION_PATHS,
    **CONTACT_PATHS,
}

# The search calls' answers lag behind writes (lag.py), as the real service's do.
for _search in PATHS["/objects/{idOrKey}/records/search"].values():
    _search["description"] = (
        f"{_search.get('description', '')} Eventually consistent, as the real service's "
        "search: for SANDBOX_SEARCH_LAG seconds after a create, update or delete, search "
        "(records and total) answers as before it; a read by id is current at once."
    ).strip()

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
