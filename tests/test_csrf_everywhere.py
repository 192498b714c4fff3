"""Every address of the dashboard that takes a POST refuses one without the CSRF token, before
its view runs (docs/reliability.md item 8). The embedded API's routes are exempt: they answer
to a bearer token, as the real service does."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# A value for each kind of path argument: the token check comes before any view reads them.
SAMPLES = {
    "int": "1",
    "uuid": "00000000-0000-0000-0000-000000000001",
    "str": "custom_objects.property",
    "slug": "x",
    "path": "x",
}


def addresses(resolver=None, prefix=""):
    """Every address of the URLconf, its arguments filled with SAMPLES."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from addresses(entry, pattern)
        elif isinstance(entry, URLPattern):
            yield "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLES[m[1] or "str"], pattern)


DASHBOARD = sorted({a for a in addresses() if not a.startswith(("/sandbox/", "/static/"))})


def test_the_walk_finds_the_dashboards_forms():
    assert len(DASHBOARD) > 40
    assert "/accounts/login/" in DASHBOARD
    assert "/objects/custom_objects.property/bulk/start/" in DASHBOARD


@pytest.mark.parametrize("address", DASHBOARD)
def test_a_post_without_the_token_is_refused(address, staff_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    response = client.post(address, {"name": "x"})
    assert response.status_code == 403, f"{address}: {response.status_code}"
    # Refused for its token (templates/403_csrf.html), not for a permission.
    assert b"This form could not be checked" in response.content, address
