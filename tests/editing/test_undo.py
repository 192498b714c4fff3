"""Undo a change (recordsadmin/records/services/undo.py, views/undo.py): the saved message and
the history offer it; it puts back the values the record had, only while the record still
holds what the change made; it is a change of its own in the history."""

import re

import pytest

from recordsadmin.client import config
from recordsadmin.records import services
from recordsadmin.records.models import RecordChange
from tests.support.stub import Reply

from .helpers import hidden, url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def record(prop):
    return services.record_create(
        schema=prop,
        properties={"address": "Before Lane", "price": 100, "status": "Pending", "bedrooms": 2},
    )


def edit(staff, prop, record, **changes):
    """Save the edit form with `changes`; the page it lands on."""
    form = staff.get(url("record_edit", prop.key, record.id)).content.decode()
    data = {"_version": hidden(form, "_version")}
    for name in ("address", "price", "status", "bedrooms"):
        data[name] = hidden_value(form, name)
    data |= changes
    return staff.post(url("record_edit", prop.key, record.id), data, follow=True)


def hidden_value(form: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', form) or re.search(
        r'<option value="([^"]*)" selected>', form.split(f'name="{name}"', 1)[1]
    )
    return match.group(1) if match else ""


def undo_url(page: str) -> str:
    match = re.search(r'href="(/objects/[^"]+/undo/\d+/)">Undo', page)
    assert match, "no Undo link"
    return match.group(1)


def current(prop, record):
    return services.record_get(schema=prop, record_id=record.id).properties


def test_the_saved_message_offers_undo_which_puts_the_values_back(staff, prop, embedded, record):
    saved = edit(staff, prop, record, address="After Lane", price="250").content.decode()
    assert current(prop, record)["address"] == "After Lane"
    link = undo_url(saved)
    page = staff.get(link).content.decode()
    assert "These values will be put back" in page
    assert "After Lane" in page and "Before Lane" in page
    done = staff.post(link, follow=True).content.decode()
    assert "the change is undone" in done
    now = current(prop, record)
    assert now["address"] == "Before Lane" and now["price"] == 100
    undo_row = RecordChange.objects.filter(action="update").order_by("-at", "-id").first()
    # Named as the history names the change: "Dec 4, 2026, 02:22".
    assert re.match(
        r"Undo of the change of [A-Z][a-z]{2} \d{1,2}, \d{4}, \d{2}:\d{2} by ", undo_row.note
    )
    assert sorted(undo_row.changed_fields) == ["address", "price"]
    # The undo is a change of its own: the history offers to undo it too.
    assert "Undo this change" in done


def test_a_later_change_by_someone_else_is_never_overwritten(staff, prop, embedded, record):
    saved = edit(staff, prop, record, address="Mine").content.decode()
    link = undo_url(saved)
    services.record_update(schema=prop, record_id=record.id, properties={"address": "Theirs"})
    writes = len(embedded.writes)
    page = staff.get(link)
    assert page.status_code == 409
    text = page.content.decode()
    assert "Not undone" in text and "changed since" in text
    refused = staff.post(link)
    assert refused.status_code == 409
    assert len(embedded.writes) == writes, "nothing sent"
    assert current(prop, record)["address"] == "Theirs"


def test_a_field_changed_back_since_is_no_conflict(staff, prop, embedded, record):
    """Someone put the address back by hand: undoing the change puts back the rest, and the
    address overwrites nothing, since it holds what the undo would put back."""
    saved = edit(staff, prop, record, address="Mine", price="250").content.decode()
    link = undo_url(saved)
    services.record_update(schema=prop, record_id=record.id, properties={"address": "Before Lane"})
    page = staff.get(link)
    assert page.status_code == 200 and "changed since" not in page.content.decode()
    staff.post(link)
    now = current(prop, record)
    assert now["address"] == "Before Lane" and now["price"] == 100


def test_each_undo_link_of_the_history_says_which_change_it_undoes(staff, prop, embedded, record):
    """A screen reader's list of links tells them apart: the fields and the moment."""
    edit(staff, prop, record, address="One Lane")
    edit(staff, prop, record, price="300", bedrooms="4")
    page = staff.get(url("record_detail", prop.key, record.id)).content.decode()
    names = re.findall(r'>Undo this change<span class="visually-hidden"> \(([^)]*)\)</span>', page)
    assert len(names) == 2 and names[0] != names[1]
    assert names[0].startswith("Bedrooms, Price, ") and names[1].startswith("Address, ")


def test_a_change_undone_already_is_not_undone_again(staff, prop, embedded, record):
    """Its history row still offers Undo; the page says there is nothing to put back, and
    nothing is sent or written in the history, by a link or a form sent twice."""
    saved = edit(staff, prop, record, address="Twice Lane", price="250").content.decode()
    link = undo_url(saved)
    staff.post(link)
    rows = RecordChange.objects.count()
    writes = len(embedded.writes)
    page = staff.get(link)
    assert page.status_code == 409
    text = page.content.decode()
    assert "Nothing to undo: the record holds the values from before this change already" in text
    assert "Undo this change</button>" not in text
    assert staff.post(link).status_code == 409
    assert len(embedded.writes) == writes and RecordChange.objects.count() == rows
    change = RecordChange.objects.get(pk=int(link.rstrip("/").rsplit("/", 1)[1]))
    with pytest.raises(services.NotUndoable):
        services.record_undo(user=None, schema=prop, change=change)


def test_undo_puts_back_only_the_fields_the_change_set(staff, prop, embedded, record):
    saved = edit(staff, prop, record, address="Mine").content.decode()
    link = undo_url(saved)
    services.record_update(schema=prop, record_id=record.id, properties={"bedrooms": 5})
    staff.post(link)
    now = current(prop, record)
    assert now["address"] == "Before Lane" and now["bedrooms"] == 5


def test_undo_of_a_change_that_did_not_go_through_is_refused(staff, prop, embedded, record):
    create = RecordChange.objects.create(
        location_id=config.location_id(),
        object_key=prop.key,
        record_id=record.id,
        action="create",
        outcome="ok",
    )
    page = staff.get(url("record_undo", prop.key, record.id, create.pk))
    assert page.status_code == 409
    assert "Only a change of a record&#x27;s values can be undone" in page.content.decode()
    assert staff.get(url("record_undo", prop.key, record.id, 999999)).status_code == 404


def test_undo_needs_the_change_permission(client, viewer, prop, embedded, record, staff):
    edit(staff, prop, record, address="Mine")
    change = RecordChange.objects.filter(action="update").first()
    client.force_login(viewer)
    assert client.get(url("record_undo", prop.key, record.id, change.pk)).status_code == 403
    assert client.post(url("record_undo", prop.key, record.id, change.pk)).status_code == 403


def test_an_undo_whose_answer_is_lost_says_so(staff, prop, embedded, record):
    saved = edit(staff, prop, record, address="Mine").content.decode()
    link = undo_url(saved)
    embedded.fail("PUT", r"/records/", Reply(500, json={"message": "Internal"}), applied=True)
    page = staff.post(link)
    text = page.content.decode()
    assert "We could not confirm the undo" in text
    assert RecordChange.objects.filter(action="update").order_by("-at", "-id")[0].outcome == (
        "unknown"
    )


def test_changes_of_one_record_combine_into_one_from_the_first_before_to_the_last_after():
    def change(before: dict, after: dict, fields: list[str], **owners) -> RecordChange:
        return RecordChange(
            record_id="r1",
            object_key="custom_objects.property",
            action=RecordChange.Action.UPDATE,
            outcome=RecordChange.Outcome.OK,
            before={"properties": before, "owner": owners.get("was")},
            after={"properties": after, "owner": owners.get("now")},
            changed_fields=fields,
        )

    combined = services.changes_combined(
        [
            change({"price": 100}, {"price": 200}, ["price"], was="u1", now="u1"),
            change({"status": "a"}, {"status": "b"}, ["status", "owner"], was="u1", now="u2"),
            change({"price": 200}, {"price": 300}, ["price"], was="u2", now="u2"),
        ]
    )
    assert combined.changed_fields == ["price", "status", "owner"]
    assert combined.before == {"properties": {"price": 100, "status": "a"}, "owner": "u1"}
    assert combined.after == {"properties": {"price": 300, "status": "b"}, "owner": "u2"}
    assert (combined.action, combined.record_id) == (RecordChange.Action.UPDATE, "r1")


def test_changes_combined_hold_no_before_when_one_of_them_holds_none():
    known = RecordChange(
        record_id="r1",
        action=RecordChange.Action.UPDATE,
        outcome=RecordChange.Outcome.OK,
        before={"properties": {"price": 1}},
        after={"properties": {"price": 2}},
        changed_fields=["price"],
    )
    resent = RecordChange(
        record_id="r1",
        action=RecordChange.Action.UPDATE,
        outcome=RecordChange.Outcome.OK,
        before=None,
        after={"properties": {"status": "b"}},
        changed_fields=["status"],
    )
    combined = services.changes_combined([resent, known])
    assert combined.before is None
    with pytest.raises(services.NotUndoable):
        services.undo_check(change=combined)
