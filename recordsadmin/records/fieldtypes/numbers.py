"""Types whose value is a number: NUMERICAL, and MONETORY (an amount in the location's currency).

Both are filtered by a from–to range in the table. The form types them in a text input with a
decimal keypad (`inputmode="decimal"`), not `type="number"`: a number input posts nothing for
"35o000", so the user saw their text vanish and "This field is required". The server checks the
text instead, says what is wrong with an example, and shows the text back. The value must be one
the API can hold: finite, and within JavaScript's safe integers.
"""

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.safestring import SafeString

from recordsadmin.client.domain import Filter
from recordsadmin.contract.datatypes import GT, GTE, LT, LTE
from recordsadmin.contract.limits import MAX_SAFE_INTEGER
from recordsadmin.records import formatting
from recordsadmin.records.formatting import esc, html_of

from .base import ConditionValueError, FieldType


def json_number(number: Decimal | None) -> int | float | None:
    if number is None:
        return None
    return int(number) if number == number.to_integral_value() else float(number)


# Thousands written with commas ("350,000.50"), as people copy them from a listing.
GROUPED = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d*)?")


class NumberField(forms.DecimalField):
    """A number the API can hold: finite, within JavaScript's safe integers; out as int/float.
    Typed as text: thousands commas and (for money) a leading currency sign are allowed."""

    def __init__(self, *, example: str, currency: bool = False, **kwargs):
        self.currency = currency
        messages = {"invalid": f"Enter a number, like {example}."}
        super().__init__(error_messages=messages, **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace("\u2212", "-")
            if self.currency and value[:1] in "$€£":
                value = value[1:]
            if GROUPED.fullmatch(value):
                value = value.replace(",", "")
        number = super().to_python(value)
        if number is not None and number.is_finite() and abs(number) > MAX_SAFE_INTEGER:
            raise ValidationError(
                f"Enter a number between −{MAX_SAFE_INTEGER} and {MAX_SAFE_INTEGER}."
            )
        return number

    def clean(self, value):
        return json_number(super().clean(value))


class RangeFilter(FieldType):
    """A from–to filter in the table (`min.<key>`, `max.<key>`), for numbers and dates."""

    input_type = "number"
    kind = "number"

    def bound(self, raw: str) -> str | None:
        """The bound as the API wants it, "" when empty, None when it does not parse."""
        text = raw.strip().replace(",", "")
        if not text:
            return ""
        try:
            number = Decimal(text.lstrip("$€£"))
        except InvalidOperation:
            return None
        return str(number) if number.is_finite() else None

    def range_bound(self, raw: str) -> str | None:
        """A bound of the table's range filter: as `bound` here; a number's says None past the
        numbers the API keeps, which the filter reports as not sent."""
        return self.bound(raw)

    def bound_value(self, bound: str) -> Any:
        number = Decimal(bound)
        return int(number) if number == number.to_integral_value() else float(number)

    def filter_state(self, params) -> tuple[Any, str | None]:
        key = self.field.key
        low = self.range_bound(params.get(f"min.{key}", ""))
        high = self.range_bound(params.get(f"max.{key}", ""))
        problem = None
        if low is None or high is None:
            problem = f"“{self.field.name}” range: enter a {self.kind}."
            low, high = low or "", high or ""
        elif low and high and self.bound_value(low) > self.bound_value(high):
            # Kept as asked (the search finds nothing), and said: the chips alone read as two
            # filters that each make sense.
            problem = (
                f"“{self.field.name}” range: From is above To, so no record can be in it. "
                "Swap them to search between the two."
            )
        return ((low, high) if low or high else None), problem

    def filter_pairs(self, state: Any) -> list[tuple[str, str]]:
        low, high = state
        key = self.field.key
        return [
            (name, bound) for name, bound in ((f"min.{key}", low), (f"max.{key}", high)) if bound
        ]

    def filter_conditions(self, state: Any) -> list[Filter]:
        low, high = state
        found = []
        if low:
            found.append(Filter(self.field.key, GTE, self.bound_value(low)))
        if high:
            found.append(Filter(self.field.key, LTE, self.bound_value(high)))
        return found

    def filter_chips(self, state: Any) -> list[tuple[str, Any]]:
        """One chip per bound: "Price is at least $100,000.00"."""
        low, high = state
        chips = []
        if low:
            chips.append((self._bound_words(GTE, low), ("", high) if high else None))
        if high:
            chips.append((self._bound_words(LTE, high), (low, "") if low else None))
        return chips

    def _bound_words(self, op: str, bound: str) -> str:
        value = self.condition_text(op, self.bound_value(bound))
        return f"{self.field.name} {self.operator_text(op)} {value}"

    def filter_control(self, state: Any) -> dict:
        low, high = state or ("", "")
        return {
            "kind": "range",
            "field": self.field,
            "input_type": self.input_type,
            "low": low,
            "high": high,
        }


class Number(RangeFilter):
    """What NUMERICAL and MONETORY share."""

    operator_words = {
        **FieldType.operator_words,
        GT: "is more than",
        GTE: "is at least",
        LT: "is less than",
        LTE: "is at most",
    }
    condition_inputmode = "decimal"

    def range_bound(self, raw: str) -> str | None:
        bound = self.bound(raw)
        if bound and abs(Decimal(bound)) > MAX_SAFE_INTEGER:
            return None  # MAX_SAFE_INTEGER either way
        return bound

    def condition_value(self, op: str, text: str) -> Any:
        """A number as the table's range takes it: commas and a currency sign allowed."""
        bound = self.bound(text)
        if not bound:
            raise ConditionValueError(f"“{text}” is not a number")
        # As the record form refuses it: "1e250" would be written back into the address as
        # its 251 digits, longer than a condition's value may be.
        if abs(Decimal(bound)) > MAX_SAFE_INTEGER:
            raise ConditionValueError(
                f"“{text}” is too large: enter a number between −{MAX_SAFE_INTEGER} and "
                f"{MAX_SAFE_INTEGER}"
            )
        return self.bound_value(bound)

    def condition_text(self, op: str, value: Any) -> str:
        return self.number_text(value) or str(value)

    def initial(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, dict):
            value = value.get("value")
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return value

    def normalise_value(self, value: Any) -> Any:
        if isinstance(value, dict):
            value = value.get("value")
        try:
            return Decimal(str(value)).normalize()
        except InvalidOperation:
            return value

    def number_text(self, value: Any) -> str | None:
        return formatting.number_text(value)

    def render_value(self, value: Any, short: bool) -> SafeString:
        text = self.number_text(value)
        if text:
            return html_of(f'<span class="num">{esc(text)}</span>')
        return formatting.text_html(value, short=short)

    def link_value(self, value: Any) -> str:
        return self.number_text(value) or str(value)

    def csv_raw(self, text: str) -> Any:
        return text.replace(",", "").lstrip("$€£")


class Numerical(Number):
    data_type = "NUMERICAL"
    type_name = "Number"

    def form_field(self, current: Any = None) -> forms.Field:
        return NumberField(
            example="12 or 3.5",
            max_digits=30,
            decimal_places=10,
            widget=forms.TextInput(attrs={"inputmode": "decimal", **self.placeholder()}),
            **self.form_options(),
        )


class Monetory(Number):
    data_type = "MONETORY"
    type_name = "Money"

    def form_field(self, current: Any = None) -> forms.Field:
        attrs = {"inputmode": "decimal", **self.placeholder()}
        return NumberField(
            example="350000",
            currency=True,
            max_digits=18,
            decimal_places=2,
            widget=forms.TextInput(attrs=attrs),
            **self.form_options(),
        )

    def initial(self, value: Any) -> Any:
        number = super().initial(value)
        if isinstance(number, Decimal) and number.is_finite() and number.as_tuple().exponent > -3:
            return number.quantize(Decimal("0.01"))
        return number

    def number_text(self, value: Any) -> str | None:
        return formatting.money_text(value)

    def text_value(self, value: Any) -> str:
        return formatting.money_text(value) or str(value)

    def csv_value(self, value: Any, *, labels: bool) -> str:
        if isinstance(value, dict):
            value = value.get("value")
        return super().csv_value(value, labels=labels)
