"""One rate budget per location for every process: people first, background work after them,
following what the API's answers announce."""

import pytest

from recordsadmin.client import budget, ratelimit
from recordsadmin.client.errors import RateLimited
from recordsadmin.records import services
from recordsadmin.records.services.budget import CONTRACT_LIMIT, Limit, SharedBudget
from recordsadmin.windows.stores import MemoryWindows

PEOPLE, BACKGROUND = budget.PEOPLE, budget.BACKGROUND


class Clock:
    """Time that moves only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def announced(calls: int, seconds: float, remaining: int) -> dict[str, str]:
    return {
        "X-RateLimit-Max": str(calls),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Interval-Milliseconds": str(int(seconds * 1000)),
    }


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def shared(clock):
    """A budget and a second one on the same store: two processes."""
    store = MemoryWindows(clock)
    first = SharedBudget(lambda: store, clock=clock, sleep=clock.sleep)
    second = SharedBudget(lambda: store, clock=clock, sleep=clock.sleep)
    for one in (first, second):
        one.observe("loc", announced(20, 2.0, 20), 200)
    return first, second


def fill(one: SharedBudget, priority: str, clock: Clock) -> int:
    """How many calls of `priority` get a place now, without waiting."""
    count = 0
    while not one.acquire("loc", priority=priority, deadline=clock.now):
        count += 1
    return count


def spread(one: SharedBudget, clock: Clock, seconds: float) -> int:
    """How many background calls get a place over most of an interval of `seconds`, asking
    once in each tenth of it (none of them leaves the interval's window meanwhile)."""
    count = fill(one, BACKGROUND, clock)
    for _ in range(9):
        clock.now += seconds / 10 * 1.005
        count += fill(one, BACKGROUND, clock)
    return count


def test_background_work_goes_evenly_not_in_a_burst(shared, clock):
    first, _ = shared
    assert fill(first, BACKGROUND, clock) == 2  # a tenth of 20 per 2 s at once
    clock.now += 0.2
    assert fill(first, BACKGROUND, clock) == 2


def test_with_no_one_browsing_background_work_uses_the_limit(shared, clock, settings):
    settings.RECORDS_BUDGET_SAFETY, settings.RECORDS_BUDGET_RESERVE = 1, 0.1
    first, second = shared
    assert spread(first, clock, 2.0) == 20  # a limit this small keeps no call unused
    assert fill(second, BACKGROUND, clock) == 0  # the other process sees the same window


def test_once_people_browse_background_work_leaves_them_a_reserve(shared, clock, settings):
    settings.RECORDS_BUDGET_SAFETY, settings.RECORDS_BUDGET_RESERVE = 1, 0.1
    first, second = shared
    assert first.acquire("loc", priority=PEOPLE, deadline=clock.now) == 0
    # 20 per 2 s: background up to 20 - 2 = 18 (one of them the person's), people to 20.
    assert spread(second, clock, 2.0) == 17
    assert fill(first, PEOPLE, clock) == 2
    # A whole interval without people: the reserve is the background's again.
    clock.now += 2.5
    assert spread(second, clock, 2.0) == 20


def test_while_people_use_the_reserve_background_waits(shared, clock, settings):
    settings.RECORDS_BUDGET_SAFETY, settings.RECORDS_BUDGET_RESERVE = 1, 0.1
    first, second = shared
    assert fill(first, PEOPLE, clock) == 20
    assert second.acquire("loc", priority=BACKGROUND, deadline=clock.now + 1.0) > 1.0
    # With time to wait, a place comes once the window has moved on.
    assert second.acquire("loc", priority=BACKGROUND, deadline=clock.now + 5.0) == 0
    assert clock.slept and 1.9 <= sum(clock.slept) <= 5.0


def test_people_are_refused_at_once_when_no_place_comes_before_their_deadline(shared, clock):
    first, _ = shared
    fill(first, PEOPLE, clock)
    assert first.acquire("loc", priority=PEOPLE, deadline=clock.now + 0.5) > 0.5
    assert clock.slept == []  # no sleeping past the deadline


def test_another_apps_calls_fill_the_window(shared, clock, settings):
    settings.RECORDS_BUDGET_SAFETY, settings.RECORDS_BUDGET_RESERVE = 1, 0.1
    first, second = shared
    assert first.acquire("loc", priority=BACKGROUND, deadline=clock.now) == 0
    # The answer says 15 of 20 are used: 14 by someone else.
    first.observe("loc", announced(20, 2.0, 5), 200)
    assert spread(second, clock, 2.0) == 5  # 20 - 15


def test_a_call_is_counted_until_an_interval_after_its_answer(shared, clock):
    first, second = shared
    assert fill(first, PEOPLE, clock) == 20
    clock.now += 1.5  # the last answer came 1.5 s after the calls went
    first.observe("loc", announced(20, 2.0, 0), 200)
    clock.now += 1.0  # 2.5 s after they went, 1 s after that answer
    assert fill(second, PEOPLE, clock) == 19  # only that one call is still counted


def test_a_429_fills_the_window(shared, clock):
    first, second = shared
    assert first.acquire("loc", priority=PEOPLE, deadline=clock.now) == 0
    first.observe("loc", announced(20, 2.0, 0), 429)
    assert fill(second, PEOPLE, clock) == 0


def test_a_large_limit_keeps_its_safety_unused(clock, settings):
    settings.RECORDS_BUDGET_SAFETY, settings.RECORDS_BUDGET_RESERVE = 1, 0.05
    store = MemoryWindows(clock)
    one = SharedBudget(lambda: store, clock=clock, sleep=clock.sleep)
    one.observe("loc", announced(100, 10.0, 100), 200)
    assert spread(one, clock, 10.0) == 99
    assert fill(one, PEOPLE, clock) == 0


def test_the_announced_limit_replaces_the_contracts(clock):
    store = MemoryWindows(clock)
    one = SharedBudget(lambda: store, clock=clock, sleep=clock.sleep)
    assert one.limit("loc") == CONTRACT_LIMIT  # nothing announced yet
    one.observe("loc", announced(7, 1.0, 7), 200)
    assert (one.limit("loc").calls, one.limit("loc").seconds) == (7, 1.0)
    one.observe("loc", {}, 200)  # an answer without the headers: no limit to keep to
    assert one.limit("loc") is None
    assert not any(one.acquire("loc", priority=BACKGROUND, deadline=clock.now) for _ in range(500))


def test_an_answer_announcing_an_absurd_limit_is_believed_only_so_far(clock):
    store = MemoryWindows(clock)
    one = SharedBudget(lambda: store, clock=clock, sleep=clock.sleep)
    # A million calls, none left: the window is filled to the most believed, not a million.
    one.observe("loc", announced(1_000_000, 10.0, 0), 200)
    assert one.limit("loc").calls == ratelimit.MOST_CALLS
    assert store.take(one.window_key("loc"), limit=10**7, seconds=10.0).count == 1001
    # One call per thousand years: the window is a minute at most, and calls go on after it.
    one.observe("loc", announced(1, 31_536_000_000.0, 0), 200)
    assert one.limit("loc") == Limit(1, ratelimit.MOST_INTERVAL_MS / 1000)
    clock.now += 61
    assert one.acquire("loc", priority=PEOPLE, deadline=clock.now) == 0.0


def test_without_the_shared_store_each_process_takes_its_share(clock, settings):
    class Away(MemoryWindows):
        def status(self):
            return {"store": "redis", "ok": False, "error": "Connection refused"}

    settings.RECORDS_BUDGET_PROCESSES, settings.RECORDS_BUDGET_SAFETY = 4, 1
    store = Away(clock)
    one = SharedBudget(lambda: store, clock=clock, sleep=clock.sleep)
    one.observe("loc", announced(100, 10.0, 100), 200)
    assert fill(one, PEOPLE, clock) == 25  # 100 / 4


# --- through the client, against the embedded API ------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_person_past_the_limit_is_told_at_once_and_nothing_is_sent(records_api, settings):
    records_api(records=3, rate="5/30s")
    settings.GHL_PAGE_DEADLINE = 2.0
    schema = services.schema_get(key="custom_objects.property")  # learns the limit
    for _ in range(4):  # 5 calls of 5: a limit this small keeps no call unused
        services.record_search(schema=schema, per_page=1)
    with pytest.raises(RateLimited) as refused:
        services.record_search(schema=schema, per_page=1)
    assert refused.value.status is None  # refused here: the API was not asked
    assert 20 < refused.value.retry_after <= 30
