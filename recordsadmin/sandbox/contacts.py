"""Contacts of the embedded API: what relations to `contact` need, and nothing more of the
contacts API (docs/records-api.md, Contacts): search by text with paging, read one, create one.
"""

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from recordsadmin.contract.limits import (
    DEFAULT_PAGE_LIMIT,
    MAX_EMAIL_LENGTH,
    MAX_LABEL_LENGTH,
    MAX_PAGE_LIMIT,
    MAX_PHONE_LENGTH,
    MAX_QUERY_LENGTH,
    PHONE_RULE,
    is_phone,
)

from .endpoint import Call
from .errors import ApiError, bad_request, not_found
from .models import Contact
from .search import MAX_PAGE
from .serializers import contact_json
from .views import only, string

SEARCH_KEYS = {"locationId", "query", "page", "pageLimit"}
CREATE_KEYS = {"locationId", "firstName", "lastName", "name", "email", "phone", "companyName"}
_email = EmailValidator()


def _integer(body: Mapping, name: str, default: int, high: int) -> int:
    value = body.get(name)
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= high:
        raise bad_request(f"{name} must be an integer from 1 to {high}", name)
    return value


def search_contacts(call: Call) -> tuple[int, dict]:
    """Contacts whose name, email, phone or company holds `query` (any case), by last name,
    then first name, then id."""
    body = call.body
    only(body, SEARCH_KEYS)
    query = string(body, "query") or ""
    if len(query) > MAX_QUERY_LENGTH:
        raise bad_request(f"query must be at most {MAX_QUERY_LENGTH} characters", "query")
    page = _integer(body, "page", 1, MAX_PAGE)
    page_limit = _integer(body, "pageLimit", DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT)
    rows = Contact.objects.filter(location=call.location)
    if query.strip():
        rows = rows.filter(search_text__contains=query.strip().lower())
    start = (page - 1) * page_limit
    found = rows.order_by("last_name", "first_name", "id")[start : start + page_limit]
    return 200, {"contacts": [contact_json(c) for c in found], "total": rows.count()}


def read_contact(call: Call, contact_id: str) -> tuple[int, dict]:
    contact = Contact.objects.filter(location=call.location, id=contact_id).first()
    if contact is None:
        raise not_found(f"Contact {contact_id} not found")
    return 200, {"contact": contact_json(contact)}


def _names(body: Mapping) -> tuple[str, str]:
    first = string(body, "firstName", longest=MAX_LABEL_LENGTH) or ""
    last = string(body, "lastName", longest=MAX_LABEL_LENGTH) or ""
    name = string(body, "name", longest=MAX_LABEL_LENGTH) or ""
    if name.strip() and not (first.strip() or last.strip()):
        first, _, last = name.strip().partition(" ")
    return first.strip(), last.strip()


def _email_of(body: Mapping) -> str:
    email = (string(body, "email", longest=MAX_EMAIL_LENGTH) or "").strip()
    if email:
        try:
            _email(email)
        except ValidationError:
            raise bad_request("email must be a valid email address", "email") from None
    return email


def _phone_of(body: Mapping) -> str:
    phone = (string(body, "phone", longest=MAX_PHONE_LENGTH) or "").strip()
    if phone and not is_phone(phone):
        raise bad_request(f"phone must be {PHONE_RULE}", "phone")
    return phone


def create_contact(call: Call) -> tuple[int, dict]:
    """A contact needs a name, an email or a phone; an email may belong to one contact of the
    location only (the real service's default: no duplicated contacts)."""
    body = call.body
    only(body, CREATE_KEYS)
    first, last = _names(body)
    email = _email_of(body)
    phone = _phone_of(body)
    company = (string(body, "companyName", longest=MAX_LABEL_LENGTH) or "").strip()
    if not (first or last or email or phone):
        raise bad_request("A contact needs a name, an email or a phone", "name")
    with transaction.atomic():
        if email:
            _email_free(call, email)
        now = timezone.now()
        contact = Contact(
            location=call.location,
            first_name=first,
            last_name=last,
            email=email,
            phone=phone,
            company_name=company,
            created_at=now,
            updated_at=now,
        )
        contact.search_text = contact.build_search_text()
        try:
            with transaction.atomic():
                contact.save(force_insert=True)
        except IntegrityError:  # the same email sent twice at the same moment
            _email_free(call, email)
            raise
    return 201, {"contact": contact_json(contact)}


def _email_free(call: Call, email: str) -> None:
    """400 naming `email` when a contact of the location has it, in any case."""
    taken = Contact.objects.filter(location=call.location, email__iexact=email).first()
    if taken is not None:
        message = f"A contact with the email {email} exists already ({taken.id})"
        raise ApiError(400, message, {"email": [message]})
