import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

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
    from django.core.cache import cache

    from recordsadmin.records import api
    from recordsadmin.sandbox.demo import create_demo_location

    location, token = create_demo_location(records=60, seed=1)
    settings.GHL_API_URL = live_server.url + "/sandbox"
    settings.GHL_TOKEN = ""
    settings.GHL_LOCATION_ID = ""
    settings.SANDBOX_LOCATION_ID = location.id
    settings.SANDBOX_TOKEN = token
    cache.clear()
    api.close_session()
    yield location
    api.close_session()
    cache.clear()


@pytest.fixture
def service(settings, db):
    """The dashboard in the real-service mode, pointed at a stub that answers like GoHighLevel
    for one Property object (tests/fake_service.py), with tiny timeouts."""
    from django.core.cache import cache

    from recordsadmin.records import api
    from tests.fake_service import LOCATION, TOKEN, FakeService
    from tests.stub import Stub

    with Stub() as stub:
        settings.GHL_API_URL = stub.url
        settings.GHL_TOKEN = TOKEN
        settings.GHL_LOCATION_ID = LOCATION
        settings.GHL_CONNECT_TIMEOUT = 0.5
        settings.GHL_READ_TIMEOUT = 0.5
        settings.GHL_PAGE_DEADLINE = 2.0
        settings.GHL_BACKOFF_BASE = 0.01
        settings.GHL_BACKOFF_CAP = 0.05
        cache.clear()
        api.close_session()
        yield FakeService(stub)
        api.close_session()
        cache.clear()
