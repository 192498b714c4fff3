"""Types whose value is a string: long text, phone numbers and email addresses (TEXT is the
base class's own behaviour)."""

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.safestring import SafeString

from recordsadmin.contract.limits import (
    MAX_EMAIL_LENGTH,
    MAX_PHONE_LENGTH,
    MAX_TEXT_LENGTH,
    PHONE_RULE,
    is_phone,
)
from recordsadmin.records import formatting
from recordsadmin.records.formatting import esc, html_of

from .base import FieldType, TextField


class LargeText(FieldType):
    data_type = "LARGE_TEXT"
    type_name = "Long text"
    matched_as_text = True

    def form_field(self, current: Any = None) -> forms.Field:
        return TextField(
            max_length=MAX_TEXT_LENGTH,
            widget=forms.Textarea(attrs={"rows": 4, **self.placeholder()}),
            **self.form_options(),
        )


# What a tel: link keeps of a phone number: its digits and a leading +.
_NOT_DIAL = re.compile(r"[^\d+]")


class PhoneField(forms.CharField):
    def validate(self, value):
        super().validate(value)
        if value not in self.empty_values and not is_phone(value):
            raise ValidationError(f"Enter a phone number: {PHONE_RULE}.", code="phone")


class Phone(FieldType):
    data_type = "PHONE"
    type_name = "Phone"
    matched_as_text = True
    condition_inputmode = "tel"

    def form_field(self, current: Any = None) -> forms.Field:
        attrs = {"type": "tel", "autocomplete": "tel", "inputmode": "tel", **self.placeholder()}
        return PhoneField(
            max_length=MAX_PHONE_LENGTH, widget=forms.TextInput(attrs=attrs), **self.form_options()
        )

    def render_value(self, value: Any, short: bool) -> SafeString:
        digits = _NOT_DIAL.sub("", value) if isinstance(value, str) else ""
        if digits:
            return html_of(f'<a href="tel:{esc(digits)}">{esc(value)}</a>')
        return formatting.text_html(value, short=short)


class Email(FieldType):
    data_type = "EMAIL"
    type_name = "Email"
    matched_as_text = True
    found_in_any_case = True  # IMP2@walk.test and imp2@walk.test are one address
    # Not type="email": "contains" takes part of an address.
    condition_inputmode = "email"

    def form_field(self, current: Any = None) -> forms.Field:
        return forms.EmailField(
            max_length=MAX_EMAIL_LENGTH,
            widget=forms.EmailInput(attrs=self.placeholder()),
            **self.form_options(),
        )

    def render_value(self, value: Any, short: bool) -> SafeString:
        if isinstance(value, str) and "@" in value and ":" not in value:
            return html_of(f'<a href="mailto:{esc(value.strip())}">{esc(value)}</a>')
        return formatting.text_html(value, short=short)
