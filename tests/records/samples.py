"""Answers as the real service and the embedded API spell them, for the stub to serve."""

from tests.support.stub import Reply, Seen

KEY = "custom_objects.pets"

OBJECT = {
    "id": "6650a1b2c3d4e5f601234567",
    "standard": False,
    "key": KEY,
    "labels": {"singular": "Pet", "plural": "Pets"},
    "description": "Animals in our care",
    "locationId": "loc0000000000000000000001",
    "primaryDisplayProperty": f"{KEY}.name",
    "requiredProperties": [f"{KEY}.name"],
    "searchableProperties": [f"{KEY}.name", f"{KEY}.breed"],
    "type": "USER_DEFINED",
    "dateAdded": "2026-01-02T03:04:05.000Z",
    "dateUpdated": "2026-01-02T03:04:05.000Z",
}


def _field(key, name, data_type, position, **extra):
    return {
        "id": f"fld{position:021d}",
        "name": name,
        "fieldKey": f"{KEY}.{key}",
        "objectKey": KEY,
        "dataType": data_type,
        "locationId": OBJECT["locationId"],
        "position": position,
        "showInForms": True,
        **extra,
    }


FIELDS = [
    _field("breed", "Breed", "TEXT", 1, placeholder="e.g. Beagle"),
    _field("name", "Name", "TEXT", 0),
    _field("price", "Adoption fee", "MONETORY", 2),
    _field("weight", "Weight", "NUMERICAL", 3),
    _field(
        "status",
        "Status",
        "SINGLE_OPTIONS",
        4,
        options=[
            {"key": "available", "label": "Available"},
            {"key": "adopted", "label": "Adopted"},
        ],
    ),
    _field(
        "traits",
        "Traits",
        "MULTIPLE_OPTIONS",
        5,
        options=[{"key": "calm", "label": "Calm"}, {"key": "playful", "label": "Playful"}],
    ),
    _field("born", "Born", "DATE", 6, description="Best guess is fine"),
    _field(
        "notes",
        "Notes",
        "TEXTBOX_LIST",
        7,
        options=[{"key": "food", "label": "Food"}, {"key": "vet", "label": "Vet"}],
    ),
]

# A record as the real service returns it from GET by id.
REAL_RECORD = {
    "id": "rec000000000000000000001",
    "owners": ["usr000000000000000000001"],
    "followers": ["usr000000000000000000002"],
    "properties": {
        "name": "Rex",
        "price": {"currency": "default", "value": 150},
        "traits": ["calm"],
        "notes.food": "Dry",
        "notes.vet": "Dr Who",
    },
    "dateAdded": "2026-03-07T12:00:00.000Z",
    "dateUpdated": "2026-03-08T12:00:00.000Z",
    "locationId": OBJECT["locationId"],
}

USERS = [{"id": "usr000000000000000000001", "name": "Ada Lovelace", "email": "ada@example.com"}]


CONTACT = {
    "id": "con000000000000000000001",
    "locationId": OBJECT["locationId"],
    "firstName": "Grace",
    "lastName": "Hopper",
    "email": "grace@example.com",
    "phone": "+1 555 0101",
    "dateAdded": "2026-03-01T09:00:00.000Z",
}
# The shapes the real service answers in, as far as public material shows (docs/differences.md).
ASSOCIATION = {
    "id": "asc000000000000000000001",
    "key": "pet_owner",
    "locationId": OBJECT["locationId"],
    "firstObjectKey": KEY,
    "firstObjectLabel": "Pet",
    "secondObjectKey": "contact",
    "secondObjectLabel": "Owner",
    "associationType": "USER_DEFINED",
}
RELATION = {
    "id": "rel000000000000000000001",
    "associationId": ASSOCIATION["id"],
    "firstObjectKey": KEY,
    "firstRecordId": REAL_RECORD["id"],
    "secondObjectKey": "contact",
    "secondRecordId": CONTACT["id"],
    "locationId": OBJECT["locationId"],
}
FOLDER = {"id": "fol000000000000000000001", "name": "General", "objectKey": KEY}


def _association_route(seen: Seen, parts: list[str]) -> Reply:
    if parts[1:2] == ["relations"]:
        if seen.method == "POST":
            return Reply(201, json=RELATION)
        if seen.method == "GET":
            return Reply(200, json={"relations": [RELATION], "total": 1, "traceId": "t"})
        return Reply(200, json=RELATION)
    if len(parts) == 1 or parts[1] == "objectKey":
        if seen.method == "POST":
            return Reply(201, json=ASSOCIATION)
        return Reply(200, json={"associations": [ASSOCIATION], "total": 1, "traceId": "t"})
    if seen.method == "DELETE":
        return Reply(200, json={"deleted": True, "id": parts[-1], "message": "deleted"})
    return Reply(200, json=ASSOCIATION)


def _custom_field_route(seen: Seen, parts: list[str]) -> Reply:
    if parts[1:2] == ["object-key"]:
        return Reply(200, json={"fields": FIELDS, "folders": [FOLDER]})
    if parts[1:2] == ["folder"]:
        if seen.method == "DELETE":
            return Reply(200, json={"succeded": True, "id": parts[-1], "key": KEY})
        return Reply(201 if seen.method == "POST" else 200, json=FOLDER)
    if seen.method == "DELETE":
        return Reply(200, json={"succeded": True, "id": parts[-1], "key": FIELDS[0]["fieldKey"]})
    return Reply(201 if seen.method == "POST" else 200, json={"field": FIELDS[0]})


def route(seen: Seen) -> Reply:
    """A well-behaved records API: the right shape of answer for every call the client makes."""
    parts = seen.path.strip("/").split("/")
    if parts[0] == "associations":
        return _association_route(seen, parts)
    if parts[0] == "custom-fields":
        return _custom_field_route(seen, parts)
    if parts[0] == "contacts":
        if parts[-1] == "search":
            return Reply(200, json={"contacts": [CONTACT], "total": 1, "traceId": "t"})
        return Reply(201 if seen.method == "POST" else 200, json={"contact": CONTACT})
    if seen.path == "/objects/" and seen.method == "POST":
        return Reply(201, json={"object": OBJECT})
    if seen.path == "/objects/":
        return Reply(200, json={"objects": [OBJECT, {**OBJECT, "key": "contact", "id": "c"}]})
    if seen.path == "/users/":
        return Reply(200, json={"users": USERS})
    if parts[0] == "objects" and len(parts) == 2:
        return Reply(200, json={"object": OBJECT, "cache": False, "fields": FIELDS})
    if parts[-1] == "search":
        return Reply(200, json={"records": [REAL_RECORD], "total": 1, "traceId": "t"})
    if seen.method == "DELETE":
        return Reply(200, json={"id": parts[-1], "success": True})
    status = 201 if seen.method == "POST" else 200
    return Reply(status, json={"record": REAL_RECORD, "traceId": "t"})
