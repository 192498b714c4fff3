"""The rate limit the API announces, as the client sees it, and what a job does with it."""

import pytest

from recordsadmin.client import budget, ratelimit
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

    def announce(max_: int, seconds: float, remaining: int):
        ratelimit.remember(headers(max_, seconds, remaining))

    return announce


def test_pacer_lets_no_call_go_once_the_daily_quota_is_spent(announced):
    pacer = pacing.Pacer()
    calls = []
    assert pacer.call(lambda deadline: calls.append(deadline) or "sent") == "sent"
    ratelimit.remember(headers(100, 10, 50, **{"X-RateLimit-Daily-Remaining": "0"}))
    assert pacer.daily_spent()
    with pytest.raises(pacing.DailyLimitSpent):
        pacer.call(lambda deadline: calls.append(deadline))
    assert len(calls) == 1


def test_an_answer_from_before_the_job_does_not_stop_it(announced):
    ratelimit.remember(headers(100, 10, 50, **{"X-RateLimit-Daily-Remaining": "0"}))
    assert not pacing.Pacer().daily_spent()


def test_a_jobs_calls_are_background_calls(announced):
    seen = []
    pacing.Pacer().call(lambda deadline: seen.append(budget.priority()))
    assert seen == [budget.BACKGROUND]
    assert budget.priority() == budget.PEOPLE
