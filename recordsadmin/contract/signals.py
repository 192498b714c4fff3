"""Signals the embedded API sends when what a client may have cached changes.

The embedded API sends them once its write has committed; the dashboard drops its cached copy
when it receives them. Neither imports the other: both import these.
"""

from django.dispatch import Signal

# An object schema or one of its fields changed or went: kwargs location_id, object_key.
schema_changed = Signal()
# A location's users changed: kwargs location_id.
users_changed = Signal()
# An association of the location was made, relabelled or deleted: kwargs location_id.
associations_changed = Signal()
