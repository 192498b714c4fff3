"""Staff login, the login wall on every page, throttling and sessions (docs/reliability.md
items 5–10)."""

import re
import threading
import time
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import PASSWORD

# A page that needs the records API: the fake service's only object.
TABLE = "/objects/custom_objects.property/"

# Routes a signed-out visitor may reach: the login page, the health check, and the embedded
# records API, which has bearer-token auth of its own.
OPEN_ROUTES = {"accounts:login", "records:healthz"}
OPEN_NAMESPACES = {"sandbox"}
SAMPLE_UUID = "00000000-0000-4000-8000-000000000001"


def dashboard_routes():
    """Every named route of the dashboard, with sample arguments filled in."""
    found = []

    def walk(patterns, namespace, prefix):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = entry.namespace or namespace
                walk(entry.url_patterns, ns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                if namespace in OPEN_NAMESPACES or name in OPEN_ROUTES:
                    continue
                path = prefix + str(entry.pattern)
                while "<uuid:" in path:
                    start = path.index("<uuid:")
                    end = path.index(">", start)
                    path = path[:start] + SAMPLE_UUID + path[end + 1 :]
                for converter in ("<str:", "<slug:", "<int:", "<path:", "<"):
                    while converter in path:
                        start = path.index(converter)
                        end = path.index(">", start)
                        path = path[:start] + "1" + path[end + 1 :]
                found.append("/" + path.lstrip("^").rstrip("$"))

    walk(get_resolver().url_patterns, None, "")
    return found


def test_the_walk_finds_the_dashboard():
    routes = dashboard_routes()
    assert "/" in routes
    assert "/accounts/logout/" in routes


@pytest.mark.django_db
@pytest.mark.parametrize("path", dashboard_routes())
def test_signed_out_visitors_are_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.django_db
@pytest.mark.parametrize("path", dashboard_routes())
def test_signed_out_htmx_requests_get_hx_redirect(client, path):
    response = client.get(
        path, headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/"}
    )
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/accounts/login/?next=")
    assert b"<form" not in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("path", [p for p in dashboard_routes() if p != "/accounts/logout/"])
def test_users_who_are_not_staff_get_403(client, plain_user, path):
    client.force_login(plain_user)
    assert client.get(path).status_code == 403


@pytest.mark.django_db
def test_health_and_login_are_open(client, service):
    assert client.get("/accounts/login/").status_code == 200
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"


@pytest.mark.django_db
def test_staff_sign_in_and_reach_home(client, staff_user, service):
    response = client.post("/accounts/login/", {"username": "staffer", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/", follow=True)
    assert home.redirect_chain == [(TABLE, 302)]
    assert home.status_code == 200
    assert b"staffer" in home.content


@pytest.mark.django_db
def test_non_staff_cannot_sign_in(client, plain_user):
    response = client.post("/accounts/login/", {"username": "visitor", "password": PASSWORD})
    assert response.status_code == 200
    assert b"not allowed to use the dashboard" in response.content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_wrong_password_is_refused_with_a_message(client, staff_user):
    response = client.post("/accounts/login/", {"username": "staffer", "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    "next_url", ["https://evil.example.com/", "//evil.example.com/x", "javascript:alert(1)"]
)
def test_next_only_redirects_within_the_site(client, staff_user, next_url):
    response = client.post(
        "/accounts/login/", {"username": "staffer", "password": PASSWORD, "next": next_url}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_next_within_the_site_is_followed(client, staff_user):
    response = client.post(
        "/accounts/login/", {"username": "staffer", "password": PASSWORD, "next": "/healthz"}
    )
    assert response["Location"] == "/healthz"


def login_from(address: str, username: str, password: str) -> int:
    return (
        Client(REMOTE_ADDR=address)
        .post("/accounts/login/", {"username": username, "password": password})
        .status_code
    )


@pytest.mark.django_db
def test_five_failures_lock_that_username_from_that_address(staff_user, settings):
    other = staff_user.__class__.objects.create_user(
        username="colleague", password=PASSWORD, is_staff=True
    )
    assert other.is_staff
    for _ in range(settings.LOGIN_MAX_FAILURES):
        assert login_from("10.0.0.1", "staffer", "wrong") == 200
    client = Client(REMOTE_ADDR="10.0.0.1")
    locked = client.post("/accounts/login/", {"username": "staffer", "password": PASSWORD})
    assert locked.status_code == 429
    assert b"Too many failed sign-ins" in locked.content
    assert int(locked["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session
    # A colleague at the same address, and the same user elsewhere, still get in.
    assert login_from("10.0.0.1", "colleague", PASSWORD) == 302
    assert login_from("10.0.0.2", "staffer", PASSWORD) == 302


@pytest.mark.django_db
def test_a_locked_out_attempt_says_the_same_whatever_the_password(staff_user, settings):
    """The password is not checked while locked out: a right one and a wrong one get the same
    page, so guessing cannot go on during the lockout."""
    answers = []
    for _ in range(settings.LOGIN_MAX_FAILURES):
        answer = Client(REMOTE_ADDR="10.0.0.7").post(
            "/accounts/login/", {"username": "staffer", "password": "wrong"}
        )
        answers.append(answer.content.decode())
    # The last try before the lockout says so; the ones before it do not.
    assert "One more failed sign-in will stop sign-ins for this username" in answers[-2]
    assert "One more failed" not in answers[0] and "One more failed" not in answers[-1]
    pages = []
    for password in ("wrong", PASSWORD):
        locked = Client(REMOTE_ADDR="10.0.0.7").post(
            "/accounts/login/", {"username": "staffer", "password": password}
        )
        assert locked.status_code == 429
        text = locked.content.decode()
        # Apart from the tokens that differ on every page (CSRF, the CSP nonce).
        pages.append(re.sub(r'(value|nonce)="[^"]*"|"X-CSRFToken": "\w+"', "", text))
        assert "Please enter a correct" not in text
        assert 'value="staffer"' in text  # the username stays typed
    assert pages[0] == pages[1]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("clock", "limit", "why", "not_why"),
    [
        ("seen_at", "SESSION_IDLE_SECONDS", "a while without activity", "the longest"),
        ("started_at", "SESSION_COOKIE_AGE", "the longest a session lasts", "without activity"),
    ],
)
def test_the_sign_in_page_says_why_a_session_ended(
    client, staff_user, settings, service, clock, limit, why, not_why
):
    client.force_login(staff_user)
    session = client.session
    session[clock] = time.time() - getattr(settings, limit) - 1
    session.save()
    page = client.get(TABLE, follow=True).content.decode()
    assert f"You were signed out after {why}. Sign in again to go on." in page
    assert not_why not in page


@pytest.mark.django_db
@pytest.mark.parametrize("spelling", ["ｓtaffer", "stａffer", "𝐬𝐭𝐚𝐟𝐟𝐞𝐫", " STAFFER "])
def test_other_spellings_of_a_locked_username_are_locked_too(staff_user, settings, spelling):
    # Each of these signs in as staffer (the form reads usernames in NFKC), so each is
    # counted as staffer: no fresh five tries per spelling.
    for _ in range(settings.LOGIN_MAX_FAILURES):
        assert login_from("10.0.0.5", "staffer", "wrong") == 200
    assert login_from("10.0.0.5", spelling, "wrong") == 429
    assert login_from("10.0.0.5", spelling, PASSWORD) == 429


@pytest.mark.django_db
def test_signing_in_gives_a_new_session_key(client, staff_user):
    client.get("/accounts/login/")
    client.session.save()
    before = client.session.session_key
    assert before
    assert (
        client.post("/accounts/login/", {"username": "staffer", "password": PASSWORD}).status_code
        == 302
    )
    assert client.session.session_key != before
    assert client.session["_auth_user_id"] == str(staff_user.pk)


@pytest.mark.django_db
def test_a_success_before_the_limit_resets_the_count(staff_user, settings):
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        login_from("10.0.0.3", "staffer", "wrong")
    assert login_from("10.0.0.3", "staffer", PASSWORD) == 302
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        login_from("10.0.0.3", "staffer", "wrong")
    assert login_from("10.0.0.3", "staffer", PASSWORD) == 302


@pytest.mark.django_db
def test_logout_is_post_only_and_ends_the_session(client, staff_user):
    client.post("/accounts/login/", {"username": "staffer", "password": PASSWORD})
    cookie = client.cookies["sessionid"].value
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    replay = Client()
    replay.cookies["sessionid"] = cookie
    # To the sign-in page: a signed-in person's "/" is a redirect too (to the table).
    answer = replay.get(TABLE)
    assert answer.status_code == 302
    assert answer["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_login_post_without_csrf_token_is_refused(staff_user):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "staffer", "password": PASSWORD})
    assert response.status_code == 403


@pytest.mark.django_db
def test_logout_without_csrf_token_is_refused(staff_user, service):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    assert client.post("/accounts/logout/", headers={"HX-Request": "true"}).status_code == 403
    assert client.get(TABLE).status_code == 200


@pytest.mark.django_db
def test_idle_sessions_expire(client, staff_user, settings, service):
    client.force_login(staff_user)
    assert client.get(TABLE).status_code == 200
    session = client.session
    session["seen_at"] = time.time() - settings.SESSION_IDLE_SECONDS - 1
    session.save()
    assert client.get(TABLE).status_code == 302


@pytest.mark.django_db
def test_sessions_expire_at_their_absolute_age_even_when_busy(
    client, staff_user, settings, service
):
    client.force_login(staff_user)
    assert client.get(TABLE).status_code == 200
    session = client.session
    session["started_at"] = time.time() - settings.SESSION_COOKIE_AGE - 1
    session.save()
    assert client.get(TABLE).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_guesses_sent_at_once_get_no_more_tries_than_the_limit(staff_user, settings):
    """Each attempt is counted before its password is checked, in one locked update: twenty
    wrong guesses at once are five tries, and the rest are refused (item 9)."""
    from django.db import connection

    answers = []
    start = threading.Barrier(20)

    def guess():
        try:
            start.wait()
            answers.append(login_from("10.0.0.9", "staffer", "wrong"))
        finally:
            connection.close()

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200] * settings.LOGIN_MAX_FAILURES + [429] * (
        20 - settings.LOGIN_MAX_FAILURES
    )
    assert login_from("10.0.0.9", "staffer", PASSWORD) == 429


@pytest.mark.django_db
def test_a_lockout_ends_after_its_time(staff_user, settings, monkeypatch):
    from recordsadmin.accounts import throttle

    for _ in range(settings.LOGIN_MAX_FAILURES):
        login_from("10.0.0.8", "staffer", "wrong")
    assert login_from("10.0.0.8", "staffer", PASSWORD) == 429
    later = time.time() + settings.LOGIN_LOCKOUT_SECONDS + 1
    monkeypatch.setattr(throttle, "time", SimpleNamespace(time=lambda: later))
    assert login_from("10.0.0.8", "staffer", PASSWORD) == 302


@pytest.mark.django_db
def test_a_signed_in_page_reads_its_session_from_the_cache(client, staff_user):
    """Sessions are written to the database and the cache, and read from the cache: a page
    does not query the sessions table (settings.SESSION_ENGINE)."""
    client.post("/accounts/login/", {"username": "staffer", "password": PASSWORD})
    client.raise_request_exception = False  # no records API here: the page says so
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code != 302  # signed in: not sent to the login page
    assert not [q["sql"] for q in queries if "django_session" in q["sql"]]
    # What the database holds signs the person in when the cache has lost it.
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code != 302
    assert [q["sql"] for q in queries if "django_session" in q["sql"]]
