"""Bulk jobs when the records API fails some of their calls, behind a proxy that misbehaves."""

import pytest
from django.core.cache import cache

from recordsadmin.records import services
from recordsadmin.records.bulk import jobs, outcomes, runner
from recordsadmin.records.bulk.selection import Selection
from recordsadmin.records.models import BulkJob, RecordChange
from tests.bulk.conftest import KEY, run_worker, sandbox_records
from tests.support.stub import Reply

pytestmark = pytest.mark.django_db(transaction=True)

TOO_MANY = Reply(429, json={"message": "Too many requests"}, headers={"Retry-After": "0"})


def start(kind: str, user, params: dict, ids: tuple[str, ...] = ()) -> BulkJob:
    selection = Selection(query="?", ids=ids, all_matching=not ids)
    return jobs.job_create(
        user=user,
        schema=services.schema_get(key=KEY),
        kind=kind,
        selection=selection,
        params=params,
        summary=kind,
    )


def test_setting_owners_goes_on_when_the_user_list_is_refused_for_the_rate(proxied, staff_user):
    proxy = proxied(records=3)
    target = services.user_list()[-1]
    cache.clear()  # the job asks for the users' names itself
    proxy.fail("GET", r"^/users/", TOO_MANY)
    job = start("update", staff_user, {"field": "owner", "value": target.id})
    runner.job_run(job_id=str(job.pk))
    job.refresh_from_db()
    assert job.status == BulkJob.Status.DONE and job.error == ""
    assert proxy.calls("GET")[-1].path == "/users/"  # it was asked, and refused
    assert {r.owner for r in sandbox_records()} == {target.id}
    # The names were optional: the history keeps the owners' ids.
    changes = RecordChange.objects.filter(job_id=str(job.pk))
    assert [(c.outcome, c.after["owner"]) for c in changes] == [("ok", target.id)] * 3
    assert not any("owner_name" in c.after for c in changes)


def test_retry_of_a_job_stopped_by_an_error_sends_the_records_it_had_not_reached(
    proxied, staff_user, staff_client
):
    proxy = proxied(records=5)
    job = start("update", staff_user, {"field": "description", "value": "Resent"})
    runner.job_run(job_id=str(job.pk), stop_after=2)  # then the worker stops, as at a restart
    # Its next run cannot read the schema: the job stops with three records not sent.
    cache.clear()
    proxy.fail("GET", rf"^/objects/{KEY}$", Reply(500, json={"message": "Internal"}))
    runner.job_run(job_id=str(job.pk))
    job.refresh_from_db()
    assert job.status == BulkJob.Status.FAILED and job.error.startswith("The job stopped")
    counts = jobs.job_counts(job=job)
    assert counts["pending"] == 3 and counts["failed"] == 0
    page = staff_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Send the never-sent records" in page
    proxy.heal()
    retried = staff_client.post(f"/jobs/{job.pk}/retry/", follow=True).content.decode()
    assert "3 never-sent items are queued again." in retried
    run_worker()
    job.refresh_from_db()
    assert job.status == BulkJob.Status.DONE and job.error == ""
    assert jobs.job_counts(job=job)["done"] == 5
    assert {r.properties["description"] for r in sandbox_records()} == {"Resent"}
    assert len(proxy.calls("PUT")) == 5  # each record once


@pytest.mark.parametrize("answer", [Reply(500, json={"message": "Internal"}), Reply(close=True)])
@pytest.mark.parametrize(
    ("kind", "method", "params", "says"),
    [
        ("update", "PUT", {"field": "description", "value": "Maybe"}, "may have been changed"),
        ("delete", "DELETE", {}, "may have been deleted"),
    ],
)
def test_a_write_the_api_may_have_carried_out_is_unknown_and_a_retry_finishes_it(
    proxied, staff_user, staff_client, answer, kind, method, params, says
):
    proxy = proxied(records=3)
    ids = tuple(sorted(r.id for r in sandbox_records()[:2]))
    # The API carries the calls out, but its answers are a 500 or never come.
    proxy.fail(method, r"/records/", answer, applied=True)
    job = start(kind, staff_user, params, ids=ids)
    runner.job_run(job_id=str(job.pk))
    counts = jobs.job_counts(job=job)
    assert (counts["unknown"], counts["failed"], counts["not_done"]) == (2, 0, 2)
    assert set(job.items.values_list("outcome", flat=True)) == {"unknown"}
    assert all(r.startswith("Outcome unknown") for r in job.items.values_list("reason", flat=True))
    changes = RecordChange.objects.filter(job_id=str(job.pk))
    assert sorted(changes.values_list("record_id", "outcome")) == [(i, "unknown") for i in ids]
    page = staff_client.get(f"/jobs/{job.pk}/").content.decode()
    assert f"2 records {says} all the same" in page
    assert "Retry the failed records" in page
    # Retry: the change is made (once) or found made, and the history says so.
    proxy.heal()
    staff_client.post(f"/jobs/{job.pk}/retry/")
    run_worker()
    assert jobs.job_counts(job=job)["done"] == 2
    assert len(proxy.calls(method)) == (4 if kind == "delete" else 2)
    if kind == "delete":
        assert not sandbox_records().filter(id__in=ids).exists()
        assert set(job.items.values_list("reason", flat=True)) == {outcomes.RESENT_DELETE}
    else:
        assert {r.properties["description"] for r in sandbox_records().filter(id__in=ids)} == {
            "Maybe"
        }
    retried = RecordChange.objects.filter(job_id=str(job.pk)).exclude(outcome="unknown")
    assert sorted(retried.values_list("record_id", "outcome")) == [(i, "ok") for i in ids]


def test_items_the_open_breaker_holds_back_go_once_the_api_is_back(proxied, staff_user, settings):
    """An outage opens the breaker; the job's items are not failed for it: they wait for the
    breaker's probe and go when the API answers again."""
    settings.RECORDS_BREAKER_FAILURES = 2
    settings.RECORDS_BREAKER_RESET_SECONDS = 0.3
    settings.BULK_CONCURRENCY = 1
    proxy = proxied(records=6)
    route = proxy.route
    failing = {"left": 2}

    def two_503s_then_well(seen):
        if seen.method == "DELETE" and failing["left"]:
            failing["left"] -= 1
            return Reply(503, json={"message": "down"})
        return route(seen)

    proxy.stub.router = two_503s_then_well
    job = start("delete", staff_user, {})
    runner.job_run(job_id=str(job.pk))
    job.refresh_from_db()
    counts = jobs.job_counts(job=job)
    # The two answered 503 failed (a gateway's 503 changed nothing); none failed for the
    # breaker; the other four were held back, then deleted.
    assert (counts["failed"], counts["done"], counts["pending"]) == (2, 4, 0), counts
    assert job.status == BulkJob.Status.DONE
    assert len(proxy.calls("DELETE")) == 6
    assert sandbox_records().count() == 2
