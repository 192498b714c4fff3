"""A record's related records on its page (views/related.py), over HTTP with Django's client,
against the embedded API's demo behind the recording proxy: the sections and their pages, the
search that links, unlink and its Undo, create-and-link, the permission, the faults."""

import re
import threading
import time
from types import SimpleNamespace

import pytest
from django.test import Client

from recordsadmin.records import services
from recordsadmin.records.models import RecordChange
from recordsadmin.records.views.related import Section
from recordsadmin.sandbox.demo import PROPERTY_KEY, SHOWING_KEY
from recordsadmin.sandbox.models import Contact as StoredContact
from recordsadmin.sandbox.models import Relation as StoredRelation
from tests.conftest import make_staff
from tests.support.embedded import QUICK_FAILURES, proxied_demo
from tests.support.stub import Reply

from .helpers import url

pytestmark = pytest.mark.django_db(transaction=True)

RELATIONS = r"/associations/relations$"


@pytest.fixture
def embedded(live_server, settings):
    """20 demo properties (two showings, 20 contacts), behind a recording proxy."""
    with proxied_demo(
        live_server,
        settings,
        records=20,
        **QUICK_FAILURES,
    ) as proxy:
        yield proxy


@pytest.fixture
def prop(embedded):
    return services.schema_get(key=PROPERTY_KEY)


@pytest.fixture
def buyers(prop):
    return next(a for a in services.association_list(object_key=PROPERTY_KEY) if a.with_contacts())


@pytest.fixture
def showings(prop):
    return next(
        a for a in services.association_list(object_key=PROPERTY_KEY) if not a.with_contacts()
    )


@pytest.fixture
def record(prop):
    """A property of its own, linked to nothing."""
    return services.record_create(
        schema=prop, properties={"address": "9 Link Lane", "price": 1, "status": "Active"}
    )


@pytest.fixture
def staff(client, staff_user):
    client.force_login(staff_user)
    return client


def a_contact(number: int = 0) -> StoredContact:
    return StoredContact.objects.order_by("id")[number]


def page_of(client: Client, prop, record, query: str = "") -> str:
    response = client.get(url("record_detail", prop.key, record.id) + query)
    assert response.status_code == 200
    return response.content.decode()


def history(record) -> list[tuple[str, str, str]]:
    changes = RecordChange.objects.filter(record_id=record.id).order_by("pk")
    return [(c.action, c.outcome, c.note) for c in changes]


def hold_until_met(
    embedded, pattern: str, parties: int, *, slow: float = 0.0
) -> tuple[list[str], list[int]]:
    """Hold each GET whose path matches `pattern` until `parties` of them are in flight
    together (the barrier gives up after 1.5 s; none held with 0 parties), and each call
    `slow` seconds more: the paths that met, and (its only item) the most calls of any kind
    that were in flight at once."""
    barrier = threading.Barrier(max(1, parties), timeout=1.5)
    met, flying, most = [], [0], [0]
    lock = threading.Lock()
    forward = embedded.stub.router

    def together(seen):
        with lock:
            flying[0] += 1
            most[0] = max(most[0], flying[0])
        try:
            time.sleep(slow)
            if parties and seen.method == "GET" and re.search(pattern, seen.path):
                try:
                    barrier.wait()
                    met.append(seen.path)
                except threading.BrokenBarrierError:
                    pass
            return forward(seen)
        finally:
            with lock:
                flying[0] -= 1

    embedded.stub.router = together
    return met, most


def test_each_association_is_a_section_of_linked_records_paged(staff, prop, record, buyers):
    people = [a_contact(n) for n in range(6)]
    for person in people:
        services.relation_create_logged(
            user=None, schema=prop, record=record, association=buyers, other_id=person.id
        )
    page = page_of(staff, prop, record)
    assert re.search(r"<h2[^>]*>Buyer <span[^>]*>\(6\)", page)
    assert re.search(r"<h2[^>]*>Showing <span[^>]*>\(0\)", page)
    assert "No showings linked." in page
    shown = [p for p in people if p.email in page]
    assert len(shown) == 5
    assert "Page 1 of 2" in page
    # Page two, without JavaScript (the whole record page) and as htmx's section.
    second = page_of(staff, prop, record, f"?related={buyers.id}&page=2")
    assert "Page 2 of 2" in second
    assert sum(p.email in second for p in people) == 1
    section = staff.get(
        url("related_section", prop.key, record.id, buyers.id) + "?page=2", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert section.lstrip().startswith("<section") and "Page 2 of 2" in section
    assert "<html" not in section


def test_a_link_just_made_is_on_the_page_shown_after_it(staff, prop, record, buyers):
    """Relations come oldest first: with a page full already, the section is shown at its
    last page after a link, where the new one is, with htmx and without."""
    for n in range(5):
        services.relation_create_logged(
            user=None, schema=prop, record=record, association=buyers, other_id=a_contact(n).id
        )
    link = url("related_link", prop.key, record.id, buyers.id)
    sixth, seventh = a_contact(5), a_contact(6)
    done = staff.post(link, {"other_id": sixth.id}, HTTP_HX_REQUEST="true").content.decode()
    assert sixth.email in done and "Page 2 of 2" in done
    assert a_contact(0).email not in done

    response = staff.post(link, {"other_id": seventh.id})
    assert response.status_code == 303
    assert f"related={buyers.id}&page=2&done=" in response["Location"]
    page = page_of(staff, prop, record, response["Location"].split(str(record.id) + "/")[1])
    assert seventh.email in page and sixth.email in page and "Page 2 of 2" in page


def test_a_linked_record_links_to_its_page(staff, prop, record, showings):
    showing = services.record_search(schema=services.schema_get(key=SHOWING_KEY)).records[0]
    services.relation_create_logged(
        user=None, schema=prop, record=record, association=showings, other_id=showing.id
    )
    page = page_of(staff, prop, record)
    assert f'href="{url("record_detail", SHOWING_KEY, showing.id)}"' in page
    # And the showing's page shows the property, by the association's other label.
    back = staff.get(url("record_detail", SHOWING_KEY, showing.id)).content.decode()
    assert "Property shown" in back and "9 Link Lane" in back


def test_an_object_linked_to_itself_keeps_which_side_each_record_is(staff, prop, record):
    """A property that replaced another: on the new one's page the old one is "Replaces",
    on the old one's page the new one is "Replaced by", though both are properties."""
    replaced = services.association_create(
        key="property_replaces",
        first_object_key=PROPERTY_KEY,
        first_label="Replaced by",
        second_object_key=PROPERTY_KEY,
        second_label="Replaces",
    )
    older = services.record_create(
        schema=prop, properties={"address": "1 Old Road", "price": 1, "status": "Sold"}
    )
    picker = staff.get(url("related_link", prop.key, record.id, replaced.id)).content.decode()
    assert "The property you link becomes “Replaces” of this one." in picker
    linked = staff.post(
        url("related_link", prop.key, record.id, replaced.id), {"other_id": older.id}
    )
    assert linked.status_code in (200, 303)
    new_page = page_of(staff, prop, record)
    assert re.search(r"<h2[^>]*>Replaces / Replaced by <span[^>]*>\(1\)", new_page)
    assert re.search(r"Replaces:</span>\s*<a[^>]*>1 Old Road</a>", new_page)
    assert 'aria-label="Unlink Replaces: 1 Old Road"' in new_page
    old_page = page_of(staff, prop, older)
    assert re.search(r"Replaced by:</span>\s*<a[^>]*>9 Link Lane</a>", old_page)
    assert "Replaces:</span>" not in old_page


def test_the_search_finds_and_links_and_refuses_what_it_must(
    staff, prop, record, buyers, showings, embedded
):
    person = a_contact(3)
    link = url("related_link", prop.key, record.id, buyers.id)
    found = staff.get(link, {"q": person.first_name}).content.decode()
    assert person.email in found and 'name="other_id"' in found

    # Too long a search: refused before the API is asked, the text kept.
    embedded.stub.requests.clear()
    long = "x" * 76
    refused = staff.get(link, {"q": long}).content.decode()
    assert "at most 75 characters long; this one has 76" in refused
    assert f'value="{long}"' in refused and 'aria-invalid="true"' in refused
    # Shown once, in red below the box; the status line only says it, for a screen reader.
    status = re.search(r'related__found-count" role="status">(.*?)</p>', refused, re.S).group(1)
    assert 'class="visually-hidden"' in status and "this one has 76" in status
    assert not embedded.calls("POST", "/contacts/search")

    # Link: back to the record page, a row in its history.
    response = staff.post(link, {"other_id": person.id})
    assert response.status_code == 303
    page = page_of(staff, prop, record, response["Location"].split(str(record.id) + "/")[1])
    assert f"Linked Buyer “{person.first_name}" in page
    assert person.email in page
    assert history(record)[-1][:2] == ("link", "ok")

    # Linked already: marked in the search, and refused without asking the API.
    again = staff.get(link, {"q": person.email}).content.decode()
    assert "Linked already" in again
    embedded.stub.requests.clear()
    twice = staff.post(link, {"other_id": person.id})
    assert twice.status_code == 200
    assert "is linked already as Buyer: it was not linked twice." in twice.content.decode()
    assert not embedded.calls("POST", RELATIONS)

    # Itself: refused the same way.
    itself = staff.post(
        url("related_link", prop.key, record.id, showings.id), {"other_id": record.id}
    )
    assert "A record cannot be linked to itself." in itself.content.decode()
    assert not embedded.calls("POST", RELATIONS)
    assert StoredRelation.objects.filter(first_record_id=record.id).count() == 1


def test_htmx_gets_the_picker_its_results_and_the_section_with_the_history(
    staff, prop, record, buyers
):
    link = url("related_link", prop.key, record.id, buyers.id)
    section_id = f"related-{buyers.id}"
    picker = staff.get(link, HTTP_HX_REQUEST="true", HTTP_HX_TARGET=f"{section_id}-panel")
    text = picker.content.decode()
    assert "<html" not in text and 'role="search"' in text and "autofocus" in text
    results = staff.get(
        link, {"q": "x" * 80}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET=f"{section_id}-results"
    ).content.decode()
    assert results.lstrip().startswith(f'<div id="{section_id}-results"')
    assert 'hx-swap-oob="innerHTML"' in results and "this one has 80" in results

    person = a_contact(5)
    done = staff.post(link, {"other_id": person.id}, HTTP_HX_REQUEST="true")
    body = done.content.decode()
    assert done.status_code == 200
    assert f'id="{section_id}"' in body and person.email in body
    assert 'id="record-history"' in body and 'hx-swap-oob="true"' in body
    assert "autofocus" in body  # what was done takes focus
    refused = staff.post(link, {"other_id": person.id}, HTTP_HX_REQUEST="true")
    assert refused["HX-Retarget"] == f"#{section_id}-panel"
    assert "linked already" in refused.content.decode()


def test_unlink_asks_first_then_can_be_undone(staff, prop, record, buyers):
    person = a_contact(1)
    services.relation_create_logged(
        user=None, schema=prop, record=record, association=buyers, other_id=person.id
    )
    unlink = url("related_unlink", prop.key, record.id, buyers.id, person.id)
    confirm = staff.get(unlink).content.decode()
    assert "will no longer be linked" in confirm and "Unlink “" in confirm
    assert StoredRelation.objects.filter(first_record_id=record.id).count() == 1

    response = staff.post(unlink)
    assert response.status_code == 303
    assert not StoredRelation.objects.filter(first_record_id=record.id).exists()
    change = RecordChange.objects.filter(record_id=record.id, action="unlink").get()
    assert change.outcome == "ok"
    page = page_of(staff, prop, record, f"?related={buyers.id}&done={change.pk}")
    undo = url("related_undo", prop.key, record.id, change.pk)
    assert f'action="{undo}"' in page and "No contacts linked." in page
    assert "Link again" in page  # the history's row of the unlink offers it too
    # Unlinking what is not linked is a 404, nothing sent.
    assert staff.post(unlink).status_code == 404

    back = staff.post(undo)
    assert back.status_code == 303
    assert StoredRelation.objects.filter(first_record_id=record.id).count() == 1
    assert "undoing the unlink" in history(record)[-1][2]
    # The unlink's row no longer offers Link again: a later link undid it.
    assert "Link again" not in page_of(staff, prop, record)
    # A second Undo of the same unlink (a page left open): refused, nothing sent, no row.
    rows = len(history(record))
    again = staff.post(undo, follow=True).content.decode()
    assert "Not linked again" in again and "linked to this record again already" in again
    assert StoredRelation.objects.filter(first_record_id=record.id).count() == 1
    assert len(history(record)) == rows


def test_create_a_contact_or_a_showing_and_link_it(staff, prop, record, buyers, showings):
    new_contact = url("related_new", prop.key, record.id, buyers.id)
    form = staff.get(new_contact).content.decode()
    assert "First name" in form and "Email" in form
    empty = staff.post(new_contact, {"_submission": "x"}).content.decode()
    assert "Give the contact a name or an email." in empty
    made = staff.post(new_contact, {"first_name": "Ada", "email": "ada@example.com"})
    assert made.status_code == 303
    contact = StoredContact.objects.get(email="ada@example.com")
    assert StoredRelation.objects.filter(second_record_id=contact.id).count() == 1

    new_showing = url("related_new", prop.key, record.id, showings.id)
    form = staff.get(new_showing).content.decode()
    # The showing's required fields (visitor, visit date) and nothing else it has.
    assert "Visitor" in form and "Visit date" in form and "Rating" not in form
    wrong = staff.post(new_showing, {"visitor": "Bo", "_submission": "bad"})
    assert wrong.status_code == 200
    text = wrong.content.decode()
    assert re.search(r'<p class="error" id="related-[^"]+-visit_date_error">', text)
    assert 'value="Bo"' in text  # what was typed is kept
    assert not RecordChange.objects.filter(object_key=SHOWING_KEY).exists()
    made = staff.post(new_showing, {"visitor": "Bo", "visit_date": "2026-05-01"})
    assert made.status_code == 303
    page = page_of(staff, prop, record)
    assert ">Bo</a>" in page
    actions = [a for a, _, _ in history(record)]
    assert actions[-2:] == ["link", "link"]
    assert RecordChange.objects.filter(object_key=SHOWING_KEY, action="create").count() == 1


def test_a_link_that_fails_after_the_create_says_what_was_done(
    staff, prop, record, buyers, embedded
):
    embedded.fail("POST", RELATIONS, Reply(503, json={"message": "Unavailable"}))
    new_contact = url("related_new", prop.key, record.id, buyers.id)
    response = staff.post(
        new_contact, {"first_name": "Cy", "email": "cy@example.com"}, HTTP_HX_REQUEST="true"
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "The contact “Cy” was created, but it could not be linked" in text
    assert "Link it again" in text
    contact = StoredContact.objects.get(email="cy@example.com")
    assert not StoredRelation.objects.filter(second_record_id=contact.id).exists()
    embedded.heal()
    again = staff.post(
        url("related_link", prop.key, record.id, buyers.id), {"other_id": contact.id}
    )
    assert again.status_code == 303
    assert StoredRelation.objects.filter(second_record_id=contact.id).count() == 1


def test_the_api_failing_shows_a_problem_not_a_crash(staff, prop, record, buyers, embedded):
    embedded.fail("POST", "/contacts/search", Reply(503, json={}))
    link = url("related_link", prop.key, record.id, buyers.id)
    section_id = f"related-{buyers.id}"
    partial = staff.get(
        link, {"q": "a"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET=f"{section_id}-results"
    )
    assert partial.status_code == 200
    assert "The records API cannot be reached" in partial.content.decode()
    # A write the API fails: said in the panel, what was chosen or typed kept, nothing linked.
    embedded.fail("POST", RELATIONS, Reply(503, json={}))
    person = a_contact(4)
    failed = staff.post(link, {"other_id": person.id, "q": "kept"}, HTTP_HX_REQUEST="true")
    text = failed.content.decode()
    assert failed["HX-Retarget"] == f"#{section_id}-panel"
    assert "Not linked. The records API cannot be reached." in text and 'value="kept"' in text
    assert "The link may have been made: look in the section" in text  # its answer was lost
    assert history(record)[-1][:2] == ("link", "unknown")
    embedded.fail("POST", "/contacts/$", Reply(503, json={}))
    new = staff.post(
        url("related_new", prop.key, record.id, buyers.id),
        {"first_name": "Kept", "email": "kept@example.com"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "may or may not have been created, and it was not linked" in new
    assert 'value="Kept"' in new and 'value="kept@example.com"' in new
    assert not StoredRelation.objects.filter(first_record_id=record.id).exists()
    # Reading the links fails: the record page still shows the record.
    embedded.fail("GET", r"/associations/relations/", Reply(503, json={}))
    page = page_of(staff, prop, record)
    assert "9 Link Lane" in page  # the record itself is still shown
    assert "The records API cannot be reached" in page


def test_a_viewer_sees_the_links_but_no_buttons_and_is_refused(
    viewer, prop, record, buyers, embedded
):
    person = a_contact(2)
    services.relation_create_logged(
        user=None, schema=prop, record=record, association=buyers, other_id=person.id
    )
    client = Client()
    client.force_login(viewer)
    page = page_of(client, prop, record)
    assert person.email in page
    link = url("related_link", prop.key, record.id, buyers.id)
    unlink = url("related_unlink", prop.key, record.id, buyers.id, person.id)
    new = url("related_new", prop.key, record.id, buyers.id)
    assert link not in page and unlink not in page and new not in page
    writes = len(embedded.writes)
    for target in (link, unlink, new):
        assert client.get(target).status_code == 403
        assert client.post(target, {"other_id": person.id}).status_code == 403
    assert client.post(url("related_undo", prop.key, record.id, 1)).status_code == 403
    assert len(embedded.writes) == writes


def test_an_editor_who_may_not_create_links_but_makes_nothing_new(prop, record, buyers, embedded):
    """New … creates a record or a contact before it links it: it needs add_record too."""
    editor = make_staff("editor", "view_record", "change_record")
    client = Client()
    client.force_login(editor)
    page = page_of(client, prop, record)
    link = url("related_link", prop.key, record.id, buyers.id)
    new = url("related_new", prop.key, record.id, buyers.id)
    assert link in page and new not in page
    writes = len(embedded.writes)
    assert client.get(new).status_code == 403
    person = {"first_name": "Eve", "email": "eve@example.com"}
    assert client.post(new, person).status_code == 403
    assert len(embedded.writes) == writes
    assert not StoredContact.objects.filter(email="eve@example.com").exists()


def test_a_section_names_the_other_record_with_its_article():
    def noun(singular: str | None) -> str:
        other = SimpleNamespace(singular=singular) if singular else None
        return Section(schema=None, record=None, association=None, other_schema=other).a_noun

    nouns = [noun(singular) for singular in ("Apartment", "Showing", "Owner", None)]
    assert nouns == ["an apartment", "a showing", "an owner", "a contact"]


def test_the_sections_pages_are_asked_side_by_side(staff, prop, record, buyers, embedded):
    """Each section's page of linked records is a call; the record page asks them at once, so
    it waits for the slowest, not their sum: here the proxy holds each relation call until the
    other has arrived too (had they been asked one after the other, the first would wait
    alone until the barrier gave up)."""
    met, _ = hold_until_met(embedded, r"/associations/relations/", 2)
    page = page_of(staff, prop, record)
    assert re.search(r"<h2[^>]*>Buyer <span[^>]*>\(0\)", page)
    assert re.search(r"<h2[^>]*>Showing <span[^>]*>\(0\)", page)
    assert len(met) == 2, "the two sections' calls were not in flight at the same time"


def test_the_record_and_its_sections_are_read_side_by_side(staff, prop, record, buyers, embedded):
    """The sections need only the record's id: their calls go with the record's own read,
    so that the page waits for the slowest of the three, not for the record and then the
    sections (had the record been read first, its call would wait alone until the barrier
    gave up)."""
    met, _ = hold_until_met(embedded, rf"/records/{record.id}$|/associations/relations/", 3)
    page = page_of(staff, prop, record)
    assert record.properties["address"] in page
    assert re.search(r"<h2[^>]*>Buyer <span[^>]*>\(0\)", page)
    assert len(met) == 3, "the record's read and the sections' calls did not go together"


def test_the_record_page_asks_no_more_at_once_than_the_setting(
    staff, prop, record, buyers, embedded, settings
):
    """With the record's read, the sections' calls and five linked contacts' reads to make,
    each call slowed down: never more in flight than RECORDS_COUNT_CONCURRENCY."""
    settings.RECORDS_COUNT_CONCURRENCY = 4
    for n in range(5):
        services.relation_create_logged(
            user=None, schema=prop, record=record, association=buyers, other_id=a_contact(n).id
        )
    _, most = hold_until_met(embedded, "", 0, slow=0.05)
    page = page_of(staff, prop, record)
    assert all(a_contact(n).email in page for n in range(5))
    assert 3 <= most[0] <= 4, f"{most[0]} calls at once"


@pytest.mark.parametrize("places", [4, 7])
def test_the_linked_records_of_a_section_are_read_side_by_side(
    staff, prop, record, buyers, embedded, settings, places
):
    """A section's linked contacts are a read each: they are asked at once, so that a page
    of them waits for the slowest read, not for their sum. The record page's calls share one
    limit (RECORDS_COUNT_CONCURRENCY), not a fixed share per section: with four places, the
    record's read done and the showings empty, the five buyers still go three or four at a
    time (a share of 3 // 2 read them one at a time). The proxy holds each read until three
    are in flight together."""
    settings.RECORDS_COUNT_CONCURRENCY = places
    for n in range(5):
        services.relation_create_logged(
            user=None, schema=prop, record=record, association=buyers, other_id=a_contact(n).id
        )
    met, most = hold_until_met(embedded, r"/contacts/[^/]+$", 3)
    page = page_of(staff, prop, record)
    assert all(a_contact(n).email in page for n in range(5))
    assert len(met) >= 3, "three reads were not in flight at the same time"
    assert most[0] <= places, f"{most[0]} calls at once: more than the request may ask"


def test_a_section_id_is_a_selector_whatever_the_associations_id():
    """Used in hx-target="#…": an id from the API with a space, a comma or a quote in it
    would point htmx at other elements."""
    for odd in ('a b,#record-history"x', "assoc.1", "ok_id-2"):
        association = SimpleNamespace(id=odd)
        made = Section(schema=None, record=None, association=association, other_schema=None).id
        assert re.fullmatch(r"related-[A-Za-z0-9_-]+", made), made
    ids = {Section(None, None, SimpleNamespace(id=i), None).id for i in ("a.b", "a_b")}
    assert len(ids) == 2


def test_the_delete_page_says_which_links_go_with_the_record(
    staff, prop, record, buyers, showings, embedded
):
    delete = url("record_delete", prop.key, record.id)
    assert "Those links are removed" not in staff.get(delete).content.decode()
    for n in range(2):
        services.relation_create_logged(
            user=None, schema=prop, record=record, association=buyers, other_id=a_contact(n).id
        )
    page = staff.get(delete).content.decode()
    assert "It is linked to 2 as Buyer. Those links are removed with it" in page
    assert "a restore makes them again" in page
    # The links cannot be read: the page still asks, and says what it cannot know.
    embedded.fail("GET", r"/associations/relations/", Reply(503, json={}))
    unknown = staff.get(delete)
    assert unknown.status_code == 200
    assert "if it has any, are removed with it. They could not be read" in unknown.content.decode()


def test_a_restore_links_the_new_record_as_the_deleted_one_was(
    staff, prop, record, buyers, showings, embedded
):
    people = [a_contact(n) for n in range(2)]
    for person in people:
        services.relation_create_logged(
            user=None, schema=prop, record=record, association=buyers, other_id=person.id
        )
    showing = services.record_search(schema=services.schema_get(key=SHOWING_KEY)).records[0]
    services.relation_create_logged(
        user=None, schema=prop, record=record, association=showings, other_id=showing.id
    )
    assert staff.post(url("record_delete", prop.key, record.id)).status_code == 303
    assert not StoredRelation.objects.filter(first_record_id=record.id).exists()
    kept = RecordChange.objects.get(action="delete", record_id=record.id).before["links"]
    assert sorted(link["other_id"] for link in kept) == sorted(
        [p.id for p in people] + [showing.id]
    )
    restore = url("record_restore", prop.key, record.id)
    assert "It was linked to 3 records or contacts" in staff.get(restore).content.decode()

    restored = staff.post(restore)
    assert restored.status_code == 303
    new_id = restored["Location"].rstrip("/").rsplit("/", 1)[-1]
    page = staff.get(restored["Location"]).content.decode()
    assert "Linked again: 3 of its 3 links." in page
    assert all(p.email in page for p in people)
    assert f'href="{url("record_detail", SHOWING_KEY, showing.id)}"' in page
    links = RecordChange.objects.filter(record_id=new_id, action="link", outcome="ok")
    assert links.count() == 3


def test_a_restore_says_which_links_it_could_not_make_again(staff, prop, record, buyers, embedded):
    person = a_contact(4)
    services.relation_create_logged(
        user=None, schema=prop, record=record, association=buyers, other_id=person.id
    )
    staff.post(url("record_delete", prop.key, record.id))
    embedded.fail("POST", RELATIONS, Reply(422, json={"statusCode": 422, "message": ["no"]}))
    restored = staff.post(url("record_restore", prop.key, record.id), follow=True)
    page = restored.content.decode()
    assert "restored. It has a new id" in page
    assert "Linked again: 0 of its 1 link." in page
    assert f"Not linked again: Buyer {person.id}" in page


def test_a_restore_whose_associations_cannot_be_read_is_still_a_restore(
    staff, prop, record, buyers, embedded
):
    """The record is made first: what fails after it is said, never shown as a failed
    restore (which, tried again, would say "restored already" and leave the links out)."""
    services.relation_create_logged(
        user=None, schema=prop, record=record, association=buyers, other_id=a_contact(1).id
    )
    staff.post(url("record_delete", prop.key, record.id))
    services.association_invalidate()
    embedded.fail("GET", r"/associations/(\?|$|objectKey)", Reply(503, json={}))
    restored = staff.post(url("record_restore", prop.key, record.id))
    assert restored.status_code == 303
    page = staff.get(restored["Location"]).content.decode()
    assert "restored. It has a new id" in page and "Linked again: 0 of its 1 link." in page
    assert f"Not linked again: {a_contact(1).id}" in page


def test_a_restore_by_someone_who_may_not_link_makes_no_links(prop, record, buyers, embedded):
    services.relation_create_logged(
        user=None, schema=prop, record=record, association=buyers, other_id=a_contact(2).id
    )
    maker = make_staff("maker", "view_record", "add_record", "delete_record")
    client = Client()
    client.force_login(maker)
    assert client.post(url("record_delete", prop.key, record.id)).status_code == 303
    restore = url("record_restore", prop.key, record.id)
    assert "(you may not)" in client.get(restore).content.decode()
    restored = client.post(restore)
    new_id = restored["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert not StoredRelation.objects.filter(first_record_id=new_id).exists()
    page = client.get(restored["Location"]).content.decode()
    assert "you may not link records" in page


def test_link_again_shows_the_page_it_lands_on(staff, prop, record, buyers):
    for n in range(6):
        services.relation_create_logged(
            user=None, schema=prop, record=record, association=buyers, other_id=a_contact(n).id
        )
    first = a_contact(0)
    unlink = url("related_unlink", prop.key, record.id, buyers.id, first.id)
    staff.post(unlink)
    change = RecordChange.objects.filter(record_id=record.id, action="unlink").get()
    undo = url("related_undo", prop.key, record.id, change.pk)
    again = staff.post(undo, HTTP_HX_REQUEST="true").content.decode()
    assert first.email in again and "Page 2 of 2" in again


def test_the_picker_of_another_objects_records_finds_marks_and_links_them(
    staff, prop, record, showings, embedded
):
    """Not contacts: the Showing section's picker searches the showings by their primary
    display value (the visitor), marks the one linked already, and links another."""
    showing = services.schema_get(key=SHOWING_KEY)
    linked, wanted = (
        services.record_create(
            schema=showing, properties={"visitor": visitor, "visit_date": "2026-05-01"}
        )
        for visitor in ("Quillon Vale", "Quillon Vance")
    )
    services.relation_create_logged(
        user=None, schema=prop, record=record, association=showings, other_id=linked.id
    )
    link = url("related_link", prop.key, record.id, showings.id)

    def offered(query: str) -> dict[str, str]:
        """The showings found for `query`: each one's item, by its label."""
        page = staff.get(link, {"q": query}).content.decode()
        assert "No showings match" not in page
        items = re.findall(r'<li class="related__item">(.*?)</li>', page, re.S)
        return {re.search(r'related__name">([^<]*)', item).group(1).strip(): item for item in items}

    # By the full display value: that showing alone, offered with its Link button.
    found = offered("Quillon Vance")
    assert list(found) == ["Quillon Vance"]
    assert f'name="other_id" value="{wanted.id}"' in found["Quillon Vance"]
    assert 'aria-label="Link Quillon Vance"' in found["Quillon Vance"]
    assert "Linked already" not in found["Quillon Vance"]
    # By a part of it: both, the linked one marked and not offered.
    both = offered("Quillon")
    assert sorted(both) == ["Quillon Vale", "Quillon Vance"]
    assert '<span class="badge">Linked already</span>' in both["Quillon Vale"]
    assert 'name="other_id"' not in both["Quillon Vale"]
    assert f'value="{wanted.id}"' in both["Quillon Vance"]
    assert "2 showings found." in staff.get(link, {"q": "Quillon"}).content.decode()
    assert not embedded.calls("POST", "/contacts/search")  # showings, not contacts

    response = staff.post(link, {"other_id": wanted.id, "q": "Quillon"})
    assert response.status_code == 303
    page = page_of(staff, prop, record, response["Location"].split(str(record.id) + "/")[1])
    assert re.search(r"<h2[^>]*>Showing <span[^>]*>\(2\)", page)
    assert f'href="{url("record_detail", SHOWING_KEY, wanted.id)}"' in page
    assert ">Quillon Vance</a>" in page
    assert history(record)[-1][:2] == ("link", "ok")
    relations = services.relation_page(record_id=record.id, association_ids=[showings.id])
    assert sorted(r.other_id(record.id) for r in relations.relations) == sorted(
        [linked.id, wanted.id]
    )
    assert relations.total == 2
    # Now both are linked already.
    assert all("Linked already" in item for item in offered("Quillon").values())
