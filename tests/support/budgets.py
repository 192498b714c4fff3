"""The rate budget and the circuit breaker each test starts with
(recordsadmin/records/services/budget.py, recordsadmin/records/services/breaker.py)."""

import pytest

from recordsadmin.client import breaker as client_breaker
from recordsadmin.client import budget as client_budget
from recordsadmin.client import ratelimit
from recordsadmin.records.services import breaker, budget

from .markers import may_use_db


@pytest.fixture(autouse=True)
def fresh_rate_budget(request):
    """Each test starts with a budget that has learned no location's limit (the stub services
    of several tests share a location id), a breaker that trusts nothing it saw before, and
    no rate limit remembered from an earlier test's answers. The budget and the breaker keep
    their state in the database: a test that may not use it (the client's own tests) has
    neither."""
    ratelimit.forget()
    if may_use_db(request):
        budget.install()
        breaker.install()
    else:
        client_budget.install(client_budget.Unlimited())
        client_breaker.install(client_breaker.AlwaysClosed())
    yield
    budget.install()
    breaker.install()
