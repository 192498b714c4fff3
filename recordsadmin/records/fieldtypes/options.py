"""Types whose value is one or more of the field's options: SINGLE_OPTIONS and RADIO hold one
option key, MULTIPLE_OPTIONS and CHECKBOX a list of them. Pages show the options' labels; the
table filters by option, several chosen meaning any of them."""

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.safestring import SafeString

from recordsadmin.client.domain import Filter
from recordsadmin.contract.datatypes import COMPARISONS, CONTAINS, EQ, NOT_CONTAINS, NOT_EQ
from recordsadmin.records import formatting
from recordsadmin.records.formatting import esc, html_of

from .base import LIST_SEPARATOR, YMD, ConditionValueError, FieldType


class Choice(FieldType):
    """What every option type shares."""

    def choices(self, current: Any) -> list[tuple[str, str]]:
        """The field's options, plus any value the record holds that is no longer one of them,
        so that an untouched field is not cleared by an edit that never meant to change it."""
        choices = list(self.field.options)
        known = {key for key, _label in choices}
        held = current if isinstance(current, list) else [current]
        for value in held:
            if isinstance(value, str) and value and value not in known:
                choices.append((value, f"{value} (no longer an option)"))
                known.add(value)
        return choices

    def form_options(self) -> dict[str, Any]:
        """A value that is none of the options (a CSV cell, a bulk edit's) is refused naming
        the field's options, not in Django's words."""
        labels = ", ".join(label for _key, label in self.field.options[:12])
        more = ", …" if len(self.field.options) > 12 else ""
        # Django fills in %(value)s: a name's or label's own "%" is doubled to stay as it is.
        named = f"{self.field.name}: {labels}{more}.".replace("%", "%%")
        said = "“%(value)s” is not an option of " + named
        return {**super().form_options(), "error_messages": {"invalid_choice": said}}

    def label(self, key: Any) -> str:
        return self.field.option_label(key)

    def text_value(self, value: Any) -> str:
        labels = self.field.option_labels
        if isinstance(value, list):
            return ", ".join(labels.get(str(v), str(v)) for v in value)
        return labels.get(str(value), str(value))

    def csv_value(self, value: Any, *, labels: bool) -> str:
        names = self.field.option_labels if labels else {}
        if isinstance(value, list):
            return f"{LIST_SEPARATOR} ".join(names.get(str(v), str(v)) for v in value)
        return names.get(str(value), str(value))

    def option_key(self, text: str) -> str:
        """An imported cell's option: its key, or the key of the option it is the label of
        (letter case aside); anything else is left for the form field to refuse."""
        if text in {key for key, _label in self.field.options}:
            return text
        by_label = {label.lower(): key for key, label in self.field.options}
        return by_label.get(text.lower(), text)

    def filter_state(self, params) -> tuple[Any, str | None]:
        known = {key for key, _label in self.field.options}
        asked = params.getlist(f"f.{self.field.key}")
        chosen = [v for v in asked if v in known]
        problem = None
        unknown = dict.fromkeys(
            formatting.cut(formatting.one_line(v), 40) for v in asked if v not in known
        )
        if unknown:
            # An old link, or an option removed since: the rest of the filter still applies.
            words = ", ".join(f"“{v}”" for v in unknown)
            were = "are not options" if len(unknown) > 1 else "is not an option"
            problem = f"{words} {were} of “{self.field.name}”: left out of the filter."
        return (tuple(dict.fromkeys(chosen)) or None), problem

    def filter_pairs(self, state: Any) -> list[tuple[str, str]]:
        return [(f"f.{self.field.key}", value) for value in state]

    def filter_conditions(self, state: Any) -> list[Filter]:
        return [Filter(self.field.key, EQ, list(state))]

    def filter_control(self, state: Any) -> dict | None:
        if not self.field.options:
            return None
        chosen = state or ()
        return {
            "kind": "options",
            "field": self.field,
            "options": [(key, label, key in chosen) for key, label in self.field.options],
        }

    def filter_chips(self, state: Any) -> list[tuple[str, Any]]:
        """One chip per chosen option."""
        return [
            (
                f"{self.field.name} {self.operator_text(EQ)} {self.label(key)}",
                tuple(k for k in state if k != key) or None,
            )
            for key in state
        ]

    # The builder's operators whose value is one of the options (chosen from a list).
    option_operators: tuple[str, ...] = (EQ, NOT_EQ)

    @property
    def operators(self) -> tuple[str, ...]:
        """The API's operators but the comparisons: it compares option keys by their spelling,
        an order that means nothing to a person choosing among labels."""
        return tuple(op for op in super().operators if op not in COMPARISONS)

    def condition_input(self, op: str) -> dict | None:
        if op in self.option_operators:
            return {"kind": "select", "options": self.field.options}
        return super().condition_input(op)

    def condition_value(self, op: str, text: str) -> Any:
        """An option by its key, or by its label in any letter case (what a person types
        without JavaScript, before the list of options is shown)."""
        if op not in self.option_operators:
            return text
        if text in self.field.option_labels:
            return text
        for key, label in self.field.options:
            if text.casefold() == label.casefold():
                return key
        raise ConditionValueError(f"“{text}” is not an option of {self.field.name}")

    def condition_text(self, op: str, value: Any) -> str:
        if op in self.option_operators:
            return self.label(value)
        return super().condition_text(op, value)


class OneOption(Choice):
    """One option key."""

    def render_value(self, value: Any, short: bool) -> SafeString:
        return html_of(f'<span class="tag">{esc(self.label(value))}</span>')

    def link_value(self, value: Any) -> str:
        return self.label(value)

    def csv_raw(self, text: str) -> Any:
        return self.option_key(text)


class SingleOptions(OneOption):
    data_type = "SINGLE_OPTIONS"
    type_name = "Drop-down (one option)"
    shows_as_status = True

    def form_field(self, current: Any = None) -> forms.Field:
        blank = [("", self.field.placeholder or "—")]
        return forms.ChoiceField(choices=blank + self.choices(current), **self.form_options())


class Radio(OneOption):
    data_type = "RADIO"
    type_name = "Radio buttons (one option)"
    grouped = True

    def form_field(self, current: Any = None) -> forms.Field:
        blank = [] if self.field.required else [("", "No value")]
        return forms.ChoiceField(
            choices=self.choices(current) + blank,
            widget=forms.RadioSelect,
            **self.form_options(),
        )


class ManyOptions(Choice):
    """A list of option keys."""

    # `eq` and `contains` both ask whether the list holds the option (docs/records-api.md).
    option_operators = (EQ, NOT_EQ, CONTAINS, NOT_CONTAINS)
    operator_words = {
        **FieldType.operator_words,
        EQ: "includes",
        NOT_EQ: "does not include",
    }

    def initial(self, value: Any) -> Any:
        if value is None:
            return None
        return value if isinstance(value, list) else [value]

    def normalise_value(self, value: Any) -> Any:
        items = value if isinstance(value, list) else [value]
        return tuple(sorted(str(v) for v in items))

    def render_value(self, value: Any, short: bool) -> SafeString:
        values = value if isinstance(value, list) else [value]
        return formatting.tags_html([self.label(item) for item in values])

    @property
    def separators(self) -> str:
        """What separates options in an imported cell: ";", and "," too unless an option's
        key or label holds a comma (then "A, B" could be that one option)."""
        if any("," in key or "," in label for key, label in self.field.options):
            return LIST_SEPARATOR
        return LIST_SEPARATOR + ","

    def csv_raw(self, text: str) -> Any:
        parts = re.split(f"[{re.escape(self.separators)}]", text)
        return [self.option_key(p.strip()) for p in parts if p.strip()]

    def csv_in(self, text: str, *, day_order: str = YMD) -> Any:
        try:
            return super().csv_in(text, day_order=day_order)
        except ValidationError as error:
            raise ValidationError([*error.messages, self.separators_text()]) from None

    def separators_text(self) -> str:
        """How an imported cell separates options, said with the refusal of a cell."""
        if self.separators == LIST_SEPARATOR:
            return (
                f"Separate several options with “{LIST_SEPARATOR}” (a comma does not separate "
                "them here: an option of this field has one in it)."
            )
        return f"Separate several options with “{LIST_SEPARATOR}” or “,”."


class Checkbox(ManyOptions):
    data_type = "CHECKBOX"
    type_name = "Checkboxes (several options)"
    grouped = True

    def form_field(self, current: Any = None) -> forms.Field:
        return forms.MultipleChoiceField(
            choices=self.choices(current),
            widget=forms.CheckboxSelectMultiple,
            **self.form_options(),
        )


class MultipleOptions(Checkbox):
    """Several options chosen from a list, drawn as a group of checkboxes like CHECKBOX: in a
    native multiple select an arrow key chooses one option and drops the others, so a person
    moving through an edit form by keyboard lost the record's choices without a sign."""

    data_type = "MULTIPLE_OPTIONS"
    type_name = "Drop-down (several options)"
