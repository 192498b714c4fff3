"""The record form, built from the object's schema at request time: one field per schema field.

`RecordForm(schema=..., users=...)` holds one Django form field per field of the schema, in the
schema's order, named by its bare key (`price`), with the control its dataType's class gives it
(recordsadmin/records/fieldtypes/). It checks what the records API would refuse before anything
is sent, and its `properties()` are JSON-ready values keyed by field: the only keys that can
ever reach the API, whatever else was posted. File fields are shown, never sent.

The form's own controls (owner, version, submission id, carried fields) are named with a leading
underscore, which a schema's field keys never have.
"""

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django import forms

from recordsadmin.client.domain import Field, Record, Schema, User
from recordsadmin.contract.datatypes import Value
from recordsadmin.contract.limits import MAX_LABEL_LENGTH
from recordsadmin.records import fieldtypes
from recordsadmin.records.fieldtypes import TextboxListField
from recordsadmin.records.formatting import is_empty

# A message of the API's that names the owner, as the client finds field keys in messages.
OWNER_NAMED = re.compile(r"(?<!\w)owners?(?!\w)")

OWNER = "_owner"
VERSION = "_version"
SUBMISSION = "_submission"
CARRY = "_carry"
CONTROL_FIELDS = frozenset({OWNER, VERSION, SUBMISSION, CARRY})


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
                initial.setdefault(f.key, fieldtypes.of(f).initial(current.get(f.key)))
            initial.setdefault(OWNER, record.owner or "")
        super().__init__(data, initial=initial, **kwargs)
        self.schema = schema
        self.record = record
        self.read_only_fields: list[tuple[Field, Any, str]] = []
        for f in schema.fields:
            if f.key in CONTROL_FIELDS or f.key in self.fields:
                continue
            kind = fieldtypes.of(f)
            django_field = kind.form_field(current.get(f.key))
            if django_field is None:
                self.read_only_fields.append((f, current.get(f.key), kind.read_only_note))
                continue
            django_field.schema_field = f
            django_field.grouped = kind.grouped
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

    def keepable(self, keys: Iterable[str]) -> list[str]:
        """Those of `keys` that this form can carry to the next record (a remembered list may
        name fields the schema no longer has)."""
        if CARRY not in self.fields:
            return []
        choices = {k for k, _ in self.fields[CARRY].choices}
        return [k for k in keys if isinstance(k, str) and k in choices]

    @property
    def kept(self) -> list[str]:
        """The fields the form carries over now: as posted, or as it was opened with."""
        if CARRY not in self.fields:
            return []
        value = self[CARRY].value() or []
        return self.keepable(value if isinstance(value, list | tuple) else [value])

    def focus_key(self, *, problems: bool = False) -> str | None:
        """The field that takes focus when the form is shown: the first with an error, or the
        first one to fill. With `problems` to report but no field in error (the API's
        messages, an unconfirmed save) None: the error summary takes focus then."""
        keys = self.property_keys + ([OWNER] if self.has_owner() else [])
        if problems or (self.is_bound and self.errors):
            return next((k for k in keys if self.is_bound and self.errors.get(k)), None)
        return keys[0] if keys else None

    def mark_focus(self, *, problems: bool = False) -> str | None:
        """`autofocus` on the field that takes focus (focus_key), so it has it as the page
        loads and after htmx swaps the form in, JavaScript or not. A group of inputs (radios,
        checkboxes, a textbox list) would repeat the attribute on each: forms.js focuses its
        first input instead (data-focus-first in the template)."""
        key = self.focus_key(problems=problems)
        if key is not None and not getattr(self.fields[key], "grouped", False):
            self.fields[key].widget.attrs["autofocus"] = True
        return key

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
        return [(f, v) for f, v, _ in self.read_only_fields if f.rule.value is Value.FILES]

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
        kind = fieldtypes.of(self.fields[key].schema_field)
        loaded = self.record.properties.get(key) if self.record else None
        return kind.normalise(self[key].data) == kind.normalise(loaded)

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
            kind = fieldtypes.of(self.fields[key].schema_field)
            new = self.cleaned_data.get(key)
            if kind.normalise(new) != kind.normalise(base_properties.get(key)):
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
        return field.input_names(key) if isinstance(field, TextboxListField) else [key]

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


class QuickRecordForm(RecordForm):
    """The short form that creates a record to link it at once (the record page's related
    records): only the fields the object requires, and its primary display field, made as
    the record form makes them. `auto_id` keeps its ids apart from the page's other forms."""

    def __init__(self, data=None, *, schema: Schema, **kwargs):
        super().__init__(data, schema=schema, users=None, **kwargs)
        keep = set(schema.required) | {schema.primary_display_key}
        for key in [k for k in self.property_keys if k not in keep]:
            del self.fields[key]
        self.read_only_fields = []


class ContactForm(forms.Form):
    """A new contact to link: a name or an email, at least one."""

    first_name = forms.CharField(label="First name", max_length=MAX_LABEL_LENGTH, required=False)
    last_name = forms.CharField(label="Last name", max_length=MAX_LABEL_LENGTH, required=False)
    email = forms.EmailField(label="Email", required=False)

    def clean(self):
        data = super().clean()
        if not self.errors and not any(data.get(k) for k in ("first_name", "last_name", "email")):
            raise forms.ValidationError("Give the contact a name or an email.")
        return data

    def describe_errors(self) -> None:
        for key, errors in self.errors.items():
            if key in self.fields and errors:
                self.fields[key].widget.attrs["aria-describedby"] = f"{self[key].auto_id}_error"
