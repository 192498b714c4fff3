"""A bulk item's outcome becomes a field of its own: done, failed, unknown, not sent, skipped.

Before, an item that may have been carried out, or that the rate limit kept from being sent,
was "failed" with a reason starting "Outcome unknown" or "Not sent"; the reason decided what a
retry did. The migration reads those reasons once, into the new outcomes.
"""

from django.db import migrations, models


def outcomes_from_reasons(apps, schema_editor):
    BulkItem = apps.get_model("records", "BulkItem")
    failed = BulkItem.objects.using(schema_editor.connection.alias).filter(outcome="failed")
    failed.filter(reason__startswith="Outcome unknown").update(outcome="unknown")
    failed.filter(reason__startswith="Not sent").update(outcome="not_sent")


def reasons_decide_again(apps, schema_editor):
    BulkItem = apps.get_model("records", "BulkItem")
    items = BulkItem.objects.using(schema_editor.connection.alias)
    items.filter(outcome__in=["unknown", "not_sent"]).update(outcome="failed")


class Migration(migrations.Migration):
    dependencies = [("records", "0004_bulk_job_once")]

    operations = [
        migrations.RemoveIndex(model_name="bulkitem", name="records_bulkitem_todo"),
        migrations.RenameField(model_name="bulkitem", old_name="status", new_name="outcome"),
        migrations.AlterField(
            model_name="bulkitem",
            name="outcome",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("done", "Done"),
                    ("failed", "Failed"),
                    ("unknown", "Outcome unknown"),
                    ("not_sent", "Not sent"),
                    ("skipped", "Skipped"),
                ],
                default="pending",
                max_length=16,
            ),
        ),
        migrations.RunPython(outcomes_from_reasons, reasons_decide_again),
        migrations.AddIndex(
            model_name="bulkitem",
            index=models.Index(
                fields=["job", "outcome", "position"], name="records_bulkitem_todo"
            ),
        ),
    ]
