"""Tells whoever caches the API's schemas, users or associations that they changed: the
contract's signals; and the embedded API's own record endpoints, through the location's
schema version.

The dashboard runs in the same process and keeps copies of object schemas, fields, users and
associations for a while; the embedded API's writes of those send `schema_changed`,
`users_changed` or `associations_changed` so that it drops them at once. They are sent once the
write has committed: sent earlier, a page in between could cache the old copy again (with a
cache outside the database, for its whole lifetime). The sandbox does not know who listens;
`recordsadmin.contract.signals` is all it and the dashboard share.
"""

from functools import partial

from django.db import connections, transaction
from django.db.models.signals import post_delete, post_save

from recordsadmin.contract.signals import associations_changed, schema_changed, users_changed

from .models import Association, Field, Location, ObjectSchema, SandboxUser, new_id


def schema_written(location_id: str) -> None:
    """A new schema version for the location (Location.schema_version), in the write's own
    transaction: each process's copy of its objects and fields is read again by the next call
    (views.record_object). A write that sends no post_save or post_delete (a queryset's
    update or bulk_create) calls it itself, in the same transaction."""
    Location.objects.filter(pk=location_id).update(schema_version=new_id())


def after_migrate(sender, using: str, **kwargs) -> None:
    """post_migrate: a migration may have changed objects or fields with no signal, so every
    location's copies are read again (apps.py connects it)."""
    if Location._meta.db_table in connections[using].introspection.table_names():
        Location.objects.using(using).update(schema_version=new_id())


def _object_changed(sender, instance: ObjectSchema, **kwargs) -> None:
    schema_written(instance.location_id)
    _send_after_commit(
        schema_changed, sender, location_id=instance.location_id, object_key=instance.key
    )


def _field_changed(sender, instance: Field, **kwargs) -> None:
    schema_written(instance.location_id)
    try:
        object_key = instance.object.key
    except ObjectSchema.DoesNotExist:  # deleted with its object, which said so already
        return
    _send_after_commit(
        schema_changed, sender, location_id=instance.location_id, object_key=object_key
    )


def _user_changed(sender, instance: SandboxUser, **kwargs) -> None:
    _send_after_commit(users_changed, sender, location_id=instance.location_id)


def _association_changed(sender, instance: Association, **kwargs) -> None:
    _send_after_commit(associations_changed, sender, location_id=instance.location_id)


def _send_after_commit(signal, sender, **kwargs) -> None:
    transaction.on_commit(partial(signal.send, sender=sender, **kwargs))


def connect() -> None:
    """Called once the app is ready (apps.py)."""
    for model, receiver in (
        (ObjectSchema, _object_changed),
        (Field, _field_changed),
        (SandboxUser, _user_changed),
        (Association, _association_changed),
    ):
        for signal in (post_save, post_delete):
            signal.connect(receiver, sender=model, dispatch_uid=f"sandbox{receiver.__name__}")
