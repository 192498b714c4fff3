"""The circuit breaker (recordsadmin/records/services/breaker.py): after RECORDS_BREAKER_FAILURES
failures in a row calls fail at once, one probe goes after the reset time, a create is never
the probe, 4xx never count, and every process sees the same state."""

import time

import pytest

from recordsadmin.client import config, endpoints
from recordsadmin.client.errors import (
    CircuitOpen,
    NotFound,
    OutcomeUnknown,
    Unavailable,
    UnexpectedAnswer,
    ValidationFailed,
)
from recordsadmin.records.services import breaker
from tests.support.stub import Reply

from .test_api_faults import ANSWERS, KEY, call

pytestmark = pytest.mark.django_db(transaction=True)

DOWN = Reply(503, json={"message": "down"})


@pytest.fixture
def down(ghl, settings):
    """The stub answers 503 to everything; the breaker opens after 3 failures for 0.5 s."""
    settings.RECORDS_BREAKER_FAILURES = 3
    settings.RECORDS_BREAKER_RESET_SECONDS = 0.5
    settings.GHL_MAX_RETRIES = 0  # one attempt per call: one failure each
    ghl.default = DOWN
    return ghl


def sent_and_failed(kind: str) -> None:
    """The call went, and the service answered 503 (not the breaker refusing it)."""
    with pytest.raises(Unavailable) as caught:
        call(kind)
    assert caught.value.status == 503 and not isinstance(caught.value, CircuitOpen)


def open_it(ghl) -> None:
    for _ in range(3):
        sent_and_failed("GET")
    assert len(ghl.requests) == 3


@pytest.mark.parametrize("kind", ["GET", "SEARCH", "PUT", "DELETE", "CREATE"])
def test_after_the_failures_in_a_row_every_call_fails_at_once(down, kind, monkeypatch):
    open_it(down)
    slept = []  # docs/reliability.md item 23: no wait at all, however fast the machine
    monkeypatch.setattr(time, "sleep", slept.append)
    started = time.monotonic()
    with pytest.raises(CircuitOpen) as caught:
        call(kind)
    assert time.monotonic() - started < 0.25  # no wait: the breaker's reset takes 0.5 s
    assert slept == []
    assert len(down.requests) == 3  # nothing more was sent
    assert 0 < caught.value.retry_after <= 0.5
    assert caught.value.maybe_applied is False


def test_timeouts_and_refused_connections_count(ghl, settings):
    settings.RECORDS_BREAKER_FAILURES = 2
    settings.GHL_MAX_RETRIES = 0
    ghl.default = Reply(200, json=ANSWERS["GET"], delay=1.0)  # past the 0.5 s read timeout
    for _ in range(2):
        with pytest.raises(Unavailable, match="did not answer"):
            call("GET")
    started = time.monotonic()
    with pytest.raises(CircuitOpen):
        call("GET")
    assert time.monotonic() - started < 0.25  # no wait: the breaker's reset takes 0.5 s


def test_refusals_never_count(ghl, settings):
    settings.RECORDS_BREAKER_FAILURES = 2
    ghl.script(
        *[Reply(404, json={"message": "no"}), Reply(422, json={"message": ["bad"]})] * 3,
        Reply(200, json=ANSWERS["GET"]),
    )
    for _ in range(3):
        with pytest.raises(NotFound):
            call("PUT")
        with pytest.raises(ValidationFailed):
            call("PUT")
    call("GET")
    assert len(ghl.requests) == 7


def test_a_success_between_failures_starts_the_count_again(down, settings):
    for _ in range(2):
        sent_and_failed("GET")
    down.script(Reply(200, json=ANSWERS["GET"]))
    call("GET")
    for _ in range(2):
        sent_and_failed("GET")
    sent_and_failed("GET")  # the third in a row: sent, and it opens
    assert len(down.requests) == 6
    with pytest.raises(CircuitOpen):
        call("GET")


def test_after_the_reset_one_probe_goes_and_its_success_closes_it(down):
    open_it(down)
    time.sleep(0.55)
    down.default = Reply(200, json=ANSWERS["SEARCH"])
    call("SEARCH")  # the probe
    assert len(down.requests) == 4
    for _ in range(3):
        call("SEARCH")
    assert len(down.requests) == 7


def test_a_failed_probe_opens_it_again(down):
    open_it(down)
    time.sleep(0.55)
    sent_and_failed("GET")  # the probe, failed
    assert len(down.requests) == 4
    with pytest.raises(CircuitOpen):
        call("GET")
    assert len(down.requests) == 4


def test_while_a_probe_is_in_flight_others_fail_at_once(down):
    open_it(down)
    time.sleep(0.55)
    shared = breaker.SharedBreaker()
    assert shared.admit(config.connection().service, create=False) == 0.0  # claims the probe
    started = time.monotonic()
    with pytest.raises(CircuitOpen) as caught:
        call("GET")
    assert time.monotonic() - started < 0.25  # no wait for the probe's answer
    assert len(down.requests) == 3  # nothing sent beside the probe
    assert caught.value.retry_after <= breaker.PROBE_WAIT_SECONDS


def test_a_create_is_never_the_probe_a_read_goes_first(down):
    open_it(down)
    time.sleep(0.55)
    down.default = Reply(200, json={**ANSWERS["GET"], **ANSWERS["CREATE"]})
    call("CREATE")
    sent = [(seen.method, seen.path) for seen in down.requests[3:]]
    assert sent == [("GET", "/objects/"), ("POST", f"/objects/{KEY}/records")]


def test_a_create_is_not_sent_when_the_read_that_probes_fails(down):
    open_it(down)
    time.sleep(0.55)
    with pytest.raises(CircuitOpen):
        call("CREATE")
    sent = [(seen.method, seen.path) for seen in down.requests[3:]]
    assert sent == [("GET", "/objects/")]


def test_a_write_under_503s_is_not_sent_again_once_the_breaker_opens(down, settings):
    """Without the breaker a PUT under 503s goes 1 + GHL_MAX_RETRIES times, every time."""
    settings.GHL_MAX_RETRIES = 3
    with pytest.raises(CircuitOpen) as caught:
        call("PUT")  # three attempts answered 503; the breaker holds back the fourth
    assert caught.value.maybe_applied is False  # a 503 did nothing
    with pytest.raises(CircuitOpen):
        call("PUT")
    assert len(down.requests) == 3


def test_every_process_sees_the_same_breaker(down):
    """Two breakers over one store stand for two processes: what one opened, the other finds
    open, once its trust in the closed state (TRUST_SECONDS) has lapsed."""
    service = config.connection().service
    here, there = breaker.SharedBreaker(), breaker.SharedBreaker()
    assert there.admit(service, create=False) == 0.0
    for _ in range(3):
        here.record(service, failed=True)
    assert here.admit(service, create=False) > 0
    time.sleep(breaker.TRUST_SECONDS)
    assert 0 < there.admit(service, create=True) <= 0.5
    assert there.state(service)["state"] == "open"


def test_a_process_calling_another_address_is_not_shut_by_this_ones_breaker(down, settings):
    """One database, two addresses of the records API (a test rig, a second deployment):
    the failures of one are not the other's."""
    open_it(down)
    with pytest.raises(CircuitOpen):
        call("GET")
    settings.GHL_API_URL = settings.GHL_API_URL.rstrip("/") + "/elsewhere"
    sent_and_failed("GET")  # sent, and answered 503: not shut


def test_zero_failures_turns_it_off(down, settings):
    settings.RECORDS_BREAKER_FAILURES = 0
    for _ in range(6):
        sent_and_failed("GET")
    assert len(down.requests) == 6


def test_an_unexpected_answer_is_no_failure_of_the_service(ghl, settings):
    settings.RECORDS_BREAKER_FAILURES = 2
    ghl.default = Reply(200, json={})
    for _ in range(3):
        with pytest.raises(UnexpectedAnswer) as caught:
            endpoints.record_create(KEY, {"properties": {"name": "A"}})
        assert isinstance(caught.value, OutcomeUnknown)  # the record may have been made
    assert len(ghl.requests) == 3
