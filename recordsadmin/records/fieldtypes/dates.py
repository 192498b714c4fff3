"""DATE: a day, "YYYY-MM-DD", typed as text in the form and filtered by a from–to range.

The form's input is text, not `type="date"`: Chromium's date input puts its calendar button in
the Tab order (a key more per date on every record) and posts nothing for a date it cannot read
(the user's text vanished). The text takes the forms people type (ISO, 03/15/2026, Mar 15,
2026), a refusal names them with an example, and a calendar button beside it (out of the Tab
order, static/js/forms.js) opens the browser's date picker for the mouse and for phones.
"""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.safestring import SafeString

from recordsadmin.client.domain import Field, Filter
from recordsadmin.contract.datatypes import CONTAINS, GT, GTE, LT, LTE, NOT_CONTAINS
from recordsadmin.contract.limits import CREATED_AT
from recordsadmin.records import formatting
from recordsadmin.records.formatting import esc, html_of

from .base import DAY_ORDERS, YMD, ConditionValueError, FieldType
from .numbers import RangeFilter


def date_formats_text(day_order: str) -> str:
    """The formats an imported date is read in, named with an example."""
    order = DAY_ORDERS.get(day_order, DAY_ORDERS[YMD])
    named = [f"{order[0]} ({order[2]})"]
    if day_order != YMD:
        iso = DAY_ORDERS[YMD]
        named.append(f"{iso[0]} ({iso[2]})")
    return " or ".join(named)


class IsoDateField(forms.DateField):
    """A day typed as text: ISO, or as written in the US (month first, this dashboard's locale:
    settings.LANGUAGE_CODE), or with the month by name as the record page shows it."""

    input_formats = [
        "%Y-%m-%d",
        "%m/%d/%Y",
        "%m/%d/%y",
        "%b %d, %Y",
        "%b %d %Y",
        "%d %b %Y",
        "%B %d, %Y",
        "%B %d %Y",
        "%d %B %Y",
    ]
    default_error_messages = {
        "invalid": "Enter a date, like 2026-03-15, 03/15/2026 or Mar 15, 2026.",
    }

    def clean(self, value):
        day = super().clean(value)
        return day.isoformat() if isinstance(day, datetime.date) else None


class Date(RangeFilter):
    data_type = "DATE"
    type_name = "Date"
    input_type = "date"
    kind = "date (YYYY-MM-DD)"

    def form_field(self, current: Any = None) -> forms.Field:
        attrs = {"autocomplete": "off", "placeholder": "YYYY-MM-DD", **self.placeholder()}
        attrs["data-date-input"] = ""
        return IsoDateField(widget=forms.DateInput(attrs=attrs), **self.form_options())

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

    def csv_in(self, text: str, *, day_order: str = YMD) -> Any:
        """An imported day, in the file's order (`day_order`) or ISO; the error names both,
        and the other orders when the text is written in one of them."""
        text = text.strip()
        if not text:
            return None
        formats = [DAY_ORDERS[YMD][1]]
        if day_order in DAY_ORDERS and day_order != YMD:
            formats.insert(0, DAY_ORDERS[day_order][1])
        for pattern in formats:
            day = _day(text, pattern)
            if day is not None:
                return day.isoformat()
        message = f"Enter a date as {date_formats_text(day_order)}."
        others = [
            name
            for order, (name, pattern, _example) in DAY_ORDERS.items()
            if order not in (day_order, YMD) and _day(text, pattern) is not None
        ]
        if others:
            message += (
                f" “{text}” reads as {' or '.join(others)}: choose it under “Dates are written as”."
            )
        raise ValidationError(message)

    def csv_shown(self, value: Any, *, day_order: str = YMD) -> str:
        """The day as the file writes it, and its month by name ("02/15/2026 (Feb 15,
        2026)"), so that a day read in the wrong order shows."""
        day = _day(str(value)[:10], DAY_ORDERS[YMD][1]) if value else None
        if day is None:
            return super().csv_shown(value)
        pattern = DAY_ORDERS.get(day_order, DAY_ORDERS[YMD])[1]
        return f"{day.strftime(pattern)} ({formatting.date_text(day.isoformat())})"

    operator_words = {
        **FieldType.operator_words,
        GT: "is after",
        GTE: "is on or after",
        LT: "is before",
        LTE: "is on or before",
    }

    def condition_input(self, op: str) -> dict | None:
        found = super().condition_input(op)
        if found is not None and op not in (CONTAINS, NOT_CONTAINS):
            found["placeholder"] = "YYYY-MM-DD"
        return found

    def condition_value(self, op: str, text: str) -> Any:
        """A day as the record form reads it, sent as YYYY-MM-DD; `contains` takes any part
        of one ("2026-03"), as the records API compares it."""
        if op in (CONTAINS, NOT_CONTAINS):
            return text
        for pattern in IsoDateField.input_formats:
            day = _day(text, pattern)
            if day is not None:
                return day.isoformat()
        raise ConditionValueError(f"“{text}” is not a date: enter one like 2026-03-15")

    def condition_text(self, op: str, value: Any) -> str:
        if op in (CONTAINS, NOT_CONTAINS):
            return f"“{value}”"
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


class CreatedOn(Date):
    """The record's creation time, filtered by day as a DATE field is (`min.createdAt`,
    `max.createdAt`: no field may be keyed `createdAt`, so the names are the record's own).

    The records API compares `createdAt` as a moment, so a day range goes out as from the
    first day's midnight up to, not including, the midnight after the last day, in UTC as the
    overview chart's creation months are counted."""

    def filter_conditions(self, state: Any) -> list[Filter]:
        low, high = state
        found = []
        if low:
            found.append(Filter(CREATED_AT, GTE, f"{low}T00:00:00Z"))
        if high:
            after = datetime.date.fromisoformat(high) + datetime.timedelta(days=1)
            found.append(Filter(CREATED_AT, LT, f"{after.isoformat()}T00:00:00Z"))
        return found


# Bound to the record's own creation time, as `of(field)` binds a type to a schema's field.
CREATED = CreatedOn(Field(key=CREATED_AT, field_key=CREATED_AT, name="Created", data_type="DATE"))


def _day(text: str, pattern: str) -> datetime.date | None:
    try:
        return datetime.datetime.strptime(text, pattern).date()
    except ValueError:
        return None
