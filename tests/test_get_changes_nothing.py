"""No GET of the dashboard changes state (docs/reliability.md item 8's other half): a link, a
prefetch or a crawler following one changes nothing. Walks the URLconf like
tests/test_csrf_everywhere.py, GETs every dashboard address as a signed-in superuser against the
embedded API (behind the recording proxy), and compares a snapshot of the dashboard's and the
embedded API's tables, the session, and the API writes sent, before and after each GET; the
addresses that only take a POST must answer 405 (POST_ONLY, both ways). A new route whose
address needs an argument this test does not know fails it (KeyError)."""

import datetime as dt
import uuid

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from recordsadmin.client import config
from recordsadmin.records import services
from recordsadmin.records.models import BulkJob, DefaultView, ImportUpload, RecordChange, SavedView
from recordsadmin.sandbox.demo import PROPERTY_KEY
from tests.support.embedded import proxied_demo

pytestmark = pytest.mark.django_db(transaction=True)

# Tables a GET may write: bookkeeping, not state a person changed.
BOOKKEEPING = {
    "sessions.session",  # the session's own rows; its content is checked apart (SESSION_OK)
    "windows.windowcall",  # the rate-limit windows and the breaker (recordsadmin/windows)
    "windows.windowcounter",
    "windows.breakerstate",
    "sandbox.searchsnapshot",  # the embedded API's search-lag machinery
}
# Session keys a GET may set or drop: the idle timeout's clock, and one-shot keys a page
# consumes (like messages).
SESSION_OK = {"seen_at", "started_at", "_messages", "records:just_created", "records:focus_view"}


def snapshot() -> dict:
    state = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if label in BOOKKEEPING or not model._meta.managed:
            continue
        rows = model._base_manager.order_by("pk").values_list()
        state[label] = [tuple(repr(v) for v in row) for row in rows]
    return state


def diff(before: dict, after: dict) -> dict:
    changed = {}
    for label in before:
        if before[label] != after[label]:
            old, new = set(before[label]), set(after[label])
            changed[label] = {"gone": sorted(old - new)[:3], "new": sorted(new - old)[:3]}
    return changed


def routes(resolver=None, namespace=""):
    """(url name, parameter names) of every dashboard route."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "sandbox":
                continue
            yield from routes(entry, entry.namespace or namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}:{entry.name}", tuple(entry.pattern.regex.groupindex)


@pytest.fixture
def world(live_server, settings):
    """The demo location, a superuser, and a row of every kind a GET page reads."""
    with proxied_demo(live_server, settings, records=6, GHL_PAGE_DEADLINE=10) as proxy:
        user = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
        schema = services.schema_get(key=PROPERTY_KEY)
        page = services.record_search(schema=schema, per_page=10)
        record, victim = page.records[0], page.records[1]
        field = next(f for f in schema.fields if f.key != schema.primary_display_key)
        folder = services.folder_list(schema=schema)[0]
        association = next(
            a for a in services.association_list(object_key=schema.key) if a.holds(PROPERTY_KEY)
        )
        linked_id = page.records[3].id
        if association.other_key(schema.key) == "contact":
            linked_id = services.contact_search(query="", per_page=1).contacts[0].id
        services.relation_create_logged(
            user=user, schema=schema, record=record, association=association, other_id=linked_id
        )
        prop = next(f for f in schema.fields if f.key == "description")
        services.record_update_logged(
            user=user, schema=schema, record=record, properties={prop.key: "changed once"}
        )
        update = RecordChange.objects.filter(action="update", record_id=record.id).latest("at")
        services.record_delete_logged(user=user, schema=schema, record=victim)
        location = config.location_id()
        view = SavedView.objects.create(
            owner=user,
            location_id=location,
            object_key=schema.key,
            name="Mine",
            columns={"order": [], "hidden": [f"field_{field.key}"]},
        )
        DefaultView.objects.create(
            user=user, location_id=location, object_key=schema.key, view=view
        )
        done = BulkJob.objects.create(
            kind="update",
            object_key=schema.key,
            user=user,
            status="done",
            finished_at=timezone.now(),
        )
        stale = BulkJob.objects.create(
            kind="update",
            object_key=schema.key,
            user=user,
            status="running",
            heartbeat_at=timezone.now() - dt.timedelta(days=1),
        )
        # A job a GET of Cancel would stop; the finished one has a failed item a GET of Retry
        # would queue again: a GET that did either would show in the snapshot.
        queued = BulkJob.objects.create(kind="update", object_key=schema.key, user=user)
        done.items.create(position=0, record_id=record.id, outcome="failed", reason="refused")
        upload = ImportUpload.objects.create(
            object_key=schema.key, user=user, content="address,price\n1 Main St,10\n"
        )
        args = {
            "key": schema.key,
            "record_id": record.id,
            "field_key": field.key,
            "folder_id": folder.id,
            "association_id": association.id,
            "other_id": linked_id,
            "view_id": view.pk,
            "change_id": update.pk,
            "download": uuid.uuid4(),
            "upload_id": upload.pk,
            "job_id": done.pk,
        }
        overrides = {
            "records:record_restore": {"record_id": victim.id},
            "records:job_detail#stale": {"job_id": stale.pk},
            "records:job_cancel": {"job_id": queued.pk},
        }
        yield {"proxy": proxy, "user": user, "args": args, "overrides": overrides}


# GETs that change state on purpose, each with why.
KNOWN = {
    # Opening a saved view (its tab is a link) makes its columns the user's own; a GET from
    # another site's link only asks first (recordsadmin/records/views/saved.py).
    "records:view_open": "the user's own table layout, set from the view they open",
}

# The addresses that only take a POST (they change state and have no page of their own):
# a GET of each is answered 405. Every other address has a page a GET may read.
POST_ONLY = {
    "accounts:logout",
    "accounts:theme",
    "records:bulk_start",
    "records:import_start",
    "records:job_cancel",
    "records:job_retry",
    "records:related_undo",
    "records:table_settings",
    "records:view_create",
    "records:view_default",
    "records:view_rename",
    "records:view_share",
    "records:view_update",
}

# Query strings some GET pages need to do their work (not just answer 400).
QUERIES = {
    "records:record_links": "?id={record_id}",
    "records:record_export_csv": "?download={download}",
    "records:record_detail": "?related={association_id}&page=1",
    "records:related_link": "?q=a",
}


def addresses(world) -> list[tuple[str, str]]:
    found = []
    names = [*routes(), ("records:job_detail#stale", ("job_id",))]
    for name, params in names:
        kwargs = {p: world["args"][p] for p in params} | world["overrides"].get(name, {})
        url = reverse(name.split("#")[0], kwargs=kwargs)
        found.append((name, url + QUERIES.get(name, "").format(**world["args"])))
    return found


@pytest.mark.parametrize(("fetch_site", "htmx"), [(None, False), ("same-origin", True)])
def test_no_get_changes_state(client, world, fetch_site, htmx):
    client.force_login(world["user"])
    headers = {"Sec-Fetch-Site": fetch_site} if fetch_site else {}
    if htmx:
        headers |= {"HX-Request": "true", "HX-Current-URL": "http://testserver/"}
    offenders = {}
    statuses = {}
    for name, url in addresses(world):
        before, session_before = snapshot(), dict(client.session.items())
        world["proxy"].stub.requests.clear()
        response = client.get(url, headers=headers)
        statuses[name] = response.status_code
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)  # a streamed page runs as it is read
        session_after = dict(client.session.items())
        changed = diff(before, snapshot())
        keys = {
            k
            for k in set(session_before) | set(session_after)
            if session_before.get(k) != session_after.get(k) and k not in SESSION_OK
        }
        writes = [(s.method, s.path) for s in world["proxy"].writes]
        if name in KNOWN:
            continue
        if changed or keys or writes:
            offenders[name] = {
                "url": url,
                "status": response.status_code,
                "db": changed,
                "session": sorted(keys),
                "api": writes,
            }
    assert not offenders, offenders
    # The walk reached every GET page's own code, not a 404 or a refusal before it.
    assert len(statuses) > 50
    assert statuses["records:record_list"] == (200 if htmx else 303)  # 303: to the default view
    missed = {n: s for n, s in statuses.items() if s >= 400 and s != 405}
    assert not missed, missed
    assert {n for n, s in statuses.items() if s == 405} == POST_ONLY
