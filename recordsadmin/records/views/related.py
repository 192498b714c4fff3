"""A record's related records on its page: one section per association of its object, the
linked records paged; link one found by a search, unlink (with Undo), or create one and link it.

Each section is `templates/records/_related_section.html`. With htmx, the buttons open a panel
in the section (the search, the short create form, the unlink confirmation) and a change
redraws the section and, out of band, the history; without JavaScript the same addresses are
whole pages and a change comes back to the record page (303). Links and unlinks are written to
the record's history by the services (services/relations.py).
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from recordsadmin.client.domain import Association, Record, Schema
from recordsadmin.client.errors import NotFound
from recordsadmin.contract.limits import CONTACT, MAX_QUERY_LENGTH
from recordsadmin.records import forms, selectors, services
from recordsadmin.records.formatting import token
from recordsadmin.records.models import RecordChange

from .common import can_add, can_change, can_view, go, load_schema, uuid_or_none
from .problems import Problem, attempt, explain, shows_api_errors, wants_partial

PER_PAGE = 5
RESULTS = 8
# What the picker reads of the record's links to mark "Linked already" (one call).
LINKED_READ = 100
PROBLEM = "records/_related_problem.html"
GONE = "This record does not exist. It may have been deleted."


@dataclass
class Section:
    """One association, seen from a record of `schema`."""

    schema: Schema
    record: Record
    association: Association
    other_schema: Schema | None  # None for contacts
    linked: services.LinkedPage | None = None
    problem: Problem | None = None
    notice: str = ""
    notice_kind: str = "success"
    undo: RecordChange | None = None
    relink_id: str = ""  # a record made but not linked: the button that tries again

    @property
    def id(self) -> str:
        """The section's HTML id, also a CSS selector (hx-target): of safe characters only,
        whatever the association's id."""
        return f"related-{token(self.association.id)}"

    @property
    def title(self) -> str:
        return self.association.heading(self.schema.key)

    @property
    def link_role(self) -> str:
        """What a record linked from this section becomes to this one, for an object linked
        to itself ("" otherwise): it goes on the second side, this record on the first."""
        return self.association.second_label if self.association.links_itself else ""

    @property
    def is_contact(self) -> bool:
        return self.other_schema is None

    @property
    def noun(self) -> str:
        return "contact" if self.is_contact else self.other_schema.singular.lower()

    @property
    def a_noun(self) -> str:
        """ "a contact", "an apartment": the article by the noun's first letter."""
        return f"{'an' if self.noun[:1] in 'aeiou' else 'a'} {self.noun}"

    @property
    def nouns(self) -> str:
        return "contacts" if self.is_contact else self.other_schema.plural.lower()

    def url(self, name: str, *more) -> str:
        args = [self.schema.key, self.record.id, self.association.id, *more]
        return reverse(f"records:related_{name}", args=args)

    @property
    def section_url(self) -> str:
        return self.url("section")

    @property
    def link_url(self) -> str:
        return self.url("link")

    @property
    def new_url(self) -> str:
        return self.url("new")

    @property
    def record_url(self) -> str:
        return reverse("records:record_detail", args=[self.schema.key, self.record.id])

    def page_url(self, number: int) -> str:
        """The record page showing this section's page `number` (without JavaScript)."""
        query = urlencode({"related": self.association.id, "page": number})
        return f"{self.record_url}?{query}#{self.id}"

    @property
    def previous_url(self) -> str:
        return self.page_url(self.linked.number - 1) if self.linked else ""

    @property
    def next_url(self) -> str:
        return self.page_url(self.linked.number + 1) if self.linked else ""


def _section(schema: Schema, record: Record, association: Association) -> Section:
    other_key = association.other_key(schema.key)
    other = None if other_key == CONTACT else services.schema_get(key=other_key)
    return Section(schema=schema, record=record, association=association, other_schema=other)


def _fill(section: Section, page: int = 1, workers: int | None = None) -> Section:
    """The section's page of linked records, read (or the problem that stopped it), `workers`
    reads at a time (all of this request's, RECORDS_COUNT_CONCURRENCY, by default)."""
    section.linked, section.problem = attempt(
        lambda: services.relation_list(
            schema=section.schema,
            record_id=section.record.id,
            association=section.association,
            page=page,
            per_page=PER_PAGE,
            workers=workers or concurrency(),
        )
    )
    return section


def concurrency() -> int:
    """How many of one request's calls are asked at once (RECORDS_COUNT_CONCURRENCY)."""
    return max(1, int(settings.RECORDS_COUNT_CONCURRENCY))


def _page_number(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


def sections(request: HttpRequest, schema: Schema, record: Record) -> tuple[list, Problem | None]:
    """The record page's sections, each with its first page of linked records (or the page
    the address asks for), and the Undo of an unlink just made without JavaScript."""
    calls = concurrency()
    with services.calls_at_most(calls):
        shown, fills, problem = planned(request, schema, record, calls=calls)
        services.in_threads(fills, workers=calls, name="related")
    return shown, problem


def planned(
    request: HttpRequest, schema: Schema, record: Record, *, calls: int
) -> tuple[list[Section], list[Callable[[], Section]], Problem | None]:
    """The record page's sections before their linked records are read, the calls that read
    them (asked side by side, the page waits for the slowest, not for their sum), and the
    problem that stopped the sections, if any. Only the record's id is read here. Each fill
    may read `calls` linked records at once: the caller holds all of them together to that
    many (services.calls_at_most), so a section with many takes the places the others leave."""
    found, problem = attempt(lambda: services.association_list(object_key=schema.key))
    if problem:
        return [], [], problem
    shown, fills = [], []
    for association in found:
        section, problem = attempt(lambda a=association: _section(schema, record, a))
        if problem:
            break
        asked = request.GET.get("related") == association.id
        fills.append(partial(_fill, section, _page_number(request.GET.get("page")) if asked else 1))
        if asked and (change := _done(request, schema, record)):
            _notice_of(section, change)
        shown.append(section)
    # Each section's page of linked records is a call, then a read of each.
    return shown, [partial(fill, workers=calls) for fill in fills], problem


def _done(request: HttpRequest, schema: Schema, record: Record) -> RecordChange | None:
    change_id = request.GET.get("done", "")
    if not change_id.isdigit():
        return None
    return selectors.change_get(object_key=schema.key, record_id=record.id, change_id=change_id)


def _notice_of(section: Section, change: RecordChange) -> None:
    """An unlink just made (the page's message says what was done): its Undo, in the section
    the address scrolls to."""
    if change.action == RecordChange.Action.UNLINK and change.outcome == RecordChange.Outcome.OK:
        section.notice = f"Unlinked {change.note}."
        section.undo = change


# -- helpers of the views -------------------------------------------------------------------------


def _load(key: str, record_id: str, association_id: str) -> Section:
    schema = load_schema(key)
    try:
        record = services.record_get(schema=schema, record_id=record_id)
    except NotFound:
        raise Http404(GONE) from None
    try:
        association = services.association_get(association_id=association_id)
    except NotFound:
        raise Http404("This object has no such association.") from None
    if not association.holds(schema.key):
        raise Http404("This association does not link this object's records.")
    return _section(schema, record, association)


def _redrawn(request: HttpRequest, section: Section, page: int = 1) -> HttpResponse:
    """The section after a change, read again; with htmx the history comes too (out of
    band), since the change is a row in it."""
    _fill(section, page)
    history = selectors.history_entries(schema=section.schema, record_id=section.record.id)
    context = {"section": section, "history": history, "focus_notice": bool(section.notice)}
    return render(request, "records/_related_changed.html", context)


def _after(
    request: HttpRequest, section: Section, text: str, change=None, page: int = 1
) -> HttpResponse:
    """A change made: the section redrawn at `page` with what was done (htmx), or back to the
    record page with the message and, for an unlink, its Undo in the section."""
    if wants_partial(request):
        section.notice = text
        section.undo = change if change and change.action == RecordChange.Action.UNLINK else None
        return _redrawn(request, section, page)
    messages.success(request, text)
    query = {"related": section.association.id}
    if page > 1:
        query["page"] = page
    if change is not None:
        query["done"] = change.pk
    return go(request, f"{section.record_url}?{urlencode(query)}#{section.id}")


def _newest_page(section: Section) -> int:
    """The section's page that holds its newest link: the API lists a record's relations
    oldest first, so a link just made is on the last page (one call to count them; page 1
    when the count cannot be had, where the section says what it shows)."""
    total, problem = attempt(
        lambda: services.relation_count(
            record_id=section.record.id, association=section.association
        )
    )
    return 1 if problem or not total else -(-total // PER_PAGE)


def _panel(request: HttpRequest, section: Section, template: str, context: dict, title: str):
    """A panel of the section (htmx), or the page that holds it alone (no JavaScript). A form
    that comes back with its errors is put in the panel even when it was posted to redraw the
    section."""
    context = {"section": section, "title": title, **context}
    if wants_partial(request):
        response = render(request, template, {**context, "in_panel": True})
        if request.method == "POST":
            response = reswap(retarget(response, f"#{section.id}-panel"), "innerHTML")
        return response
    return render(request, "records/related_page.html", {**context, "panel": template})


def _last_change(request: HttpRequest, section: Section, action: str) -> RecordChange | None:
    return selectors.last_own_link_get(
        user=request.user,
        object_key=section.schema.key,
        record_id=section.record.id,
        unlink=action == "unlink",
    )


# -- the section and its pages --------------------------------------------------------------------


@require_GET
@can_view
@shows_api_errors(partial=PROBLEM)
def related_section(request: HttpRequest, key: str, record_id: str, association_id: str):
    section = _load(key, record_id, association_id)
    page = _page_number(request.GET.get("page"))
    if not wants_partial(request):
        return go(request, section.page_url(page))
    _fill(section, page)
    return render(request, "records/_related_section.html", {"section": section})


# -- link an existing record ----------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    id: str
    label: str
    detail: str = ""
    why_not: str = ""  # why it cannot be linked: itself, or linked already


def _search(section: Section, query: str) -> tuple[list[Found], int]:
    """The records (or contacts) the picker offers for `query`, those that cannot be linked
    marked, and how many match in all."""
    linked = services.relation_page(
        record_id=section.record.id, association_ids=[section.association.id], per_page=LINKED_READ
    )
    taken = {r.other_id(section.record.id) for r in linked.relations}

    def why_not(found_id: str) -> str:
        if found_id == section.record.id:
            return "This record"
        return "Linked already" if found_id in taken else ""

    if section.is_contact:
        people = services.contact_search(query=query, per_page=RESULTS)
        items = [
            Found(c.id, c.display, c.email if c.name else "", why_not(c.id))
            for c in people.contacts
        ]
        return items, people.total
    page = services.record_search(schema=section.other_schema, query=query, per_page=RESULTS)
    items = [Found(r.id, r.display(section.other_schema), "", why_not(r.id)) for r in page.records]
    return items, page.total


def _too_long(query: str) -> str:
    if len(query) <= MAX_QUERY_LENGTH:
        return ""
    return (
        f"The search can be at most {MAX_QUERY_LENGTH} characters long; this one has "
        f"{len(query)}. Shorten it to search."
    )


@require_http_methods(["GET", "POST"])
@can_view
@can_change
@shows_api_errors(partial=PROBLEM)
def related_link(request: HttpRequest, key: str, record_id: str, association_id: str):
    section = _load(key, record_id, association_id)
    if request.method == "POST":
        return _link(request, section)
    query = request.GET.get("q", "")
    context = {"query": query, "query_error": _too_long(query)}
    if not context["query_error"]:
        context["results"], context["total"] = _search(section, query.strip())
    title = f"Link {section.a_noun}"
    if request.htmx and request.htmx.target == f"{section.id}-results":
        context["section"] = section
        return render(request, "records/_related_picker.html#related-results", context)
    return _panel(request, section, "records/_related_picker.html", context, title)


def _link(request: HttpRequest, section: Section) -> HttpResponse:
    other_id = request.POST.get("other_id", "").strip()
    refusal = _refusal(section, other_id)
    other_label = ""
    if not refusal:
        other = _read_other(section, other_id)
        if other is None:
            refusal = f"There is no such {section.noun}: it may have been deleted."
        else:
            other_label = other
    if not refusal:
        refusal = _failed(
            lambda: services.relation_create_logged(
                user=request.user,
                schema=section.schema,
                record=section.record,
                association=section.association,
                other_id=other_id,
                other_label=other_label,
            ),
            "Not linked",
            "The link may have been made: look in the section before linking again.",
        )
    if refusal:
        query = request.POST.get("q", "")
        context = {"query": query, "link_error": refusal}
        return _panel(request, section, "records/_related_picker.html", context, "Not linked")
    text = f"Linked {section.title} “{other_label}”."
    change = _last_change(request, section, "link")
    return _after(request, section, text, change, page=_newest_page(section))


def _failed(call, what: str, unknown: str) -> str:
    """Make a change; "" when it was done, else what to tell the user (the panel then keeps
    what they chose or typed). `unknown`: what to add when the answer was lost."""
    _, problem = attempt(call)
    if problem is None:
        return ""
    if problem.kind == "invalid":
        return f"{what}: the records API refused it. {problem.text}"
    lost = f" {unknown}" if problem.kind in ("down", "odd") else ""
    return f"{what}. {problem.title}. {problem.text}{lost}"


def _refusal(section: Section, other_id: str) -> str:
    """Why the dashboard does not even ask the API to link `other_id`."""
    if not other_id:
        return f"Choose {section.a_noun} to link."
    if other_id == section.record.id:
        return "A record cannot be linked to itself."
    existing = services.linked_get(
        schema=section.schema,
        record_id=section.record.id,
        association=section.association,
        other_id=other_id,
    )
    if existing is not None:
        return f"“{existing.label}” is linked already as {section.title}: it was not linked twice."
    return ""


def _read_other(section: Section, other_id: str) -> str | None:
    """The label of the record or contact to link; None when it does not exist."""
    try:
        if section.is_contact:
            return services.contact_get(contact_id=other_id).display
        found = services.record_get(schema=section.other_schema, record_id=other_id)
    except NotFound:
        return None
    return found.display(section.other_schema)


# -- unlink, and its Undo -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@can_view
@can_change
@shows_api_errors(partial=PROBLEM)
def related_unlink(
    request: HttpRequest, key: str, record_id: str, association_id: str, other_id: str
):
    section = _load(key, record_id, association_id)
    linked = services.linked_get(
        schema=section.schema,
        record_id=section.record.id,
        association=section.association,
        other_id=other_id,
    )
    if linked is None:
        raise Http404("These two records are not linked (any more).")
    if request.method == "GET":
        context = {"linked": linked, "unlink_url": section.url("unlink", other_id)}
        title = f"Unlink “{linked.label}”?"
        return _panel(request, section, "records/_related_unlink.html", context, title)
    failure = _failed(
        lambda: services.relation_delete_logged(
            user=request.user,
            schema=section.schema,
            record=section.record,
            association=section.association,
            relation=linked.relation,
            other_label=linked.label,
        ),
        "Not unlinked",
        "The link may be gone already: close this and look again.",
    )
    if failure:
        context = {"linked": linked, "unlink_url": section.url("unlink", other_id)}
        context["problem_text"] = failure
        return _panel(request, section, "records/_related_unlink.html", context, "Not unlinked")
    text = f"Unlinked {section.title} “{linked.label}”."
    return _after(request, section, text, _last_change(request, section, "unlink"))


@require_POST
@can_view
@can_change
@shows_api_errors(partial=PROBLEM)
def related_undo(request: HttpRequest, key: str, record_id: str, change_id: int):
    schema = load_schema(key)
    change = selectors.change_get(object_key=schema.key, record_id=record_id, change_id=change_id)
    if change is None:
        raise Http404("There is no such change of this record in the dashboard's history.")
    try:
        record = services.record_get(schema=schema, record_id=record_id)
    except NotFound:
        raise Http404(GONE) from None
    before = change.before if isinstance(change.before, dict) else {}
    section = None
    if association_id := before.get("association_id"):
        found, _ = attempt(lambda: services.association_get(association_id=association_id))
        section = _section(schema, record, found) if found else None
    try:
        _, problem = attempt(
            lambda: services.unlink_undo(
                user=request.user, schema=schema, record=record, change=change
            )
        )
    except services.NotRelinkable as refusal:
        problem = Problem("invalid", "Not linked again", str(refusal))
    if problem is not None:
        text = f"Not linked again: {problem.text}"
        return _undo_refused(request, schema, record, section, text)
    label = before.get("other_label") or before.get("other_id", "")
    text = f"Linked {before.get('label', '')} “{label}” again."
    if section is None:
        messages.success(request, text)
        return go(request, reverse("records:record_detail", args=[schema.key, record.id]))
    change = _last_change(request, section, "link")
    return _after(request, section, text, change, page=_newest_page(section))


def _undo_refused(request, schema, record, section, text: str) -> HttpResponse:
    if section is not None and wants_partial(request):
        section.notice, section.notice_kind = text, "error"
        return _redrawn(request, section)
    messages.error(request, text)
    return go(request, reverse("records:record_detail", args=[schema.key, record.id]))


# -- create a record (or contact) and link it -----------------------------------------------------


@require_http_methods(["GET", "POST"])
@can_view
@can_change
@can_add  # it creates a record (or a contact) first: who may not create may not here either
@shows_api_errors(partial=PROBLEM)
def related_new(request: HttpRequest, key: str, record_id: str, association_id: str):
    section = _load(key, record_id, association_id)
    if section.is_contact:
        form = forms.ContactForm(request.POST or None, auto_id=f"{section.id}-%s")
    else:
        form = forms.QuickRecordForm(
            request.POST or None, schema=section.other_schema, auto_id=f"{section.id}-%s"
        )
    submission = request.POST.get(forms.SUBMISSION, "") or str(uuid.uuid4())
    context = {"form": form, "submission": submission}
    title = f"New {section.noun}, linked to this {section.schema.singular.lower()}"
    if section.title.lower() != section.noun:
        title += f" as {section.title}"
    if request.method == "GET" or not form.is_valid():
        form.describe_errors()
        _focus_first(form)
        return _panel(request, section, "records/_related_new.html", context, title)
    try:
        made, problem = attempt(lambda: _create_linked(request, section, form, submission))
    except services.AlreadySubmitted:
        made, problem = None, None
        context["create_error"] = (
            f"This form was sent already: look for the new {section.noun} in the section "
            "before sending it again."
        )
    if problem is not None:
        context["create_error"] = _not_created(section, problem)
    if made is None:
        return _panel(request, section, "records/_related_new.html", context, title)
    if made.link_error is not None:
        problem = explain(made.link_error)
        text = (
            f"The {section.noun} “{made.label}” was created, but it could not be linked: "
            f"{problem.title}. {problem.text} It exists, unlinked; link it again below."
        )
        section.notice, section.notice_kind, section.relink_id = text, "error", made.record_id
        if wants_partial(request):
            return _redrawn(request, section)
        return _panel(request, _fill(section), "records/_related_section.html", {}, "Not linked")
    text = f"Created the {section.noun} “{made.label}” and linked it as {section.title}."
    change = _last_change(request, section, "link")
    return _after(request, section, text, change, page=_newest_page(section))


def _not_created(section: Section, problem: Problem) -> str:
    if problem.kind == "invalid":
        return f"Nothing was created: the records API refused it. {problem.text}"
    if problem.kind in ("down", "odd"):
        return (
            f"{problem.title}. {problem.text} The {section.noun} may or may not have been "
            "created, and it was not linked: look for it before sending this again."
        )
    return f"Nothing was created. {problem.title}. {problem.text}"


def _focus_first(form) -> None:
    """`autofocus` on the first field in error, else the first field (a group of inputs gets
    it on each, the browser takes the first)."""
    wrong = [k for k in form.fields if form.is_bound and form.errors.get(k)]
    keys = wrong or list(form.fields)
    if keys:
        form.fields[keys[0]].widget.attrs["autofocus"] = True


def _create_linked(request, section: Section, form, submission: str):
    common = {
        "user": request.user,
        "schema": section.schema,
        "record": section.record,
        "association": section.association,
    }
    if section.is_contact:
        return services.contact_create_linked(
            **common,
            first_name=form.cleaned_data["first_name"],
            last_name=form.cleaned_data["last_name"],
            email=form.cleaned_data["email"],
        )
    return services.record_create_linked(
        **common,
        other_schema=section.other_schema,
        properties=form.properties(),
        submission=uuid_or_none(submission) or uuid.uuid4(),
    )
