from django.db import migrations, models


def fill_restored_from(apps, schema_editor):
    """The restores made before the column existed name their delete in `before` only."""
    RecordChange = apps.get_model("records", "RecordChange")
    restores = RecordChange.objects.filter(action="restore", restored_from__isnull=True)
    for pk, before in restores.values_list("pk", "before").iterator(chunk_size=2000):
        deleted = (before or {}).get("restored_from") if isinstance(before, dict) else None
        if isinstance(deleted, int):
            RecordChange.objects.filter(pk=pk).update(restored_from=deleted)


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0014_bulkjob_run"),
    ]

    operations = [
        migrations.AddField(
            model_name="recordchange",
            name="restored_from",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="recordchange",
            index=models.Index(
                condition=models.Q(restored_from__isnull=False),
                fields=["restored_from"],
                name="records_change_restore",
            ),
        ),
        migrations.RunPython(fill_restored_from, migrations.RunPython.noop, elidable=True),
    ]
