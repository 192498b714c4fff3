"""The record form, built from the object's schema at request time: one field per schema field.

`RecordForm(schema=..., users=...)` holds one Django form field per field of the schema, in the
schema's order, named by its bare key (`price`), with a widget that fits its dataType. It checks
what the records API would refuse (records-api.md's value rules) before anything is sent, and its
`properties()` are JSON-ready values keyed by field: the only keys that can ever reach the API,
whatever else was posted (RELIABILITY 14). File fields are shown, never sent.

The form's own controls (owner, version, submission id, carried fields) are named with a leading
underscore, which a schema's field keys never have.
"""

import datetime
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join

from recordsadmin.records.types import Field, Record, Schema, User

# The embedded API's limits, which follow the real service (sandbox/validation.py).
MAX_SAFE_INTEGER = 2**53 - 1
MAX_TEXT_LENGTH = 100_000
PHONE = re.compile(r"\+?[0-9 ()\-]+")
VERSION_SALT = "records.edit.version"
# A message of the API's that names the owner, as api.py finds field keys in messages.
OWNER_NAMED = re.compile(r"(?<!\w)owners?(?!\w)")

OWNER = "_owner"
VERSION = "_version"
SUBMISSION = "_submission"
CARRY = "_carry"
CONTROL_FIELDS = frozenset({OWNER, VERSION, SUBMISSION, CARRY})

SINGLE_CHOICE = frozenset({"SINGLE_OPTIONS", "RADIO"})
MULTI_CHOICE = frozenset({"MULTIPLE_OPTIONS", "CHECKBOX"})
# Rendered as a <fieldset> with a <legend>: one label would not name several inputs.
GROUPED = frozenset({"RADIO", "CHECKBOX", "TEXTBOX_LIST"})


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def plain_text(text: str) -> str:
    """Text as the form holds it: LF line ends (browsers post a textarea's as CRLF) and no
    surrounding whitespace (Django strips what is posted)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


# -- widgets and fields ----------------------------------------------------------------------


class TextboxListWidget(forms.MultiWidget):
    """One labelled text input per option of a TEXTBOX_LIST field; posted as `<key>_<option>`."""

    def __init__(self, options: Iterable[tuple[str, str]], attrs=None):
        self.options = tuple(options)
        widgets = {f"_{key}": forms.TextInput() for key, _label in self.options}
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list:
        value = value if isinstance(value, Mapping) else {}
        return [value.get(key, "") for key, _label in self.options]

    def value_from_datadict(self, data, files, name) -> dict:
        return {
            key: data.get(f"{name}_{key}", "") if hasattr(data, "get") else ""
            for key, _label in self.options
        }

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_{self.options[0][0]}" if id_ and self.options else id_

    def render(self, name, value, attrs=None, renderer=None):
        values = value if isinstance(value, Mapping) else {}
        base_id = (attrs or {}).get("id") or f"id_{name}"
        extra = {k: v for k, v in (attrs or {}).items() if k not in ("id", "required")}
        rows = []
        for key, label in self.options:
            widget_attrs = {**self.attrs, **extra, "id": f"{base_id}_{key}"}
            text = values.get(key, "")
            html = forms.TextInput(widget_attrs).render(
                f"{name}_{key}", text if isinstance(text, str) else str(text), renderer=renderer
            )
            rows.append((f"{base_id}_{key}", label, html))
        return format_html(
            '<div class="textbox-list">{}</div>',
            format_html_join(
                "",
                '<div class="textbox-list__row"><label for="{}">{}</label>{}</div>',
                rows,
            ),
        )


class TextboxListField(forms.Field):
    widget = TextboxListWidget

    def __init__(self, *, options, **kwargs):
        self.options = tuple(options)
        kwargs.setdefault("widget", TextboxListWidget(self.options))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dict | None:
        if not isinstance(value, Mapping):
            return None
        cleaned = {}
        for key, _label in self.options:
            text = value.get(key, "")
            text = plain_text(text) if isinstance(text, str) else ""
            if text:
                if len(text) > MAX_TEXT_LENGTH:
                    raise ValidationError(f"At most {MAX_TEXT_LENGTH} characters per line.")
                cleaned[key] = text
        return cleaned or None

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")

    def has_changed(self, initial, data) -> bool:
        return (self.to_python(initial) or None) != (self.to_python(data) or None)


class TextField(forms.CharField):
    def to_python(self, value):
        return plain_text(super().to_python(value))


class NumberField(forms.DecimalField):
    """A number the API can hold: finite, within JavaScript's safe integers; out as int/float."""

    def to_python(self, value):
        number = super().to_python(value)
        if number is not None and number.is_finite() and abs(number) > MAX_SAFE_INTEGER:
            raise ValidationError(
                f"Enter a number between −{MAX_SAFE_INTEGER} and {MAX_SAFE_INTEGER}."
            )
        return number

    def clean(self, value):
        return json_number(super().clean(value))


class PhoneField(forms.CharField):
    def validate(self, value):
        super().validate(value)
        if value in self.empty_values:
            return
        digits = sum(c.isdigit() for c in value)
        if not PHONE.fullmatch(value) or not 3 <= digits <= 15:
            raise ValidationError(
                "Enter a phone number: 3 to 15 digits, with an optional leading +, spaces, "
                "dashes and brackets.",
                code="phone",
            )


class IsoDateField(forms.DateField):
    input_formats = ["%Y-%m-%d"]

    def clean(self, value):
        day = super().clean(value)
        return day.isoformat() if isinstance(day, datetime.date) else None


def json_number(number: Decimal | None) -> int | float | None:
    if number is None:
        return None
    return int(number) if number == number.to_integral_value() else float(number)


def _choices(field: Field, current: Any) -> list[tuple[str, str]]:
    """The field's options, plus any value the record holds that is no longer one of them, so
    an untouched field is not cleared by an edit that never meant to change it."""
    choices = list(field.options)
    known = {key for key, _label in choices}
    held = current if isinstance(current, list) else [current]
    for value in held:
        if isinstance(value, str) and value and value not in known:
            choices.append((value, f"{value} (no longer an option)"))
            known.add(value)
    return choices


# Why a field is shown on the form but cannot be edited there (form_field gives it no input).
READ_ONLY_NOTES = {
    "FILE_UPLOAD": "Files are managed in GoHighLevel; saving here leaves them as they are.",
    "TEXTBOX_LIST": (
        "This field has no lines in the object’s schema, so there is nothing to fill in here; "
        "add its lines in GoHighLevel. Saving here leaves it as it is."
    ),
}


def form_field(field: Field, current: Any = None) -> forms.Field | None:
    """The Django form field for one schema field; None for one that is shown, not edited
    (a file field, a TEXTBOX_LIST without options): see READ_ONLY_NOTES."""
    kind = field.data_type
    common: dict[str, Any] = {
        "label": field.name,
        "required": field.required,
        "help_text": field.description,
    }
    placeholder = {"placeholder": field.placeholder} if field.placeholder else {}
    if kind == "FILE_UPLOAD":
        return None
    if kind == "LARGE_TEXT":
        return TextField(
            max_length=MAX_TEXT_LENGTH,
            widget=forms.Textarea(attrs={"rows": 4, **placeholder}),
            **common,
        )
    if kind == "NUMERICAL":
        return NumberField(
            max_digits=30,
            decimal_places=10,
            widget=forms.NumberInput(attrs={"step": "any", **placeholder}),
            **common,
        )
    if kind == "MONETORY":
        return NumberField(
            max_digits=18,
            decimal_places=2,
            widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal", **placeholder}),
            **common,
        )
    if kind == "PHONE":
        return PhoneField(
            max_length=40,
            widget=forms.TextInput(
                attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel", **placeholder}
            ),
            **common,
        )
    if kind == "EMAIL":
        return forms.EmailField(
            max_length=254, widget=forms.EmailInput(attrs={**placeholder}), **common
        )
    if kind == "DATE":
        return IsoDateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == "SINGLE_OPTIONS":
        blank = [("", field.placeholder or "—")]
        return forms.ChoiceField(choices=blank + _choices(field, current), **common)
    if kind == "RADIO":
        blank = [] if field.required else [("", "No value")]
        return forms.ChoiceField(
            choices=_choices(field, current) + blank, widget=forms.RadioSelect, **common
        )
    if kind == "MULTIPLE_OPTIONS":
        return forms.MultipleChoiceField(
            choices=_choices(field, current),
            widget=forms.SelectMultiple(attrs={"size": min(8, max(3, len(field.options)))}),
            **common,
        )
    if kind == "CHECKBOX":
        return forms.MultipleChoiceField(
            choices=_choices(field, current), widget=forms.CheckboxSelectMultiple, **common
        )
    if kind == "TEXTBOX_LIST":
        if not field.options:
            return None
        return TextboxListField(options=field.options, **common)
    # TEXT, and any dataType this dashboard does not know yet: a line of text.
    return TextField(
        max_length=MAX_TEXT_LENGTH, widget=forms.TextInput(attrs={**placeholder}), **common
    )


def initial_value(field: Field, value: Any) -> Any:
    """A record's value as the form field shows it."""
    if value is None:
        return None
    kind = field.data_type
    if kind in ("NUMERICAL", "MONETORY"):
        if isinstance(value, dict):
            value = value.get("value")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return value
        if kind == "MONETORY" and number.is_finite():
            return number.quantize(Decimal("0.01")) if number.as_tuple().exponent > -3 else number
        return number
    if kind == "DATE" and isinstance(value, str):
        return value[:10]
    if kind in MULTI_CHOICE:
        return value if isinstance(value, list) else [value]
    return value


# -- comparing values ------------------------------------------------------------------------


def normalized(field: Field, value: Any) -> Any:
    """A value in one canonical spelling, so that equal values compare equal: the record's
    " a\nb " and the posted "a\r\nb" are the same text."""
    if isinstance(value, str):
        value = plain_text(value)
    if is_empty(value):
        return None
    kind = field.data_type
    if kind in ("NUMERICAL", "MONETORY"):
        if isinstance(value, dict):
            value = value.get("value")
        try:
            return Decimal(str(value)).normalize()
        except InvalidOperation:
            return value
    if kind in MULTI_CHOICE:
        items = value if isinstance(value, list) else [value]
        return tuple(sorted(str(v) for v in items))
    if kind == "TEXTBOX_LIST" and isinstance(value, dict):
        lines = (
            (str(k), plain_text(v) if isinstance(v, str) else str(v)) for k, v in value.items()
        )
        return tuple(sorted((k, v) for k, v in lines if not is_empty(v))) or None
    if kind == "DATE" and isinstance(value, str):
        return value[:10]
    return value


def properties_hash(properties: Mapping[str, Any], owner: str | None) -> str:
    text = json.dumps({"p": properties, "o": owner}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def record_version(record: Record, *, base: Record | None = None) -> str:
    """A signed token of the record as the form was loaded: its updatedAt and a hash of its
    values (to see whether it changed before saving), and the values the user started from
    (`base`, to know what the user changed). After a conflict the user starts over from their
    own loaded values, but against the record's current version."""
    base = base or record
    return signing.dumps(
        {
            "u": record.updated_at.isoformat() if record.updated_at else "",
            "h": properties_hash(record.properties, record.owner),
            "p": base.properties,
            "o": base.owner,
        },
        salt=VERSION_SALT,
        compress=True,
    )


def read_version(token: str) -> dict | None:
    """The loaded version from the signed token, or None when it is missing or tampered with."""
    try:
        data = signing.loads(token or "", salt=VERSION_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("p"), dict):
        return None
    return data


def is_current(version: Mapping[str, Any], record: Record) -> bool:
    updated = record.updated_at.isoformat() if record.updated_at else ""
    return version.get("u") == updated and version.get("h") == properties_hash(
        record.properties, record.owner
    )


# -- the form ----------------------------------------------------------------------------------


class RecordForm(forms.Form):
    """A record's form for `schema`; `record` gives the initial values when editing."""

    def __init__(
        self,
        data=None,
        *,
        schema: Schema,
        users: Iterable[User] | None = None,
        record: Record | None = None,
        initial: Mapping[str, Any] | None = None,
        carry: bool = False,
        **kwargs,
    ):
        initial = dict(initial or {})
        current = record.properties if record else {}
        if record is not None:
            for f in schema.fields:
                initial.setdefault(f.key, initial_value(f, current.get(f.key)))
            initial.setdefault(OWNER, record.owner or "")
        super().__init__(data, initial=initial, **kwargs)
        self.schema = schema
        self.record = record
        self.read_only_fields: list[tuple[Field, Any, str]] = []
        for f in schema.fields:
            if f.key in CONTROL_FIELDS or f.key in self.fields:
                continue
            django_field = form_field(f, current.get(f.key))
            if django_field is None:
                note = READ_ONLY_NOTES.get(f.data_type, "")
                self.read_only_fields.append((f, current.get(f.key), note))
                continue
            django_field.schema_field = f
            django_field.grouped = f.data_type in GROUPED
            self.fields[f.key] = django_field
        self.owner_choices = self._owner_choices(users, record)
        if self.owner_choices is not None:
            self.fields[OWNER] = forms.ChoiceField(
                label="Owner", required=False, choices=self.owner_choices
            )
        if carry:
            keepable = self.property_keys + ([OWNER] if self.has_owner() else [])
            self.fields[CARRY] = forms.MultipleChoiceField(
                label="Keep for the next record",
                required=False,
                choices=[(k, f"Keep {self.fields[k].label}") for k in keepable],
                widget=forms.CheckboxSelectMultiple,
            )

    @staticmethod
    def _owner_choices(users, record) -> list[tuple[str, str]] | None:
        """The owner picker's choices; None (no picker, owner left alone) without a user list."""
        if users is None:
            return None
        choices = [("", "No owner")] + [(u.id, u.name or u.email or u.id) for u in users]
        if record is not None and record.owner and record.owner not in {c for c, _ in choices}:
            choices.append((record.owner, f"{record.owner} (not a user of this location)"))
        return choices

    @property
    def file_fields(self) -> list[tuple[Field, Any]]:
        return [(f, v) for f, v, _ in self.read_only_fields if f.data_type == "FILE_UPLOAD"]

    @property
    def property_keys(self) -> list[str]:
        return [k for k in self.fields if k not in CONTROL_FIELDS]

    def property_fields(self):
        return [self[k] for k in self.property_keys]

    def rows(self) -> list[dict]:
        """Every field of the schema, in its order: an input (`bf`), or one shown read-only
        (`field`, `value`, `note`)."""
        read_only = {f.key: (f, value, note) for f, value, note in self.read_only_fields}
        rows, seen = [], set()
        for f in self.schema.fields:
            if f.key in seen:
                continue
            seen.add(f.key)
            if f.key in self.fields and f.key not in CONTROL_FIELDS:
                rows.append({"input": True, "bf": self[f.key]})
            elif f.key in read_only:
                field, value, note = read_only[f.key]
                rows.append({"input": False, "field": field, "value": value, "note": note})
        return rows

    def has_owner(self) -> bool:
        return OWNER in self.fields

    def full_clean(self) -> None:
        """Check the input; on an edit, a field left as it was loaded is never an error.

        The record may hold what our rules would refuse (a price of 12.345, a number with more
        than ten decimals, an odd phone, an empty required field): the user did not type it and
        an edit does not send it, so it must not stop them saving their other changes. Options
        that no longer exist are kept the same way (`_choices`).
        """
        super().full_clean()
        if self.record is None or not self.is_bound:
            return
        for key in [k for k in self._errors if k in self.property_keys]:
            if self.untouched(key):
                del self._errors[key]
                self.cleaned_data[key] = self.record.properties.get(key)

    def untouched(self, key: str) -> bool:
        """True when what was posted for `key` is the value the form was loaded with."""
        field = self.fields[key].schema_field
        loaded = self.record.properties.get(key) if self.record else None
        return normalized(field, self[key].data) == normalized(field, loaded)

    def properties(self) -> dict[str, Any]:
        """Every schema field's cleaned value (None for an empty one), JSON-ready."""
        values = {k: self.cleaned_data.get(k) for k in self.property_keys}
        return {k: None if is_empty(v) else v for k, v in values.items()}

    def owner(self) -> str | None:
        return self.cleaned_data.get(OWNER) or None

    def changes(self, base_properties: Mapping[str, Any], base_owner: str | None) -> dict:
        """What the user changed against the values they started from: only those properties,
        None for a cleared one. The owner under the key OWNER when it changed."""
        changed: dict[str, Any] = {}
        for key in self.property_keys:
            field = self.fields[key].schema_field
            new = self.cleaned_data.get(key)
            if normalized(field, new) != normalized(field, base_properties.get(key)):
                changed[key] = None if is_empty(new) else new
        if self.has_owner() and (self.owner() or None) != (base_owner or None):
            changed[OWNER] = self.owner()
        return changed

    def add_api_errors(
        self, field_errors: Mapping[str, Iterable[str]], messages: Iterable[str] = ()
    ) -> list[str]:
        """Put the API's messages under the fields they name; returns the others. The API
        names the owner `owner` (or `owners`): that is the owner picker."""
        rest = []
        for key, items in field_errors.items():
            target = self._error_field(key)
            for message in items:
                if target:
                    self.add_error(target, message)
                else:
                    rest.append(message)
        for message in messages:
            if self.has_owner() and OWNER_NAMED.search(message):
                self.add_error(OWNER, message)
            else:
                rest.append(message)
        return rest

    def _error_field(self, key: str) -> str | None:
        if key in self.fields and key not in CONTROL_FIELDS:
            return key
        if key in ("owner", "owners") and self.has_owner():
            return OWNER
        return None

    def carried_query(self) -> list[tuple[str, str]]:
        """The posted values of the fields the user chose to keep, as query parameters for the
        next form (which takes its initial values from them)."""
        keep = list(self.cleaned_data.get(CARRY) or ())
        params: list[tuple[str, str]] = []
        for key in keep:
            value = self.cleaned_data.get(key)
            if is_empty(value):
                continue
            if isinstance(value, dict):
                params += [(f"{key}_{k}", v) for k, v in value.items()]
            elif isinstance(value, list):
                params += [(key, v) for v in value]
            else:
                params.append((key, str(value)))
        if keep:
            params += [(CARRY, k) for k in keep]
        return params

    def initial_from_query(self, query) -> None:
        """Initial values from GET parameters named like the fields ("Save and add another")."""
        for key, field in self.fields.items():
            if key in (VERSION, SUBMISSION):
                continue
            if not any(name in query for name in self.field_names(key)):
                continue
            value = field.widget.value_from_datadict(query, {}, key)
            if not is_empty(value):
                self.initial[key] = value

    def field_names(self, key: str) -> list[str]:
        """The names a field's inputs are posted under."""
        field = self.fields[key]
        if isinstance(field, TextboxListField):
            return [f"{key}_{option}" for option, _label in field.options]
        return [key]

    def posted_pairs(self) -> list[tuple[str, str]]:
        """What was posted for the form's own fields (to send it again from the conflict page);
        the version and the CSRF token are not among them."""
        return [
            (name, value)
            for key in self.fields
            if key not in (VERSION, SUBMISSION)
            for name in self.field_names(key)
            for value in self.data.getlist(name)
        ]

    def describe_errors(self) -> None:
        """Tie each invalid input to its messages (aria-describedby), help text included."""
        if not self.is_bound:
            return
        for key, errors in self.errors.items():
            if key not in self.fields or not errors:
                continue
            bf = self[key]
            ids = [f"{bf.auto_id}_error"] + ([f"{bf.auto_id}_helptext"] if bf.help_text else [])
            self.fields[key].widget.attrs["aria-describedby"] = " ".join(ids)

    # Templates cannot name attributes that start with an underscore.
    @property
    def owner_field(self):
        return self[OWNER] if OWNER in self.fields else None

    @property
    def carry_field(self):
        return self[CARRY] if CARRY in self.fields else None
