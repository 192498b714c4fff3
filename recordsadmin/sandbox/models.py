"""The embedded records API's data: locations, their tokens, object schemas, field folders,
fields and records, contacts, and the associations and relations that link records.

It serves the records API's contract (docs/records-api.md) from the project's own database so
that the dashboard runs and is tested with no GoHighLevel account.
"""

import hashlib
import secrets

from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Lower
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
    # Drawn anew whenever one of the location's objects or fields is written (signals.py,
    # and demo.py after its bulk insert): the record endpoints keep each process's copy of
    # an object and its fields while it is the same (views.record_object), and every call
    # reads it with the token, so that a write in any process is seen by the next call.
    schema_version = models.CharField(max_length=64, default=new_id)

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


DEFAULT_FOLDER = "General"


class FieldFolder(models.Model):
    """A folder of an object's fields (Custom Fields V2's `parentId`). Every field is in one."""

    id = models.CharField(primary_key=True, max_length=64, default=new_id)
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    object = models.ForeignKey(ObjectSchema, on_delete=models.CASCADE, related_name="folders")
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.object_id})"

    @classmethod
    def default_of(cls, obj: ObjectSchema) -> "FieldFolder":
        """The object's first folder, made when it has none: where a field without a
        `parentId` goes."""
        folder = cls.objects.filter(object=obj).order_by("created_at", "id").first()
        if folder is None:
            folder = cls.objects.create(
                location_id=obj.location_id, object=obj, name=DEFAULT_FOLDER
            )
        return folder


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
    # Never NULL once saved (save() puts a field without one into its object's first folder);
    # a folder that holds fields cannot be deleted.
    folder = models.ForeignKey(
        FieldFolder, on_delete=models.RESTRICT, null=True, blank=True, related_name="fields"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["object", "field_key"], name="sandbox_field_key_unique")
        ]
        ordering = ["position", "created_at", "id"]

    def __str__(self) -> str:
        return self.field_key

    def save(self, *args, **kwargs) -> None:
        if self.folder_id is None and self.object_id is not None:
            self.folder = FieldFolder.default_of(self.object)
        super().save(*args, **kwargs)

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


class Contact(models.Model):
    """A contact of the location: the other side of a record's relations to `contact`."""

    id = models.CharField(primary_key=True, max_length=64, default=new_id)
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="contacts")
    first_name = models.CharField(max_length=200, blank=True)
    last_name = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    company_name = models.CharField(max_length=200, blank=True)
    # Lower-cased name, email, phone and company, for the text query (one LIKE on one column).
    search_text = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # One contact per email in a location, in any case (the real service's default).
            models.UniqueConstraint(
                "location",
                Lower("email"),
                condition=~Q(email=""),
                name="sandbox_contact_email_unique",
            )
        ]
        indexes = [
            models.Index(
                fields=["location", "last_name", "first_name", "id"], name="sandbox_contact_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.email or self.id

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    def build_search_text(self) -> str:
        """One line each for the name, email, phone and company: a query never matches
        across two of them."""
        parts = (self.name, self.email, self.phone, self.company_name)
        return "\n".join(part.lower() for part in parts if part)


class Association(models.Model):
    """A kind of link between two objects' records: a custom object and another one, or a
    custom object and contacts. Each side has its label ("Buyer" / "Interested property")."""

    id = models.CharField(primary_key=True, max_length=64, default=new_id)
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="associations")
    key = models.CharField(max_length=200)
    # The object on each side, NULL for contacts; the key says the same in words (keys never
    # change). Deleting an object deletes its associations, and with them their relations.
    first_object = models.ForeignKey(
        ObjectSchema, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    first_object_key = models.CharField(max_length=200)
    first_label = models.CharField(max_length=200)
    second_object = models.ForeignKey(
        ObjectSchema, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    second_object_key = models.CharField(max_length=200)
    second_label = models.CharField(max_length=200)
    type = models.CharField(max_length=40, default="USER_DEFINED")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["location", "key"], name="sandbox_association_key_unique"
            )
        ]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.key}: {self.first_object_key} <-> {self.second_object_key}"


class Relation(models.Model):
    """Two records linked by an association: the first record is of the association's first
    object, the second of its second (whichever order the call named them in)."""

    id = models.CharField(primary_key=True, max_length=64, default=new_id)
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    association = models.ForeignKey(Association, on_delete=models.CASCADE, related_name="relations")
    first_record_id = models.CharField(max_length=64)
    second_record_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["association", "first_record_id", "second_record_id"],
                name="sandbox_relation_unique",
            )
        ]
        indexes = [
            models.Index(fields=["location", "first_record_id"], name="sandbox_rel_first"),
            models.Index(fields=["location", "second_record_id"], name="sandbox_rel_second"),
        ]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.first_record_id} <-> {self.second_record_id} ({self.association_id})"


class SearchSnapshot(models.Model):
    """A record as search still shows it for SANDBOX_SEARCH_LAG seconds after a write to it,
    as the real service's search does (lag.py, docs/records-api.md). The columns search reads
    are named as on Record, so that one search condition applies to both tables.

    `id` is the record's (no foreign key: a deleted record keeps its snapshot); `existed`
    false means the record did not exist before the write (search does not find it yet).
    """

    id = models.CharField(primary_key=True, max_length=64)
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    object = models.ForeignKey(ObjectSchema, on_delete=models.CASCADE, related_name="+")
    existed = models.BooleanField()
    properties = models.JSONField(default=dict)
    search_text = models.TextField(blank=True, default="")
    owner = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    followers = models.JSONField(default=list)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    # The last write to the record: search shows this snapshot until `written_at` + the lag.
    written_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["object", "written_at"], name="sandbox_snapshot_written"),
        ]

    def __str__(self) -> str:
        return f"{self.id} as of {self.written_at}"
