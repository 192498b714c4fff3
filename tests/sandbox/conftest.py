"""The embedded records API over a real socket: `sandbox` is a demo location on live_server."""

import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
import requests

from recordsadmin.sandbox import ratelimit
from recordsadmin.sandbox.demo import PROPERTY_KEY, create_demo_location
from recordsadmin.sandbox.models import Location, SandboxUser
from tests.support.markers import may_use_db

from .openapi_check import check_response

VERSION = "2021-07-28"


@dataclass
class SchemathesisRun:
    """What test_schemathesis.py sent from one document, for the summary at the end of the
    session."""

    document: str
    cases: int = 0
    started: float = 0.0
    ended: float = 0.0
    statuses: Counter = field(default_factory=Counter)

    def count(self, case) -> None:
        self.cases += 1
        self.ended = time.monotonic()


SCHEMATHESIS_RUN = SchemathesisRun("/sandbox/openapi.json")
OFFICIAL_RUN = SchemathesisRun("GoHighLevel's apps/objects.json")


def pytest_terminal_summary(terminalreporter):
    """Each schemathesis run's case count, with or without -s (a print would be captured)."""
    for run in (SCHEMATHESIS_RUN, OFFICIAL_RUN):
        if not run.cases:
            continue
        statuses = ", ".join(f"{status}: {n}" for status, n in sorted(run.statuses.items()))
        terminalreporter.write_sep(
            "-",
            f"schemathesis: {run.cases} cases from {run.document} in "
            f"{run.ended - run.started:.0f} s (answers by status: {statuses or 'none'})",
        )


@dataclass
class Sandbox:
    """One location's view of the API: its base URL, token and a requests session."""

    url: str
    location: Location
    token: str
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def location_id(self) -> str:
        return self.location.id

    @property
    def headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.token}",
            "Version": VERSION,
            "Content-Type": "application/json",
        }

    @property
    def user_ids(self) -> list[str]:
        return list(SandboxUser.objects.filter(location=self.location).values_list("id", flat=True))

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        """The answer, once it is checked to be one that openapi.json describes."""
        headers = {**self.headers, **kwargs.pop("headers", {})}
        response = self.session.request(
            method, self.url + path, headers=headers, timeout=10, allow_redirects=False, **kwargs
        )
        check_response(response)
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.call("POST", path, **kwargs)

    def put(self, path: str, **kwargs) -> requests.Response:
        return self.call("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs) -> requests.Response:
        return self.call("DELETE", path, **kwargs)

    def create(self, properties: dict, **extra) -> requests.Response:
        return self.post(
            f"/objects/{PROPERTY_KEY}/records", json={"properties": properties, **extra}
        )


# A valid property: the seed document's first call.
SEED_PROPERTIES = {"address": "742 Evergreen Terrace", "price": 350000, "status": "Active"}


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request):
    """Each test starts with no call counted (the counts are in the database: only a test
    that may use it has any)."""
    uses_db = may_use_db(request)
    if uses_db:
        ratelimit.limiter.reset()
    yield
    if uses_db:
        ratelimit.limiter.reset()


@pytest.fixture
def sandbox(live_server, transactional_db):
    location, token = create_demo_location(records=20)
    api = Sandbox(url=live_server.url + "/sandbox", location=location, token=token)
    yield api
    # A kept-alive connection would hold a server thread that later closes the database
    # connection it shares with another test.
    api.session.close()


@pytest.fixture
def other_sandbox(live_server, transactional_db, sandbox):
    """A second location with the same demo objects and keys, and its own token."""
    location, token = create_demo_location(records=5, seed=1)
    api = Sandbox(url=live_server.url + "/sandbox", location=location, token=token)
    yield api
    api.session.close()
