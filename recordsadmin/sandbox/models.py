"""The embedded records API's data: locations, their tokens, object schemas, fields and records.

It serves the records API's contract (docs/records-api.md) from the project's own database so
that the dashboard runs and is tested with no GoHighLevel account.
"""

import hashlib
import secrets

from django.db import models, transaction
from django.utils import timezone


def new_id(prefix: str = "") -> str:
    """A random 24-hex-digit id, the shape GoHighLevel uses (a MongoDB ObjectId)."""
    return prefix + secrets.token_hex(12)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Location(models.Model):
    id = models.CharField(primary_key=True, max_length=64, default=new_id)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"


class ApiToken(models.Model):
    """A bearer token for one location. Only its SHA-256 is stored."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    label = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.label or 'token'} of {self.location_id}"

    @classmethod
    def issue(cls, location: Location, label: str = "", token: str = "") -> str:
        """Stores a token for the location and returns it; this is the only time it is seen.

        A token given that is already another location's raises TokenTaken: moving it would
        silently show that location's client the records of this one."""
        token = token or "pit-" + secrets.token_urlsafe(32)
        with transaction.atomic():
            stored = cls.objects.select_for_update().filter(token_hash=hash_token(token)).first()
            if stored is None:
                cls.objects.create(token_hash=hash_token(token), location=location, label=label)
            elif stored.location_id != location.pk:
                raise TokenTaken(stored.location_id)
            elif label and stored.label != label:
                stored.label = label
                stored.save(update_fields=["label"])
        return token


class TokenTaken(Exception):
    """The token is already bound to another location (its id is the argument)."""

    def __init__(self, location_id: str):
        super().__init__(f"The token is already the token of another location ({location_id}).")
        self.location_id = location_id


class SandboxUser(models.Model):
    """A user of a location: who can own or follow a record."""

    id = models.CharField(primary_key=True, max_length=64, default=new_id)
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="users")
    name = models.CharField(max_length=200)
    email = models.EmailField()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class ObjectSchema(models.Model):
    id = models.CharField(primary_key=True, max_length=64, default=new_id)
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="schemas")
    key = models.CharField(max_length=200)  # "custom_objects.property"
    singular = models.CharField(max_length=200)
    plural = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    primary_display_property = models.CharField(max_length=300)  # a full fieldKey
    required_properties = models.JSONField(default=list)  # full fieldKeys
    searchable_properties = models.JSONField(default=list)  # full fieldKeys
    type = models.CharField(max_length=40, default="USER_DEFINED")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["location", "key"], name="sandbox_object_key_unique")
        ]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.key


class Field(models.Model):
    id = models.CharField(primary_key=True, max_length=64, default=new_id)
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    object = models.ForeignKey(ObjectSchema, on_delete=models.CASCADE, related_name="fields")
    name = models.CharField(max_length=200)
    field_key = models.CharField(max_length=300)  # "custom_objects.property.price"
    # One of recordsadmin.contract.datatypes.DataType, which the API checks on create. No
    # `choices`: a new dataType then needs no migration.
    data_type = models.CharField(max_length=32)
    options = models.JSONField(default=list)  # [{"key": ..., "label": ...}]
    description = models.TextField(blank=True)
    placeholder = models.CharField(max_length=200, blank=True)
    show_in_forms = models.BooleanField(default=True)
    position = models.IntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["object", "field_key"], name="sandbox_field_key_unique")
        ]
        ordering = ["position", "created_at", "id"]

    def __str__(self) -> str:
        return self.field_key

    @property
    def key(self) -> str:
        """The key a record's `properties` use: the last segment of the fieldKey."""
        return self.field_key.rsplit(".", 1)[-1]


class Record(models.Model):
    id = models.CharField(primary_key=True, max_length=64, default=new_id)
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    object = models.ForeignKey(ObjectSchema, on_delete=models.CASCADE, related_name="records")
    properties = models.JSONField(default=dict)
    # Lower-cased text of the searchable properties, kept in step with `properties` on every
    # write, so that the text query is one LIKE on one column.
    search_text = models.TextField(blank=True, default="")
    # NULL is the API's "owner": null, which search filters on as a missing value.
    owner = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    followers = models.JSONField(default=list)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["object", "created_at", "id"], name="sandbox_rec_created"),
            models.Index(fields=["object", "updated_at", "id"], name="sandbox_rec_updated"),
            models.Index(fields=["object", "owner"], name="sandbox_rec_owner"),
        ]

    def __str__(self) -> str:
        return self.id
