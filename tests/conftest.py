import pytest
from django.contrib.auth import get_user_model

PASSWORD = "correct horse battery staple"


@pytest.fixture
def staff_user(db):
    return get_user_model().objects.create_user(
        username="staffer", password=PASSWORD, is_staff=True, email="staffer@example.com"
    )


@pytest.fixture
def plain_user(db):
    """A signed-up user who is not staff: the dashboard must refuse them."""
    return get_user_model().objects.create_user(username="visitor", password=PASSWORD)


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client
