"""DATE: a day, "YYYY-MM-DD", typed in a date input and filtered by a from–to range."""

import datetime
from typing import Any

from django import forms
from django.utils.safestring import SafeString

from recordsadmin.records import formatting
from recordsadmin.records.formatting import esc, html_of

from .numbers import RangeFilter


class IsoDateField(forms.DateField):
    input_formats = ["%Y-%m-%d"]

    def clean(self, value):
        day = super().clean(value)
        return day.isoformat() if isinstance(day, datetime.date) else None


class Date(RangeFilter):
    data_type = "DATE"
    input_type = "date"
    kind = "date (YYYY-MM-DD)"

    def form_field(self, current: Any = None) -> forms.Field:
        return IsoDateField(widget=forms.DateInput(attrs={"type": "date"}), **self.form_options())

    def initial(self, value: Any) -> Any:
        return value[:10] if isinstance(value, str) else value

    def normalise_value(self, value: Any) -> Any:
        return value[:10] if isinstance(value, str) else value

    def render_value(self, value: Any, short: bool) -> SafeString:
        text = formatting.date_text(value)
        if text:
            return html_of(f'<time datetime="{esc(str(value))}">{esc(text)}</time>')
        return formatting.text_html(value, short=short)

    def link_value(self, value: Any) -> str:
        return formatting.date_text(value) or str(value)

    def bound(self, raw: str) -> str | None:
        text = raw.strip()
        if not text:
            return ""
        try:
            return datetime.date.fromisoformat(text).isoformat()
        except ValueError:
            return None

    def bound_value(self, bound: str) -> Any:
        return bound
