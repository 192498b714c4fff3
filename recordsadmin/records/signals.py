"""The cached schemas follow changes made through the embedded records API.

The embedded API runs in this process and writes this database, so its schema, field and user
writes can drop the dashboard's cached copies at once instead of waiting out
GHL_SCHEMA_CACHE_SECONDS. The real service has no such signal: there the TTL applies.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from recordsadmin.sandbox.models import Field, ObjectSchema, SandboxUser

from . import services


def _after_commit(forget) -> None:
    # Once the write is committed: dropped earlier, a page in between could cache the old copy
    # again (with a cache outside the database, for its whole lifetime).
    transaction.on_commit(forget)


@receiver([post_save, post_delete], sender=ObjectSchema)
def _object_changed(sender, instance: ObjectSchema, **kwargs) -> None:
    _after_commit(lambda: services.schema_invalidate(key=instance.key))


@receiver([post_save, post_delete], sender=Field)
def _field_changed(sender, instance: Field, **kwargs) -> None:
    try:
        key = instance.object.key
    except ObjectSchema.DoesNotExist:  # deleted with its object, which said so already
        return
    _after_commit(lambda: services.schema_invalidate(key=key))


@receiver([post_save, post_delete], sender=SandboxUser)
def _user_changed(sender, instance: SandboxUser, **kwargs) -> None:
    _after_commit(services.user_list_invalidate)
