"""Counting an association's relations before it is deleted, over the test client and the real
task worker, against the embedded API: the delete confirmation's cost and button, the count
job (one call per record of the smaller custom-object side, its sum equal to the relations the
embedded API holds), a second start showing the running count, cancel, an item that fails
("at least"), and who may count."""

import re
from html import unescape

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from recordsadmin.records import services
from recordsadmin.records.bulk import counting, runner
from recordsadmin.records.models import BulkJob
from recordsadmin.sandbox.demo import BUYER_ASSOCIATION, PROPERTY_KEY, SHOWING_ASSOCIATION
from recordsadmin.sandbox.models import Association as StoredAssociation
from recordsadmin.sandbox.models import Contact as StoredContact
from recordsadmin.sandbox.models import Record as StoredRecord
from recordsadmin.sandbox.models import Relation as StoredRelation
from tests.bulk.conftest import proxied as proxied
from tests.bulk.conftest import records_api as records_api
from tests.bulk.conftest import run_worker
from tests.conftest import RECORD_PERMISSIONS, make_staff
from tests.support.stub import Reply

pytestmark = pytest.mark.django_db(transaction=True)

SHOWING_KEY = "custom_objects.showing"


def text(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def stored(key: str) -> StoredAssociation:
    return StoredAssociation.objects.get(key=key)


def confirm_url(association_id: str) -> str:
    return reverse("records:schema_association_delete", args=[PROPERTY_KEY, association_id])


def count_url(association_id: str) -> str:
    return reverse("records:schema_association_count", args=[PROPERTY_KEY, association_id])


@pytest.fixture
def schemer(client, db):
    client.force_login(make_staff("schemer", *RECORD_PERMISSIONS, "manage_schema"))
    return client


def test_a_count_equals_the_relations_the_api_holds(records_api, schemer):
    location = records_api(records=20)
    buyers = stored(BUYER_ASSOCIATION)
    # A few more buyers on one property, so that a record with several counts them all.
    contacts = list(StoredContact.objects.filter(location=location).order_by("id")[:3])
    linked = StoredRecord.objects.filter(location=location, object__key=PROPERTY_KEY).first()
    StoredRelation.objects.filter(association=buyers, first_record_id=linked.id).delete()
    association = services.association_get(association_id=buyers.id)
    for contact in contacts:
        services.relation_create(
            schema=services.schema_get(key=PROPERTY_KEY),
            record_id=linked.id,
            association=association,
            other_id=contact.id,
        )
    expected = StoredRelation.objects.filter(association=buyers).count()
    assert expected >= 3

    before = text(schemer.get(confirm_url(buyers.id)))
    assert "cannot count an association's relations in one call" in before
    assert "a call per record of one side: 20 properties, about 3 seconds" in before
    assert "(100 calls per 10 seconds)" in before
    assert "the records themselves stay" in before
    assert "Count the relations" in before and "go with it" not in before

    started = schemer.post(count_url(buyers.id))
    job = BulkJob.objects.get()
    assert started.status_code == 303 and started["Location"] == f"/jobs/{job.pk}/"
    assert (job.kind, job.object_key, job.params["association"]) == (
        "count",
        PROPERTY_KEY,
        buyers.id,
    )
    # A second start while it is queued shows that one instead of starting another.
    again = schemer.post(count_url(buyers.id), follow=True)
    assert BulkJob.objects.count() == 1
    assert again.redirect_chain[-1][0] == f"/jobs/{job.pk}/"
    assert "being counted already" in text(again)
    running = text(schemer.get(confirm_url(buyers.id)))
    assert "The relations are being counted (it is waiting for the task worker)" in running
    assert "Follow the count" in running
    run_worker()

    job.refresh_from_db()
    result = counting.count_result(job=job)
    assert (job.status, result.relations, result.counted, result.records) == (
        "done",
        expected,
        20,
        20,
    )
    assert result.complete and not job.items.exclude(outcome="done").exists()
    at = result.when
    page = text(schemer.get(f"/jobs/{job.pk}/"))
    assert "20 of 20 records counted" in page
    assert f"{expected} relations go with it (counted {at}, by schemer)" in page
    assert "Count again" in page and "Retry" not in page
    confirm = text(schemer.get(confirm_url(buyers.id)))
    assert f"{expected} relations go with it (counted {at}, by schemer)" in confirm
    assert "the records themselves stay" in confirm and "Count again" in confirm
    assert "cannot count an association's relations in one call" not in confirm


def test_the_smaller_custom_object_side_is_walked(records_api, schemer):
    records_api(records=20)
    showings = stored(SHOWING_ASSOCIATION)
    assert StoredRecord.objects.filter(object__key=SHOWING_KEY).count() == 2
    confirm = text(schemer.get(confirm_url(showings.id)))
    assert "2 showings" in confirm
    schemer.post(count_url(showings.id))
    run_worker()
    job = BulkJob.objects.get()
    assert job.object_key == SHOWING_KEY and job.total == 2
    expected = StoredRelation.objects.filter(association=showings).count()
    assert counting.count_result(job=job).relations == expected == 2


def test_cancelled_then_counted_again(records_api, schemer):
    records_api(records=12)
    buyers = stored(BUYER_ASSOCIATION)
    schemer.post(count_url(buyers.id))
    job = BulkJob.objects.get()
    runner.job_run(job_id=str(job.pk), stop_after=4)
    assert schemer.post(f"/jobs/{job.pk}/cancel/").status_code == 302
    run_worker()
    job.refresh_from_db()
    assert job.status == "cancelled"
    result = counting.count_result(job=job)
    assert (result.counted, result.not_counted, result.complete) == (4, 8, False)
    response = schemer.get(f"/jobs/{job.pk}/")
    crumbs = re.search(
        r'<nav class="breadcrumbs"[^>]*>(.*?)</nav>', response.content.decode(), re.S
    )
    # Asked from the schema pages: the trail goes back there.
    assert re.findall(r'<a href="([^"]+)">([^<]+)</a>', crumbs[1]) == [
        (reverse("records:schema_objects"), "Schema"),
        (confirm_url(buyers.id), f"Delete the association {BUYER_ASSOCIATION}"),
    ]
    page = text(response)
    assert "The latest count was cancelled" in page and "after 4 of 12 records" in page
    assert "at least" in page and "Count again" in page
    confirm = text(schemer.get(confirm_url(buyers.id)))
    assert "The latest count was cancelled" in confirm
    assert "about 2 seconds" in confirm and "Count again" in confirm

    schemer.post(count_url(buyers.id))
    run_worker()
    latest = counting.count_latest(association_id=buyers.id)
    assert latest.pk != job.pk and latest.status == "done"
    expected = StoredRelation.objects.filter(association=buyers).count()
    assert counting.count_result(job=latest).relations == expected


def test_a_record_that_fails_makes_the_count_a_lower_bound(proxied, schemer):
    proxy = proxied(records=6)
    buyers = stored(BUYER_ASSOCIATION)
    linked = StoredRelation.objects.filter(association=buyers).first().first_record_id
    proxy_reply = Reply(status=500, json={"statusCode": 500, "message": "Internal error"})
    proxy.fail("GET", rf"/associations/relations/{linked}$", proxy_reply)
    schemer.post(count_url(buyers.id))
    run_worker()
    job = BulkJob.objects.get()
    assert job.status == "done"
    result = counting.count_result(job=job)
    missed = StoredRelation.objects.filter(association=buyers, first_record_id=linked).count()
    total = StoredRelation.objects.filter(association=buyers).count()
    assert (result.counted, result.not_counted) == (5, 1)
    assert result.relations == total - missed
    sentence = f"At least {result.figure.removeprefix('at least ')} go with it"
    page = text(schemer.get(f"/jobs/{job.pk}/"))
    assert sentence in page and "1 of the 6 records could not be counted" in page
    assert "1 could not be counted" in page
    assert sentence in text(schemer.get(confirm_url(buyers.id)))


def test_only_who_may_change_the_schema_counts(records_api, client, staff_user, schemer):
    records_api(records=4)
    buyers = stored(BUYER_ASSOCIATION)
    schemer.post(count_url(buyers.id))
    job = BulkJob.objects.get()
    client.force_login(staff_user)
    assert client.post(count_url(buyers.id)).status_code == 403
    assert client.get(confirm_url(buyers.id)).status_code == 403
    assert client.post(f"/jobs/{job.pk}/cancel/").status_code == 403
    assert BulkJob.objects.count() == 1
    # An association of another object is no association of this one.
    assert client.post(count_url("nope")).status_code == 403
    client.force_login(make_staff("other-schemer", *RECORD_PERMISSIONS, "manage_schema"))
    assert client.post(count_url("nope")).status_code == 404


def test_an_answer_without_its_total_is_paged_through_and_counted(proxied):
    proxy = proxied(records=4)
    buyers = stored(BUYER_ASSOCIATION)
    record_id = StoredRecord.objects.filter(object__key=PROPERTY_KEY).first().id
    relations = [
        {"id": f"r{n}", "associationId": buyers.id, "firstRecordId": record_id,
         "secondRecordId": f"c{n}"}
        for n in range(3)
    ]  # fmt: skip
    # The total left out: one relation asked for, three come, and nothing says whether more do.
    proxy.fail(
        "GET", rf"/associations/relations/{record_id}$", Reply(json={"relations": relations})
    )
    association = services.association_get(association_id=buyers.id)
    assert services.relation_count(record_id=record_id, association=association) == 3
    asked = [s.query.get("limit") for s in proxy.calls("GET", rf"/relations/{record_id}$")]
    assert asked == [["1"], ["100"]]


def test_an_object_linked_to_itself_counts_each_relation_once(records_api, schemer):
    records_api(records=6)
    schema = services.schema_get(key=PROPERTY_KEY)
    nearby = services.association_create(
        key="property_nearby",
        first_object_key=PROPERTY_KEY,
        first_label="Near",
        second_object_key=PROPERTY_KEY,
        second_label="Nearby",
    )
    ids = list(
        StoredRecord.objects.filter(object__key=PROPERTY_KEY)
        .order_by("id")
        .values_list("id", flat=True)
    )
    for first, second in ((ids[0], ids[1]), (ids[0], ids[2]), (ids[3], ids[1])):
        services.relation_create(
            schema=schema, record_id=first, association=nearby, other_id=second
        )
    assert StoredRelation.objects.filter(association__key="property_nearby").count() == 3
    schemer.post(count_url(nearby.id))
    run_worker()
    result = counting.count_result(job=BulkJob.objects.get())
    assert (result.relations, result.counted, result.complete) == (3, 6, True)
    assert "3 relations go with it" in text(schemer.get(confirm_url(nearby.id)))


def test_two_starts_at_the_same_moment_make_one_count(records_api, schemer, monkeypatch):
    """Two people ask for the count at once, from two pages or processes: both checks for a
    running count find none, and the database keeps the second insert out; the second person
    is shown the first one's job."""
    records_api(records=5)
    buyers = stored(BUYER_ASSOCIATION)
    association = services.association_get(association_id=buyers.id)
    user = make_staff("other", "manage_schema")
    first, started = counting.count_start(user=user, association=association, from_key=PROPERTY_KEY)
    assert started
    real, misses = counting.count_running, iter([True])

    def check(**kw):  # the first check misses the running count; the next ones see it
        return None if next(misses, False) else real(**kw)

    monkeypatch.setattr(counting, "count_running", check)
    answer = schemer.post(count_url(buyers.id))
    assert answer.status_code in (302, 303) and str(first.pk) in answer["Location"]
    assert list(BulkJob.objects.values_list("pk", flat=True)) == [first.pk]
    # Once it is finished, another may start.
    BulkJob.objects.filter(pk=first.pk).update(status="done")
    second, started = counting.count_start(
        user=user, association=association, from_key=PROPERTY_KEY
    )
    assert started and second.pk != first.pk


@pytest.mark.parametrize("status", [s for s, _ in BulkJob.Status.choices])
def test_a_count_in_any_unfinished_status_keeps_a_second_one_out(status):
    """The constraint's list of finished statuses is BulkJob.FINISHED: a count in any other
    status keeps a second count of the same association out, a finished one does not."""
    params = {"association": "a1"}
    BulkJob.objects.create(kind="count", object_key=PROPERTY_KEY, status=status, params=params)
    BulkJob.objects.create(kind="update", object_key=PROPERTY_KEY, params=params)
    BulkJob.objects.create(kind="count", object_key=PROPERTY_KEY, params={"association": "a2"})
    if status in BulkJob.FINISHED:
        BulkJob.objects.create(kind="count", object_key=PROPERTY_KEY, params=params)
    else:
        with pytest.raises(IntegrityError), transaction.atomic():
            BulkJob.objects.create(kind="count", object_key=PROPERTY_KEY, params=params)


def test_the_confirmation_starts_the_count_as_it_opens_and_names_the_figure(records_api, schemer):
    """With JavaScript the confirmation posts the count form as it loads (htmx), and its count
    section asks again until the figure is there: the page itself names how many relations go."""
    records_api(records=20)
    buyers = stored(BUYER_ASSOCIATION)
    expected = StoredRelation.objects.filter(association=buyers).count()
    page = schemer.get(confirm_url(buyers.id)).content.decode()
    form = re.search(rf'<form method="post" action="{count_url(buyers.id)}"[^>]*>', page)
    assert 'hx-trigger="load"' in form[0] and f'hx-post="{count_url(buyers.id)}"' in form[0]
    assert 'hx-target="#relation-count"' in form[0]
    assert '<section class="relation-count" id="relation-count"' in page

    htmx = {"HX-Request": "true"}
    started = schemer.post(count_url(buyers.id), {"submission": "x"}, headers=htmx)
    assert started.status_code == 200 and BulkJob.objects.count() == 1
    section = started.content.decode()
    assert "The relations are being counted (it is waiting for the task worker)" in text(started)
    poll = re.search(r"<p data-count-running[^>]*>", section)[0]
    assert f'hx-get="{count_url(buyers.id)}"' in poll and 'hx-trigger="every 2s"' in poll
    assert 'data-milestone="Counting the relations."' in poll
    # A second page opened meanwhile starts nothing more.
    schemer.post(count_url(buyers.id), headers=htmx)
    assert BulkJob.objects.count() == 1

    run_worker()
    done = schemer.get(count_url(buyers.id), headers=htmx)
    figure = f"{expected} relations go with it"
    assert f"{figure} (counted" in text(done)
    assert "data-count-running" not in done.content.decode()  # no more asking
    assert f'data-milestone="{figure[0].upper()}{figure[1:]}."' in done.content.decode()
    assert 'hx-trigger="load"' not in done.content.decode()  # a figure there: no new count
    # Outside htmx the address leads to the confirmation.
    assert schemer.get(count_url(buyers.id))["Location"] == confirm_url(buyers.id)


def test_a_count_that_failed_before_counting_says_so_and_links_to_why(records_api, schemer):
    records_api(records=3)
    buyers = stored(BUYER_ASSOCIATION)
    schemer.post(count_url(buyers.id))
    job = BulkJob.objects.get()
    BulkJob.objects.filter(pk=job.pk).update(
        status="failed", error="The records API is unavailable.", finished_at=job.created_at
    )
    confirm = schemer.get(confirm_url(buyers.id)).content.decode()
    assert "The latest count stopped on an error" in text_of(confirm)
    assert "before it counted any record." in text_of(confirm) and "0 of 0" not in confirm
    assert f'<a href="/jobs/{job.pk}/">What went wrong</a>' in confirm
    section = schemer.get(count_url(buyers.id), headers={"HX-Request": "true"}).content.decode()
    assert 'data-milestone="The count stopped before it counted any record."' in section
    # The job's own page says why, and does not link to itself.
    page = schemer.get(f"/jobs/{job.pk}/").content.decode()
    assert "The records API is unavailable." in page and "What went wrong" not in page


def text_of(page: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_the_confirmations_asking_costs_no_call_and_ends_on_a_failure_or_a_gone_association(
    proxied, schemer
):
    proxy = proxied(records=6)
    buyers = stored(BUYER_ASSOCIATION)
    htmx = {"HX-Request": "true"}
    # The count's start reads each side's size (its cost); that failing is said in the
    # section, with a button to try again, and nothing asks again by itself.
    down = Reply(status=503, json={"statusCode": 503, "message": "Service Unavailable"})
    proxy.fail("POST", r"/records/search$", down)
    failed = schemer.post(count_url(buyers.id), headers=htmx)
    section = failed.content.decode()
    assert failed.status_code == 200 and "The relations could not be counted" in section
    assert 'role="alert"' in section and "hx-trigger" not in section
    assert f'<form method="post" action="{count_url(buyers.id)}"' in section
    assert not BulkJob.objects.exists()
    proxy.heal()

    schemer.post(count_url(buyers.id), headers=htmx)
    assert BulkJob.objects.get().status == "queued"
    proxy.stub.requests.clear()
    for _ in range(3):
        asked = schemer.get(count_url(buyers.id), headers=htmx).content.decode()
        assert "being counted" in asked and 'hx-trigger="every 2s"' in asked
    assert not [s.path for s in proxy.stub.requests if s.path.endswith("/records/search")]

    StoredRelation.objects.filter(association=buyers).delete()
    buyers.delete()
    services.association_invalidate()  # what the embedded API's signal does
    gone = schemer.get(count_url(buyers.id), headers=htmx)
    assert gone.status_code == 200 and "This association no longer exists" in gone.content.decode()
    assert "hx-trigger" not in gone.content.decode()
