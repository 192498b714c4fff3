"""docs/reliability.md items 2, 3 and 40: headers on every response, and htmx set up for the CSP."""

import json
import re

import pytest
from django.conf import settings
from django.test import Client

TABLE = "/objects/custom_objects.property/"


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.django_db
def test_login_page_has_a_strict_csp_with_a_fresh_nonce(client):
    first = client.get("/accounts/login/")
    second = client.get("/accounts/login/")
    policy = csp_directives(first)
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    script_src = policy["script-src"]
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src
    nonces = [v for v in script_src if v.startswith("'nonce-")]
    assert len(nonces) == 1
    nonce = nonces[0][len("'nonce-") : -1]
    html = first.content.decode()
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts, "the page loads htmx and our script"
    assert all(f'nonce="{nonce}"' in tag for tag in scripts)
    assert nonce not in second["Content-Security-Policy"]


def assert_strict_csp_with_nonced_scripts(response) -> None:
    policy = csp_directives(response)
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    (nonce,) = [v[len("'nonce-") : -1] for v in policy["script-src"] if v.startswith("'nonce-")]
    for tag in re.findall(r"<script[^>]*>", response.content.decode()):
        assert f'nonce="{nonce}"' in tag, tag
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),
        (TABLE, 200),
        (TABLE + "new/", 200),
        ("/objects/custom_objects.nothing/", 404),
        ("/no/such/page/", 404),
    ],
)
def test_every_kind_of_page_has_the_strict_csp(staff_client, service, path, status):
    service.stub.router = _two_objects(service)
    response = staff_client.get(path)
    assert response.status_code == status
    assert_strict_csp_with_nonced_scripts(response)


@pytest.mark.django_db
def test_a_403_page_has_the_strict_csp(client, plain_user):
    client.force_login(plain_user)
    response = client.get(TABLE)
    assert response.status_code == 403
    assert_strict_csp_with_nonced_scripts(response)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/", TABLE, TABLE + "new/"])
def test_pages_load_nothing_from_another_origin(staff_client, service, path):
    """The dashboard must work offline: every script, stylesheet, image and icon is ours."""
    service.stub.router = _two_objects(service)
    html = staff_client.get(path).content.decode()
    for tag in re.findall(r"<(?:script|link|img|iframe|source)\b[^>]*>", html):
        for url in re.findall(r'\b(?:src|href)="([^"]*)"', tag):
            assert url.startswith("/") and not url.startswith("//"), tag


def _two_objects(service):
    """The home page lists objects instead of going straight to the only one."""
    from tests.support.fake_service import PROPERTY
    from tests.support.stub import Reply

    route = service.route
    other = {"id": "o2", "key": "custom_objects.showing", "labels": {"plural": "Showings"}}

    def router(seen):
        if seen.path == "/objects/":
            return Reply(200, json={"objects": [PROPERTY["object"], other]})
        if seen.path == "/objects/custom_objects.showing/records/search":
            return Reply(200, json={"records": [], "total": 0})
        return route(seen)

    return router


@pytest.mark.django_db
def test_signed_in_page_has_security_headers(staff_client, service):
    response = staff_client.get(TABLE)
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"]
    assert "nonce-" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_htmx_config_meta_is_safe_and_outlasts_the_server_deadline(staff_client, service):
    html = staff_client.get(TABLE).content.decode()
    match = re.search(r'<meta name="htmx-config" content="([^"]*)">', html)
    assert match
    config = json.loads(match.group(1).replace("&quot;", '"'))
    assert config["timeout"] > settings.GHL_PAGE_DEADLINE * 1000
    assert config["allowEval"] is False
    assert config["includeIndicatorStyles"] is False
    assert "style" not in config["attributesToSettle"]
    assert config["historyRestoreAsHxRequest"] is False


@pytest.mark.django_db
def test_htmx_is_served_locally_and_sends_the_csrf_token(staff_client, service):
    html = staff_client.get(TABLE).content.decode()
    assert re.search(r'<script[^>]+src="/static/django_htmx/htmx\.min\.[^"]*js"', html) or (
        re.search(r'<script[^>]+src="/static/[^"]*htmx[^"]*"', html)
    )
    assert "//cdn" not in html
    assert "unpkg" not in html
    assert "hx-headers" in html
    assert "X-CSRFToken" in html


@pytest.mark.django_db
def test_static_files_are_served_without_login(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b".topbar" in body


@pytest.mark.django_db
def test_the_csrf_failure_page_is_ours_with_the_strict_csp(staff_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    response = client.post(TABLE + "new/", {"address": "1 Test Lane"})
    assert response.status_code == 403
    assert_strict_csp_with_nonced_scripts(response)
    html = response.content.decode()
    assert "recordsadmin" in html and "could not be checked" in html


@pytest.mark.django_db
def test_the_csrf_failure_page_on_sign_in_has_the_strict_csp(db):
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "x"})
    assert response.status_code == 403
    assert_strict_csp_with_nonced_scripts(response)


@pytest.mark.parametrize("path", ["/static/css/app.css", "/static/favicon.svg"])
def test_static_files_have_the_same_security_headers(client, path):
    """The test settings are the production ones (DEBUG off): whitenoise answers these."""
    assert not settings.DEBUG
    response = client.get(path)
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"]
    assert csp_directives(response)["frame-ancestors"] == ["'none'"]
