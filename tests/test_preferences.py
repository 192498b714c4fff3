"""Per-user preferences (recordsadmin/accounts/preferences.py)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

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


def test_a_read_preference_is_kept_in_the_cache_and_written_through():
    one = make_staff("one")
    preference_set(user=one, name="theme", value="dark")
    assert preference_get(user=one, name="theme") == "dark"
    assert preference_get(user=one, name="nothing", default="x") == "x"
    with CaptureQueriesContext(connection) as queries:
        assert preference_get(user=one, name="theme") == "dark"
        # That there is none is kept too.
        assert preference_get(user=one, name="nothing", default="x") == "x"
    assert not [q for q in queries if "accounts_preference" in q["sql"]]
    preference_set(user=one, name="theme", value="light")
    assert preference_get(user=one, name="theme") == "light"
    preference_set(user=one, name="theme", value=None)
    assert preference_get(user=one, name="theme", default="system") == "system"


def test_a_new_user_given_a_deleted_users_pk_has_none_of_their_preferences():
    gone = make_staff("gone")
    preference_set(user=gone, name="theme", value="dark")
    assert preference_get(user=gone, name="theme") == "dark"
    pk = gone.pk
    gone.delete()
    # As a database may give it again.
    new = get_user_model().objects.create_user(username="new", id=pk, is_staff=True)
    assert preference_get(user=new, name="theme", default="system") == "system"
