"""The rate limit the API announces, as the client sees it, and the pacer that keeps under it."""

import pytest

from recordsadmin.records import api, bulk, services
from recordsadmin.records.api import RateLimitSeen

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_client_keeps_the_last_rate_limit_headers(schema):
    props = schema(records=3, rate="50/10s")
    services.record_search(schema=props, per_page=1)
    seen = api.rate_limit_seen()
    assert seen is not None
    assert (seen.max, seen.interval_ms) == (50, 10_000)
    first = seen.remaining
    services.record_search(schema=props, per_page=1)
    assert api.rate_limit_seen().remaining == first - 1
    assert api.rate_limit_seen().daily_remaining == seen.daily_remaining - 1 < 200_000
    assert api.rate_limit_seen().at > seen.at


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def announced(monkeypatch):
    """Pretend the last answer announced `max` per `seconds` with `remaining` left."""
    monkeypatch.setattr(api, "_rate_limit_seen", None)

    def announce(max_: int, seconds: float, remaining: int, at: float):
        seen = RateLimitSeen(max=max_, remaining=remaining, interval_ms=int(seconds * 1000), at=at)
        monkeypatch.setattr(api, "_rate_limit_seen", seen)

    return announce


def test_pacer_uses_the_announced_limit_less_its_reserve(announced):
    clock = Clock()
    pacer = bulk.Pacer(reserve=2, clock=clock)
    # Before any answer: one call at a time.
    assert pacer._wait_for(clock()) == 0
    pacer.acquire()
    assert pacer._wait_for(clock()) > 0
    announced(10, 1.0, 9, clock.now)
    pacer.release()
    for _ in range(7):  # 10 - reserve 2 = 8 in the interval, one already used
        assert pacer._wait_for(clock()) == 0
        pacer.acquire()
        pacer.release()
        announced(10, 1.0, 5, clock.now)
    wait = pacer._wait_for(clock())
    assert 0.9 <= wait <= 1.0  # the first call leaves the window in a second
    clock.now += wait
    assert pacer._wait_for(clock()) == 0


def test_pacer_slows_down_when_others_use_the_limit(announced):
    clock = Clock()
    pacer = bulk.Pacer(reserve=2, clock=clock)
    pacer.acquire()
    pacer.release()
    announced(100, 10.0, 0, clock.now)  # someone else spent it: one call per 0.1 s
    assert pacer._wait_for(clock()) == pytest.approx(0.1)
    clock.now += 0.1
    assert pacer._wait_for(clock()) == 0


def test_pacer_does_not_pace_when_no_limit_is_announced(monkeypatch):
    monkeypatch.setattr(api, "_rate_limit_seen", None)
    clock = Clock()
    pacer = bulk.Pacer(reserve=2, clock=clock)
    pacer.acquire()
    pacer.release()
    for _ in range(50):
        assert pacer._wait_for(clock()) == 0
        pacer.acquire()


def test_pacer_waits_after_a_429(monkeypatch):
    monkeypatch.setattr(api, "_rate_limit_seen", None)
    clock = Clock()
    pacer = bulk.Pacer(clock=clock)
    pacer.acquire()
    pacer.release()
    pacer.pause(3)
    assert pacer._wait_for(clock()) == pytest.approx(3)


def test_pacer_lets_no_call_go_once_the_daily_quota_is_spent(announced):
    clock = Clock()
    pacer = bulk.Pacer(clock=clock)
    seen = RateLimitSeen(max=100, remaining=50, interval_ms=10_000, at=clock.now, daily_remaining=0)
    api._rate_limit_seen = seen
    assert pacer.daily_spent()
    with pytest.raises(bulk.DailyLimitSpent):
        pacer.acquire()
