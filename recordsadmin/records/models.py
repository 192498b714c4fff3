"""The dashboard's own data: who may do what with records, and what was done.

Records themselves live in the records API; here are only the permissions that guard them and
the history of every write the dashboard made.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Record(models.Model):
    """Holds the permissions on records (`records.view_record`, `add_`, `change_`,
    `delete_`, `export_`); it has no table, since records live in the records API."""

    class Meta:
        managed = False
        default_permissions = ("view", "add", "change", "delete")
        permissions = [("export_record", "Can export records")]

    def __str__(self) -> str:
        return "records"


class RecordChange(models.Model):
    """One write to the records API made through the dashboard, whatever its outcome.

    The row is written before the call (outcome "pending") and completed after it, so that a
    crash in between still leaves a trace, and a delete keeps the full record to restore from.
    """

    class Action(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Changed"
        DELETE = "delete", "Deleted"
        RESTORE = "restore", "Restored"

    class Outcome(models.TextChoices):
        PENDING = "pending", "Pending"
        OK = "ok", "Done"
        FAILED = "failed", "Failed"
        UNKNOWN = "unknown", "Outcome unknown"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    username = models.CharField(max_length=150, blank=True)
    location_id = models.CharField(max_length=64, blank=True)
    object_key = models.CharField(max_length=200)
    record_id = models.CharField(max_length=64, blank=True, db_index=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    changed_fields = models.JSONField(default=list, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    error = models.TextField(blank=True)
    # The bulk job that made this change, when one did.
    job_id = models.CharField(max_length=64, blank=True, db_index=True)
    note = models.TextField(blank=True)
    # A create form's one-time id: claimed by inserting this row, so a form sent twice makes one
    # record (RELIABILITY 29). Set free again when the create surely failed.
    submission = models.UUIDField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_key", "record_id", "-at"], name="records_change_record")
        ]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_key}/{self.record_id} by {self.username}"
