"""How values read on a page: money, numbers, dates, text cut short, tags, safe links.

Every value comes from the records API, so every value is escaped (`esc`), and a value becomes
a link only with an http, https, mailto or tel address. A table page renders a few thousand
values, so these build their HTML with plain string operations.
"""

import datetime
import functools
import hashlib
import html
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils import dateformat, timezone
from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString, mark_safe

_TO_ESCAPE = re.compile(r"[&<>\"']")


def esc(text: str) -> str:
    """A value's text HTML-escaped: & < > " and ' (what Django's escape does, without its
    lazy-text wrapper, which costs more than the escaping). Most values hold none of them and
    come back as they are: a table page escapes a few thousand."""
    return html.escape(text) if _TO_ESCAPE.search(text) else text


# Cells show at most this many characters; the whole text is one click away.
SHORT_TEXT = 60

LINK_SCHEMES = {"http", "https", "mailto", "tel"}
# What a browser ignores around a scheme, and a scheme as URL parsers read it (up to the first
# colon, starting with a letter).
_CONTROLS = re.compile(r"[\x00-\x20\x7f]")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$", "INR": "₹"}
EMPTY = mark_safe('<span class="empty" aria-label="empty">—</span>')
# How the history shows when a change was made.
HISTORY_TIME = "M j, Y, H:i"


def is_empty(value: object) -> bool:
    """None, "", [] or {}: no value (0 and False are values)."""
    return value is None or value == "" or (isinstance(value, list | dict) and not value)


def one_line(text: str) -> str:
    """Text from a one-line box or an address: control characters (a NUL, a newline: no one
    types them there, and the records API refuses a NUL) as spaces, no surrounding space."""
    return _CONTROLS.sub(" ", text).strip()


def safe_href(url: object) -> str | None:
    """The address when it is safe to put in an href (http, https, mailto, tel), else None."""
    if not isinstance(url, str):
        return None
    # Browsers drop tabs, newlines and leading controls around a scheme ("java\tscript:"), so
    # the scheme is judged without them.
    address = url.strip()
    scheme = _SCHEME.match(_CONTROLS.sub("", address))
    return address if scheme and scheme[1].lower() in LINK_SCHEMES else None


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
    if type(value) is int:  # the commonest, exact as it is: no Decimal needed
        amount = f"{value:,}.00"
    else:
        number = decimal(value)
        if number is None:
            return None
        amount = f"{number:,.2f}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    if symbol:
        return f"-{symbol}{amount[1:]}" if amount.startswith("-") else f"{symbol}{amount}"
    return f"{amount} {currency}"


def number_text(value: object) -> str | None:
    """A number with its thousands grouped: 1,250 or 2.5."""
    if type(value) is int:
        return f"{value:,}"
    number = decimal(value)
    if number is None:
        return None
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number.normalize():,}"


def _month(day: datetime.date) -> str:
    return _month_names()[day.month]


@functools.lru_cache(maxsize=1)
def _month_names() -> dict[int, str]:
    """ "Jan" to "Dec", as Django's "M" date format spells them (the one language of the
    dashboard): translated once, not per value."""
    return {number: str(name).title() for number, name in MONTHS_3.items()}


def date_text(value: object) -> str | None:
    """A day as "Mar 7, 2026", a moment as "Mar 7, 2026, 12:00"; None when it is not one."""
    if isinstance(value, datetime.datetime):
        return f"{_month(value)} {value.day}, {value.year}, {value.hour:02}:{value.minute:02}"
    return _day_text(str(value)[:10])


@functools.lru_cache(maxsize=4096)
def _day_text(text: str) -> str | None:
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        return None
    return f"{_month(day)} {day.day}, {day.year}"


# The longest record name shown whole in a heading, a breadcrumb, a message or a label.
NAME_LENGTH = 100


def record_name(record, schema) -> str:
    """The record's primary display value (or its id) as pages name it: cut to NAME_LENGTH
    characters with an ellipsis, so that one long value cannot fill a page or a label."""
    return cut(record.display(schema), NAME_LENGTH)


def cut(text: str, length: int = SHORT_TEXT) -> str:
    """At most `length` characters, with an ellipsis when it was longer."""
    return text if len(text) <= length else text[:length].rstrip() + "…"


_NOT_IN_TOKEN = re.compile(r"[^A-Za-z0-9_-]")


def token(text: str) -> str:
    """`text` as a part of an HTML class or id: letters, digits, _ and - kept, anything else
    (a quote, a space, markup) made _, and then a short hash of `text`, so that two texts
    never share a token ("a.b", "a_b"). Field and association keys come from the records API,
    which the dashboard does not trust to keep to the characters it documents."""
    made = _NOT_IN_TOKEN.sub("_", text)
    if made == text:
        return text
    return f"{made}-{hashlib.blake2b(text.encode(), digest_size=4).hexdigest()}"


def html_of(markup: str) -> SafeString:
    """Markup built here from escaped values, as safe HTML (mark_safe without its check for
    lazy text, which a table page would pay a few thousand times)."""
    return SafeString(markup)


def text_html(value: object, *, short: bool) -> SafeString:
    """Plain text; `short` cuts it for a table cell, the rest one click away."""
    text = str(value)
    if short and len(text) > SHORT_TEXT:
        return html_of(
            f'<details class="more"><summary>{esc(text[:SHORT_TEXT].rstrip())}…</summary>'
            f'<div class="more__full">{esc(text)}</div></details>'
        )
    return html_of(f'<span class="text">{esc(text)}</span>')


def tags_html(labels: list[str]) -> SafeString:
    items = "".join(f'<li class="tag">{esc(label)}</li>' for label in labels)
    return html_of(f'<ul class="tags">{items}</ul>')


def moment_text(moment: datetime.datetime) -> str:
    """A moment of the history, in the server's time zone, as the history shows its own
    ("Dec 4, 2026, 02:22", templates/records/_history.html): for the notes that name one."""
    return dateformat.format(timezone.localtime(moment), HISTORY_TIME)


def time_html(moment: datetime.datetime | None) -> SafeString:
    """A record's own time (created, updated), or the empty mark."""
    if moment is None:
        return EMPTY
    return html_of(f'<time datetime="{moment.isoformat()}">{date_text(moment)}</time>')


def highlighter(*texts: str) -> Callable[[str], str] | None:
    """A function that wraps each match of any of `texts` (in any letter case) in a cell's HTML
    in <mark>, or None for no text. Compiled once for a table; a cell is HTML built here, so
    its text is escaped: the texts are escaped alike and matched in the text only, never in a
    tag (an href, an attribute) nor inside an entity ("amp" in "&amp;")."""
    # Longest first, so that of two texts that start alike the longer is marked whole.
    needles = sorted({esc(t.strip()) for t in texts if t.strip()}, key=len, reverse=True)
    if not needles:
        return None
    either = "|".join(re.escape(needle) for needle in needles)
    # At each place: a text first, else a tag or an entity, which are stepped over whole.
    parts = re.compile(rf"({either})|<[^>]*>|&#?\w+;", re.IGNORECASE)
    # Most cells hold no match: lower() and `in` tell so four times faster than the regex.
    lowered = [needle.lower() for needle in needles]

    def mark(match: re.Match) -> str:
        return f"<mark>{match[1]}</mark>" if match[1] is not None else match[0]

    def highlight(markup: str) -> str:
        low = markup.lower()
        return parts.sub(mark, markup) if any(n in low for n in lowered) else markup

    return highlight
