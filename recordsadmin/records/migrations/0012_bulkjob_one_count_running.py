import django.db.models.fields.json
from django.db import migrations, models

FINISHED = ["cancelled", "done", "failed"]


def one_running_count_each(apps, schema_editor):
    """Before the constraint: where two counts of one association are queued or running (two
    starts at the same moment), the newer is marked cancelled; the older one goes on."""
    BulkJob = apps.get_model("records", "BulkJob")
    jobs = BulkJob.objects.using(schema_editor.connection.alias)
    seen = set()
    for job in jobs.filter(kind="count").exclude(status__in=FINISHED).order_by("created_at"):
        association = (job.params or {}).get("association")
        if association in seen:
            job.status = "cancelled"
            job.error = "Another count of this association was already running."
            job.save(update_fields=["status", "error"])
        seen.add(association)


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0011_bulkjob_count"),
    ]

    operations = [
        migrations.RunPython(one_running_count_each, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="bulkjob",
            constraint=models.UniqueConstraint(
                django.db.models.fields.json.KeyTextTransform("association", "params"),
                condition=models.Q(("kind", "count"))
                & ~models.Q(("status__in", FINISHED)),
                name="records_bulkjob_one_count_running",
            ),
        ),
    ]
