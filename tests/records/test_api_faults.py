"""The client against a misbehaving server on a real socket (docs/reliability.md items 16, 17,
19, 20, 21, 24)."""

import contextvars
import logging
import ssl
import threading
import time

import pytest
import urllib3
from django.views.debug import ExceptionReporter

from recordsadmin.client import config, endpoints, gate, retry, transport
from recordsadmin.client.errors import (
    AuthenticationFailed,
    NotConfigured,
    NotFound,
    OutcomeUnknown,
    RateLimited,
    RecordsApiError,
    Unavailable,
    UnexpectedAnswer,
    ValidationFailed,
)
from tests.support.stub import Reply, Stub, unused_port

from .conftest import LOCATION, TOKEN

OK = Reply(200, json={"objects": []})
RECORD = {"record": {"id": "r1", "properties": {"name": "A"}}}
RECORDS = {"records": [RECORD["record"]], "total": 1}
KEY = "custom_objects.pets"
# A successful answer to each kind of call, in the shape that call returns.
ANSWERS = {
    "GET": {"objects": []},
    "SEARCH": RECORDS,
    "PUT": RECORD,
    "DELETE": {"id": "r1", "success": True},
    "CREATE": RECORD,
}


def call(kind: str, **kwargs):
    """One call of each kind the client makes, by the HTTP method that carries it."""
    if kind == "GET":
        return endpoints.objects_list(**kwargs)
    if kind == "SEARCH":
        return endpoints.records_search(KEY, {"page": 1, "pageLimit": 10}, **kwargs)
    if kind == "PUT":
        return endpoints.record_update(KEY, "r1", {"properties": {"name": "B"}}, **kwargs)
    if kind == "DELETE":
        return endpoints.record_delete(KEY, "r1", **kwargs)
    if kind == "CREATE":
        return endpoints.record_create(KEY, {"properties": {"name": "A"}}, **kwargs)
    raise AssertionError(kind)


# -- what every request carries -----------------------------------------------------------------


def test_headers_and_no_secret_in_url(ghl):
    ghl.script(Reply(200, json=RECORD))
    call("PUT")
    (seen,) = ghl.requests
    assert seen.headers["Authorization"] == f"Bearer {TOKEN}"
    assert seen.headers["Version"] == "2021-07-28"
    assert seen.headers["Content-Type"] == "application/json"
    assert seen.query == {"locationId": [LOCATION]}
    assert TOKEN not in seen.path and TOKEN not in seen.body.decode()


def test_malformed_path_segment_is_refused_before_sending(ghl):
    with pytest.raises(NotFound):
        endpoints.record_get(KEY, "../users")
    with pytest.raises(NotFound):
        endpoints.record_get("custom_objects.pets/records", "x")
    assert ghl.requests == []


# -- retries (item 19) --------------------------------------------------------------------------


@pytest.mark.parametrize("status", [502, 503, 504])
@pytest.mark.parametrize("kind", ["GET", "SEARCH", "PUT", "DELETE"])
def test_idempotent_calls_are_retried_on_gateway_errors(ghl, kind, status):
    ghl.script(Reply(status, json={"message": "busy"}), Reply(200, json=ANSWERS[kind]))
    call(kind)
    assert len(ghl.requests) == 2
    assert ghl.requests[0].method == ghl.requests[1].method


def test_retries_stop_after_the_configured_attempts(ghl, settings):
    settings.GHL_MAX_RETRIES = 2
    ghl.default = Reply(503, json={"message": "down for maintenance"})
    with pytest.raises(Unavailable) as caught:
        call("GET")
    assert len(ghl.requests) == 3
    assert caught.value.status == 503
    assert caught.value.messages == ["down for maintenance"]


def test_500_is_not_retried(ghl):
    ghl.default = Reply(500, json={"message": "boom"})
    with pytest.raises(Unavailable) as caught:
        call("GET")
    assert caught.value.status == 500
    assert len(ghl.requests) == 1


def test_connection_closed_without_answer_is_retried_for_a_get(ghl):
    ghl.script(Reply(close=True), OK)
    assert call("GET") == {"objects": []}
    assert len(ghl.requests) == 2


def test_backoff_waits_grow_with_jitter(ghl, settings):
    settings.GHL_BACKOFF_BASE = 0.05
    settings.GHL_BACKOFF_CAP = 0.1
    ghl.script(Reply(503), Reply(503), Reply(503), OK)
    started = time.monotonic()
    call("GET")
    # Full jitter: anywhere between 0 and the cap per wait, so at most 0.05 + 0.1 + 0.1.
    assert time.monotonic() - started < 0.25 + 0.3
    assert len(ghl.requests) == 4


def test_refused_connection_is_unavailable(ghl, settings):
    settings.GHL_API_URL = f"http://127.0.0.1:{unused_port()}"
    started = time.monotonic()
    with pytest.raises(Unavailable) as caught:
        call("GET")
    assert not isinstance(caught.value, OutcomeUnknown)
    assert "connect" in str(caught.value).lower()
    assert time.monotonic() - started < 1.0


def test_refused_connection_on_create_is_retried_and_not_outcome_unknown(ghl, settings, caplog):
    # A refused connection means nothing was sent: safe to try again, and to say "not created".
    caplog.set_level(logging.DEBUG, logger="recordsadmin.client")
    settings.GHL_API_URL = f"http://127.0.0.1:{unused_port()}"
    with pytest.raises(Unavailable) as caught:
        call("CREATE")
    assert not isinstance(caught.value, OutcomeUnknown)
    attempts = [
        r for r in caplog.records if "POST" in r.getMessage() and "attempt" in r.getMessage()
    ]
    assert len(attempts) == settings.GHL_MAX_RETRIES + 1


# -- timeouts and the deadline (item 18, client part) ---------------------------------------


def test_answer_slower_than_the_read_timeout(ghl, settings):
    settings.GHL_READ_TIMEOUT = 0.2
    settings.GHL_MAX_RETRIES = 1
    ghl.default = Reply(200, json={}, delay=1.0)
    started = time.monotonic()
    with pytest.raises(Unavailable) as caught:
        call("GET")
    assert "did not answer" in str(caught.value)
    assert len(ghl.requests) == 2
    # Two attempts cut at 0.2 s each; waiting for the answers would take 2 s.
    assert time.monotonic() - started < 0.2 * 2 + 0.6


def test_never_past_the_callers_deadline(ghl, settings):
    settings.GHL_READ_TIMEOUT = 10
    ghl.default = Reply(200, json={}, delay=3.0)
    started = time.monotonic()
    with pytest.raises(Unavailable):
        call("GET", deadline=retry.deadline_in(0.4))
    # The answer would take 3 s; the slack is for a busy machine.
    assert time.monotonic() - started < 0.4 + 0.8


@pytest.mark.parametrize("kind", ["GET", "SEARCH", "PUT", "DELETE", "CREATE"])
def test_a_server_that_never_answers_costs_no_more_than_the_deadline(ghl, settings, kind):
    settings.GHL_READ_TIMEOUT = 10
    ghl.default = Reply(200, json={}, delay=5.0)
    started = time.monotonic()
    with pytest.raises(Unavailable):
        call(kind, deadline=retry.deadline_in(0.3))
    # The answer would take 5 s; the slack is for a busy machine.
    assert time.monotonic() - started < 0.3 + 0.9


def test_page_deadline_setting_is_the_default_deadline(ghl, settings):
    settings.GHL_READ_TIMEOUT = 10
    settings.GHL_PAGE_DEADLINE = 0.5
    ghl.default = Reply(503, delay=0.2)
    started = time.monotonic()
    with pytest.raises(Unavailable):
        call("GET")
    # Retrying every 503 would go on past 1 s; the slack is for a busy machine.
    assert time.monotonic() - started < 0.5 + 0.4


def test_the_calls_of_one_page_share_its_deadline(ghl, settings):
    """Three slow answers, each well within the read timeout, still end at the page's
    deadline: the deadline is the page's, not each call's (item 18)."""
    settings.GHL_READ_TIMEOUT = 10
    ghl.default = Reply(200, json={"objects": []}, delay=0.6)
    started = time.monotonic()
    with retry.page_deadline(1.0):
        call("GET")
        with pytest.raises(Unavailable):
            call("GET")
    assert len(ghl.requests) == 2
    assert time.monotonic() - started < 1.0 + 1.0


def test_a_call_that_finds_no_place_by_its_deadline_is_never_sent(ghl, settings):
    """Within gate.at_most(1), a second call waits for the first one's place; when the
    deadline comes first it fails as the records API not answering in time, unsent."""
    settings.GHL_READ_TIMEOUT = 10
    ghl.default = Reply(200, json={"objects": []}, delay=1.0)
    errors = []

    def second() -> None:
        try:
            call("GET", deadline=retry.deadline_in(0.3))
        except Unavailable as error:
            errors.append(error)

    with gate.at_most(1):
        started = time.monotonic()
        waiting = threading.Thread(target=contextvars.copy_context().run, args=(second,))
        first = threading.Thread(target=contextvars.copy_context().run, args=(call, "GET"))
        first.start()
        time.sleep(0.1)  # the first holds the one place
        waiting.start()
        waiting.join()
        first.join()
    assert len(errors) == 1 and not errors[0].maybe_applied
    assert len(ghl.requests) == 1  # the second was never sent
    assert time.monotonic() - started < 1.0 + 0.8


def test_a_callers_deadline_never_outlasts_the_page(ghl, settings):
    settings.GHL_READ_TIMEOUT = 10
    ghl.default = Reply(200, json={}, delay=3.0)
    started = time.monotonic()
    with retry.page_deadline(0.4), pytest.raises(Unavailable):
        call("GET", deadline=retry.deadline_in(10))
    assert time.monotonic() - started < 0.4 + 1.0


@pytest.mark.parametrize("kind", ["GET", "CREATE"])
def test_an_answer_that_trickles_in_is_cut_at_the_deadline(ghl, settings, kind):
    """Each byte arrives well within the read timeout, the whole answer would take 20 s."""
    settings.GHL_READ_TIMEOUT = 10
    ghl.default = Reply(200, body=b'{"objects": []}' + b" " * 200, trickle=0.1)
    started = time.monotonic()
    with pytest.raises(Unavailable) as caught:
        call(kind, deadline=retry.deadline_in(0.8))
    assert time.monotonic() - started < 0.8 + 1.0
    assert isinstance(caught.value, OutcomeUnknown) == (kind == "CREATE")


def _gzip_with_a_long_name(data: bytes) -> bytes:
    """A gzip stream whose header holds a long file name: nothing decodes until it is over."""
    import gzip

    packed = bytearray(gzip.compress(data))
    packed[3] |= 0x08  # FNAME
    return bytes(packed[:10]) + b"n" * 100 + b"\0" + bytes(packed[10:])


TRICKLES = {
    "headers": b"HTTP/1.1 200 OK\r\nX-Pad: " + b"p" * 100 + b"\r\nContent-Length: 2\r\n\r\n{}",
    "chunk size": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;"
        + b"e" * 100
        + b"\r\n{}\r\n0\r\n\r\n"
    ),
    "gzip header": b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s"
    % (len(_gzip_with_a_long_name(b"{}")), _gzip_with_a_long_name(b"{}")),
}


@pytest.mark.parametrize("part", TRICKLES)
def test_a_trickle_anywhere_in_the_answer_is_cut_at_the_deadline(ghl, settings, part):
    """Headers, a chunk size line or a gzip header sent a byte at a time: each byte is well
    within the read timeout, and only the deadline's watchdog ends the wait."""
    settings.GHL_READ_TIMEOUT = 10
    ghl.default = Reply(raw=TRICKLES[part], trickle=0.05)
    started = time.monotonic()
    with pytest.raises(Unavailable):
        call("GET", deadline=retry.deadline_in(0.8))
    assert time.monotonic() - started < 0.8 + 1.0


def test_a_gzip_or_chunked_answer_is_read_whole(ghl):
    import gzip

    data = b'{"objects": [' + b",".join(b'{"id": "%d"}' % n for n in range(3000)) + b"]}"
    packed = gzip.compress(data)
    ghl.default = Reply(200, body=packed, headers={"Content-Encoding": "gzip"})
    assert len(call("GET")["objects"]) == 3000
    chunked = b"".join(
        b"%x\r\n%s\r\n" % (len(data[i : i + 500]), data[i : i + 500])
        for i in range(0, len(data), 500)
    )
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked + b"0\r\n\r\n"
    ghl.default = Reply(raw=raw)
    assert len(call("GET")["objects"]) == 3000


def test_a_body_that_cannot_be_decoded_says_so(ghl):
    ghl.default = Reply(200, body=b"not gzip at all", headers={"Content-Encoding": "gzip"})
    with pytest.raises(Unavailable) as caught:
        call("GET")
    assert "could not be decoded" in str(caught.value)


def test_a_whole_answer_read_in_pieces_leaves_the_connection_for_the_next_call(ghl):
    ghl.default = Reply(200, json={"objects": [{"id": str(n)} for n in range(5000)]})
    assert len(call("GET")["objects"]) == 5000
    assert len(call("GET")["objects"]) == 5000
    assert ghl.connections == 1


def _ssl_error(inner: Exception):
    """A requests SSLError wrapping `inner` the way requests and urllib3 nest it."""
    import requests
    from urllib3.exceptions import MaxRetryError
    from urllib3.exceptions import SSLError as Urllib3SSLError

    try:
        try:
            raise inner
        except Exception as exc:
            raise Urllib3SSLError(exc) from exc
    except Urllib3SSLError as wrapped:
        return requests.exceptions.SSLError(MaxRetryError(None, "/objects/", reason=wrapped))


def test_only_a_refused_certificate_counts_as_a_request_never_sent(ghl):
    """A TLS error while the answer is read may follow a create that arrived: it must not be
    sent again (item 20); a certificate refused at the handshake surely sent nothing."""

    refused = _ssl_error(ssl.SSLCertVerificationError(1, "certificate verify failed"))
    cut = _ssl_error(ssl.SSLEOFError(8, "EOF occurred in violation of protocol"))
    assert transport.never_sent(refused)
    assert not transport.never_sent(cut)
    conn = config.connection()
    cut_create = transport.transport_error(cut, seconds=1)
    refused_create = transport.transport_error(refused, seconds=1)
    # A create is sent again only when it surely never left.
    assert not retry.should_retry(
        attempt=1, conn=conn, status=None, never_sent=cut_create.never_sent, create=True
    )
    assert retry.should_retry(
        attempt=1, conn=conn, status=None, never_sent=refused_create.never_sent, create=True
    )


def test_backoff_is_exponential_with_full_jitter(ghl, settings, monkeypatch):
    """Each wait is drawn from 0 up to base * 2**(attempt-1), capped (item 19)."""
    settings.GHL_BACKOFF_BASE = 0.01
    settings.GHL_BACKOFF_CAP = 0.03
    drawn = []

    def uniform(low, high):
        drawn.append((low, high))
        return high

    monkeypatch.setattr(retry.random, "uniform", uniform)
    ghl.script(Reply(503), Reply(503), Reply(503), OK)
    call("GET")
    assert drawn == [(0, 0.01), (0, 0.02), (0, 0.03)]


def test_the_next_wait_is_none_past_the_deadline_or_past_a_429s_patience(ghl):
    """One function decides whether and how long to wait: a 429 asking for 2 s gets its 2 s
    (and at most a second of jitter) when the call may last 10 s more; not when it must end
    within 1 s, nor when its work would rather be skipped than wait more than 1 s; a 500 never
    gets another attempt."""
    conn = config.connection()
    ask = {"attempt": 1, "conn": conn, "never_sent": False, "create": False, "server_wait": 2.0}
    later = time.monotonic() + 10
    wait = retry.next_wait(status=429, until=later, **ask)
    assert wait is not None and 2.0 <= wait <= 3.0
    assert retry.next_wait(status=429, until=time.monotonic() + 1, **ask) is None
    assert retry.next_wait(status=429, until=later, patience=1.0, **ask) is None
    assert retry.next_wait(status=503, until=later, patience=1.0, **ask) is not None
    assert retry.next_wait(status=500, until=later, **ask) is None


def test_a_delete_whose_answer_was_lost_and_then_404_is_done(ghl):
    """The first DELETE arrived but its answer was lost; the retry finds nothing to delete."""
    ghl.script(Reply(close=True), Reply(404, json={"message": "Record not found"}))
    call("DELETE")
    assert [r.method for r in ghl.requests] == ["DELETE", "DELETE"]


def test_a_write_whose_first_attempt_may_have_landed_says_so_whatever_came_after(ghl):
    """The first PUT's answer was lost; the retries only saw a busy gateway. The PUT may have
    been applied, and the error says so (the page must not claim nothing was saved)."""
    ghl.script(Reply(close=True), Reply(503), Reply(503), Reply(503))
    with pytest.raises(Unavailable) as caught:
        call("PUT")
    assert caught.value.status == 503
    assert caught.value.maybe_applied is True


def test_a_write_refused_by_a_busy_gateway_every_time_was_not_applied(ghl):
    ghl.default = Reply(503)
    with pytest.raises(Unavailable) as caught:
        call("PUT")
    assert caught.value.maybe_applied is False


def test_a_delete_of_a_record_that_never_existed_is_not_found(ghl):
    ghl.script(Reply(404, json={"message": "Record not found"}))
    with pytest.raises(NotFound):
        call("DELETE")


# -- rate limits (item 21) ------------------------------------------------------------------------


def test_429_with_retry_after_waits_at_least_that_long(ghl):
    ghl.script(Reply(429, headers={"Retry-After": "0.3"}), OK)
    started = time.monotonic()
    call("GET")
    assert time.monotonic() - started >= 0.3
    assert len(ghl.requests) == 2


def test_429_with_retry_after_beyond_the_budget_fails_at_once(ghl):
    ghl.script(Reply(429, json={"message": "Too many requests"}, headers={"Retry-After": "60"}))
    started = time.monotonic()
    with pytest.raises(RateLimited) as caught:
        call("GET")
    assert time.monotonic() - started < 1.0  # far from the 60 s it was told
    assert caught.value.retry_after == 60
    assert caught.value.status == 429
    assert len(ghl.requests) == 1


def test_429_without_retry_after_uses_the_rate_limit_interval(ghl):
    headers = {
        "X-RateLimit-Max": "100",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Interval-Milliseconds": "250",
    }
    ghl.script(Reply(429, headers=headers), Reply(200, json=RECORDS))
    started = time.monotonic()
    call("SEARCH")
    assert time.monotonic() - started >= 0.25
    assert len(ghl.requests) == 2


def test_a_429_waits_the_interval_even_when_remaining_is_not_zero(ghl):
    """The 429 itself says the window is spent, whatever X-RateLimit-Remaining claims."""
    headers = {"X-RateLimit-Remaining": "3", "X-RateLimit-Interval-Milliseconds": "250"}
    ghl.script(Reply(429, headers=headers), Reply(200, json=RECORDS))
    started = time.monotonic()
    call("SEARCH")
    assert time.monotonic() - started >= 0.25
    assert len(ghl.requests) == 2


@pytest.mark.parametrize(
    "headers",
    [
        {"Retry-After": "99999999"},
        {"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"},
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Interval-Milliseconds": "31536000000000"},
    ],
)
def test_no_header_makes_a_wait_longer_than_a_minute(headers):
    assert retry.server_wait(headers, rate_limited=True) == retry.MOST_WAIT == 60.0


def test_a_retry_after_that_is_no_number_nor_date_leaves_the_interval_to_decide():
    headers = {"Retry-After": "soon", "X-RateLimit-Interval-Milliseconds": "250"}
    assert retry.server_wait(headers, rate_limited=True) == 0.25
    assert retry.server_wait({"Retry-After": "soon"}, rate_limited=True) is None


def test_a_429_with_the_days_quota_spent_is_not_retried(ghl):
    headers = {"X-RateLimit-Daily-Remaining": "0", "X-RateLimit-Interval-Milliseconds": "50"}
    ghl.default = Reply(429, headers=headers)
    with pytest.raises(RateLimited):
        call("SEARCH")
    assert len(ghl.requests) == 1


def test_429_without_any_hint_backs_off_then_gives_up(ghl):
    ghl.default = Reply(429)
    with pytest.raises(RateLimited) as caught:
        call("GET")
    assert caught.value.retry_after is None
    assert len(ghl.requests) == 4


def test_429_interval_beyond_the_budget_does_not_sleep(ghl):
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Interval-Milliseconds": "10000"}
    ghl.script(Reply(429, headers=headers))
    started = time.monotonic()
    with pytest.raises(RateLimited) as caught:
        call("GET")
    assert time.monotonic() - started < 1.0  # far from the 10 s it was told
    assert caught.value.retry_after == 10


# -- a create is never sent twice (item 20) ---------------------------------------------------


@pytest.mark.parametrize(
    "reply",
    [
        Reply(500, json={"message": "boom"}),
        Reply(502),
        Reply(503),
        Reply(504),
        Reply(200, json={}, delay=1.0),  # slower than the read timeout
        Reply(close=True),
        Reply(201, body=b"{not json"),
    ],
    ids=["500", "502", "503", "504", "timeout", "closed", "malformed"],
)
def test_create_is_sent_once_and_outcome_is_unknown(ghl, settings, reply):
    settings.GHL_READ_TIMEOUT = 0.3
    ghl.script(reply)
    ghl.default = Reply(200, json=RECORD)
    with pytest.raises(OutcomeUnknown) as caught:
        call("CREATE")
    assert isinstance(caught.value, Unavailable)
    time.sleep(0.1)
    assert [r.method for r in ghl.requests] == ["POST"]


def test_create_is_retried_after_429_which_means_not_done(ghl):
    ghl.script(Reply(429, headers={"Retry-After": "0"}), Reply(201, json=RECORD))
    assert call("CREATE") == RECORD
    assert len(ghl.requests) == 2


# -- malformed answers and redirects (item 17) -------------------------------------------------


# Nested deeper than Python's JSON parser goes: a RecursionError, not a ValueError.
TOO_DEEP = b"[" * 50_000 + b"]" * 50_000


@pytest.mark.parametrize("body", [b"{not json", b"<html>gateway</html>", TOO_DEEP])
def test_malformed_json_is_unavailable(ghl, body):
    ghl.script(Reply(200, body=body, headers={"Content-Type": "text/html"}))
    with pytest.raises(Unavailable) as caught:
        call("GET")
    assert "malformed" in str(caught.value)


@pytest.mark.parametrize("kind", ["GET", "SEARCH", "PUT", "CREATE"])
@pytest.mark.parametrize(
    "body",
    [b"{}", b"[1, 2]", b'"ok"', b'{"data": {"id": "r1"}}', b'{"record": {"properties": {}}}'],
)
def test_an_answer_without_what_the_call_returns_is_its_own_error(ghl, kind, body):
    """Never read as an empty result: an error that says the API answered in a form we do
    not understand, with the status; a write's outcome is unknown (a create's OutcomeUnknown
    too), and nothing is sent again."""
    ghl.script(Reply(200, body=body))
    with pytest.raises(UnexpectedAnswer) as caught:
        call(kind)
    error = caught.value
    assert error.status == 200 and "form we do not understand" in str(error)
    if kind in ("PUT", "CREATE"):
        assert error.maybe_applied is True
    assert isinstance(error, OutcomeUnknown) is (kind == "CREATE")
    assert len(ghl.requests) == 1


def test_a_delete_needs_no_body(ghl):
    """A DELETE's answer carries nothing the dashboard reads: `{}` is success."""
    ghl.script(Reply(200, json={}))
    call("DELETE")
    assert len(ghl.requests) == 1


def test_redirect_is_not_followed(ghl, settings):
    with Stub() as target:
        ghl.script(Reply(302, headers={"Location": target.url + "/objects/"}))
        with pytest.raises(Unavailable) as caught:
            endpoints.objects_list()
        assert caught.value.status == 302
        assert len(ghl.requests) == 1
        assert target.requests == []


# -- error mapping ------------------------------------------------------------------------------


def test_status_codes_map_to_the_error_tree(ghl):
    ghl.script(
        Reply(401, json={"statusCode": 401, "message": "Invalid token: access token is invalid"}),
        Reply(404, json={"statusCode": 404, "message": "Custom Object (x) not found"}),
        Reply(409, json={"message": "conflict"}),
    )
    with pytest.raises(AuthenticationFailed) as caught:
        call("GET")
    assert caught.value.messages == ["Invalid token: access token is invalid"]
    with pytest.raises(NotFound) as caught:
        call("GET")
    assert caught.value.status == 404
    with pytest.raises(RecordsApiError) as caught:
        call("GET")
    assert caught.value.status == 409


def test_validation_errors_from_the_errors_map(ghl):
    ghl.script(
        Reply(
            400,
            json={
                "statusCode": 400,
                "message": ["price must be a number", "the request was refused"],
                "errors": {"price": ["price must be a number"]},
            },
        )
    )
    with pytest.raises(ValidationFailed) as caught:
        endpoints.record_create(KEY, {"properties": {"price": "x"}}, field_keys=["price", "name"])
    assert caught.value.field_errors == {"price": ["price must be a number"]}
    assert caught.value.messages == ["the request was refused"]
    assert caught.value.status == 400


def test_validation_errors_placed_by_the_field_key_they_name(ghl):
    ghl.script(
        Reply(
            422,
            json={
                "statusCode": 422,
                "message": ["status: 'Open' is not an option", "property owner_x should not exist"],
                "error": "Unprocessable Entity",
            },
        )
    )
    with pytest.raises(ValidationFailed) as caught:
        call("PUT", field_keys=["status", "stat", "name"])
    assert caught.value.field_errors == {"status": ["status: 'Open' is not an option"]}
    assert caught.value.messages == ["property owner_x should not exist"]
    assert caught.value.status == 422


# -- the token never shows (item 16) ---------------------------------------------------------


def test_token_never_in_errors_or_logs(ghl, settings, caplog):
    caplog.set_level(logging.DEBUG)
    settings.GHL_READ_TIMEOUT = 0.2
    settings.GHL_MAX_RETRIES = 1
    faults = [
        Reply(401, json={"message": f"Invalid token {TOKEN}"}),  # a server that echoes it
        Reply(422, json={"message": [f"Bearer {TOKEN} refused"]}),
        Reply(400, json={"message": "bad", "errors": {TOKEN: [f"{TOKEN} is wrong"]}}),
        Reply(404),
        Reply(429, headers={"Retry-After": "99"}),
        Reply(500, json={"message": TOKEN}),
        Reply(503),
        Reply(200, json={}, delay=1.0),
        Reply(close=True),
        Reply(200, body=b"nope"),
        Reply(302, headers={"Location": "http://example.invalid/"}),
    ]
    ghl.default = Reply(503, json={"message": f"Authorization: Bearer {TOKEN}"})
    raised = []
    for reply in faults:
        ghl.script(reply)
        with pytest.raises(RecordsApiError) as caught:
            call("GET")
        raised.append(caught.value)
    for kind in ("CREATE", "PUT", "DELETE", "SEARCH"):
        ghl.script(Reply(500, json={"message": f"token={TOKEN}"}))
        with pytest.raises(RecordsApiError) as caught:
            call(kind)
        raised.append(caught.value)
    settings.GHL_API_URL = f"http://127.0.0.1:{unused_port()}"
    with pytest.raises(RecordsApiError) as caught:
        call("GET")
    raised.append(caught.value)
    for error in raised:
        fields = str(getattr(error, "field_errors", ""))
        for text in (str(error), repr(error), *error.messages, str(error.__dict__), fields):
            assert TOKEN not in text
    assert caplog.records, "the client logs its calls"
    assert TOKEN not in caplog.text
    assert TOKEN not in repr(config.connection())


def test_not_configured_says_what_to_set(settings, tmp_path):
    settings.GHL_TOKEN = ""
    settings.SANDBOX_LOCATION_ID = settings.SANDBOX_TOKEN = ""
    settings.SANDBOX_CREDENTIALS_FILE = tmp_path / "no-such-file.json"
    with pytest.raises(NotConfigured) as caught:
        endpoints.objects_list()
    for name in ("GHL_TOKEN", "GHL_LOCATION_ID", "SANDBOX_LOCATION_ID", "SANDBOX_TOKEN"):
        assert name in str(caught.value)


def test_token_without_location_is_not_configured(settings):
    settings.GHL_TOKEN = TOKEN
    settings.GHL_LOCATION_ID = ""
    with pytest.raises(NotConfigured, match="GHL_LOCATION_ID"):
        endpoints.objects_list()


# -- one pooled session (item 24) ------------------------------------------------------------------


def test_sequential_calls_reuse_one_connection(ghl):
    ghl.default = Reply(200, json={**RECORD, **RECORDS, **ANSWERS["GET"]})
    for _ in range(10):
        call("GET")
        call("SEARCH")
        call("PUT")
    assert len(ghl.requests) == 30
    assert ghl.connections == 1


def test_a_debug_page_of_a_failure_inside_a_call_never_shows_the_token(ghl, settings, monkeypatch):
    # With DEBUG on (the demo), Django's error page lists every frame's variables: an
    # unexpected error while a call is under way must not show the Authorization header.
    settings.DEBUG = True

    def broken(self, method, url, body=None, headers=None, **options):
        raise RuntimeError("unexpected")  # deep in the HTTP library, its frames on the way

    monkeypatch.setattr(urllib3.connectionpool.HTTPConnectionPool, "urlopen", broken)
    with pytest.raises(RuntimeError) as caught:
        call("SEARCH")
    reporter = ExceptionReporter(None, RuntimeError, caught.value, caught.value.__traceback__)
    frames = reporter.get_traceback_frames()
    assert "headers" in {name for frame in frames for name, _ in frame["vars"]}
    page = reporter.get_traceback_html() + reporter.get_traceback_text()
    assert "records_search" in page  # the frames are there, with their variables
    assert TOKEN not in page


def test_a_refusal_nested_too_deep_is_still_the_apis_error(ghl):
    ghl.script(Reply(400, body=TOO_DEEP, headers={"Content-Type": "application/json"}))
    with pytest.raises(RecordsApiError) as caught:
        call("SEARCH")
    assert caught.value.status == 400


def test_a_debug_page_of_a_failure_reading_the_settings_never_shows_the_token(settings):
    """The token as a plain variable (no "Bearer" before it), in the frame that read it."""
    settings.DEBUG = True
    # Put together here: the page shows this test's lines too.
    secret = "-".join(("pit", "0123456789abcdef", "secret"))
    settings.GHL_TOKEN, settings.GHL_LOCATION_ID = secret, "loc"
    settings.GHL_CONNECT_TIMEOUT = "three"  # a setting that is no number fails after the read
    with pytest.raises(ValueError, match="three") as caught:
        config.connection()
    reporter = ExceptionReporter(None, ValueError, caught.value, caught.value.__traceback__)
    frames = reporter.get_traceback_frames()
    assert "token" in {name for frame in frames for name, _ in frame["vars"]}
    page = reporter.get_traceback_html() + reporter.get_traceback_text()
    assert "connection" in page and secret not in page
