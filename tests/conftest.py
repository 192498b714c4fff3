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
