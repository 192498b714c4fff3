"""TEXTBOX_LIST: one line of text per option of the field (an object: option key -> text).

The form shows one labelled input per option, posted as `<key>_<option>`; a field whose schema
has no options has nothing to fill in and is shown, not edited.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from recordsadmin.contract.limits import MAX_TEXT_LENGTH
from recordsadmin.records import formatting
from recordsadmin.records.formatting import esc, html_of, is_empty

from .base import LIST_SEPARATOR, FieldType, plain_text


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

    def input_names(self, name: str) -> list[str]:
        """The names its inputs are posted under."""
        return [f"{name}_{option}" for option, _label in self.options]


class TextboxList(FieldType):
    data_type = "TEXTBOX_LIST"
    type_name = "Text box list (one box per option)"
    grouped = True
    read_only_note = (
        "This field has no lines in the object’s schema, so there is nothing to fill in here; "
        "add its lines in GoHighLevel. Saving here leaves it as it is."
    )

    @property
    def editable(self) -> bool:
        return bool(self.field.options)

    def form_field(self, current: Any = None) -> forms.Field | None:
        if not self.field.options:
            return None
        return TextboxListField(options=self.field.options, **self.form_options())

    def normalise_value(self, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        lines = (
            (str(k), plain_text(v) if isinstance(v, str) else str(v)) for k, v in value.items()
        )
        return tuple(sorted((k, v) for k, v in lines if not is_empty(v))) or None

    def render_value(self, value: Any, short: bool) -> SafeString:
        if not isinstance(value, dict):
            return formatting.text_html(value, short=short)
        pairs = "".join(
            f"<dt>{esc(self.field.option_label(k))}</dt><dd>{esc(str(v))}</dd>"
            for k, v in value.items()
        )
        return html_of(f'<dl class="pairs">{pairs}</dl>')

    def csv_value(self, value: Any, *, labels: bool) -> str:
        if not isinstance(value, dict):
            return super().csv_value(value, labels=labels)
        names = self.field.option_labels if labels else {}
        return f"{LIST_SEPARATOR} ".join(f"{names.get(k, k)}: {v}" for k, v in value.items())
