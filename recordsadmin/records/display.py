"""How a record's values look on a page, by their field's dataType.

Every value comes from the records API, so every value is escaped (format_html), and a value
becomes a link only with an http, https, mailto or tel address (RELIABILITY.md items 11, 12).
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


def safe_href(url: object) -> str | None:
    """The address when it is safe to put in an href (http, https, mailto, tel), else None."""
    if not isinstance(url, str):
        return None
    # Browsers drop tabs, newlines and leading controls around a scheme ("java\tscript:"), so
    # the scheme is judged without them.
    address = url.strip()
    scheme = urlsplit(re.sub(r"[\x00-\x20\x7f]", "", address)).scheme.lower()
    return address if scheme in LINK_SCHEMES else None


def option_label(field, key: object) -> str:
    for option_key, label in field.options:
        if option_key == key:
            return label
    return str(key)


def money_text(value: object) -> str | None:
    currency = getattr(settings, "RECORDS_CURRENCY", "USD")
    if isinstance(value, dict):
        if value.get("currency") and value["currency"] != "default":
            currency = str(value["currency"]).upper()
        value = value.get("value")
    number = _decimal(value)
    if number is None:
        return None
    amount = intcomma(f"{number:.2f}")
    symbol = CURRENCY_SYMBOLS.get(currency)
    if symbol:
        return f"-{symbol}{amount[1:]}" if amount.startswith("-") else f"{symbol}{amount}"
    return f"{amount} {currency}"


def number_text(value: object) -> str | None:
    number = _decimal(value)
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


def primary_text(field, value: object) -> str:
    """The primary display value as link text: typed like its cells, cut short with an
    ellipsis (the record's page shows it whole); "" when there is none."""
    if value is None or value == "":
        return ""
    kind = field.data_type
    if kind in ("SINGLE_OPTIONS", "RADIO"):
        text = option_label(field, value)
    elif kind == "NUMERICAL":
        text = number_text(value) or str(value)
    elif kind == "MONETORY":
        text = money_text(value) or str(value)
    elif kind == "DATE":
        text = date_text(value) or str(value)
    else:
        text = " ".join(str(value).split())
    return text if len(text) <= SHORT_TEXT else text[:SHORT_TEXT].rstrip() + "…"


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _text(value: object, short: bool) -> SafeString:
    text = str(value)
    if short and len(text) > SHORT_TEXT:
        cut = text[:SHORT_TEXT].rstrip()
        return format_html(
            '<details class="more"><summary>{}…</summary>'
            '<div class="more__full">{}</div></details>',
            cut,
            text,
        )
    return format_html('<span class="text">{}</span>', text)


def _tags(labels: list[str]) -> SafeString:
    return format_html(
        '<ul class="tags">{}</ul>',
        format_html_join("", '<li class="tag">{}</li>', ((label,) for label in labels)),
    )


def render_value(field, value: object, *, short: bool = True) -> SafeString:
    """The HTML for one value of `field`; `short` cuts long text for table cells."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    kind = field.data_type
    if kind in ("SINGLE_OPTIONS", "RADIO"):
        return format_html('<span class="tag">{}</span>', option_label(field, value))
    if kind in ("MULTIPLE_OPTIONS", "CHECKBOX"):
        values = value if isinstance(value, list) else [value]
        return _tags([option_label(field, item) for item in values])
    if kind == "MONETORY":
        text = money_text(value)
        return format_html('<span class="num">{}</span>', text) if text else _text(value, short)
    if kind == "NUMERICAL":
        text = number_text(value)
        return format_html('<span class="num">{}</span>', text) if text else _text(value, short)
    if kind == "DATE":
        text = date_text(value)
        return (
            format_html('<time datetime="{}">{}</time>', value, text)
            if text
            else _text(value, short)
        )
    if kind == "EMAIL" and isinstance(value, str) and "@" in value and ":" not in value:
        return format_html('<a href="mailto:{}">{}</a>', value.strip(), value)
    if kind == "PHONE" and isinstance(value, str):
        digits = re.sub(r"[^\d+]", "", value)
        if digits:
            return format_html('<a href="tel:{}">{}</a>', digits, value)
    if kind == "TEXTBOX_LIST" and isinstance(value, dict):
        return format_html(
            '<dl class="pairs">{}</dl>',
            format_html_join(
                "",
                "<dt>{}</dt><dd>{}</dd>",
                ((option_label(field, k), v) for k, v in value.items()),
            ),
        )
    if kind == "FILE_UPLOAD":
        return _files(value)
    return _text(value, short)


def _files(value: object) -> SafeString:
    items = value if isinstance(value, list) else [value]
    parts = []
    for item in items:
        url = item.get("url") if isinstance(item, dict) else item
        name = (item.get("name") if isinstance(item, dict) else None) or url or "file"
        href = safe_href(url)
        if href:
            parts.append(
                format_html('<li><a href="{}" rel="noopener noreferrer">{}</a></li>', href, name)
            )
        else:
            parts.append(format_html("<li>{}</li>", name))
    return format_html('<ul class="files">{}</ul>', mark_safe("".join(parts)))  # noqa: S308
