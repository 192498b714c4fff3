"""Contacts of the configured location: what a record's relations to contacts need (search by
text for a picker, read one, create one). Nothing more of the contacts API is used."""

from recordsadmin.client import endpoints, wire
from recordsadmin.client.domain import Contact, ContactPage


def contact_search(
    *, query: str = "", page: int = 1, per_page: int = 20, deadline: float | None = None
) -> ContactPage:
    """One page of the contacts whose name, email, phone or company holds `query` (cut to the
    API's 75 characters; every contact when empty)."""
    body = wire.contact_search_body(query=query, page=page, per_page=per_page)
    data = endpoints.contacts_search(body, deadline=deadline)
    return wire.parse_contact_page(data, page=body["page"], per_page=body["pageLimit"])


def contact_get(*, contact_id: str, deadline: float | None = None) -> Contact:
    """One contact; NotFound when it does not exist (or is another location's)."""
    return wire.parse_contact(endpoints.contact_get(contact_id, deadline=deadline))


def contact_create(
    *,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    phone: str = "",
    company_name: str = "",
    deadline: float | None = None,
) -> Contact:
    """Create a contact. Sent once: a lost answer raises OutcomeUnknown, never a resend. A
    refusal (an email another contact has, a phone that is no number) is ValidationFailed
    with the problems by wire name (`email`, `phone`, `firstName`...)."""
    body = wire.contact_create_body(
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        company_name=company_name,
    )
    return wire.parse_contact(endpoints.contact_create(body, deadline=deadline))
