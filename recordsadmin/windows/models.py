"""The database's copy of the sliding windows, used when no Redis is configured."""

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
