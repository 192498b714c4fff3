"""SANDBOX_LATENCY_MS: the embedded API waits that long before answering (for benchmarks)."""

import pytest

from recordsadmin.sandbox import endpoint

pytestmark = pytest.mark.django_db(transaction=True)


def test_each_answer_waits_the_set_latency(sandbox, settings, monkeypatch):
    slept = []
    monkeypatch.setattr(endpoint, "pause", slept.append)
    settings.SANDBOX_LATENCY_MS = 200
    assert sandbox.get("/users/").status_code == 200
    assert slept == [0.2]
    settings.SANDBOX_LATENCY_MS = 0
    assert sandbox.get("/users/").status_code == 200
    assert slept == [0.2]
