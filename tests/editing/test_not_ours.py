"""docs/reliability.md item 15: a record of another location, or an object the dashboard does not
serve, is a 404 on every route that could change it, and nothing is written: no PUT, POST or
DELETE reaches the records API, no history row, no job or upload."""

import dataclasses
import json

import pytest

from recordsadmin.records import services
from recordsadmin.records.models import BulkJob, ImportUpload, RecordChange
from recordsadmin.sandbox.demo import create_demo_location
from recordsadmin.sandbox.models import Record as SandboxRecord
from tests.bulk.conftest import run_worker
from tests.support.stub import Reply, Seen

from .helpers import PROPERTY_INPUT, hidden, url

pytestmark = pytest.mark.django_db(transaction=True)

ELSEWHERE = "another-location"
# A standard object: the objects endpoint serves it, the records endpoints and the dashboard do
# not; and a key the client refuses to put in a URL.
NOT_SERVED = ["contact", ".."]


@pytest.fixture
def record(prop):
    return services.record_create(
        schema=prop, properties={"address": "5 Rule Road", "price": 1, "status": "Active"}
    )


@pytest.fixture
def nothing_written(embedded):
    """Fails the test when anything was written meanwhile."""
    writes, changes = len(embedded.writes), RecordChange.objects.count()
    yield
    assert [(s.method, s.path) for s in embedded.writes[writes:]] == []
    assert RecordChange.objects.count() == changes
    assert not BulkJob.objects.exists()
    assert not ImportUpload.objects.exists()


def record_of_another_location(embedded, record) -> None:
    """From now on the records API answers this record as belonging to another location (as
    the real service could for an id from elsewhere)."""
    route = embedded.route

    def router(seen: Seen) -> Reply:
        reply = route(seen)
        if seen.method == "GET" and seen.path.endswith(f"/records/{record.id}"):
            data = json.loads(reply.body)
            data["record"]["locationId"] = ELSEWHERE
            return Reply(reply.status, json=data)
        return reply

    embedded.stub.router = router


def contact_served_like_property(embedded, prop) -> None:
    """The records API answers for a standard object "contact" as it does for the Property: only
    the dashboard's own check can refuse it."""
    route = embedded.route

    def router(seen: Seen) -> Reply:
        if not seen.path.startswith("/objects/contact"):
            return route(seen)
        path = seen.path.replace("/objects/contact", f"/objects/{prop.key}", 1)
        reply = route(dataclasses.replace(seen, path=path))
        return dataclasses.replace(reply, body=reply.body.replace(prop.key.encode(), b"contact"))

    embedded.stub.router = router


def test_another_locations_record_is_a_404_on_every_page_and_is_never_written(
    staff, prop, record, embedded, nothing_written
):
    # A signed version of the record, as an edit form loaded before the switch carries it.
    form = staff.get(url("record_edit", prop.key, record.id))
    version = hidden(form.content, "_version")
    record_of_another_location(embedded, record)
    edit = url("record_edit", prop.key, record.id)
    delete = url("record_delete", prop.key, record.id)

    assert staff.get(url("record_detail", prop.key, record.id)).status_code == 404
    assert staff.get(edit).status_code == 404
    assert staff.post(edit, PROPERTY_INPUT).status_code == 404
    posted = {**PROPERTY_INPUT, "_version": version}
    assert staff.post(edit, posted).status_code == 404
    assert staff.post(edit, posted, HTTP_HX_REQUEST="true").status_code == 404
    assert staff.get(delete).status_code == 404
    assert staff.post(delete).status_code == 404
    assert embedded.calls("GET", f"/records/{record.id}$"), "the dashboard asked, and refused"


@pytest.mark.parametrize("key", NOT_SERVED)
def test_an_object_the_dashboard_does_not_serve_is_a_404_everywhere(
    staff, prop, record, embedded, nothing_written, key
):
    contact_served_like_property(embedded, prop)
    selection = {"ids": [record.id], "field": "status", "value": "Sold"}
    pages = {
        "record_list": (),
        "record_create": (),
        "record_detail": (record.id,),
        "record_edit": (record.id,),
        "record_delete": (record.id,),
        "record_restore": (record.id,),
        "import_upload": (),
        "record_export": (),
        "record_export_csv": (),
    }
    for name, args in pages.items():
        target = url(name, key, *args)
        assert staff.get(target).status_code == 404, target
        if name not in ("record_list", "record_detail", "record_export", "record_export_csv"):
            assert staff.post(target, PROPERTY_INPUT).status_code == 404, target
    for name in ("bulk_edit", "bulk_start"):
        for action in ("update", "delete"):
            target = url(name, key)
            assert staff.post(target, {**selection, "action": action}).status_code == 404, target


def test_a_bulk_job_never_writes_another_locations_record(staff, prop, record, embedded):
    """A bulk job takes the checked ids from this location's search: an id from elsewhere
    (here a real record of another location in the embedded API) is never met, never sent."""
    other, _token = create_demo_location(records=1)
    theirs = SandboxRecord.objects.filter(location=other, object__key=prop.key).get()
    writes, changes = len(embedded.writes), RecordChange.objects.count()
    for action, change in (("delete", {}), ("update", {"field": "status", "value": "Sold"})):
        form = {"ids": [theirs.id], "query": "?", "action": action, **change}
        preview = staff.post(url("bulk_edit", prop.key), {**form, "step": "preview"})
        once = hidden(preview.content, "submission")
        staff.post(url("bulk_start", prop.key), {**form, "submission": once})
    run_worker()
    assert [(s.method, s.path) for s in embedded.writes[writes:]] == []
    assert RecordChange.objects.count() == changes
    assert SandboxRecord.objects.get(pk=theirs.id).properties == theirs.properties
    assert [(job.kind, job.total) for job in BulkJob.objects.order_by("created_at")] == [
        ("delete", 0),
        ("update", 0),
    ]
