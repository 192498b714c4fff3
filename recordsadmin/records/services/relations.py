"""Associations and relations: which objects' records can be linked, a record's linked records
with those records read, and linking or unlinking, each a row in the record's history.

An association links a custom object to another one (or itself) or to contacts; a relation
links two records by it. Associations are cached like schemas (the API's JSON, for
GHL_SCHEMA_CACHE_SECONDS), dropped on our own writes and, with the embedded API, on its
associations_changed signal (receivers.py).
"""

import contextlib
import functools
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache

from recordsadmin.client import endpoints, wire
from recordsadmin.client.domain import (
    Association,
    Contact,
    Record,
    Relation,
    RelationPage,
    Schema,
)
from recordsadmin.client.errors import NotFound, RecordsApiError
from recordsadmin.contract.limits import CONTACT, MAX_PAGE_LIMIT
from recordsadmin.records.formatting import moment_text
from recordsadmin.records.models import RecordChange

from . import contacts, history, records
from .parallel import in_threads
from .schemas import _cached, _forget, cache_key, schema_get

Action = RecordChange.Action


# -- associations ---------------------------------------------------------------------------------


def _all_associations(deadline: float | None) -> dict:
    """Every association of the location, page by page, as one JSON list."""
    found: list[dict] = []
    skip = 0
    while True:
        data = endpoints.associations_list(skip=skip, limit=MAX_PAGE_LIMIT, deadline=deadline)
        items = data.get("associations") if isinstance(data.get("associations"), list) else []
        found += [item for item in items if isinstance(item, dict)]
        total = data.get("total") if isinstance(data.get("total"), int) else None
        skip += len(items)
        if not items or len(items) < MAX_PAGE_LIMIT or (total is not None and skip >= total):
            return {"associations": found}


def association_list(
    *, object_key: str | None = None, deadline: float | None = None
) -> list[Association]:
    """The location's associations, cached; with `object_key`, only those that link its
    records (a custom object's key, or `contact`)."""
    data = _cached(
        associations_cache_key(),
        lambda: _all_associations(deadline),
        what="the associations",
    )
    found = wire.parse_associations(data)
    return [a for a in found if object_key is None or a.holds(object_key)]


def associations_cache_key() -> str:
    return cache_key("associations")


def association_get(*, association_id: str, deadline: float | None = None) -> Association:
    """One association, from the cached list when it is there; NotFound otherwise."""
    for association in association_list(deadline=deadline):
        if association.id == association_id:
            return association
    return wire.parse_association(endpoints.association_get(association_id, deadline=deadline))


def association_invalidate() -> None:
    """Forget the cached associations (after they changed)."""
    _forget("associations")


def association_create(
    *,
    key: str,
    first_object_key: str,
    first_label: str,
    second_object_key: str,
    second_label: str,
    deadline: float | None = None,
) -> Association:
    """A new association: `first_label` says what the first object's records are to the
    second's ("Interested property"), `second_label` the other way ("Buyer"). An object key
    is a custom object's or `contact`. Sent once: a lost answer raises OutcomeUnknown."""
    body = wire.association_body(
        key=key,
        first_object_key=first_object_key,
        first_label=first_label,
        second_object_key=second_object_key,
        second_label=second_label,
    )
    try:
        data = endpoints.association_create(body, deadline=deadline)
    finally:
        association_invalidate()
    return wire.parse_association(data)


def association_update(
    *,
    association: Association,
    first_label: str,
    second_label: str,
    deadline: float | None = None,
) -> Association:
    """Rename both labels (the API takes both, always)."""
    body = wire.association_labels_body(first_label=first_label, second_label=second_label)
    try:
        data = endpoints.association_update(association.id, body, deadline=deadline)
    finally:
        association_invalidate()
    return wire.parse_association(data)


def association_delete(*, association: Association, deadline: float | None = None) -> None:
    """Delete an association and, with it, every relation it holds. The official API has no
    call that counts them; a page that must say how many can count a record's with
    relation_list."""
    try:
        endpoints.association_delete(association.id, deadline=deadline)
    finally:
        association_invalidate()


# -- the table's cached links cells (links.py) ----------------------------------------------------


def links_cache_key(association_id: str, record_id: str) -> str:
    """Where the table's cell of a record's links by an association is cached (links.py)."""
    return cache_key("links", f"{association_id}|{record_id}")


def links_forget(*, association_id: str, record_ids: Iterable[str]) -> None:
    """Drop the cached table cells of these records' links by an association: after our
    own link or unlink the table shows it at once (others' within the cache's lifetime)."""
    with contextlib.suppress(RecordsApiError):  # not configured: nothing is cached either
        cache.delete_many([links_cache_key(association_id, r) for r in record_ids if r])


# -- a record's linked records --------------------------------------------------------------------


@dataclass(frozen=True)
class Linked:
    """One relation of a record, seen from that record: the record (or contact) at the other
    end, read when the page was made. Both are None when it could not be read (gone since,
    or another location's): `missing`."""

    relation: Relation
    object_key: str  # the other end's object, or "contact"
    record_id: str
    record: Record | None = None
    contact: Contact | None = None
    schema: Schema | None = None  # the other end's object schema (None for a contact)
    # What the other end is to the record, for an object linked to itself ("Tows", "Towed
    # by"): there the section's title cannot say it. "" otherwise.
    role: str = ""

    @property
    def missing(self) -> bool:
        return self.record is None and self.contact is None

    @property
    def label(self) -> str:
        """What a person reads for the linked record: its primary display value, a contact's
        name (else email, phone), or the id when it could not be read."""
        if self.contact is not None:
            return self.contact.display
        if self.record is not None and self.schema is not None:
            return self.record.display(self.schema)
        return self.record_id

    @property
    def is_contact(self) -> bool:
        return self.object_key == CONTACT


@dataclass(frozen=True)
class LinkedPage:
    """One page of a record's linked records by one association."""

    association: Association
    items: tuple[Linked, ...]
    page: RelationPage

    @property
    def total(self) -> int:
        return self.page.total

    @property
    def has_next(self) -> bool:
        return self.page.has_next

    @property
    def has_previous(self) -> bool:
        return self.page.has_previous

    @property
    def number(self) -> int:
        return self.page.page

    @property
    def num_pages(self) -> int:
        return self.page.num_pages


def relation_page(
    *,
    record_id: str,
    association_ids: Iterable[str] = (),
    page: int = 1,
    per_page: int = 10,
    deadline: float | None = None,
) -> RelationPage:
    """One page of a record's (or contact's) relations, only those of `association_ids` when
    given, without reading the records at the other end."""
    page, per_page = wire.page_bounds(page, per_page)
    skip = (page - 1) * per_page
    wanted = set(association_ids)
    data = endpoints.relations_of_record(
        record_id, skip=skip, limit=per_page, association_ids=sorted(wanted), deadline=deadline
    )
    found = wire.parse_relations(data, skip=skip, limit=per_page)
    if wanted:
        kept = tuple(
            r for r in found.relations if not r.association_id or r.association_id in wanted
        )
        found = RelationPage(
            relations=kept,
            total=found.total,
            skip=skip,
            limit=per_page,
            announced=found.announced,
        )
    return found


def _other_key(association: Association, schema: Schema, relation: Relation, record_id: str):
    if relation.first_object_key and relation.second_object_key:
        at_first = relation.first_record_id == record_id
        return relation.second_object_key if at_first else relation.first_object_key
    return association.other_key(schema.key)


def _read(object_key: str, record_id: str, deadline: float | None) -> dict[str, Any]:
    """The record or contact at the other end; nothing when it cannot be read."""
    try:
        if object_key == CONTACT:
            return {"contact": contacts.contact_get(contact_id=record_id, deadline=deadline)}
        schema = schema_get(key=object_key, deadline=deadline)
        found = records.record_get(schema=schema, record_id=record_id, deadline=deadline)
    except NotFound:
        return {}
    return {"record": found, "schema": schema}


def relation_list(
    *,
    schema: Schema,
    record_id: str,
    association: Association,
    page: int = 1,
    per_page: int = 10,
    deadline: float | None = None,
    workers: int = 1,
) -> LinkedPage:
    """One page of the records (or contacts) linked to a record by `association`, each read
    (one call apiece: the API has no call that reads several by id), `workers` at a time: a
    page of five read side by side waits about as long as for one read, not five. A linked
    record that cannot be read any more is kept, `missing`, so that it can still be
    unlinked."""
    found = relation_page(
        record_id=record_id,
        association_ids=[association.id],
        page=page,
        per_page=per_page,
        deadline=deadline,
    )
    ends = [
        (
            relation,
            relation.other_id(record_id),
            _other_key(association, schema, relation, record_id),
        )
        for relation in found.relations
    ]
    reads = in_threads(
        [functools.partial(_read, key, other_id, deadline) for _, other_id, key in ends],
        workers=workers,
        name="linked",
    )
    items = []
    for (relation, other_id, other_key), read in zip(ends, reads, strict=True):
        role = association.role_of_other(relation, record_id) if association.links_itself else ""
        items.append(
            Linked(relation=relation, object_key=other_key, record_id=other_id, role=role, **read)
        )
    return LinkedPage(association=association, items=tuple(items), page=found)


def record_links(*, schema: Schema, record_id: str) -> list[tuple[Association, int]]:
    """How many records or contacts one record is linked to, by each of its object's
    associations that links any: counted from its links as a delete keeps them
    (record_links_kept: one call for every association, not one each)."""
    counts = Counter(
        link["association_id"] for link in record_links_kept(schema=schema, record_id=record_id)
    )
    return [(a, counts[a.id]) for a in association_list(object_key=schema.key) if counts[a.id]]


def relation_count(
    *, record_id: str, association: Association, deadline: float | None = None
) -> int:
    """How many records one record is linked to by `association`: one call when the answer
    says its total (the real service's and the embedded API's do); an answer without it is
    paged through, MAX_PAGE_LIMIT relations a call, and what came is counted."""
    found = relation_page(
        record_id=record_id, association_ids=[association.id], per_page=1, deadline=deadline
    )
    if found.announced or not found.relations:
        return found.total
    counted, page = 0, 1
    while True:
        found = relation_page(
            record_id=record_id,
            association_ids=[association.id],
            page=page,
            per_page=MAX_PAGE_LIMIT,
            deadline=deadline,
        )
        counted += len(found.relations)
        if len(found.relations) < MAX_PAGE_LIMIT:
            return counted
        page += 1


# -- linking and unlinking, in the history --------------------------------------------------------


def relation_find(
    *, record_id: str, association: Association, other_id: str, deadline: float | None = None
) -> Relation | None:
    """The relation by `association` between two records, or None: found by listing the
    first's relations of that association (one call per 100 of them)."""
    return _find(record_id, association, other_id, deadline)


def relation_create(
    *,
    schema: Schema,
    record_id: str,
    association: Association,
    other_id: str,
    deadline: float | None = None,
) -> Relation:
    """Link a record of `schema` to the record or contact `other_id`, with no history row
    (a bulk job writes its own). Its id is "" when the answer did not say it and a lookup
    could not find it. Refusals as relation_create_logged says; sent once."""
    body = wire.relation_body(
        association, record_id=record_id, record_object_key=schema.key, other_id=other_id
    )
    try:
        data = endpoints.relation_create(body, deadline=deadline)
    finally:
        links_forget(association_id=association.id, record_ids=(record_id, other_id))
    relation = wire.parse_relation(data, sent=body)
    if not relation.id:
        with contextlib.suppress(RecordsApiError):
            relation = _find(record_id, association, other_id, deadline) or relation
    return relation


def relation_delete(
    *,
    relation_id: str,
    association_id: str = "",
    record_ids: Iterable[str] = (),
    deadline: float | None = None,
) -> None:
    """Delete one relation, with no history row (a bulk job writes its own); NotFound when it
    is gone already. The table's cached cells of `record_ids` (the two it linked) by
    `association_id` are dropped."""
    try:
        endpoints.relation_delete(relation_id, deadline=deadline)
    finally:
        links_forget(association_id=association_id, record_ids=record_ids)


def _find(record_id: str, association: Association, other_id: str, deadline) -> Relation | None:
    """The relation between two records, looked up by listing the first's (for an answer that
    did not say the new relation's id)."""
    skip = 0
    while True:
        data = endpoints.relations_of_record(
            record_id,
            skip=skip,
            limit=MAX_PAGE_LIMIT,
            association_ids=[association.id],
            deadline=deadline,
        )
        found = wire.parse_relations(data, skip=skip, limit=MAX_PAGE_LIMIT)
        for relation in found.relations:
            if relation.holds(other_id) and relation.association_id in ("", association.id):
                return relation
        skip += len(found.relations)
        if not found.relations or skip >= found.total:
            return None


def _what(association: Association, schema: Schema, other_id: str, other_label: str) -> dict:
    return {
        "association_id": association.id,
        "association_key": association.key,
        "label": association.other_label(schema.key),
        "other_object": association.other_key(schema.key),
        "other_id": other_id,
        "other_label": other_label,
    }


def relation_create_logged(
    *,
    user,
    schema: Schema,
    record: Record,
    association: Association,
    other_id: str,
    other_label: str = "",
    note: str = "",
    deadline: float | None = None,
) -> Relation:
    """Link `record` (of `schema`) to the record or contact `other_id` by `association`, with
    a "Linked" row in the record's history (its note names the other record by
    `other_label`). The API refuses a missing record, one of the wrong object, a record
    linked to itself and a link that exists (ValidationFailed, by wire name:
    `firstRecordId`, `secondRecordId`, `associationId`). Sent once: a lost answer raises
    OutcomeUnknown and the row says "Outcome unknown"."""
    what = _what(association, schema, other_id, other_label)
    change = history.change_start(
        user=user,
        schema=schema,
        action=Action.LINK,
        record_id=record.id,
        after=what,
        note=note or f"{what['label']}: {other_label or other_id}",
    )
    body = wire.relation_body(
        association, record_id=record.id, record_object_key=schema.key, other_id=other_id
    )
    try:
        data = endpoints.relation_create(body, deadline=deadline)
    except BaseException as error:
        history.change_finish(change=change, error=error)
        raise
    finally:
        links_forget(association_id=association.id, record_ids=(record.id, other_id))
    relation = wire.parse_relation(data, sent=body)
    if not relation.id:
        # The link is made whatever this lookup meets; only its id stays unknown ("") until
        # the record's relations are read again.
        with contextlib.suppress(RecordsApiError):
            relation = _find(record.id, association, other_id, deadline) or relation
    change.after = {**what, "relation_id": relation.id}
    change.save(update_fields=["after"])
    history.change_finish(change=change)
    return relation


# -- a delete and its restore keep the record's links --------------------------------------------


def record_links_kept(
    *, schema: Schema, record_id: str, deadline: float | None = None
) -> list[dict]:
    """A record's links as its delete keeps them in the history, for a restore to make again:
    each {"association_id", "other_id", "first"} ("first": this record on the association's
    first side). Read MAX_PAGE_LIMIT at a time (a call each)."""
    ids = [a.id for a in association_list(object_key=schema.key, deadline=deadline)]
    kept: list[dict] = []
    page = 1
    while ids:
        found = relation_page(
            record_id=record_id,
            association_ids=ids,
            page=page,
            per_page=MAX_PAGE_LIMIT,
            deadline=deadline,
        )
        kept += [
            {
                "association_id": r.association_id,
                "other_id": r.other_id(record_id),
                "first": r.first_record_id == record_id,
            }
            for r in found.relations
            if r.association_id
        ]
        if len(found.relations) < MAX_PAGE_LIMIT:
            break
        page += 1
    return kept


def record_delete_keeping_links(*, user, schema: Schema, record: Record) -> None:
    """Delete a record as history.record_delete_logged does, its links read first and kept
    with it; when they cannot be read the delete goes on, and its restore makes none."""
    try:
        links = record_links_kept(schema=schema, record_id=record.id)
    except RecordsApiError:
        links = None
    history.record_delete_logged(user=user, schema=schema, record=record, links=links)


def record_restore_with_links(*, user, schema: Schema, deleted: RecordChange, relink: bool):
    """Restore a deleted record (history.record_restore), then, with `relink` (the user may
    link records), make its kept links again (links_make_again). The restored record, and
    what could not be linked again, in words: once the record is made, nothing that fails
    after it is raised."""
    record = history.record_restore(user=user, schema=schema, deleted=deleted)
    links = (deleted.before or {}).get("links") or ()
    if not relink:
        return record, [f"its {len(links)} link(s): you may not link records"] if links else []
    return record, links_make_again(user=user, schema=schema, record=record, links=links)


def _now[T](function: Callable[..., T], /, **kwargs) -> T:
    return function(**kwargs)


def links_make_again(
    *,
    user,
    schema: Schema,
    record: Record,
    links: Iterable[Mapping],
    call: Callable[..., Any] = _now,
) -> list[str]:
    """Link `record` (a restored one) as a deleted record was, by the `links` its delete kept
    (record_links_kept), each a "Linked" row of its history; what could not be linked again,
    in words. Nothing is raised: the record is made already. `call(function, **kwargs)`
    makes each call (a bulk job's pacer: bulk/pacing.py)."""
    missed = []
    for link in links:
        try:
            association = call(association_get, association_id=link["association_id"])
        except NotFound:
            missed.append(f"{link['other_id']}, by an association deleted since")
            continue
        except RecordsApiError as error:
            missed.append(f"{link['other_id']} ({error.message})")
            continue
        title = association.heading(schema.key)
        if association.links_itself and not link.get("first"):
            # The record would go on the first side (wire.relation_body): not what it was.
            missed.append(f"{title} {link['other_id']}, which this record was on the far side of")
            continue
        try:
            call(
                relation_create_logged,
                user=user,
                schema=schema,
                record=record,
                association=association,
                other_id=link["other_id"],
                note=f"{title}: {link['other_id']}, linked again by the restore",
            )
        except RecordsApiError as error:
            missed.append(f"{title} {link['other_id']} ({error.message})")
    return missed


def relation_delete_logged(
    *,
    user,
    schema: Schema,
    record: Record,
    association: Association,
    relation: Relation,
    other_label: str = "",
    note: str = "",
    deadline: float | None = None,
) -> None:
    """Unlink: delete the relation, with an "Unlinked" row in the record's history that keeps
    what it linked, so that unlink_undo can link the two again. A relation gone already
    raises NotFound (the row says "Failed"); one whose delete's answer was lost and that is
    gone on the retry counts as done."""
    other_id = relation.other_id(record.id)
    before = {**_what(association, schema, other_id, other_label), "relation_id": relation.id}
    change = history.change_start(
        user=user,
        schema=schema,
        action=Action.UNLINK,
        record_id=record.id,
        before=before,
        note=note or f"{before['label']}: {other_label or other_id}",
    )
    try:
        endpoints.relation_delete(relation.id, deadline=deadline)
    except BaseException as error:
        history.change_finish(change=change, error=error)
        raise
    finally:
        links_forget(association_id=association.id, record_ids=(record.id, other_id))
    history.change_finish(change=change)


class NotRelinkable(Exception):
    """This history row is no finished unlink, or its association is gone; the text says."""


def unlink_undo(
    *, user, schema: Schema, record: Record, change: RecordChange, deadline: float | None = None
) -> Relation:
    """Link again the two records an "Unlinked" row of the history separated (a new relation,
    with a "Linked" row of its own). NotRelinkable when the row is not a finished unlink of
    this record, its association no longer exists, or the two are linked again already (Undo
    did, or someone else): then nothing is sent and no row is written. The API's refusal (the
    other record gone) comes as ValidationFailed."""
    before = change.before if isinstance(change.before, dict) else {}
    if (
        change.action != Action.UNLINK
        or change.outcome != RecordChange.Outcome.OK
        or change.record_id != record.id
        or not before.get("association_id")
        or not before.get("other_id")
    ):
        raise NotRelinkable("Only a finished unlink of this record can be undone.")
    try:
        association = association_get(association_id=before["association_id"], deadline=deadline)
    except NotFound:
        raise NotRelinkable("The association of this link has been deleted since.") from None
    label = before.get("other_label") or ""
    if _find(record.id, association, before["other_id"], deadline) is not None:
        name = label or before["other_id"]
        raise NotRelinkable(f"{name} is linked to this record again already.")
    when = moment_text(change.at)
    return relation_create_logged(
        user=user,
        schema=schema,
        record=record,
        association=association,
        other_id=before["other_id"],
        other_label=label,
        note=f"{before.get('label', '')}: {label or before['other_id']} (undoing the unlink "
        f"of {when})",
        deadline=deadline,
    )


# -- one linked record, and a new record linked in one step ---------------------------------------


def linked_get(
    *,
    schema: Schema,
    record_id: str,
    association: Association,
    other_id: str,
    deadline: float | None = None,
) -> Linked | None:
    """The relation by `association` between a record and `other_id`, with the other end
    read; None when the two are not linked (so a page never deletes a relation it was not
    shown, nor another record's)."""
    relation = _find(record_id, association, other_id, deadline)
    if relation is None:
        return None
    other_key = _other_key(association, schema, relation, record_id)
    read = _read(other_key, other_id, deadline)
    return Linked(relation=relation, object_key=other_key, record_id=other_id, **read)


@dataclass(frozen=True)
class CreatedAndLinked:
    """A record (or contact) made to be linked: `link_error` says why the link failed after
    the create succeeded (the new record exists, unlinked)."""

    record_id: str
    label: str
    relation: Relation | None = None
    link_error: RecordsApiError | None = None


def _link_new(*, user, schema, record, association, other_id, other_label, deadline):
    try:
        relation = relation_create_logged(
            user=user,
            schema=schema,
            record=record,
            association=association,
            other_id=other_id,
            other_label=other_label,
            deadline=deadline,
        )
    except RecordsApiError as error:
        return CreatedAndLinked(record_id=other_id, label=other_label, link_error=error)
    return CreatedAndLinked(record_id=other_id, label=other_label, relation=relation)


def record_create_linked(
    *,
    user,
    schema: Schema,
    record: Record,
    association: Association,
    other_schema: Schema,
    properties: dict[str, Any],
    submission,
    deadline: float | None = None,
) -> CreatedAndLinked:
    """Create a record of `other_schema` (a "Created" row in its history) and link `record`
    to it (a "Linked" row in `record`'s). A failed create raises, nothing made; a failed
    link is returned, not raised, since the record was made all the same."""
    made = history.record_create_logged(
        user=user, schema=other_schema, properties=properties, submission=submission
    )
    return _link_new(
        user=user,
        schema=schema,
        record=record,
        association=association,
        other_id=made.id,
        other_label=made.display(other_schema),
        deadline=deadline,
    )


def contact_create_linked(
    *,
    user,
    schema: Schema,
    record: Record,
    association: Association,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    deadline: float | None = None,
) -> CreatedAndLinked:
    """Create a contact and link `record` to it, as record_create_linked does."""
    made = contacts.contact_create(
        first_name=first_name, last_name=last_name, email=email, deadline=deadline
    )
    return _link_new(
        user=user,
        schema=schema,
        record=record,
        association=association,
        other_id=made.id,
        other_label=made.display,
        deadline=deadline,
    )
