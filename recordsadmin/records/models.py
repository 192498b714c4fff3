"""The dashboard's own data: who may do what with records, and what was done.

Records themselves live in the records API; here are only the permissions that guard them, the
history of every write the dashboard made, and the table views people saved.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Lower
from django.utils import timezone


class Record(models.Model):
    """Holds the permissions on records (`records.view_record`, `add_`, `change_`,
    `delete_`, `export_`) and on their objects' schemas (`records.manage_schema`: the schema
    editor's objects, fields, folders and associations); it has no table, since records live
    in the records API."""

    class Meta:
        managed = False
        default_permissions = ("view", "add", "change", "delete")
        permissions = [
            ("export_record", "Can export records"),
            ("manage_schema", "Can change objects, their fields, folders and associations"),
        ]

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
        # A relation to another record or a contact made or removed (services/relations.py).
        LINK = "link", "Linked"
        UNLINK = "unlink", "Unlinked"

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
    # record (docs/reliability.md item 29). Set free again when the create surely failed.
    submission = models.UUIDField(null=True, blank=True, unique=True)
    # A restore's delete (its RecordChange id), also in `before`: indexed (records_change_restore),
    # so that finding whether a delete was restored reads one row, not the object's whole
    # history (a revert of a bulk delete asks it for each record).
    restored_from = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_key", "record_id", "-at"], name="records_change_record"),
            # The writes of the last seconds, a person's own (the table catching up with them,
            # services/catching_up.py) or anyone's: without these the database read every
            # change of the user, or of the object, ever made, at every table view.
            models.Index(fields=["user", "object_key", "at"], name="records_change_mine"),
            models.Index(fields=["object_key", "at"], name="records_change_recent"),
            # Only the restores: a database's statistics of a column that is mostly empty
            # would otherwise make it read the whole table instead.
            models.Index(
                fields=["restored_from"],
                name="records_change_restore",
                condition=models.Q(restored_from__isnull=False),
            ),
        ]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_key}/{self.record_id} by {self.username}"


class JobKind(models.TextChoices):
    UPDATE = "update", "Set a field"
    DELETE = "delete", "Delete"
    IMPORT = "import", "Import"
    # Puts back the values another job's updates replaced (params["reverts"]: its id).
    REVERT = "revert", "Revert a job"
    # Links every selected record to one record or contact (params: the association and
    # that record: bulk/links.py).
    LINK = "link", "Link to a record"
    # Counts an association's relations, a call per record of one side, before it is
    # deleted; changes nothing (params: the association: bulk/counting.py).
    COUNT = "count", "Count the relations"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    CANCELLING = "cancelling", "Cancelling"
    CANCELLED = "cancelled", "Cancelled"
    DONE = "done", "Finished"
    FAILED = "failed", "Stopped by an error"


# A job in one of these will not run again.
JOB_FINISHED = (JobStatus.CANCELLED, JobStatus.DONE, JobStatus.FAILED)


class BulkJob(models.Model):
    """A change to many records (delete, set a field, import a CSV) run by the task worker.

    One `BulkItem` per record or CSV row keeps that item's outcome, committed as each finishes,
    so a job stopped by a restart picks up its pending items only.
    """

    Kind = JobKind
    Status = JobStatus
    FINISHED = JOB_FINISHED

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    object_key = models.CharField(max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    username = models.CharField(max_length=150, blank=True)
    # What to do: the selection (ids or a search) and the change ({"field", "value"}, import map).
    selection = models.JSONField(default=dict, blank=True)
    params = models.JSONField(default=dict, blank=True)
    summary = models.CharField(max_length=500, blank=True)
    collected = models.BooleanField(default=False)
    total = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Written while the job runs; a running job whose heartbeat is old was stopped by a restart.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The run that owns the job now: each run of its task claims it anew, and a run whose
    # claim another took (the job was queued again while it still ran) stops at its next look.
    run = models.CharField(max_length=32, blank=True)
    # The start form's one-time id: a form sent twice (a double click) makes one job.
    submission = models.UUIDField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-created_at"]
        default_permissions = ()
        constraints = [
            # One count of an association at a time (bulk/counting.py): two people starting
            # one at the same moment, from two pages or processes, get the same job.
            models.UniqueConstraint(
                KeyTextTransform("association", "params"),
                condition=models.Q(kind=JobKind.COUNT.value)
                & ~models.Q(status__in=[status.value for status in JOB_FINISHED]),
                name="records_bulkjob_one_count_running",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.object_key} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED


class BulkItem(models.Model):
    """One record (or CSV row) of a bulk job and what became of it."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"
        # The API refused it, or an import row the file got wrong: nothing was changed.
        FAILED = "failed", "Failed"
        # Its answer was lost (or the job stopped while it was in flight): it may have been
        # carried out all the same.
        UNKNOWN = "unknown", "Outcome unknown"
        # The rate limit or the day's quota kept it from being sent this time.
        NOT_SENT = "not_sent", "Not sent"
        SKIPPED = "skipped", "Skipped"

    # The outcomes a person reads as "failed": the item did not get done.
    FAILURES = (Outcome.FAILED, Outcome.UNKNOWN, Outcome.NOT_SENT)

    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    record_id = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    # Why it failed or was skipped, for people (decisions read `outcome`, never this text).
    reason = models.TextField(blank=True)
    # The record as it was before (from the search that selected it), or the CSV row's values.
    before = models.JSONField(null=True, blank=True)
    data = models.JSONField(null=True, blank=True)
    # Set just before the call is sent: a pending item with it set was in flight at a restart.
    sent_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job", "position"]
        indexes = [
            models.Index(fields=["job", "outcome", "position"], name="records_bulkitem_todo"),
            # A job's items in order (its report, its retry): without it the database sorts
            # every item, with its data, before the first line of a report goes out.
            models.Index(fields=["job", "position"], name="records_bulkitem_order"),
        ]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.record_id or self.position}: {self.outcome}"

    @property
    def status(self) -> str:
        """What the job's report calls it: done, failed, skipped or pending."""
        return self.Outcome.FAILED if self.outcome in self.FAILURES else self.outcome


class ImportUpload(models.Model):
    """An uploaded CSV, kept whole in the database so nothing the user sent is lost."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    object_key = models.CharField(max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    filename = models.CharField(max_length=255, blank=True)
    content = models.TextField()
    # The column mapping and options chosen for it.
    options = models.JSONField(default=dict, blank=True)
    # The import job made from it: set once, under the upload's lock, so a second start of the
    # same file goes to this job instead of importing every row again.
    job = models.OneToOneField(
        BulkJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="upload"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        default_permissions = ()

    def __str__(self) -> str:
        return self.filename or str(self.id)


class SavedView(models.Model):
    """A table's view saved under a name: its search as the address bar carries it
    (recordsadmin/records/query.py reads and writes `params`) and its columns as the column
    chooser keeps them (`columns`, recordsadmin/records/tables.py TableLayout). Private to its
    owner, or shared with everyone who sees the object's table.

    A name is unique (in any case) among its owner's private views of one object of one
    location, and among the shared views of that object; a private view may have the name of
    a shared one (its tab says which is shared). `labels` names the fields as they were when
    the view was saved, so that a field removed from the schema since can still be named.
    """

    NAME_MAX_LENGTH = 60

    location_id = models.CharField(max_length=64)
    object_key = models.CharField(max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    shared = models.BooleanField(default=False)
    params = models.TextField(blank=True)
    columns = models.JSONField(default=dict, blank=True)
    labels = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["shared", Lower("name"), "id"]
        default_permissions = ()
        permissions = [("change_shared_view", "Can change and delete anyone's shared views")]
        indexes = [models.Index(fields=["location_id", "object_key"], name="records_view_table")]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "owner",
                "location_id",
                "object_key",
                condition=models.Q(shared=False),
                name="records_view_private_name",
            ),
            models.UniqueConstraint(
                Lower("name"),
                "location_id",
                "object_key",
                condition=models.Q(shared=True),
                name="records_view_shared_name",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.object_key}{', shared' if self.shared else ''})"


class DefaultView(models.Model):
    """The saved view a user's table of one object opens on
    (recordsadmin/records/views/saved.py)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="default_views"
    )
    location_id = models.CharField(max_length=64)
    object_key = models.CharField(max_length=200)
    view = models.ForeignKey(SavedView, on_delete=models.CASCADE, related_name="defaults")

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["user", "location_id", "object_key"], name="records_default_view_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.object_key} opens on {self.view_id}"
