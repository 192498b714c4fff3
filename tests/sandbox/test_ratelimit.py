"""The rate limit emulation: the setting, the sliding window, and 429 with headers over HTTP."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from recordsadmin.sandbox.models import Record
from recordsadmin.sandbox.ratelimit import (
    DAILY_LIMIT,
    Rate,
    RateLimiter,
    current_rate,
    parse_rate,
)
from recordsadmin.windows.stores import MemoryWindows, windows

from .conftest import SEED_PROPERTIES

HEADERS = [
    "X-RateLimit-Max",
    "X-RateLimit-Remaining",
    "X-RateLimit-Interval-Milliseconds",
    "X-RateLimit-Limit-Daily",
    "X-RateLimit-Daily-Remaining",
]


@pytest.mark.parametrize(
    ("value", "rate"),
    [
        ("100/10s", Rate(100, 10.0)),
        ("10/1s", Rate(10, 1.0)),
        (" 5 / 2s ", Rate(5, 2.0)),
        ("3/0.5s", Rate(3, 0.5)),
        ("off", None),
        ("OFF", None),
    ],
)
def test_parse_rate(value, rate):
    assert parse_rate(value) == rate


@pytest.mark.parametrize("value", ["", "100", "100/10", "100/10m", "0/1s", "5/0s", "x/1s", "on"])
def test_a_bad_setting_names_the_variable(value):
    with pytest.raises(ImproperlyConfigured, match="SANDBOX_RATE_LIMIT"):
        parse_rate(value)


def test_a_bad_setting_stops_the_app_at_start(settings):
    settings.SANDBOX_RATE_LIMIT = "lots"
    with pytest.raises(ImproperlyConfigured, match="SANDBOX_RATE_LIMIT"):
        apps.get_app_config("sandbox").ready()
    settings.SANDBOX_RATE_LIMIT = "10/1s"
    apps.get_app_config("sandbox").ready()


@pytest.mark.django_db(transaction=True)
def test_a_bad_setting_at_request_time_is_a_500_not_a_pass(sandbox, settings):
    settings.SANDBOX_RATE_LIMIT = "lots"
    assert sandbox.get("/users/").status_code == 500


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_sliding_window_lets_n_through_then_refuses_until_the_oldest_expires():
    clock = Clock()
    limiter = RateLimiter(MemoryWindows(clock))
    rate = Rate(3, 10.0)
    decisions = []
    for _ in range(3):  # at 0, 1 and 2 s
        decisions.append(limiter.hit("t", rate))
        clock.now += 1
    assert [d.allowed for d in decisions] == [True, True, True]
    assert [d.remaining for d in decisions] == [2, 1, 0]
    clock.now += 1  # 4 s
    refused = limiter.hit("t", rate)
    assert not refused.allowed and refused.retry_after == 6
    assert "Retry-After" not in refused.headers()  # the real service documents none
    assert limiter.hit("other", rate).allowed  # per key
    clock.now += 6  # 10 s: the hit at 0 s has left the window, those at 1 and 2 s have not
    assert limiter.hit("t", rate).allowed
    again = limiter.hit("t", rate)
    assert not again.allowed and again.retry_after == 1


def test_daily_remaining_counts_down():
    limiter = RateLimiter(MemoryWindows(Clock()))
    first = limiter.hit("t", Rate(10, 1.0))
    second = limiter.hit("t", Rate(10, 1.0))
    assert first.daily_remaining == DAILY_LIMIT - 1
    assert second.daily_remaining == DAILY_LIMIT - 2


def test_a_refusal_says_the_days_count_of_every_process_and_is_not_counted():
    shared = MemoryWindows(Clock())
    one, other = RateLimiter(shared), RateLimiter(shared)  # two processes of the API
    assert all(one.hit("t", Rate(3, 10.0)).allowed for _ in range(3))
    refused = other.hit("t", Rate(3, 10.0))  # its first call: the window is full
    assert not refused.allowed
    assert refused.daily_remaining == DAILY_LIMIT - 3
    assert other.hit("t", Rate(3, 10.0)).daily_remaining == DAILY_LIMIT - 3


def test_threads_never_get_more_than_the_limit():
    limiter = RateLimiter(MemoryWindows(Clock()))
    allowed = []

    def worker():
        for _ in range(50):
            allowed.append(limiter.hit("t", Rate(100, 10.0)).allowed)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == 100


# --- over HTTP ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_past_the_limit_the_api_answers_429_with_the_headers(sandbox, settings):
    settings.SANDBOX_RATE_LIMIT = "5/1s"
    responses = [sandbox.get("/objects/") for _ in range(6)]
    assert [r.status_code for r in responses] == [200] * 5 + [429]
    for remaining, response in zip([4, 3, 2, 1, 0], responses, strict=False):
        assert response.headers["X-RateLimit-Max"] == "5"
        assert response.headers["X-RateLimit-Remaining"] == str(remaining)
        assert response.headers["X-RateLimit-Interval-Milliseconds"] == "1000"
        assert response.headers["X-RateLimit-Limit-Daily"] == str(DAILY_LIMIT)
    refused = responses[-1]
    assert all(name in refused.headers for name in HEADERS)
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert "Retry-After" not in refused.headers
    body = refused.json()
    assert body["statusCode"] == 429
    assert body["error"] == "Too Many Requests"
    assert isinstance(body["message"], str)


@pytest.mark.django_db(transaction=True)
def test_the_limit_is_per_token(sandbox, other_sandbox, settings):
    settings.SANDBOX_RATE_LIMIT = "2/10s"
    assert [sandbox.get("/users/").status_code for _ in range(3)] == [200, 200, 429]
    assert other_sandbox.get("/users/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_refused_call_changes_nothing(sandbox, settings):
    settings.SANDBOX_RATE_LIMIT = "1/10s"
    assert sandbox.create(SEED_PROPERTIES).status_code == 200
    refused = sandbox.create({**SEED_PROPERTIES, "address": "Refused Road"})
    assert refused.status_code == 429
    assert not Record.objects.filter(properties__address="Refused Road").exists()


@pytest.mark.django_db(transaction=True)
def test_off_sends_no_rate_limit_headers(sandbox, settings):
    settings.SANDBOX_RATE_LIMIT = "off"
    responses = [sandbox.get("/users/") for _ in range(30)]
    assert {r.status_code for r in responses} == {200}
    assert "X-RateLimit-Max" not in responses[0].headers


@pytest.mark.django_db(transaction=True)
def test_every_response_carries_the_headers_errors_included(sandbox, settings):
    settings.SANDBOX_RATE_LIMIT = "100/10s"
    for response in [
        sandbox.get("/objects/"),
        sandbox.get("/objects/custom_objects.nope"),
        sandbox.post("/objects/custom_objects.property/records", data=b"{"),
    ]:
        assert all(name in response.headers for name in HEADERS), response.status_code


# --- on by default ------------------------------------------------------------------------


def settings_default(tmp_path) -> str:
    """SANDBOX_RATE_LIMIT as a fresh read of recordsadmin/settings.py sets it when the
    environment says nothing (the tests' own settings turn it off)."""
    env = {k: v for k, v in os.environ.items() if k != "SANDBOX_RATE_LIMIT"}
    env.update(DJANGO_SECRET_KEY="x" * 50, RECORDSADMIN_DATA_DIR=str(tmp_path))
    code = "from recordsadmin import settings; print(settings.SANDBOX_RATE_LIMIT)"
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip()


def test_the_default_is_on_at_the_real_services_100_per_10_seconds(tmp_path, settings):
    assert parse_rate(settings_default(tmp_path)) == Rate(100, 10.0)
    del settings.SANDBOX_RATE_LIMIT  # a settings module without it at all
    assert current_rate() == Rate(100, 10.0)


@pytest.mark.django_db(transaction=True)
def test_at_the_default_the_101st_call_in_10_seconds_is_429(
    sandbox, settings, tmp_path, monkeypatch
):
    settings.SANDBOX_RATE_LIMIT = settings_default(tmp_path)
    # The shared windows' clock stands still, so that the 101 calls fall in one window however
    # long a busy machine takes to make them (the window's sliding is tested in
    # tests/windows/test_stores.py).
    now = time.time()
    monkeypatch.setattr(windows(), "_clock", lambda: now)
    responses = [sandbox.get("/users/") for _ in range(101)]
    assert [r.status_code for r in responses] == [200] * 100 + [429]
    assert responses[0].headers["X-RateLimit-Max"] == "100"
    assert responses[0].headers["X-RateLimit-Interval-Milliseconds"] == "10000"
    assert responses[-1].headers["X-RateLimit-Remaining"] == "0"
    assert "Retry-After" not in responses[-1].headers
