import shutil

import pytest
import redis
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from tests.support.apis import FAST_FAILURE, use_records_api
from tests.support.budgets import fresh_rate_budget  # noqa: F401 (an autouse fixture)
from tests.support.embedded import use_embedded_demo
from tests.support.flush import keep_rows
from tests.support.redis import NOT_INSTALLED
from tests.support.redis import redis_server as start_redis

# Tests that measure or depend on the pace of calls: rate windows, the fleet's share of the
# limit, the breaker's timings, Redis stopped and started, PostgreSQL's plans. `make test` runs
# them on their own, after the rest (which runs on SQLite and PostgreSQL at once), so that a
# busy second core never decides them.
TIMING = (
    "tests/fleet/",
    "tests/windows/test_stores.py",
    "tests/sandbox/test_ratelimit.py",
    "tests/sandbox/test_indexes.py",
    "tests/sandbox/test_sqlite_concurrency.py",
    "tests/test_redis_cache.py",
    "tests/records/test_breaker.py",
    "tests/bulk/test_rate_limit.py",
    "tests/bulk/test_pacing.py",
    # Deadlines and timeouts, each bounded by a fraction of a second.
    "tests/records/test_api_faults.py",
)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, whose content types and permissions each flush puts
    back in two inserts (tests/support/flush.py)."""
    with django_db_blocker.unblock():
        keep_rows()


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid.startswith(TIMING):
            item.add_marker(pytest.mark.timing)


PASSWORD = "correct horse battery staple"


RECORD_PERMISSIONS = (
    "view_record",
    "add_record",
    "change_record",
    "delete_record",
    "export_record",
)


def make_staff(username: str, *codenames: str):
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, is_staff=True, email=f"{username}@example.com"
    )
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="records", codename__in=codenames)
    )
    return user


@pytest.fixture
def staff_user(db):
    """Staff with every permission on records."""
    return make_staff("staffer", *RECORD_PERMISSIONS)


@pytest.fixture
def viewer(db):
    """Staff who may only look."""
    return make_staff("viewer", "view_record")


@pytest.fixture
def staff_without_permissions(db):
    return make_staff("bystander")


@pytest.fixture
def plain_user(db):
    """A signed-up user who is not staff: the dashboard must refuse them."""
    return get_user_model().objects.create_user(username="visitor", password=PASSWORD)


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def embedded_api(live_server, settings):
    """The dashboard on live_server, talking over HTTP to its own embedded API, which holds a
    demo location with 60 properties."""
    location, _ = use_embedded_demo(settings, live_server.url + "/sandbox", records=60)
    yield location
    use_records_api(settings, url="")


@pytest.fixture
def service(settings, db):
    """The dashboard in the real-service mode, pointed at a stub that answers like GoHighLevel
    for one Property object (tests/support/fake_service.py), with tiny timeouts."""
    from tests.support.fake_service import LOCATION, TOKEN, FakeService
    from tests.support.stub import Stub

    with Stub() as stub:
        use_records_api(settings, url=stub.url, token=TOKEN, location_id=LOCATION, **FAST_FAILURE)
        yield FakeService(stub)
        use_records_api(settings, url="")


@pytest.fixture(scope="session")
def redis_server():
    """A Redis server for the whole run (tests/support/redis.py); skipped without one."""
    if shutil.which("redis-server") is None:
        pytest.skip(NOT_INSTALLED)
    with start_redis() as server:
        yield server


@pytest.fixture
def redis_url(redis_server, settings):
    """Point the dashboard's shared state at the test Redis (emptied first)."""
    if redis_server.process is None:  # a test stopped it
        redis_server.start()
    redis.Redis.from_url(redis_server.url).flushall()
    settings.REDIS_URL = redis_server.url
    return redis_server.url
