"""Associations and relations of the embedded API (docs/records-api.md, Associations).

An association is a kind of link between two objects: a custom object and another one (or
itself), or a custom object and contacts; each side has a label. A relation links two records
by an association. It is stored in the association's order (the first record is of its first
object) whichever order the call named the records in. Deleting an association deletes its
relations; deleting a record or an object deletes theirs (views.py, the cascade of the models).
"""

from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from recordsadmin.contract.limits import (
    CONTACT,
    CUSTOM_OBJECT_PREFIX,
    DEFAULT_PAGE_LIMIT,
    KEY_NAME,
    MAX_KEY_LENGTH,
    MAX_LABEL_LENGTH,
    MAX_PAGE_LIMIT,
)

from .endpoint import Call
from .errors import ApiError, bad_request, not_found
from .models import Association, Contact, ObjectSchema, Record, Relation
from .search import INTEGER, MAX_OFFSET
from .serializers import association_json, relation_json
from .views import get_object, only, string, within

_NAME = KEY_NAME

ASSOCIATION_CREATE_KEYS = {
    "locationId",
    "key",
    "firstObjectKey",
    "firstObjectLabel",
    "secondObjectKey",
    "secondObjectLabel",
}
ASSOCIATION_UPDATE_KEYS = {"locationId", "firstObjectLabel", "secondObjectLabel"}
RELATION_CREATE_KEYS = {"locationId", "associationId", "firstRecordId", "secondRecordId"}


# --- shared -----------------------------------------------------------------------------------


def paging(query: QueryDict) -> tuple[int, int]:
    """`skip` (from 0, default 0) and `limit` (1 to 100, default 20); 400 naming the one that
    is not such an integer."""
    values = []
    for name, default, low, high in (
        ("skip", 0, 0, MAX_OFFSET),
        ("limit", DEFAULT_PAGE_LIMIT, 1, MAX_PAGE_LIMIT),
    ):
        raw = query.get(name)
        if raw is None:
            values.append(default)
            continue
        value = int(raw) if INTEGER.fullmatch(raw) else None
        if value is None or not low <= value <= high:
            raise bad_request(f"{name} must be an integer from {low} to {high}", name)
        values.append(value)
    return values[0], values[1]


def get_association(call: Call, association_id: str) -> Association:
    found = Association.objects.filter(location=call.location, id=association_id).first()
    if found is None:
        raise not_found(f"Association {association_id} not found")
    return found


def _label(body: Mapping, name: str) -> str:
    value = string(body, name, required=True, empty=False, longest=MAX_LABEL_LENGTH)
    return value.strip()


def _side(call: Call, body: Mapping, name: str) -> tuple[ObjectSchema | None, str]:
    """The object a side names: `contact`, or a custom object of the location by its key
    (the custom_objects. prefix is added when missing)."""
    key = string(body, name, required=True, empty=False)
    if key == CONTACT:
        return None, CONTACT
    full = key if key.startswith(CUSTOM_OBJECT_PREFIX) else CUSTOM_OBJECT_PREFIX + key
    obj = ObjectSchema.objects.filter(location=call.location, key=full).first()
    if obj is None:
        raise bad_request(
            f"{name} {key!r} is neither {CONTACT} nor a custom object of this location", name
        )
    return obj, full


def _page(rows: QuerySet, query: QueryDict) -> tuple[list, int]:
    skip, limit = paging(query)
    return list(rows[skip : skip + limit]), rows.count()


# --- associations -----------------------------------------------------------------------------


def create_association(call: Call) -> tuple[int, dict]:
    body = call.body
    only(body, ASSOCIATION_CREATE_KEYS)
    key = string(body, "key", required=True, empty=False)
    if not _NAME.fullmatch(key):
        raise bad_request(f"key {key!r} must be letters, digits and _", "key")
    within(key, "key", MAX_KEY_LENGTH)
    first_label = _label(body, "firstObjectLabel")
    second_label = _label(body, "secondObjectLabel")
    with transaction.atomic():
        first, first_key = _side(call, body, "firstObjectKey")
        second, second_key = _side(call, body, "secondObjectKey")
        if first is None and second is None:
            raise bad_request(
                "An association links a custom object to another one or to contacts: "
                "secondObjectKey must be a custom object when firstObjectKey is contact",
                "secondObjectKey",
            )
        if Association.objects.filter(location=call.location, key=key).exists():
            raise bad_request(f"key {key} is taken by another association", "key")
        now = timezone.now()
        try:
            with transaction.atomic():
                association = Association.objects.create(
                    location=call.location,
                    key=key,
                    first_object=first,
                    first_object_key=first_key,
                    first_label=first_label,
                    second_object=second,
                    second_object_key=second_key,
                    second_label=second_label,
                    created_at=now,
                    updated_at=now,
                )
        except IntegrityError:  # the same key created at the same moment
            raise bad_request(f"key {key} is taken by another association", "key") from None
    return 201, association_json(association)


def list_associations(call: Call) -> tuple[int, dict]:
    rows = Association.objects.filter(location=call.location).order_by("created_at", "id")
    found, total = _page(rows, call.query)
    return 200, {"associations": [association_json(a) for a in found], "total": total}


def read_association(call: Call, association_id: str) -> tuple[int, dict]:
    return 200, association_json(get_association(call, association_id))


def read_association_by_key(call: Call, key_name: str) -> tuple[int, dict]:
    found = Association.objects.filter(location=call.location, key=key_name).first()
    if found is None:
        raise not_found(f"Association with key {key_name} not found")
    return 200, association_json(found)


def associations_of_object(call: Call, object_key: str) -> tuple[int, dict]:
    """Every association with this object on either side (`contact` or a custom object)."""
    if object_key != CONTACT:
        object_key = get_object(call, object_key).key
    rows = Association.objects.filter(location=call.location).filter(
        Q(first_object_key=object_key) | Q(second_object_key=object_key)
    )
    return 200, {"associations": [association_json(a) for a in rows]}


def update_association(call: Call, association_id: str) -> tuple[int, dict]:
    """Both labels, as the official description requires them; the objects never change."""
    body = call.body
    only(body, ASSOCIATION_UPDATE_KEYS)
    first_label = _label(body, "firstObjectLabel")
    second_label = _label(body, "secondObjectLabel")
    with transaction.atomic():
        association = get_association(call, association_id)
        association.first_label = first_label
        association.second_label = second_label
        association.updated_at = timezone.now()
        association.save(update_fields=["first_label", "second_label", "updated_at"])
    return 200, association_json(association)


def delete_association(call: Call, association_id: str) -> tuple[int, dict]:
    """The association goes with all its relations."""
    with transaction.atomic():
        association = get_association(call, association_id)
        association.delete()
    return 200, {
        "deleted": True,
        "id": association_id,
        "message": "Association deleted successfully",
    }


# --- relations --------------------------------------------------------------------------------


def _object_of(call: Call, record_id: str) -> str | None:
    """The key of the object whose record has this id (`contact` for a contact), or None."""
    key = (
        Record.objects.filter(location=call.location, id=record_id)
        .values_list("object__key", flat=True)
        .first()
    )
    if key is not None:
        return key
    if Contact.objects.filter(location=call.location, id=record_id).exists():
        return CONTACT
    return None


def _in_order(
    association: Association, ids: tuple[str, str], keys: tuple[str, str]
) -> tuple[str, str]:
    """(first record id, second record id) in the association's order; 422 naming the id
    whose object the association does not link."""
    sides = (association.first_object_key, association.second_object_key)
    if keys == sides:
        return ids
    if keys[::-1] == sides:
        return ids[1], ids[0]
    names = ("firstRecordId", "secondRecordId")
    wrong = [n for n, k in zip(names, keys, strict=True) if k not in sides] or [names[1]]
    message = (
        f"association {association.key} links a {sides[0]} record to a {sides[1]} record; "
        f"firstRecordId is a {keys[0]} record and secondRecordId a {keys[1]} record"
    )
    raise ApiError(422, [message], {name: [message] for name in wrong})


def create_relation(call: Call) -> tuple[int, dict]:
    body = call.body
    only(body, RELATION_CREATE_KEYS)
    association_id = string(body, "associationId", required=True, empty=False)
    ids = (
        string(body, "firstRecordId", required=True, empty=False),
        string(body, "secondRecordId", required=True, empty=False),
    )
    if ids[0] == ids[1]:
        raise bad_request("A record cannot be linked to itself", "secondRecordId")
    with transaction.atomic():
        association = Association.objects.filter(location=call.location, id=association_id)
        association = association.first()
        if association is None:
            raise bad_request(
                f"associationId {association_id} is not an association of this location",
                "associationId",
            )
        keys = []
        for name, record_id in zip(("firstRecordId", "secondRecordId"), ids, strict=True):
            key = _object_of(call, record_id)
            if key is None:
                raise bad_request(
                    f"{name} {record_id} is no record and no contact of this location", name
                )
            keys.append(key)
        first_id, second_id = _in_order(association, ids, (keys[0], keys[1]))
        pair = Q(first_record_id=first_id, second_record_id=second_id)
        if association.first_object_key == association.second_object_key:
            # Between records of one object, B-A is the relation A-B already is.
            pair |= Q(first_record_id=second_id, second_record_id=first_id)
        linked = Relation.objects.filter(pair, association=association).first()
        if linked is None:
            try:
                with transaction.atomic():
                    relation = Relation.objects.create(
                        location=call.location,
                        association=association,
                        first_record_id=first_id,
                        second_record_id=second_id,
                    )
            except IntegrityError:  # the same relation made at the same moment
                linked = Relation.objects.get(
                    association=association, first_record_id=first_id, second_record_id=second_id
                )
        if linked is not None:
            message = (
                f"These records are linked by association {association.key} already "
                f"(relation {linked.id})"
            )
            raise ApiError(400, message, {"firstRecordId": [message], "secondRecordId": [message]})
    return 201, relation_json(relation, association)


def association_ids(query: QueryDict) -> list[str]:
    """`associationIds`, repeated or comma-separated."""
    return [i for raw in query.getlist("associationIds") for i in raw.split(",") if i]


# GET and DELETE share the path /associations/relations/{id}: a record's id to list its
# relations, a relation's id to delete it (the official description names it twice).


def list_relations(call: Call, id: str) -> tuple[int, dict]:
    """The relations that hold this record or contact, on either side, oldest first. An id
    that is no record's gives an empty list, as a record without relations does."""
    record_id = id
    rows = (
        Relation.objects.filter(location=call.location)
        .filter(Q(first_record_id=record_id) | Q(second_record_id=record_id))
        .select_related("association")
        .order_by("created_at", "id")
    )
    wanted = association_ids(call.query)
    if wanted:
        rows = rows.filter(association_id__in=wanted)
    found, total = _page(rows, call.query)
    return 200, {"relations": [relation_json(r) for r in found], "total": total}


def delete_relation(call: Call, id: str) -> tuple[int, dict]:
    """Answers the relation that went (as the real service's RelationDelete webhook spells it)."""
    relation_id = id
    with transaction.atomic():
        relation = (
            Relation.objects.select_related("association")
            .filter(location=call.location, id=relation_id)
            .first()
        )
        if relation is None:
            raise not_found(f"Relation {relation_id} not found")
        gone = relation_json(relation)
        relation.delete()
    return 200, gone
