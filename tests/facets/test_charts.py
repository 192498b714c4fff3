"""The overview chart's figures (recordsadmin/records/services/charts.py): round ranges, the
most recent months, and every bar counting exactly what its link shows in the table."""

import datetime
import itertools
import re
from decimal import Decimal

import pytest

from recordsadmin.records import services
from recordsadmin.records.services.charts import (
    CHART_MONTHS,
    months_between,
    nice_step,
    number_ranges,
)
from recordsadmin.sandbox.models import Record

from .conftest import RECORDS, query_of, searches, table_total

D = Decimal


@pytest.mark.parametrize(
    ("span", "unit", "step"),
    [
        (D("1550000"), D("0.01"), D("200000")),
        (D("2000000"), D("0.01"), D("250000")),
        (D("5"), D("1"), D("1")),  # small whole numbers: one value per bar
        (D("22"), D("1"), D("5")),  # 2.75 a bar would do, but 2.5 is not a whole number
        (D("3950"), D("1"), D("500")),
        (D("0.7"), D("0.1"), D("0.1")),
        (D("0"), D("1"), D("1")),
    ],
)
def test_a_step_is_round_and_a_whole_number_of_units(span, unit, step):
    assert nice_step(span, unit) == step


def test_ranges_cover_the_values_each_ending_a_unit_before_the_next():
    ranges = number_ranges(D("152000"), D("1702000.5"), D("0.01"))
    assert ranges[0] == (D("0"), D("199999.99"))
    assert ranges[-1][0] <= D("1702000.5") <= ranges[-1][1]
    assert all(b[0] - a[1] == D("0.01") for a, b in itertools.pairwise(ranges))
    assert len(ranges) <= 10
    assert number_ranges(D("1"), D("6"), D("1")) == [(D(n), D(n)) for n in range(1, 7)]


def test_months_are_the_most_recent_ones():
    months = months_between(datetime.date(2023, 11, 20), datetime.date(2026, 3, 2))
    assert len(months) == CHART_MONTHS
    assert months[-1] == datetime.date(2026, 3, 1)
    assert months[0] == datetime.date(2024, 4, 1)
    assert months_between(datetime.date(2026, 1, 31), datetime.date(2026, 2, 1)) == [
        datetime.date(2026, 1, 1),
        datetime.date(2026, 2, 1),
    ]


# -- against the embedded API --------------------------------------------------------------

pytest_django_db = pytest.mark.django_db(transaction=True)


def stored():
    return list(Record.objects.filter(object__key="custom_objects.property"))


@pytest_django_db
def test_a_price_histogram_counts_what_each_bar_shows(api, prop):
    chart = services.chart_data(query=query_of(prop), key="price")
    assert chart.kind == "ranges" and 4 <= len(chart.bars) <= 10
    assert chart.calls == len(searches(api)) == 2 + len(chart.bars), "two extremes, one a bar"
    assert sum(bar.count for bar in chart.bars) == RECORDS
    for bar in chart.bars:
        assert bar.count == table_total(prop, bar.params), bar
        assert "min.price=" in bar.params and "max.price=" in bar.params
        assert re.fullmatch(r"[\d.]+[kM]?–[\d.]+[kM]?", bar.label), bar.label
        assert re.fullmatch(r"\$[\d,]+\.00 to \$[\d,]+\.99", bar.text), bar.text
    prices = [D(str(r.properties["price"])) for r in stored()]
    first = chart.bars[0].params.split("min.price=")[1].split("&")[0]
    assert D(first) <= min(prices)
    again = services.chart_data(query=query_of(prop), key="price")
    assert again.calls == 0 and again.bars == chart.bars


@pytest_django_db
def test_a_histogram_leaves_out_its_own_filter_and_keeps_the_others(api, prop):
    chart = services.chart_data(query=query_of(prop, "min.price=500000&f.status=Sold"), key="price")
    sold = sum(1 for r in stored() if r.properties["status"] == "Sold")
    assert sum(bar.count for bar in chart.bars) == sold
    assert all("f.status=Sold" in bar.params for bar in chart.bars)
    assert all("min.price=500000" not in bar.params for bar in chart.bars)


@pytest_django_db
def test_a_histogram_keeps_a_builder_condition_on_its_own_field(api, prop):
    """The builder's "Price is at least 500,000" is no choice of the panel: the bars count
    only such records, each as the table its link shows."""
    chart = services.chart_data(
        query=query_of(prop, "c1.field=price&c1.op=gte&c1.value=500000"), key="price"
    )
    high = sum(1 for r in stored() if (r.properties.get("price") or 0) >= 500000)
    assert high and sum(bar.count for bar in chart.bars) == high
    for bar in chart.bars:
        assert "c1.field=price" in bar.params
        assert bar.count == table_total(prop, bar.params), bar


@pytest_django_db
def test_small_whole_numbers_get_a_bar_each(api, prop):
    chart = services.chart_data(query=query_of(prop), key="bedrooms")
    values = sorted({r.properties["bedrooms"] for r in stored()})
    assert [bar.label for bar in chart.bars] == [str(n) for n in range(values[0], values[-1] + 1)]
    for bar in chart.bars:
        want = sum(1 for r in stored() if str(r.properties["bedrooms"]) == bar.label)
        assert bar.count == want


@pytest_django_db
def test_a_date_field_is_counted_per_month(api, prop):
    chart = services.chart_data(query=query_of(prop), key="listed_on")
    assert chart.kind == "months" and len(chart.bars) <= CHART_MONTHS
    shown = {bar.label for bar in chart.bars}
    for bar in chart.bars:
        assert bar.count == table_total(prop, bar.params)
    months = [datetime.date.fromisoformat(r.properties["listed_on"]) for r in stored()]
    inside = [m for m in months if m.strftime("%b %Y") in shown]
    assert sum(bar.count for bar in chart.bars) == len(inside)
    if len({(m.year, m.month) for m in months}) > CHART_MONTHS or min(months) < min(
        datetime.date.fromisoformat(p.split("min.listed_on=")[1][:10])
        for p in (bar.params for bar in chart.bars)
    ):
        assert "most recent" in chart.note


@pytest_django_db
def test_creation_months_are_counted_in_utc_and_each_bar_filters_the_table_to_its_month(api, prop):
    chart = services.chart_data(query=query_of(prop), key="createdAt")
    assert chart.kind == "months" and "UTC" in chart.note and chart.bars
    created = [r.created_at.astimezone(datetime.UTC).strftime("%b %Y") for r in stored()]
    for bar in chart.bars:
        assert bar.count == created.count(bar.label), bar.label
        assert "min.createdAt=" in bar.params and "max.createdAt=" in bar.params
        assert table_total(prop, bar.params) == bar.count, bar.label


@pytest_django_db
def test_a_creation_bar_keeps_the_other_filters_and_replaces_its_own_range(api, prop):
    chart = services.chart_data(
        query=query_of(prop, "?f.status=Sold&min.createdAt=2000-01-01"), key="createdAt"
    )
    sold = [r for r in stored() if r.properties.get("status") == "Sold"]
    created = [r.created_at.astimezone(datetime.UTC).strftime("%b %Y") for r in sold]
    for bar in chart.bars:
        assert "f.status=Sold" in bar.params and "2000-01-01" not in bar.params
        assert bar.count == created.count(bar.label) == table_total(prop, bar.params)


@pytest_django_db
def test_an_option_chart_is_the_facet_counts(api, prop):
    users = services.user_list()
    services.facet_counts(query=query_of(prop), users=users)
    made = len(searches(api))
    chart = services.chart_data(query=query_of(prop), key="status", users=users)
    assert chart.kind == "options" and chart.calls == 0 and len(searches(api)) == made
    assert [bar.label for bar in chart.bars] == ["Active", "Pending", "Sold"]
    assert sum(bar.count for bar in chart.bars) == RECORDS
    owners = services.chart_data(query=query_of(prop), key="owner", users=users)
    assert {bar.label for bar in owners.bars} == {u.name for u in users}


@pytest_django_db
def test_no_chart_of_a_field_that_cannot_be_charted(api, prop):
    assert services.chart_data(query=query_of(prop), key="address") is None
    assert services.chart_data(query=query_of(prop), key="no_such_field") is None
    keys = [key for key, _ in services.chart_fields(query_of(prop), services.user_list())]
    assert keys[-2:] == ["owner", "createdAt"]
    assert "address" not in keys and "price" in keys and "features" in keys
