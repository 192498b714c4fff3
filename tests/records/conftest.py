"""Fixtures for the records API client: a scriptable stub server and settings pointing at it."""

import pytest
from django.core.cache import cache
from django.core.management import call_command

from recordsadmin.client import transport
from tests.support.apis import use_records_api
from tests.support.budgets import fresh_rate_budget  # noqa: F401 (an autouse fixture)
from tests.support.stub import Stub

TOKEN = "pit-secret-token-never-shown-0123456789"
LOCATION = "loc0000000000000000000001"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # The schema cache is Django's DatabaseCache: its table is not a model, so make it here.
    with django_db_blocker.unblock():
        call_command("createcachetable", verbosity=0)


@pytest.fixture(autouse=True)
def _fresh_session():
    transport.close_pool()
    yield
    transport.close_pool()


@pytest.fixture
def stub():
    with Stub() as server:
        yield server


@pytest.fixture
def ghl(settings, stub):
    """Settings for the real-service mode, pointed at the stub, with tiny timeouts."""
    use_records_api(
        settings,
        url=stub.url,
        token=TOKEN,
        location_id=LOCATION,
        clear_cache=False,
        GHL_CONNECT_TIMEOUT=0.5,
        GHL_READ_TIMEOUT=0.5,
        GHL_PAGE_DEADLINE=3.0,
        GHL_MAX_RETRIES=3,
        GHL_BACKOFF_BASE=0.01,
        GHL_BACKOFF_CAP=0.05,
    )
    return stub


@pytest.fixture
def clear_cache(db):
    cache.clear()
    yield
    cache.clear()
