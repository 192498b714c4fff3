"""The figures of the table's overview chart for one field and the current search.

- An option field, or the owner: a bar per option, counted as the facets are (services/counts.py,
  sharing their cache): the search with that option chosen instead of the field's own filter.
- NUMERICAL or MONETORY: a histogram. The lowest and highest value are found by two searches of
  one record, sorted each way (records without a value left out); about CHART_BUCKETS ranges
  of round width cover them, each counted by the range filter the table itself sends for it, so
  that a bar's figure is what the table shows when the bar is clicked. The table's ranges
  include both ends, so a range ends one unit (a cent for money, the finest decimal of the
  values found for a number) before the next begins.
- DATE, or the record's creation time: records per month, the most recent CHART_MONTHS of them,
  each bar the table's from-to filter on that month. Creation months are counted in UTC, as
  the table's creation-day filter reads its days (fieldtypes/dates.py, CreatedOn).

Every call goes through a counts.Counter: cached, in the background, bounded per request
(RECORDS_FACET_MAX_CALLS counts; the two extreme searches come on top), skipped when the rate
budget is low.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from functools import partial

from recordsadmin.client.domain import Field, Filter, Schema, Sort, User
from recordsadmin.contract.datatypes import EXISTS, Value
from recordsadmin.contract.limits import CREATED_AT, OWNER
from recordsadmin.records import formatting
from recordsadmin.records.query import ListQuery

from .counts import (
    Counter,
    conditions_of,
    facet_counts,
    facet_fields,
    params_with,
    search_id,
    search_without,
)
from .records import record_search
from .schemas import cache_key

CHART_BUCKETS = 8
CHART_MONTHS = 24
OPTIONS, RANGES, MONTHS = "options", "ranges", "months"


@dataclass(frozen=True)
class Bar:
    # Short, beside the bar ("250k", "Mar 2026").
    label: str
    # In full, in the data table and the bar's name ("$250,000.00 to $299,999.99").
    text: str
    # None: not counted (past the request's calls, or skipped).
    count: int | None
    # The table's query string with this bar's filter; None when the table has no such filter.
    params: str | None


@dataclass(frozen=True)
class Chart:
    key: str
    name: str  # the field's, as the chart's title says it
    kind: str  # OPTIONS, RANGES or MONTHS
    bars: tuple[Bar, ...]
    calls: int
    note: str = ""
    skipped: bool = False
    problem: str = ""

    @property
    def highest(self) -> int:
        return max((bar.count or 0 for bar in self.bars), default=0)

    @property
    def uncounted(self) -> int:
        return sum(1 for bar in self.bars if bar.count is None)


def chart_fields(query: ListQuery, users: Sequence[User] = ()) -> list[tuple[str, str]]:
    """(key, name) of every field a chart can be drawn of, in the schema's order, then the
    owner and the creation time."""
    options = {key for key, _, _ in facet_fields(query, ())}
    found = [(f.key, f.name) for f in query.schema.fields if f.key in options or _ranged(f)]
    if users:
        found.append((OWNER, "Owner"))
    found.append((CREATED_AT, "Created"))
    return found


def _ranged(field: Field) -> bool:
    """A number, an amount or a day: charted over ranges of its values, not per option."""
    return field.rule.numeric or field.rule.value is Value.DATE


def chart_data(
    *, query: ListQuery, key: str, users: Sequence[User] = (), counter: Counter | None = None
) -> Chart | None:
    """The chart of field `key` for the table's `query`; None when no chart is drawn of it."""
    names = dict(chart_fields(query, users))
    if key not in names:
        return None
    counter = counter or Counter(schema=query.schema)
    if key == CREATED_AT:
        bars, note = _created_months(query, counter)
        kind = MONTHS
    elif key == OWNER or not _ranged(query.schema.field(key)):
        bars, note = _option_bars(query, key, users, counter), ""
        kind = OPTIONS
    elif query.schema.field(key).rule.numeric:
        bars, note = _ranges(query, key, counter), ""
        kind = RANGES
    else:
        bars, note = _date_months(query, key, counter)
        kind = MONTHS
    return Chart(
        key, names[key], kind, tuple(bars), counter.calls, note, counter.skipped, counter.problem
    )


def _option_bars(query: ListQuery, key: str, users, counter: Counter) -> list[Bar]:
    (facet,) = facet_counts(query=query, users=users, only=key, counter=counter).facets
    return [Bar(o.label, o.label, o.count, o.params) for o in facet.options]


# -- the lowest and highest value --------------------------------------------------------------


def _extent(query: ListQuery, key: str, counter: Counter) -> tuple | None:
    """(lowest, highest) value of `key` among the records of the search without its own
    filter: two sorted searches of one record; None when none has a value (or not asked)."""
    text, kept = search_without(query, key)
    if key != CREATED_AT:
        kept.append(Filter(key, EXISTS, True))
    fetch = partial(_ends, query.schema, text, kept, key)
    cached = cache_key("extent", _extent_id(query.schema, text, kept, key))
    found = counter.call(cached, fetch, calls=2)
    return tuple(found) if found and found[0] is not None else None


def _extent_id(schema: Schema, text: str, kept: list, key: str) -> str:
    return f"{key}:{search_id(schema, text, kept)}"


def _ends(schema: Schema, text: str, kept: list[Filter], key: str) -> list:
    ends = []
    for direction in ("asc", "desc"):
        page = record_search(
            schema=schema, query=text, filters=kept, sort=Sort(key, direction), per_page=1
        )
        if not page.records:
            return [None, None]
        record = page.records[0]
        if key == CREATED_AT:
            moment = record.created_at
            ends.append(moment.astimezone(datetime.UTC).date().isoformat() if moment else None)
        else:
            ends.append(record.properties.get(key))
    return ends


# -- numbers -----------------------------------------------------------------------------------


def _decimals(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def nice_step(span: Decimal, unit: Decimal, buckets: int = CHART_BUCKETS) -> Decimal:
    """The smallest width of 1, 2, 2.5 or 5 times a power of ten that covers `span` in
    `buckets` ranges and is a whole number of `unit`s."""
    rough = span / buckets
    if rough <= unit:
        return unit
    power = Decimal(1).scaleb(rough.adjusted())
    for factor in ("1", "2", "2.5", "5", "10"):
        step = power * Decimal(factor)
        if step >= rough and step % unit == 0:
            return step
    return power * 10  # not reached: 10 * power >= rough, and a whole number of units


def number_ranges(low: Decimal, high: Decimal, unit: Decimal) -> list[tuple[Decimal, Decimal]]:
    """Ranges (first, last) of round width from below `low` to past `high`, both ends
    included, each ending a `unit` before the next begins."""
    step = nice_step(high - low, unit)
    start = (low / step).to_integral_value(rounding=ROUND_FLOOR) * step
    found = []
    while start <= high:
        found.append((start, start + step - unit))
        start += step
    return found


def _plain(number: Decimal) -> str:
    """A number as the address bar writes it: no exponent, no trailing zeros."""
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _compact(number: Decimal) -> str:
    """A range's start in a few characters: 250k, 1.5M."""
    for size, suffix in ((Decimal(10) ** 9, "B"), (Decimal(10) ** 6, "M"), (Decimal(1000), "k")):
        if abs(number) >= size:
            return _plain((number / size).quantize(Decimal("0.01"))) + suffix
    return formatting.number_text(number) or _plain(number)


def _ranges(query: ListQuery, key: str, counter: Counter) -> list[Bar]:
    extent = _extent(query, key, counter)
    if extent is None:
        return []
    low, high = (formatting.decimal(end) for end in extent)
    if low is None or high is None:
        return []
    money = query.schema.field(key).rule.money
    unit = Decimal(1).scaleb(-max(_decimals(low), _decimals(high), 2 if money else 0))
    shown = formatting.money_text if money else formatting.number_text
    text, kept = search_without(query, key)
    ranges = number_ranges(low, high, unit)
    pairs = [[(f"min.{key}", _plain(a)), (f"max.{key}", _plain(b))] for a, b in ranges]
    counts = counter.count_many([(text, kept + conditions_of(query.schema, p)) for p in pairs])
    bars = []
    for (first, last), bounds, count in zip(ranges, pairs, counts, strict=True):
        if first == last:
            label, words = _compact(first), shown(first)
        else:
            label = f"{_compact(first)}–{_compact(last + unit)}"
            words = f"{shown(first)} to {shown(last)}"
        link = params_with(query, [name for name, _ in bounds], bounds)
        bars.append(Bar(label, words, count, link))
    return bars


# -- months ------------------------------------------------------------------------------------


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """The first day of every month from `first`'s to `last`'s, the most recent CHART_MONTHS."""
    months = []
    month = first.replace(day=1)
    while month <= last:
        months.append(month)
        month = _next_month(month)
    return months[-CHART_MONTHS:]


def _next_month(month: datetime.date) -> datetime.date:
    return (month + datetime.timedelta(days=32)).replace(day=1)


def _month_label(month: datetime.date) -> str:
    return f"{formatting.date_text(month.isoformat()).split()[0]} {month.year}"


def _months(query: ListQuery, key: str, counter: Counter) -> tuple[list[datetime.date], str]:
    extent = _extent(query, key, counter)
    if extent is None:
        return [], ""
    try:
        first, last = (datetime.date.fromisoformat(str(end)[:10]) for end in extent)
    except ValueError:
        return [], ""
    months = months_between(first, last)
    note = ""
    if months[0] > first.replace(day=1):
        note = f"The most recent {CHART_MONTHS} months; earlier ones are not shown."
    return months, note


def _date_months(query: ListQuery, key: str, counter: Counter) -> tuple[list[Bar], str]:
    months, note = _months(query, key, counter)
    text, kept = search_without(query, key)
    pairs = [
        [(f"min.{key}", month.isoformat()), (f"max.{key}", _last_day(month).isoformat())]
        for month in months
    ]
    counts = counter.count_many([(text, kept + conditions_of(query.schema, p)) for p in pairs])
    bars = []
    for month, bounds, count in zip(months, pairs, counts, strict=True):
        label = _month_label(month)
        link = params_with(query, [name for name, _ in bounds], bounds)
        bars.append(Bar(label, label, count, link))
    return bars, note


def _last_day(month: datetime.date) -> datetime.date:
    return _next_month(month) - datetime.timedelta(days=1)


def _created_months(query: ListQuery, counter: Counter) -> tuple[list[Bar], str]:
    bars, note = _date_months(query, CREATED_AT, counter)
    if bars:
        note = " ".join(filter(None, [note, "Months in UTC."]))
    return bars, note
