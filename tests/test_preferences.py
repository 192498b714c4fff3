"""Per-user preferences (recordsadmin/accounts/preferences.py)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from recordsadmin.accounts.preferences import preference_get, preference_set
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db


def test_a_preference_is_kept_per_user_and_name():
    one, two = make_staff("one"), make_staff("two")
    assert preference_get(user=one, name="theme", default="system") == "system"
    preference_set(user=one, name="theme", value="dark")
    preference_set(user=one, name="table:custom_objects.property", value={"columns": ["a"]})
    assert preference_get(user=one, name="theme") == "dark"
    assert preference_get(user=two, name="theme", default="system") == "system"
    preference_set(user=one, name="theme", value="light")
    assert preference_get(user=one, name="theme") == "light"
    assert preference_get(user=one, name="table:custom_objects.property") == {"columns": ["a"]}
    preference_set(user=one, name="theme", value=None)
    assert preference_get(user=one, name="theme", default="system") == "system"


def test_anonymous_users_have_only_the_defaults():
    preference_set(user=AnonymousUser(), name="theme", value="dark")
    assert preference_get(user=AnonymousUser(), name="theme", default="system") == "system"
