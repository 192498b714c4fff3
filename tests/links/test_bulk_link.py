"""Bulk link over the test client and the real task worker, against the embedded API: the link
form (association, picker, preview), the job (each selected record linked, links that exist
skipped and counted), its history rows, its revert, and its retry after lost answers."""

import re
from html import unescape

import pytest
from django.db.models import Q

from recordsadmin.records import services
from recordsadmin.records.bulk import jobs, outcomes, runner
from recordsadmin.records.bulk.selection import Selection
from recordsadmin.records.models import BulkJob, RecordChange
from recordsadmin.sandbox.demo import BUYER_ASSOCIATION, SHOWING_ASSOCIATION
from recordsadmin.sandbox.models import Contact as StoredContact
from recordsadmin.sandbox.models import Record as StoredRecord
from recordsadmin.sandbox.models import Relation as StoredRelation
from tests.bulk.conftest import KEY, run_worker
from tests.bulk.conftest import proxied as proxied
from tests.bulk.conftest import records_api as records_api
from tests.support.stub import Reply

pytestmark = pytest.mark.django_db(transaction=True)

LIST = f"/objects/{KEY}/"
BULK = f"/objects/{KEY}/bulk/"
START = f"/objects/{KEY}/bulk/start/"
HTMX = {"HX-Request": "true"}


def text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def association_id(key: str) -> str:
    return next(a.id for a in services.association_list() if a.key == key)


def buyers(location, record_id: str) -> set[str]:
    rows = StoredRelation.objects.filter(
        location=location, association__key=BUYER_ASSOCIATION, first_record_id=record_id
    )
    return set(rows.values_list("second_record_id", flat=True))


def test_link_selected_records_to_a_contact_then_revert(records_api, staff_client):
    location = records_api(records=14)
    properties = StoredRecord.objects.filter(location=location, object__key=KEY).order_by("id")
    contact = StoredContact.objects.filter(location=location).order_by("id").first()
    ids = [p.id for p in properties[:4]]
    # One of them is linked to the contact already: it is skipped and counted, not failed.
    # The demo links some properties to contacts at random, and the ids are drawn anew each
    # run: the others' links to this contact go first, so that exactly one is skipped.
    already = ids[0]
    StoredRelation.objects.filter(location=location, first_record_id=already).delete()
    StoredRelation.objects.filter(
        Q(first_record_id__in=ids, second_record_id=contact.id)
        | Q(first_record_id=contact.id, second_record_id__in=ids),
        location=location,
    ).delete()
    assert services.relation_create(
        schema=services.schema_get(key=KEY),
        record_id=already,
        association=services.association_get(association_id=association_id(BUYER_ASSOCIATION)),
        other_id=contact.id,
    ).id
    before = {i: buyers(location, i) for i in ids}

    table = staff_client.get(LIST).content.decode()
    assert '<button type="submit" name="action" value="link" class="button">Link to…' in table
    form = {"ids": ids, "query": "?", "action": "link"}
    first = staff_client.post(BULK, form).content.decode()
    assert '<select id="link-association" name="association"' in first
    assert ">Buyer (contacts)</option>" in first and ">Showing</option>" in first
    form["association"] = association_id(BUYER_ASSOCIATION)
    # Searched without JavaScript (Enter in the search box): the page comes with focus there.
    searched = staff_client.post(BULK, {**form, "q": contact.first_name, "step": "search"})
    focused = re.findall(r"<[^>]*\sautofocus[\s>]", searched.content.decode())
    assert len(focused) == 1 and 'id="link-q"' in focused[0]
    # The picker, as htmx asks for it while the user types: the part and the count to announce.
    picked = staff_client.post(BULK, {**form, "q": contact.first_name}, headers=HTMX)
    html = picked.content.decode()
    assert "<html" not in html and '<label for="link-q">Search contacts</label>' in html
    assert f'name="target" value="{contact.id}"' in html
    assert re.search(r'<div id="link-status" hx-swap-oob="innerHTML">\d+ found</div>', html)
    preview = staff_client.post(
        BULK, {**form, "q": contact.first_name, "target": contact.id, "step": "preview"}
    ).content.decode()
    name = f"{contact.first_name} {contact.last_name}".strip()
    assert f"Link 4 properties to {name} <{contact.email}> (Buyer)" in text(preview)
    once = re.search(r'name="submission" value="([0-9a-f-]{36})"', preview).group(1)
    started = staff_client.post(START, {**form, "target": contact.id, "submission": once})
    job = BulkJob.objects.get()
    assert started.status_code == 302 and started["Location"] == f"/jobs/{job.pk}/"
    assert (job.kind, job.params["target"]) == ("link", contact.id)
    run_worker()

    counts = jobs.job_counts(job=job)
    assert (counts["done"], counts["skipped"], counts["not_done"]) == (3, 1, 0)
    skipped = job.items.get(outcome="skipped")
    assert (skipped.record_id, skipped.reason) == (already, "Already linked.")
    for record_id in ids:
        assert buyers(location, record_id) == before[record_id] | {contact.id}
    page = text(staff_client.get(f"/jobs/{job.pk}/").content.decode())
    assert "3 done" in page and "1 skipped (already linked)" in page
    # A "Linked" row in each record's history, naming the contact and the relation made.
    rows = RecordChange.objects.filter(job_id=str(job.pk))
    assert sorted(rows.values_list("record_id", flat=True)) == sorted(ids[1:])
    for row in rows:
        assert (row.action, row.outcome) == ("link", "ok")
        assert row.after["other_id"] == contact.id and row.after["label"] == "Buyer"
        assert StoredRelation.objects.filter(id=row.after["relation_id"]).exists()
    detail = text(staff_client.get(f"/objects/{KEY}/{ids[1]}/").content.decode())
    assert "Linked" in detail

    # Revert: the links the job made are removed; the one that was there stays.
    assert "removes the links it made from 3 records" in page
    reverting = staff_client.post(f"/jobs/{job.pk}/revert/")
    revert = BulkJob.objects.exclude(pk=job.pk).get()
    assert reverting["Location"] == f"/jobs/{revert.pk}/"
    run_worker()
    assert jobs.job_counts(job=revert)["done"] == 3
    assert buyers(location, already) == before[already]
    for record_id in ids[1:]:
        assert buyers(location, record_id) == before[record_id]
    unlinks = RecordChange.objects.filter(job_id=str(revert.pk))
    assert {(u.action, u.outcome, u.before["other_id"]) for u in unlinks} == {
        ("unlink", "ok", contact.id)
    }


def test_the_link_form_refuses_what_cannot_be_linked(records_api, staff_client, client, viewer):
    location = records_api(records=8)
    ids = list(
        StoredRecord.objects.filter(location=location, object__key=KEY).values_list("id", flat=True)
    )[:2]
    form = {"ids": ids, "query": "?", "action": "link"}
    form["association"] = association_id(SHOWING_ASSOCIATION)
    long = "x" * 80
    page = text(staff_client.post(BULK, {**form, "q": long}).content.decode())
    assert "Search with at most 75 characters (the records API's limit); this is 80." in page
    html = staff_client.post(BULK, {**form, "q": long}).content.decode()
    assert f'value="{long}"' in html, "what was typed is kept"
    # Typing redraws only the results (hx-select="#link-results"): the message is among them.
    results = html[html.index('<div id="link-results">') :]
    assert "Search with at most 75 characters" in results
    # No record chosen: the preview says so and offers no start.
    preview = staff_client.post(BULK, {**form, "step": "preview"}).content.decode()
    assert "Choose the record to link to." in text(preview) and "bulk/start/" not in preview
    # A record that does not exist (or is gone since): refused at the preview and at the start.
    gone = {**form, "target": "000000000000000000000000", "step": "preview"}
    assert "The record chosen no longer exists" in text(
        staff_client.post(BULK, gone).content.decode()
    )
    refused = staff_client.post(
        START, {**gone, "submission": "1d5a7a8e-3b86-4c53-9f3e-a9e0f1c0b2d4"}
    )
    assert refused.status_code == 200 and not BulkJob.objects.exists()
    # An association of another object, or none at all.
    other = {**form, "association": "nope"}
    assert "That association no longer exists" in text(
        staff_client.post(BULK, other).content.decode()
    )
    # Who may only look cannot link.
    client.force_login(viewer)
    assert client.post(BULK, form).status_code == 403
    assert client.post(START, form).status_code == 403
    assert "Link to…" not in client.get(LIST).content.decode()


def test_a_lost_answer_is_unknown_and_a_retry_looks_before_it_links(
    proxied, staff_user, staff_client
):
    proxy = proxied(records=3)
    schema = services.schema_get(key=KEY)
    target = StoredContact.objects.order_by("id").first()
    ids = tuple(sorted(r.id for r in StoredRecord.objects.filter(object__key=KEY)[:2]))
    StoredRelation.objects.filter(first_record_id__in=ids, second_record_id=target.id).delete()
    # The API makes each link, but its answer never comes.
    proxy.fail("POST", r"/associations/relations$", Reply(close=True), applied=True)
    params = {
        "association": association_id(BUYER_ASSOCIATION),
        "association_key": BUYER_ASSOCIATION,
        "label": "Buyer",
        "other_object": "contact",
        "target": target.id,
        "target_label": "A buyer",
    }
    job = jobs.job_create(
        user=staff_user,
        schema=schema,
        kind="link",
        selection=Selection(query="?", ids=ids),
        params=params,
        summary="Link 2 properties to A buyer (Buyer)",
    )
    runner.job_run(job_id=str(job.pk))
    counts = jobs.job_counts(job=job)
    assert (counts["unknown"], counts["not_done"]) == (2, 2)
    page = text(staff_client.get(f"/jobs/{job.pk}/").content.decode())
    assert "2 records may have been linked all the same" in page
    assert "looks for each link first" in page
    proxy.heal()
    sent = len(proxy.calls("POST", r"/associations/relations$"))
    staff_client.post(f"/jobs/{job.pk}/retry/")
    run_worker()
    assert jobs.job_counts(job=job)["done"] == 2
    assert set(job.items.values_list("reason", flat=True)) == {outcomes.RESENT_LINK}
    assert len(proxy.calls("POST", r"/associations/relations$")) == sent, "none sent twice"
    for record_id in ids:
        assert (
            StoredRelation.objects.filter(
                first_record_id=record_id, second_record_id=target.id
            ).count()
            == 1
        )
    # The first tries' rows stay "Outcome unknown"; the retry's say the link is there.
    rows = RecordChange.objects.filter(job_id=str(job.pk)).exclude(outcome="unknown")
    assert sorted(rows.values_list("record_id", "action", "outcome")) == [
        (i, "link", "ok") for i in ids
    ]
    assert all(r.after["relation_id"] for r in rows)
