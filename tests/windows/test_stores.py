"""The shared windows of calls: one behaviour in memory, in the database and in Redis, and the
count shared by every process that uses the same database or Redis."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from recordsadmin.windows import stores
from recordsadmin.windows.models import WindowCall, WindowCounter
from recordsadmin.windows.stores import DatabaseWindows, MemoryWindows, RedisWindows
from tests.support.fleet import database_url

ROOT = Path(__file__).resolve().parents[2]

# Committed for real: the database store's threads and processes use connections of their own.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["memory", "database", "redis"])
def store(request):
    """A store of each kind, empty."""
    if request.param == "memory":
        return MemoryWindows()
    if request.param == "database":
        return DatabaseWindows()
    url = request.getfixturevalue("redis_url")
    found = RedisWindows(url)
    found.clear()
    return found


def test_take_lets_the_limit_in_then_says_how_long_to_wait(store):
    taken = [store.take("k", limit=3, seconds=5) for _ in range(4)]
    assert [t.allowed for t in taken] == [True, True, True, False]
    assert [t.count for t in taken] == [1, 2, 3, 3]
    assert 4 < taken[-1].wait <= 5
    assert store.take("other", limit=3, seconds=5).allowed  # a window per key


def test_a_call_leaves_the_window_after_its_seconds(store):
    assert store.take("k", limit=1, seconds=0.3).allowed
    assert not store.take("k", limit=1, seconds=0.3).allowed
    time.sleep(0.35)
    assert store.take("k", limit=1, seconds=0.3).allowed


def test_a_settled_call_stays_its_seconds_from_its_answer(store):
    first = store.take("k", limit=2, seconds=0.4)
    time.sleep(0.25)
    store.take("k", limit=2, seconds=0.4)
    store.settle("k", first.call, seconds=0.4)  # its answer came now
    time.sleep(0.25)
    # 0.5 s after it was taken, 0.25 s after its answer: still in the window.
    assert not store.take("k", limit=2, seconds=0.4).allowed
    time.sleep(0.2)
    assert store.take("k", limit=2, seconds=0.4).allowed
    store.settle("k", "no-such-call", seconds=0.4)  # gone already: nothing happens


def test_fill_counts_calls_made_elsewhere_without_adding_to_enough(store):
    store.take("k", limit=10, seconds=5)
    store.fill("k", count=4, seconds=5)
    assert store.take("k", limit=10, seconds=5).count == 5
    store.fill("k", count=2, seconds=5)  # already more: nothing added
    assert store.take("k", limit=10, seconds=5).count == 6
    store.fill("k", count=10, seconds=5)
    assert not store.take("k", limit=10, seconds=5).allowed


def test_count_up_counts_per_period(store):
    assert [store.count_up("day", seconds=0.3) for _ in range(3)] == [1, 2, 3]
    time.sleep(0.35)
    assert store.count_up("day", seconds=0.3) == 1


def test_counted_reads_a_periods_count_without_adding_to_it(store):
    assert store.counted("day") == 0
    store.count_up("day", seconds=0.3)
    store.count_up("day", seconds=0.3)
    assert store.counted("day") == store.counted("day") == 2
    time.sleep(0.35)
    assert store.counted("day") == 0


def test_clear_forgets_everything(store):
    store.take("k", limit=1, seconds=5)
    store.clear()
    assert store.take("k", limit=1, seconds=5).allowed


def test_threads_never_take_more_than_the_limit(store):
    allowed = []

    def worker():
        for _ in range(25):
            allowed.append(store.take("k", limit=40, seconds=30).allowed)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == 40


def test_the_database_forgets_windows_no_one_asks_about(monkeypatch):
    clock = [1000.0]
    store = DatabaseWindows(lambda: clock[0])
    monkeypatch.setattr(stores, "SWEEP_EVERY", 3)
    store.take("gone", limit=5, seconds=10)  # a token never seen again
    store.count_up("gone-day", seconds=60)
    clock[0] += 2 * stores.KEEP_SECONDS
    store.take("k", limit=5, seconds=10)
    store.take("k", limit=5, seconds=10)  # the third take sweeps
    assert not WindowCall.objects.filter(key="gone").exists()
    assert WindowCall.objects.filter(key="k").count() == 2
    assert not WindowCounter.objects.filter(key="gone-day").exists()


# --- circuit breakers -----------------------------------------------------------------------


def test_a_breaker_opens_at_the_threshold_and_lets_one_probe_through(store):
    assert store.gate("b", probe=True, probe_seconds=5).state == stores.CLOSED
    found = [store.failed("b", threshold=3, open_seconds=0.3) for _ in range(3)]
    assert [(g.state, g.failures) for g in found] == [("closed", 1), ("closed", 2), ("open", 3)]
    shut = store.gate("b", probe=True, probe_seconds=5)
    assert shut.state == stores.OPEN and 0 < shut.wait <= 0.3
    assert store.gate("other", probe=True, probe_seconds=5).state == stores.CLOSED  # per key
    time.sleep(0.35)
    # Half open: a caller that may not probe (a create) waits; the first that may, probes.
    assert store.gate("b", probe=False, probe_seconds=5).state == stores.HALF_OPEN
    assert store.gate("b", probe=True, probe_seconds=5).state == stores.PROBE
    waiting = store.gate("b", probe=True, probe_seconds=5)
    assert waiting.state == stores.HALF_OPEN and 4 < waiting.wait <= 5  # one probe at a time
    store.succeeded("b")
    closed = store.gate("b", probe=True, probe_seconds=5)
    assert (closed.state, closed.failures) == (stores.CLOSED, 0)


def test_a_failed_probe_opens_the_breaker_again(store):
    for _ in range(2):
        store.failed("b", threshold=2, open_seconds=0.2)
    time.sleep(0.25)
    assert store.gate("b", probe=True, probe_seconds=5).state == stores.PROBE
    again = store.failed("b", threshold=2, open_seconds=0.2)
    assert again.state == stores.OPEN
    assert store.gate("b", probe=True, probe_seconds=5).state == stores.OPEN
    time.sleep(0.25)
    assert store.gate("b", probe=True, probe_seconds=5).state == stores.PROBE


def test_a_success_resets_the_failures_in_a_row(store):
    store.failed("b", threshold=3, open_seconds=5)
    store.failed("b", threshold=3, open_seconds=5)
    store.succeeded("b")
    assert store.failed("b", threshold=3, open_seconds=5).state == stores.CLOSED
    store.clear()
    assert store.gate("b", probe=True, probe_seconds=5).failures == 0


def test_threads_claim_one_probe(store):
    for _ in range(2):
        store.failed("b", threshold=2, open_seconds=0.1)
    time.sleep(0.15)
    states = []

    def worker():
        states.append(store.gate("b", probe=True, probe_seconds=30).state)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(states) == ["half-open"] * 5 + ["probe"]


# --- across processes -------------------------------------------------------------------------

TAKE_IN_ANOTHER_PROCESS = """
import django, os, sys
django.setup()
from recordsadmin.windows.stores import windows
print(sum(windows().take("shared", limit=50, seconds=30).allowed for _ in range(40)))
"""


def take_in_processes(count: int, **env: str) -> list:
    """What `count` processes printed, each running SCRIPT (default: 40 takes)."""
    script = env.pop("SCRIPT", TAKE_IN_ANOTHER_PROCESS)
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "recordsadmin.settings",
        "DJANGO_SECRET_KEY": "x" * 50,
        "PYTHONPATH": str(ROOT),
        **env,
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            env=environment,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    printed = [p.communicate(timeout=120)[0].strip() for p in processes]
    return [int(text) if text.isdigit() else text for text in printed]


FAIL_IN_ANOTHER_PROCESS = """
import django, os, sys
django.setup()
from recordsadmin.windows.stores import windows
print(windows().failed("shared-breaker", threshold=3, open_seconds=30).state)
"""


def test_a_breaker_opened_by_other_processes_is_open_here(redis_url):
    states = take_in_processes(
        3, REDIS_URL=redis_url, DATABASE_URL="sqlite:///:memory:", SCRIPT=FAIL_IN_ANOTHER_PROCESS
    )
    assert sorted(states) == ["closed", "closed", "open"]
    gate = RedisWindows(redis_url).gate("shared-breaker", probe=True, probe_seconds=5)
    assert gate.state == stores.OPEN and 25 < gate.wait <= 30


def test_processes_on_one_database_share_the_window():
    counts = take_in_processes(3, DATABASE_URL=database_url(), REDIS_URL="")
    assert sum(counts) == 50, counts  # 3 x 40 asked, 50 let in
    assert WindowCall.objects.filter(key="shared").count() == 50


def test_processes_on_one_redis_share_the_window(redis_url):
    counts = take_in_processes(3, REDIS_URL=redis_url, DATABASE_URL="sqlite:///:memory:")
    assert sum(counts) == 50, counts


# --- Redis away ---------------------------------------------------------------------------------


def test_without_redis_a_process_counts_alone_and_says_so(redis_server, monkeypatch):
    monkeypatch.setattr(stores, "REDIS_RETRY_SECONDS", 0.2)
    if redis_server.process is None:
        redis_server.start()
    store = RedisWindows(redis_server.url)
    store.clear()
    assert store.take("k", limit=5, seconds=30).count == 1
    redis_server.stop()
    try:
        started = time.monotonic()
        assert store.take("k", limit=5, seconds=30).allowed  # counted in this process
        assert time.monotonic() - started < 1.5
        assert store.status()["ok"] is False
        assert store.status()["store"] == "redis"
    finally:
        redis_server.start()
    time.sleep(0.25)
    assert store.status() == {"store": "redis", "ok": True, "error": ""}
    # Counted in Redis again (a new, empty one: it keeps nothing on disk), where another
    # process sees it.
    assert store.take("k", limit=5, seconds=30).count == 1
    assert RedisWindows(redis_server.url).take("k", limit=5, seconds=30).count == 2


def test_the_store_is_redis_when_configured_else_the_database(settings, redis_url):
    assert isinstance(stores.windows(), RedisWindows)
    settings.REDIS_URL = ""
    assert isinstance(stores.windows(), DatabaseWindows)
