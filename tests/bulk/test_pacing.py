"""The rate limit the API announces, as the client sees it, and the pacer that keeps under it."""

import pytest

from recordsadmin.client import ratelimit
from recordsadmin.records import services
from recordsadmin.records.bulk import pacing

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_client_keeps_the_last_rate_limit_headers(schema):
    props = schema(records=3, rate="50/10s")
    services.record_search(schema=props, per_page=1)
    seen = ratelimit.rate_limit_seen()
    assert seen is not None
    assert (seen.max, seen.interval_ms) == (50, 10_000)
    first = seen.remaining
    services.record_search(schema=props, per_page=1)
    assert ratelimit.rate_limit_seen().remaining == first - 1
    assert ratelimit.rate_limit_seen().daily_remaining == seen.daily_remaining - 1 < 200_000
    assert ratelimit.rate_limit_seen().at > seen.at


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def headers(max_: int, seconds: float, remaining: int, **more: str) -> dict[str, str]:
    """The X-RateLimit-* headers of an answer."""
    return {
        "X-RateLimit-Max": str(max_),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Interval-Milliseconds": str(int(seconds * 1000)),
        **more,
    }


@pytest.fixture
def unannounced():
    """No answer has announced a limit yet (and none is left behind for other tests)."""
    ratelimit.forget()
    yield
    ratelimit.forget()


@pytest.fixture
def announced(unannounced):
    """Pretend the last answer announced `max` per `seconds` with `remaining` left."""

    def announce(max_: int, seconds: float, remaining: int, at: float):
        ratelimit.remember(headers(max_, seconds, remaining), at=at)

    return announce


def test_pacer_uses_the_announced_limit_less_its_reserve(announced):
    clock = Clock()
    pacer = pacing.Pacer(reserve=2, clock=clock)
    # Before any answer: one call at a time.
    assert pacer.wait_for(clock()) == 0
    pacer.acquire()
    assert pacer.wait_for(clock()) > 0
    announced(10, 1.0, 9, clock.now)
    pacer.release()
    for _ in range(7):  # 10 - reserve 2 = 8 in the interval, one already used
        assert pacer.wait_for(clock()) == 0
        pacer.acquire()
        pacer.release()
        announced(10, 1.0, 5, clock.now)
    wait = pacer.wait_for(clock())
    assert 0.9 <= wait <= 1.0  # the first call leaves the window in a second
    clock.now += wait
    assert pacer.wait_for(clock()) == 0


def test_pacer_slows_down_when_others_use_the_limit(announced):
    clock = Clock()
    pacer = pacing.Pacer(reserve=2, clock=clock)
    pacer.acquire()
    pacer.release()
    announced(100, 10.0, 0, clock.now)  # someone else spent it: one call per 0.1 s
    assert pacer.wait_for(clock()) == pytest.approx(0.1)
    clock.now += 0.1
    assert pacer.wait_for(clock()) == 0


def test_pacer_does_not_pace_when_no_limit_is_announced(unannounced):
    clock = Clock()
    pacer = pacing.Pacer(reserve=2, clock=clock)
    pacer.acquire()
    pacer.release()
    for _ in range(50):
        assert pacer.wait_for(clock()) == 0
        pacer.acquire()


def test_pacer_waits_after_a_429(unannounced):
    clock = Clock()
    pacer = pacing.Pacer(clock=clock)
    pacer.acquire()
    pacer.release()
    pacer.pause(3)
    assert pacer.wait_for(clock()) == pytest.approx(3)


def test_pacer_lets_no_call_go_once_the_daily_quota_is_spent(announced):
    clock = Clock()
    pacer = pacing.Pacer(clock=clock)
    ratelimit.remember(headers(100, 10, 50, **{"X-RateLimit-Daily-Remaining": "0"}), at=clock.now)
    assert pacer.daily_spent()
    with pytest.raises(pacing.DailyLimitSpent):
        pacer.acquire()
