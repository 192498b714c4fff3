"""The cached schemas, users and associations follow the embedded API's changes.

The embedded API sends `schema_changed`, `users_changed` and `associations_changed`
(recordsadmin/contract/signals.py)
once its writes have committed, so the dashboard's cached copies go at once instead of at the
end of GHL_SCHEMA_CACHE_SECONDS. The real service sends no such signal: there the TTL applies.
"""

from django.dispatch import receiver

from recordsadmin.contract.signals import associations_changed, schema_changed, users_changed
from recordsadmin.records import services


@receiver(schema_changed, dispatch_uid="records_schema_changed")
def forget_changed_schema(sender, *, object_key: str, **kwargs) -> None:
    services.schema_invalidate(key=object_key)


@receiver(users_changed, dispatch_uid="records_users_changed")
def forget_changed_users(sender, **kwargs) -> None:
    services.user_list_invalidate()


@receiver(associations_changed, dispatch_uid="records_associations_changed")
def forget_changed_associations(sender, **kwargs) -> None:
    services.association_invalidate()
