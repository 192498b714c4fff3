"""A bulk delete keeps each record's links with its values in the history, as the record page's
delete does (bulk/workers.py delete_one); the job's revert, and a restore from the record's
page, link the new record again (services.links_make_again). Over the test client and the real
task worker, against the embedded API."""

import pytest
from django.contrib.auth.models import Permission

from recordsadmin.records import services
from recordsadmin.records.bulk import jobs
from recordsadmin.records.bulk.selection import Selection
from recordsadmin.records.models import BulkItem, BulkJob, RecordChange
from recordsadmin.sandbox.demo import BUYER_ASSOCIATION
from recordsadmin.sandbox.models import Contact as StoredContact
from recordsadmin.sandbox.models import Record as StoredRecord
from recordsadmin.sandbox.models import Relation as StoredRelation
from tests.bulk.conftest import KEY, run_worker
from tests.bulk.conftest import proxied as proxied
from tests.bulk.conftest import records_api as records_api
from tests.support.stub import Reply

pytestmark = pytest.mark.django_db(transaction=True)


def linked_pair() -> tuple[tuple[str, str], StoredContact]:
    """Two properties, each linked to the same contact as its Buyer, and to nothing else."""
    ids = tuple(sorted(StoredRecord.objects.filter(object__key=KEY).values_list("id", flat=True)))
    ids = ids[:2]
    contact = StoredContact.objects.order_by("id").first()
    StoredRelation.objects.filter(first_record_id__in=ids).delete()
    StoredRelation.objects.filter(second_record_id__in=ids).delete()
    schema = services.schema_get(key=KEY)
    buyer = next(a for a in services.association_list() if a.key == BUYER_ASSOCIATION)
    for record_id in ids:
        services.relation_create(
            schema=schema, record_id=record_id, association=buyer, other_id=contact.id
        )
    return ids, contact


def delete_job(user, ids) -> BulkJob:
    job = jobs.job_create(
        user=user,
        schema=services.schema_get(key=KEY),
        kind=BulkJob.Kind.DELETE,
        selection=Selection(query="?", ids=tuple(ids)),
        summary=f"Delete {len(ids)}",
    )
    run_worker()
    job.refresh_from_db()
    assert job.status == BulkJob.Status.DONE
    assert jobs.job_counts(job=job)["done"] == len(ids)
    return job


def linked_to(record_id: str) -> set[str]:
    rows = StoredRelation.objects.filter(first_record_id=record_id)
    return set(rows.values_list("second_record_id", flat=True))


def test_a_bulk_deletes_revert_links_the_records_it_restores_again(
    records_api, staff_user, staff_client
):
    records_api(records=5)
    ids, contact = linked_pair()
    buyer = next(a for a in services.association_list() if a.key == BUYER_ASSOCIATION)
    job = delete_job(staff_user, ids)
    assert not StoredRecord.objects.filter(id__in=ids).exists()
    assert not StoredRelation.objects.filter(first_record_id__in=ids).exists()
    for record_id in ids:
        kept = RecordChange.objects.get(job_id=str(job.pk), record_id=record_id).before
        assert kept["links"] == [
            {"association_id": buyer.id, "other_id": contact.id, "first": True}
        ]
        assert kept["properties"], "the values are kept beside the links"

    assert staff_client.post(f"/jobs/{job.pk}/revert/").status_code == 302
    run_worker()
    revert = BulkJob.objects.get(params={"reverts": str(job.pk)})
    assert revert.status == BulkJob.Status.DONE
    restores = RecordChange.objects.filter(job_id=str(revert.pk), action="restore")
    assert restores.count() == 2
    for row in restores:
        assert linked_to(row.record_id) == {contact.id}
        links = RecordChange.objects.filter(record_id=row.record_id, action="link", outcome="ok")
        assert links.count() == 1, "each link made again is a row of the new record's history"
    reasons = set(BulkItem.objects.filter(job=revert).values_list("reason", flat=True))
    assert all(r.endswith("Linked again: 1 of its 1.") for r in reasons), reasons


def test_a_record_of_a_bulk_delete_restored_from_its_page_is_linked_again(
    records_api, staff_user, staff_client
):
    records_api(records=4)
    ids, contact = linked_pair()
    delete_job(staff_user, ids[:1])
    restored = staff_client.post(f"/objects/{KEY}/{ids[0]}/restore/")
    assert restored.status_code == 303
    new_id = restored["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert linked_to(new_id) == {contact.id}
    assert (
        "Linked again: 1 of its 1 link." in staff_client.get(restored["Location"]).content.decode()
    )


def test_links_that_cannot_be_read_do_not_stop_the_delete(proxied, staff_user):
    proxy = proxied(records=3)
    ids, _ = linked_pair()
    proxy.fail("GET", r"/associations/relations/", Reply(503, json={}))
    job = delete_job(staff_user, ids)
    assert not StoredRecord.objects.filter(id__in=ids).exists()
    for row in RecordChange.objects.filter(job_id=str(job.pk)):
        assert "links" not in row.before and row.before["properties"]


def test_a_revert_run_for_someone_who_may_no_longer_link_restores_without_links(
    records_api, staff_user, django_user_model
):
    """A revert needs records.change_record when it is asked for (views/bulk.py); one whose
    user lost it before the job ran restores the records and makes no link."""
    records_api(records=3)
    ids, _ = linked_pair()
    job = delete_job(staff_user, ids[:1])
    maker = django_user_model.objects.create_user(
        "maker", password="pw-for-tests-only", is_staff=True
    )
    codenames = ["view_record", "add_record", "delete_record"]
    maker.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    revert = jobs.job_revert_create(user=maker, schema=services.schema_get(key=KEY), job=job)
    run_worker()
    item = BulkItem.objects.get(job=revert)
    assert item.outcome == "done"
    assert item.reason.endswith("since you may not link records.")
    assert StoredRecord.objects.filter(id=item.record_id).exists()
    assert not linked_to(item.record_id)


def test_the_delete_preview_says_the_links_are_kept(records_api, staff_client):
    records_api(records=3)
    ids = list(StoredRecord.objects.filter(object__key=KEY).values_list("id", flat=True))[:2]
    form = {"action": "delete", "ids": ids, "query": "?"}
    page = staff_client.post(f"/objects/{KEY}/bulk/", form).content.decode()
    assert "Each record's values and links are kept in its history" in page


def test_a_revert_whose_user_is_gone_restores_once_and_makes_no_links(records_api, staff_user):
    """The record is made before its links: nothing after it may fail the item, which a
    retry would then make again."""
    records_api(records=3)
    ids, _ = linked_pair()
    job = delete_job(staff_user, ids[:1])
    revert = jobs.job_revert_create(user=staff_user, schema=services.schema_get(key=KEY), job=job)
    BulkJob.objects.filter(pk=revert.pk).update(user=None)  # the user was deleted meanwhile
    before = StoredRecord.objects.filter(object__key=KEY).count()
    run_worker()
    item = BulkItem.objects.get(job=revert)
    assert item.outcome == "done", item.reason
    assert item.reason.endswith("since you may not link records.")
    assert StoredRecord.objects.filter(object__key=KEY).count() == before + 1
