"""How values read on a page: money, numbers, dates, text cut short, tags, safe links.

Every value comes from the records API, so every value is escaped (format_html), and a value
becomes a link only with an http, https, mailto or tel address.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

# Cells show at most this many characters; the whole text is one click away.
SHORT_TEXT = 60

LINK_SCHEMES = {"http", "https", "mailto", "tel"}
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$", "INR": "₹"}
EMPTY = mark_safe('<span class="empty" aria-label="empty">—</span>')


def is_empty(value: object) -> bool:
    return value is None or value == "" or value == [] or value == {}


def safe_href(url: object) -> str | None:
    """The address when it is safe to put in an href (http, https, mailto, tel), else None."""
    if not isinstance(url, str):
        return None
    # Browsers drop tabs, newlines and leading controls around a scheme ("java\tscript:"), so
    # the scheme is judged without them.
    address = url.strip()
    scheme = urlsplit(re.sub(r"[\x00-\x20\x7f]", "", address)).scheme.lower()
    return address if scheme in LINK_SCHEMES else None


def decimal(value: object) -> Decimal | None:
    """A finite number from a JSON value or its text; None for anything else (booleans too)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def money_text(value: object) -> str | None:
    currency = getattr(settings, "RECORDS_CURRENCY", "USD")
    if isinstance(value, dict):
        if value.get("currency") and value["currency"] != "default":
            currency = str(value["currency"]).upper()
        value = value.get("value")
    number = decimal(value)
    if number is None:
        return None
    amount = intcomma(f"{number:.2f}")
    symbol = CURRENCY_SYMBOLS.get(currency)
    if symbol:
        return f"-{symbol}{amount[1:]}" if amount.startswith("-") else f"{symbol}{amount}"
    return f"{amount} {currency}"


def number_text(value: object) -> str | None:
    number = decimal(value)
    if number is None:
        return None
    if number == number.to_integral_value():
        return intcomma(int(number))
    return intcomma(str(number.normalize()))


def date_text(value: object) -> str | None:
    if isinstance(value, datetime.datetime):
        return formats.date_format(value, "M j, Y, H:i")
    try:
        day = datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
    return formats.date_format(day, "M j, Y")


def cut(text: str) -> str:
    """One line of at most SHORT_TEXT characters, with an ellipsis when it was longer."""
    return text if len(text) <= SHORT_TEXT else text[:SHORT_TEXT].rstrip() + "…"


def text_html(value: object, *, short: bool) -> SafeString:
    """Plain text; `short` cuts it for a table cell, the rest one click away."""
    text = str(value)
    if short and len(text) > SHORT_TEXT:
        return format_html(
            '<details class="more"><summary>{}…</summary>'
            '<div class="more__full">{}</div></details>',
            text[:SHORT_TEXT].rstrip(),
            text,
        )
    return format_html('<span class="text">{}</span>', text)


def tags_html(labels: list[str]) -> SafeString:
    return format_html(
        '<ul class="tags">{}</ul>',
        format_html_join("", '<li class="tag">{}</li>', ((label,) for label in labels)),
    )


def time_html(moment: datetime.datetime | None) -> SafeString:
    """A record's own time (created, updated), or the empty mark."""
    if moment is None:
        return EMPTY
    return format_html('<time datetime="{}">{}</time>', moment.isoformat(), date_text(moment))
