"""What a user chose once and finds again on every device: a table's columns and density, the
theme, the fields a form carries from one record to the next. Kept on the server, per user and
name (`table:<object key>`, `theme`, ...); each feature owns the shape of its value and checks
it when reading, since an old value may not fit a changed schema.
"""

from typing import Any

from .models import Preference

MAX_NAME_LENGTH = 200


def preference_get(*, user, name: str, default: Any = None) -> Any:
    """The user's value for `name`, or `default` (also for anonymous users)."""
    if not getattr(user, "is_authenticated", False):
        return default
    found = Preference.objects.filter(user=user, name=name[:MAX_NAME_LENGTH]).first()
    return default if found is None else found.value


def preference_set(*, user, name: str, value: Any) -> None:
    """Remember `value` (JSON) for the user under `name`; None forgets it."""
    if not getattr(user, "is_authenticated", False):
        return
    name = name[:MAX_NAME_LENGTH]
    if value is None:
        Preference.objects.filter(user=user, name=name).delete()
        return
    Preference.objects.update_or_create(user=user, name=name, defaults={"value": value})
