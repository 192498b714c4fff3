"""The schema editor's forms: objects, fields with their options, folders and associations.

They check what the records API would refuse before anything is sent (a key with spaces or a
record's own name, an option type without options, a label too long), with the limits of
recordsadmin/contract/limits.py, and keep whatever was typed. What the API refuses all the same
comes back by its wire name (`fieldKey`, `labels`...): `place_api_errors` puts it under the
input that sent it.
"""

import re
import unicodedata
from collections.abc import Iterable, Mapping

from django import forms

from recordsadmin.client.domain import Association, Field, Folder, Schema
from recordsadmin.contract.datatypes import PRIMARY, rule
from recordsadmin.contract.limits import (
    CONTACT,
    KEY_NAME,
    KEY_NAME_RULE,
    MAX_DESCRIPTION_LENGTH,
    MAX_KEY_LENGTH,
    MAX_LABEL_LENGTH,
    MAX_PLACEHOLDER_LENGTH,
    RESERVED_KEYS,
)
from recordsadmin.records import fieldtypes

OPTION_TYPES = tuple(t for t in fieldtypes.TYPES if rule(t).has_options)
NEW_FOLDER = "_new"
# Blank option rows a form shows, and how many more "Add more options" brings.
BLANK_OPTIONS = 3


class UncutField(forms.CharField):
    """Text of any length in the browser: a browser cuts a pasted text at an input's maxlength
    without a word, so a text too long is refused here instead, with the whole of what was
    typed kept and the limit said."""

    def widget_attrs(self, widget) -> dict:
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs


def _check_key(value: str, *, what: str) -> str:
    key = value.strip()
    if not KEY_NAME.fullmatch(key):
        raise forms.ValidationError(f"The {what} may hold {KEY_NAME_RULE}: “{key}” does not.")
    if key in RESERVED_KEYS:
        raise forms.ValidationError(
            f"“{key}” is a record's own field; a {what} cannot be any of "
            f"{', '.join(sorted(RESERVED_KEYS))}."
        )
    return key


def _label(label: str, **extra) -> forms.CharField:
    return UncutField(label=label, max_length=MAX_LABEL_LENGTH, strip=True, **extra)


def _description() -> forms.CharField:
    return UncutField(
        label="Description",
        required=False,
        max_length=MAX_DESCRIPTION_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _key(label: str, help_text: str) -> forms.CharField:
    return UncutField(label=label, max_length=MAX_KEY_LENGTH, help_text=help_text)


class EditorForm(forms.Form):
    """A form whose API refusals land under the input that sent them."""

    # wire name of a refused part -> the form's field (a message naming "singular" or
    # "plural" goes to that label)
    wire_names: Mapping[str, str] = {}

    def place_api_errors(self, field_errors: Mapping[str, Iterable[str]]) -> list[str]:
        """Add the API's messages to the inputs they name; the rest, for the summary."""
        rest = []
        for wire_name, messages in field_errors.items():
            for message in messages:
                name = self._field_of(wire_name, message)
                if name:
                    self.add_error(name, message)
                else:
                    rest.append(message)
        return rest

    def _field_of(self, wire_name: str, message: str) -> str:
        if wire_name == "labels":
            return "plural" if "plural" in message else "singular"
        name = self.wire_names.get(wire_name, wire_name)
        return name if name in self.fields else ""


# -- objects --------------------------------------------------------------------------------------


class ObjectForm(EditorForm):
    """An object's labels and description; with `creating`, its key and primary display
    field too (fixed once made)."""

    wire_names = {
        "key": "key",
        "primaryDisplayPropertyDetails": "primary_key",
        "primaryDisplayPropertyDetails.key": "primary_key",
        "primaryDisplayPropertyDetails.name": "primary_name",
    }

    singular = _label("Singular label", help_text="One record: “Property”.")
    plural = _label("Plural label", help_text="Several: “Properties”.")
    description = _description()

    def __init__(self, *args, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not creating:
            return
        self.fields["key"] = _key(
            "Key",
            f"Becomes custom_objects.<key>; {KEY_NAME_RULE}. It cannot change later.",
        )
        self.fields["primary_name"] = _label(
            "Primary display field",
            help_text="The field that names each record (“Address”); it cannot be deleted.",
        )
        self.fields["primary_key"] = _key(
            "Primary display field's key", f"{KEY_NAME_RULE.capitalize()}."
        )
        self.fields["primary_data_type"] = forms.ChoiceField(
            label="Primary display field's type",
            choices=[(t, fieldtypes.type_name(t)) for t in PRIMARY],
        )
        self.order_fields(
            ["singular", "plural", "key", "primary_name", "primary_key", "primary_data_type"]
        )

    def clean_key(self) -> str:
        key = self.cleaned_data["key"].strip().removeprefix("custom_objects.")
        return _check_key(key, what="key")

    def clean_primary_key(self) -> str:
        return _check_key(self.cleaned_data["primary_key"], what="field's key")


# -- fields ---------------------------------------------------------------------------------------


class FieldForm(EditorForm):
    """A field: with `creating`, its key, type and folder too (fixed once made: the API
    changes neither key nor type, and the folder only on create)."""

    wire_names = {
        "fieldKey": "key",
        "dataType": "data_type",
        "parentId": "folder",
        "options": "options",
    }

    name = _label("Name")
    placeholder = UncutField(
        label="Placeholder",
        required=False,
        max_length=MAX_PLACEHOLDER_LENGTH,
        help_text="Shown in an empty input of the record form.",
    )
    description = _description()
    show_in_forms = forms.BooleanField(
        label="Shown in forms",
        required=False,
        initial=True,
        help_text="Whether GoHighLevel's forms offer the field; the dashboard's record form "
        "shows every field.",
    )

    def __init__(
        self,
        *args,
        creating: bool = False,
        folders: Iterable[Folder] = (),
        field=None,
        others: Iterable[Field] = (),
        **kw,
    ):
        super().__init__(*args, **kw)
        self.creating = creating
        self.field = field
        # The object's other fields and its folders: names two of them would share, which the
        # table, the forms and CSV files could not tell apart, are refused before sending.
        self.others = [f for f in others if field is None or f.key != field.key]
        self.folders = list(folders)
        if not creating:
            return
        self.fields["key"] = _key("Key", f"What records' properties call it; {KEY_NAME_RULE}.")
        self.fields["data_type"] = forms.ChoiceField(
            label="Type",
            choices=[(t, cls.type_name) for t, cls in fieldtypes.TYPES.items()],
            help_text="It cannot change later. The option types need at least one option.",
        )
        self.fields["folder"] = forms.ChoiceField(
            label="Folder",
            choices=[(f.id, f.name) for f in folders] + [(NEW_FOLDER, "A new folder…")],
        )
        self.fields["new_folder"] = _label(
            "New folder's name", required=False, help_text="When the folder is a new one."
        )
        self.order_fields(["name", "key", "data_type", "folder", "new_folder"])

    @property
    def data_type(self) -> str:
        if self.field is not None:
            return self.field.data_type
        return self.cleaned_data.get("data_type", "")

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        twin = _same_name(name, self.others, lambda f: f.name)
        if twin is not None:
            raise forms.ValidationError(
                f"Another field is named “{twin.name}” (its key is {twin.key}): the table, the "
                "forms and CSV files could not tell the two apart. Choose another name."
            )
        return name

    def clean_key(self) -> str:
        key = _check_key(self.cleaned_data["key"], what="field's key")
        twin = _same_name(key, self.others, lambda f: f.key)
        if twin is not None and twin.key == key:
            raise forms.ValidationError(
                f"The field {twin.name} has the key {key} already. Choose another key."
            )
        if twin is not None:
            raise forms.ValidationError(
                f"“{key}” differs from the key of the field {twin.name} ({twin.key}) only in "
                "letter case: too alike. Choose another key."
            )
        return key

    def clean(self):
        data = super().clean()
        if self.creating and data.get("folder") == NEW_FOLDER:
            new_folder = data.get("new_folder")
            if not new_folder:
                self.add_error("new_folder", "Name the new folder.")
            elif (twin := _same_name(new_folder, self.folders, lambda f: f.name)) is not None:
                self.add_error(
                    "new_folder", f"There is a folder “{twin.name}” already: choose it in Folder."
                )
        return data


def _same_name(name: str, things: Iterable, name_of):
    """The first of `things` whose name is `name`, letter case and surrounding space aside."""
    wanted = " ".join(name.split()).casefold()
    return next((t for t in things if " ".join(name_of(t).split()).casefold() == wanted), None)


class OptionForm(forms.Form):
    """One option of a field: its key (kept as it is for an option that exists), its label,
    where it goes in the list, and whether to remove it."""

    key = UncutField(label="Key", required=False, max_length=MAX_KEY_LENGTH)
    label = UncutField(label="Label", required=False, max_length=MAX_LABEL_LENGTH)
    order = forms.IntegerField(label="Order", required=False, min_value=0, max_value=9999)
    remove = forms.BooleanField(label="Remove", required=False)
    existing = forms.BooleanField(required=False, widget=forms.HiddenInput)

    @property
    def is_existing(self) -> bool:
        """An option the field has already (its key then stays as it is)."""
        return self.fields["existing"].to_python(self["existing"].value())


def option_key(label: str) -> str:
    """The key a new option left without one gets from its label: its letters and digits,
    lower case, their accents dropped ("Café Crème" is "cafe_creme", "Straße" "straße",
    "北京 Beijing" "北京_beijing"), joined by "_"."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", label) if not unicodedata.combining(c))
    key = re.sub(r"[\W_]+", "_", plain.lower()).strip("_")
    return (key or label.strip())[:MAX_KEY_LENGTH]


class BaseOptions(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        keys: dict[str, str] = {}  # each key, with the label it is the key of
        # An option removed now keeps its key on the records that hold it: a new one must
        # not take it.
        for form in self.forms:
            if form.cleaned_data.get("remove") and form.cleaned_data.get("existing"):
                gone = form.cleaned_data.get("key")
                if gone:
                    keys[gone] = form.cleaned_data.get("label") or gone
        labels = set()
        rows = [
            form
            for form in self.forms
            if not form.cleaned_data.get("remove")
            and (form.cleaned_data.get("key") or form.cleaned_data.get("label"))
        ]
        # The keys typed (and those of options that exist) first: a key made from a label
        # then gives way to them, not the other way round.
        rows.sort(key=lambda form: not form.cleaned_data.get("key"))
        for form in rows:
            key, label = form.cleaned_data.get("key", ""), form.cleaned_data.get("label", "")
            if not label:
                form.add_error("label", "Give the option a label, or tick Remove.")
                continue
            if label.casefold() in labels:
                form.add_error("label", f"“{label}” is in the list twice.")
            labels.add(label.casefold())
            if key and key in keys:
                form.add_error("key", f"The key “{key}” is in the list twice.")
            elif not key:
                key = option_key(label)
                if key in keys:
                    form.add_error(
                        "key",
                        f"Made from its label, its key would be “{key}”, which “{keys[key]}” "
                        "has already: type a key of its own.",
                    )
                form.cleaned_data["key"] = key
            keys[key] = label

    def options_for(self, data_type: str) -> list[tuple[str, str]]:
        """The options to send for a field of `data_type` (none for a type without them); an
        option type left without any is an error of the formset's."""
        if not needs_options(data_type):
            return []
        options = self.options()
        if not options:
            self._non_form_errors.append(
                f"A {fieldtypes.type_name(data_type).lower()} field needs at least one option: "
                "type its label in an empty row."
            )
        return options

    def options(self) -> list[tuple[str, str]]:
        """The options to keep, in their order: (key, label); a new one's key may be ""."""
        kept = [
            (
                form.cleaned_data.get("order"),
                n,
                form.cleaned_data["key"],
                form.cleaned_data["label"],
            )
            for n, form in enumerate(self.forms)
            if form.cleaned_data.get("label") and not form.cleaned_data.get("remove")
        ]
        kept.sort(key=lambda row: (row[0] if row[0] is not None else row[1] + 1, row[1]))
        return [(key, label) for _, _, key, label in kept]

    def removed(self) -> list[str]:
        """The keys of options that exist and are ticked Remove or left without a label."""
        return [
            form.cleaned_data["key"]
            for form in self.forms
            if form.cleaned_data.get("existing")
            and form.cleaned_data.get("key")
            and (form.cleaned_data.get("remove") or not form.cleaned_data.get("label"))
        ]


OptionFormSet = forms.formset_factory(OptionForm, formset=BaseOptions, extra=0)


def option_formset(data=None, *, field: Field | None = None) -> BaseOptions:
    """The option rows: the field's options (numbered in order), then blank rows to add."""
    initial = [
        {"key": key, "label": label, "order": n, "existing": True}
        for n, (key, label) in enumerate(field.options if field else (), start=1)
    ]
    initial += [{} for _ in range(BLANK_OPTIONS)]
    return OptionFormSet(data, initial=None if data is not None else initial, prefix="options")


def with_more_rows(data) -> dict:
    """Posted data with BLANK_OPTIONS more option rows."""
    data = data.copy()
    total = data.get("options-TOTAL_FORMS", "0")
    data["options-TOTAL_FORMS"] = str((int(total) if total.isdigit() else 0) + BLANK_OPTIONS)
    return data


def needs_options(data_type: str) -> bool:
    return rule(data_type).has_options


# -- folders and associations ---------------------------------------------------------------------


class FolderForm(EditorForm):
    """A folder's name, not one of `others` (the object's other folders)."""

    wire_names = {"name": "name"}

    name = _label("Folder name")

    def __init__(self, *args, others: Iterable[Folder] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.others = list(others)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        twin = _same_name(name, self.others, lambda f: f.name)
        if twin is not None:
            raise forms.ValidationError(f"There is a folder “{twin.name}” already.")
        return name


class AssociationForm(EditorForm):
    """An association of `schema`'s records; with `objects`, a new one (to another object,
    the same one, or contacts), else both labels of `association`. A label that would head a
    custom object's linked records as another of `associations` (the location's) heads them
    is refused: its record pages and table columns could not tell the two apart."""

    wire_names = {
        "key": "key",
        "secondObjectKey": "other",
        "firstObjectLabel": "first_label",
        "secondObjectLabel": "second_label",
    }

    def __init__(
        self,
        *args,
        schema: Schema,
        objects: Iterable[Schema] | None = None,
        association: Association | None = None,
        associations: Iterable[Association] = (),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.schema = schema
        self.association = association
        self.others = [a for a in associations if association is None or a.id != association.id]
        if objects is not None:
            choices = [(CONTACT, "Contacts")] + [(s.key, s.plural) for s in objects]
            self.fields["other"] = forms.ChoiceField(label="Linked to", choices=choices)
            self.fields["key"] = _key("Key", f"Unique in the location; {KEY_NAME_RULE}.")
        self.fields["first_label"] = _label(
            f"What a {schema.singular.lower()} is to the other side",
            help_text="“Interested property”: the heading of this side on the other's page.",
        )
        self.fields["second_label"] = _label(
            f"What the other side is to a {schema.singular.lower()}",
            help_text="“Buyer”: the heading of the linked records on this object's pages.",
        )

    def clean_key(self) -> str:
        key = _check_key(self.cleaned_data["key"], what="key")
        taken = next((a for a in self.others if a.key == key), None)
        if taken is not None:
            raise forms.ValidationError(
                f"The association between {taken.first_object_key} and "
                f"{taken.second_object_key} has the key {key} already: keys are unique in the "
                "location. Choose another key."
            )
        return key

    def clean(self):
        data = super().clean()
        here = self.schema.key
        there = self.association.other_key(here) if self.association else data.get("other")
        if there == here:
            return data  # linked to itself: its heading holds both labels
        # This object's pages head the linked records with the second label; the other
        # object's pages (a custom object's) with the first.
        for side, name in ((here, "second_label"), (there, "first_label")):
            label = data.get(name)
            if not label or not side or side == CONTACT:
                continue
            heads = [(a, a.heading(side)) for a in self.others if a.holds(side)]
            twin, _ = _same_name(label, heads, lambda pair: pair[1]) or (None, "")
            if twin is not None:
                whose = "this object's" if side == here else "the other object's"
                self.add_error(
                    name,
                    f"The association {twin.key} already heads the records it links as "
                    f"“{twin.heading(side)}” on {whose} pages: the two could not be told "
                    "apart. Choose another label.",
                )
        return data


class TypedNameForm(forms.Form):
    """A delete confirmed by typing the name of what goes."""

    typed = forms.CharField(label="Name", required=False, strip=True)

    def __init__(self, *args, expected: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected = expected
        self.fields["typed"].label = f"Type “{expected}” to confirm"

    def clean_typed(self) -> str:
        typed = self.cleaned_data["typed"]
        # As the page shows the name: a browser draws a run of spaces as one.
        if " ".join(typed.split()) != " ".join(self.expected.split()):
            raise forms.ValidationError(
                f"Type the name exactly as it is, “{self.expected}”, to delete it."
            )
        return typed
