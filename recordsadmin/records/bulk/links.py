"""Bulk linking: every selected record linked, by one of its object's associations, to one
record of the other object (or one contact), chosen with a search. The job's items are the
selected records, as for a bulk edit; each is one call (a relation made), and a link that
exists already is skipped and counted (workers.link_one)."""

from dataclasses import dataclass, field

from django.http import QueryDict

from recordsadmin.client.domain import Association, Schema
from recordsadmin.client.errors import NotFound
from recordsadmin.contract.limits import CONTACT, MAX_QUERY_LENGTH
from recordsadmin.records import services

from .preview import Preview, search_in_words
from .selection import Selection, selection_count

# How many records (or contacts) a search of the picker lists.
PICKER_RESULTS = 10


@dataclass
class Target:
    """The record or contact every selected record is to be linked to."""

    id: str
    label: str
    detail: str = ""  # a contact's email, say, to tell two of one name apart


@dataclass
class LinkChoice:
    """What the link form holds: the association, the search for the other record, what the
    search found, the record chosen, and what is wrong with it."""

    associations: list[Association]
    association: Association | None = None
    query: str = ""
    results: list[Target] = field(default_factory=list)
    total: int = 0
    searched: bool = False
    target: Target | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """What the other side's records are to the selected ones ("Buyer")."""
        return self.association.other_label(self.other_of) if self.association else ""

    other_of: str = ""  # the selected records' object key
    other_name: str = ""  # what the other side's records are, plural ("contacts", "showings")

    @property
    def options(self) -> list[tuple[str, str]]:
        """Each association as the form lists it: its id, and what its other side is."""
        return [
            (
                a.id,
                a.other_label(self.other_of)
                + (" (contacts)" if a.other_key(self.other_of) == CONTACT else ""),
            )
            for a in self.associations
        ]

    @property
    def other_key(self) -> str:
        return self.association.other_key(self.other_of) if self.association else ""

    @property
    def with_contacts(self) -> bool:
        return self.other_key == CONTACT


def link_from_post(*, schema: Schema, data: QueryDict, search: bool = True) -> LinkChoice:
    """The link form as sent: its association (one of the object's), its search (run when
    `search`, PICKER_RESULTS found), and the chosen record read from the API (so that a
    record deleted since, or of another object, is refused before any call of the job)."""
    choice = LinkChoice(associations=services.association_list(object_key=schema.key))
    choice.other_of = schema.key
    wanted = data.get("association", "")
    choice.association = next((a for a in choice.associations if a.id == wanted), None)
    choice.query = data.get("q", "").strip()
    if wanted and choice.association is None:
        choice.errors.append("That association no longer exists: choose another.")
    if choice.association is None:
        return choice
    choice.other_name = (
        "contacts"
        if choice.with_contacts
        else services.schema_get(key=choice.other_key).plural.lower()
    )
    if len(choice.query) > MAX_QUERY_LENGTH:
        choice.errors.append(
            f"Search with at most {MAX_QUERY_LENGTH} characters (the records API's limit); "
            f"this is {len(choice.query)}."
        )
    elif search:
        _search(choice)
    target_id = data.get("target", "")
    if target_id:
        choice.target = _read(choice, target_id)
        if choice.target is None:
            choice.errors.append("The record chosen no longer exists: search and choose again.")
    return choice


def _search(choice: LinkChoice) -> None:
    choice.searched = True
    if choice.with_contacts:
        found = services.contact_search(query=choice.query, per_page=PICKER_RESULTS)
        choice.results = [Target(c.id, c.display, c.email) for c in found.contacts]
        choice.total = found.total
        return
    other = services.schema_get(key=choice.other_key)
    page = services.record_search(schema=other, query=choice.query, per_page=PICKER_RESULTS)
    choice.results = [Target(r.id, r.display(other)) for r in page.records]
    choice.total = page.total


def _read(choice: LinkChoice, target_id: str) -> Target | None:
    try:
        if choice.with_contacts:
            contact = services.contact_get(contact_id=target_id)
            return Target(contact.id, contact.display, contact.email)
        other = services.schema_get(key=choice.other_key)
        record = services.record_get(schema=other, record_id=target_id)
    except NotFound:
        return None
    return Target(record.id, record.display(other))


def link_preview(*, schema: Schema, selection: Selection, choice: LinkChoice, users=()) -> Preview:
    """ "Link 12 properties to Ann Lee <ann@example.com> (Buyer)", with the search the
    selection came from."""
    count = selection_count(schema=schema, selection=selection)
    noun = schema.singular.lower() if count == 1 else schema.plural.lower()
    target = choice.target
    blocked = bool(choice.errors) or target is None or count == 0
    summary = f"Link {count:,} {noun}"
    if target is not None:
        # A contact's email tells two of one name apart.
        detail = f" <{target.detail}>" if target.detail else ""
        summary += f" to {target.label}{detail} ({choice.label})"
    return Preview(
        count=count,
        summary=summary,
        warnings=list(choice.errors),
        blocked=blocked,
        search=search_in_words(selection.list_query(schema), users=list(users)),
    )


def link_params(choice: LinkChoice) -> dict:
    """The job's params: the association and the record every item is linked to, with the
    words its history rows keep."""
    association, target = choice.association, choice.target
    if association is None or target is None:
        raise ValueError("A bulk link needs its association and the record to link to.")
    return {
        "association": association.id,
        "association_key": association.key,
        "label": choice.label,
        "other_object": choice.other_key,
        "target": target.id,
        "target_label": target.label,
    }


def link_what(params: dict) -> dict:
    """A link's history row's `after`, in the shape the record page's links write
    (services/relations.py), so that its Undo and the job's revert read it alike."""
    return {
        "association_id": params.get("association", ""),
        "association_key": params.get("association_key", ""),
        "label": params.get("label", ""),
        "other_object": params.get("other_object", ""),
        "other_id": params.get("target", ""),
        "other_label": params.get("target_label", ""),
    }
