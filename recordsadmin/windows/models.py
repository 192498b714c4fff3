"""The database's copy of the sliding windows and circuit breakers, used when no Redis is
configured."""

from django.db import models


class WindowCall(models.Model):
    """One call counted in the window `key`, at `at` (Unix seconds)."""

    key = models.CharField(max_length=200)
    at = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["key", "at"], name="windows_call_key_at")]

    def __str__(self) -> str:
        return f"{self.key} at {self.at:.3f}"


class WindowCounter(models.Model):
    """A count that starts again at `expires` (Unix seconds): the calls of one day."""

    key = models.CharField(max_length=200, primary_key=True)
    count = models.BigIntegerField(default=0)
    expires = models.FloatField()

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class BreakerState(models.Model):
    """A circuit breaker (recordsadmin/windows/stores.py): the failures in a row, open until
    `open_until` (0: closed), a probe in flight until `probe_until` (Unix seconds). Forgotten
    after `kept_until`."""

    key = models.CharField(max_length=200, primary_key=True)
    failures = models.IntegerField(default=0)
    open_until = models.FloatField(default=0.0)
    probe_until = models.FloatField(default=0.0)
    kept_until = models.FloatField(default=0.0)

    def __str__(self) -> str:
        return f"{self.key}: {self.failures} failures, open until {self.open_until:.3f}"
