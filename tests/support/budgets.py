"""The rate budget each test starts with (recordsadmin/records/services/budget.py)."""

import pytest

from recordsadmin.client import budget as client_budget
from recordsadmin.records.services import budget

from .markers import may_use_db


@pytest.fixture(autouse=True)
def fresh_rate_budget(request):
    """Each test starts with a budget that has learned no location's limit (the stub services
    of several tests share a location id). The budget counts in the database: a test that
    may not use it (the client's own tests) has none."""
    if may_use_db(request):
        budget.install()
    else:
        client_budget.install(client_budget.Unlimited())
    yield
    budget.install()
