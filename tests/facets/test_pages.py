"""The table page's counts and chart over the test client, against the embedded API: what
each costs in calls to the records API, and what the page says."""

import re
from html import unescape

import pytest
from django.test import Client

from recordsadmin.client import budget as client_budget
from recordsadmin.client.config import connection
from recordsadmin.records.models import SavedView
from recordsadmin.records.services import budget as shared_budget
from recordsadmin.windows.stores import windows

from .conftest import RECORDS, searches

pytestmark = pytest.mark.django_db(transaction=True)

KEY = "custom_objects.property"
TABLE = f"/objects/{KEY}/"
FACETS = f"/objects/{KEY}/facets/"
CHART = f"/objects/{KEY}/chart/"
HTMX = {"HX-Request": "true", "HX-Current-URL": f"http://testserver{TABLE}"}


def calls(api) -> int:
    return len(api.stub.requests)


def html_text(fragment: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def counts_in(html: str) -> dict[str, str]:
    """The counts the facets partial puts beside the options, by the id of their place."""
    found = dict(re.findall(r'<span id="(facet-[\w-]+-\d+)"[^>]*hx-swap-oob="true">([^<]*)<', html))
    found |= dict(re.findall(r'<option id="(facet-owner-\d+)"[^>]*>[^<(]*\(([\d,]+)\)<', html))
    return found


def test_a_warm_table_view_with_the_panels_closed_is_one_call(api, prop, staff_client):
    page = staff_client.get(TABLE)
    assert page.status_code == 200 and calls(api) == 1
    html = page.content.decode()
    # The counts' and the chart's loaders are there, to ask only once their panel opens.
    assert 'id="facets-loader"' in html and 'hx-trigger="panel-open once delay:500ms"' in html
    assert '<details class="overview" id="overview">' in html
    assert 'id="facet-status-1" class="facet-count"></span>' in html  # empty until then
    partial = staff_client.get(TABLE + "?f.status=Sold", headers=HTMX)
    assert partial.status_code == 200 and calls(api) == 2
    assert len(searches(api)) == 2


def test_the_table_partial_brings_loaders_for_its_question(api, prop, staff_client):
    partial = staff_client.get(TABLE + "?f.status=Sold&q=oak", headers=HTMX).content.decode()
    loader = re.search(r'<div id="facets-loader"[^>]*>', partial).group(0)
    assert 'hx-swap-oob="true"' in loader
    assert f'hx-get="{FACETS}?q=oak&amp;f.status=Sold"' in loader
    chart = re.search(r'<div id="chart-search".*?</div>', partial, re.S).group(0)
    assert 'hx-swap-oob="true"' in chart
    assert '<input type="hidden" name="f.status" value="Sold">' in chart
    whole = staff_client.get(TABLE + "?f.status=Sold").content.decode()
    assert "hx-swap-oob" not in whole, "the whole page has each loader once, in its panel"


def test_facets_cost_at_most_the_bound_and_nothing_the_second_time(api, prop, staff_client):
    first = staff_client.get(FACETS, headers=HTMX)
    assert first.status_code == 200
    assert calls(api) == len(searches(api)) == 24  # README: the demo Property's 24 options
    assert all(body["pageLimit"] == 1 for body in searches(api))
    counts = counts_in(first.content.decode())
    assert len(counts) == 24 and all(counts.values())
    statuses = [int(counts[f"facet-status-{n}"].replace(",", "")) for n in (1, 2, 3)]
    assert sum(statuses) == RECORDS
    second = staff_client.get(FACETS, headers=HTMX)
    assert calls(api) == 24, "the second view of the same search makes no count call"
    assert counts_in(second.content.decode()) == counts


def test_counts_and_charts_are_shared_by_all_users(api, prop, staff_client, viewer):
    """The cache holds counts per object and search, not per user: another member of staff
    asking for the same search after the first costs no call, and sees the same counts."""
    first = staff_client.get(FACETS + "?q=a", headers=HTMX)
    chart = staff_client.get(CHART + "?chart=price&q=a", headers=HTMX)
    assert first.status_code == chart.status_code == 200
    made = calls(api)
    assert made >= 24 + 4, "the first user's counts and chart were asked of the API"
    other = Client()
    other.force_login(viewer)
    second = other.get(FACETS + "?q=a", headers=HTMX)
    again = other.get(CHART + "?chart=price&q=a", headers=HTMX)
    assert second.status_code == again.status_code == 200
    assert calls(api) == made, "another user's view of the same search makes no call"
    counts = counts_in(first.content.decode())
    assert len(counts) == 24 and counts_in(second.content.decode()) == counts
    bars = r'<a class="chart__link" [^>]*data-bar="[^"]+"[^>]*>\s*<title>([^<]*)</title>'
    drawn = re.findall(bars, chart.content.decode())
    assert drawn and re.findall(bars, again.content.decode()) == drawn


def test_with_facets_open_a_view_costs_one_call_plus_the_bound(api, prop, staff_client, settings):
    settings.RECORDS_FACET_MAX_CALLS = 10
    staff_client.get(TABLE + "?q=a", headers=HTMX)
    staff_client.get(FACETS + "?q=a", headers=HTMX)
    assert calls(api) <= 1 + 10


def test_an_option_that_would_show_nothing_is_dimmed_not_hidden(api, prop, staff_client):
    html = staff_client.get(FACETS + "?f.property_type=single_family", headers=HTMX)
    html = html.content.decode()
    # Amenities are only ever set on condos and townhouses.
    for n in range(1, 6):
        assert re.search(
            rf'<span id="facet-amenities-{n}" class="facet-count facet-count--zero"'
            r' hx-swap-oob="true">0</span>',
            html,
        )
    assert 'id="facet-status-1" class="facet-count" hx-swap-oob="true">' in html


def test_past_the_bound_a_filter_offers_its_counts_on_demand(api, prop, staff_client, settings):
    settings.RECORDS_FACET_MAX_CALLS = 8
    html = staff_client.get(FACETS + "?q=a", headers=HTMX).content.decode()
    assert calls(api) == 7
    button = re.search(r'<button id="facet-more-features"[^>]*>.*?</button>', html, re.S).group(0)
    assert 'hx-swap-oob="true"' in button and "Show counts" in button
    assert f'hx-get="{FACETS}?q=a&amp;facet=features"' in button
    assert 'id="facet-features-1" class="facet-count" hx-swap-oob="true"></span>' in html
    more = staff_client.get(
        FACETS + "?q=a&facet=features", headers={**HTMX, "HX-Trigger": "facet-more-features"}
    ).content.decode()
    assert calls(api) == 7 + 6
    assert len(counts_in(more)) == 6 and "facet-status-1" not in more
    # Focus stays where the button was: on an element with its id.
    assert re.search(r'<span id="facet-more-features"[^>]*tabindex="-1"[^>]*>Counts shown<', more)


def test_when_the_budget_is_low_the_page_says_counts_were_skipped(api, prop, staff_client):
    shared = shared_budget.install()
    windows().fill(shared.window_key(connection().location_id), count=99, seconds=10)
    html = staff_client.get(FACETS, headers=HTMX).content.decode()
    assert calls(api) == 0
    status = re.search(r'<div id="facets-status" hx-swap-oob="innerHTML">(.*?)</div>', html, re.S)
    text = html_text(status.group(1))
    assert text == (
        "Counts skipped: the API's rate limit is nearly used; try again in a moment. "
        "Load counts again"
    )
    assert re.search(r'<button type="button" id="facets-again"[^>]*hx-get="/objects/', html)
    client_budget.install(client_budget.Unlimited())  # the window has room again
    again = staff_client.get(FACETS, headers={**HTMX, "HX-Trigger": "facets-again"})
    assert calls(api) == 24
    # Focus stays where the button was: on an element with its id.
    assert '<span id="facets-again" tabindex="-1">Counts loaded.</span>' in again.content.decode()


def test_the_chart_of_a_number_is_an_svg_of_links_with_its_figures_as_a_table(
    api, prop, staff_client
):
    html = staff_client.get(CHART + "?chart=price&f.status=Sold", headers=HTMX).content.decode()
    made = calls(api)
    assert 3 < made <= 12
    assert "<script" not in html and "style=" not in html
    svg = re.search(r"<svg .*?</svg>", html, re.S).group(0)
    assert 'viewBox="0 0 340 ' in svg and 'aria-labelledby="chart-title"' in svg
    links = re.findall(
        r'<a class="chart__link" href="([^"]+)" data-bar="[^"]+" hx-get="\1" data-sets-filters>',
        svg,
    )
    assert links and all("min.price=" in link and "f.status=Sold" in link for link in links)
    assert '<h2 class="chart__title" id="chart-title">Properties by Price</h2>' in html
    table = re.search(r'<table class="visually-hidden">.*?</table>', html, re.S).group(0)
    assert len(re.findall(r'<th scope="row">\$[\d,.]+ to \$[\d,.]+</th>', table)) == len(links)
    # The bars' labels share their ends ("0–250k", "250k–500k"): the caption says which has it.
    assert "each from its first value up to, but not including, the next range’s first" in html
    staff_client.get(CHART + "?chart=price&f.status=Sold", headers=HTMX)
    assert calls(api) == made, "a second view of the same chart makes no call"


def test_without_javascript_counts_and_chart_have_pages_of_their_own(api, prop, staff_client):
    facets = staff_client.get(FACETS + "?f.status=Sold").content.decode()
    assert "<h1>Counts of properties</h1>" in facets and "<html" in facets
    assert re.search(r'<a href="/objects/[^"]+/\?f\.status=Pending">Pending</a>', facets)
    chart = staff_client.get(CHART + "?chart=status").content.decode()
    assert "<h1>Chart of properties</h1>" in chart and "<svg" in chart
    assert "hx-get" not in re.search(r"<svg .*?</svg>", chart, re.S).group(0)
    table = staff_client.get(TABLE).content.decode()
    assert f'<noscript><p class="facets__page-link"><a href="{FACETS}?">' in table
    assert f'<form id="chart-form" class="overview__form" method="get" action="{CHART}"' in table


def test_requests_no_form_of_ours_sends_are_refused(api, prop, staff_client):
    # A field that exists but has no counts, or cannot be charted: no form of ours asks.
    assert staff_client.get(FACETS + "?facet=address", headers=HTMX).status_code == 400
    assert staff_client.get(CHART + "?chart=address", headers=HTMX).status_code == 400
    assert staff_client.get(FACETS + "?facet=gone").status_code == 400  # htmx's button only
    assert calls(api) == 0


def test_a_field_deleted_since_the_page_was_drawn_is_said_not_refused(api, prop, staff_client):
    """A "Show counts" button or a "Chart of" list drawn before a field was deleted, or a
    kept link to its chart: a message on the page, and the rest as it is."""
    shown = staff_client.get(FACETS + "?facet=roof", headers=HTMX)
    assert shown.status_code == 200
    status = html_text(shown.content.decode())
    assert "There is no filter “roof” any more" in status and "Reload the page" in status
    drawn = staff_client.get(CHART + "?chart=roof", headers=HTMX)
    assert drawn.status_code == 200
    text = html_text(drawn.content.decode())
    assert "There is no field “roof” any more: here is the chart of Price instead." in text
    assert "Properties by Price" in text and "<svg" in drawn.content.decode()
    page = staff_client.get(CHART + "?chart=roof")  # without JavaScript, a page of its own
    assert page.status_code == 200
    assert "There is no field “roof” any more" in html_text(page.content.decode())


def test_counts_and_charts_need_the_view_permission(api, prop, client, staff_without_permissions):
    client.force_login(staff_without_permissions)
    assert client.get(FACETS).status_code == 403
    assert client.get(CHART).status_code == 403


@pytest.mark.parametrize(
    ("question", "current"),
    [
        ("?chart=status&f.status=Sold", ["Sold"]),
        ("?chart=status&f.status=Sold&q=oak", ["Sold"]),
        ("?chart=status&f.status=Sold&f.status=Active", []),
        ("?chart=status", []),
    ],
)
def test_the_bar_whose_records_the_table_shows_is_marked_current(
    api, prop, staff_client, question, current
):
    html = staff_client.get(CHART + question, headers=HTMX).content.decode()
    bars = re.findall(r'<a class="chart__link" [^>]*data-bar="([^"]+)"[^>]*>', html)
    assert len(bars) >= 3
    marked = re.findall(
        r'<a class="chart__link" [^>]*data-bar="([^"]+)"[^>]*aria-current="true"', html
    )
    assert marked == current


def test_after_a_range_bar_is_chosen_the_redrawn_chart_marks_that_bar(api, prop, staff_client):
    html = staff_client.get(CHART + "?chart=price", headers=HTMX).content.decode()
    first = re.search(r'<a class="chart__link" href="[^"?]*\?([^"]+)" data-bar="([^"]+)"', html)
    question, bar = unescape(first.group(1)), first.group(2)
    again = staff_client.get(f"{CHART}?{question}&chart=price", headers=HTMX).content.decode()
    marked = re.findall(r'data-bar="([^"]+)"[^>]*aria-current="true"', again)
    assert marked == [bar]


def test_an_owner_with_no_record_in_the_search_is_dimmed_not_hidden(api, prop, staff_client):
    owners = (
        r'<option id="facet-owner-\d+" value="[^"]*"( class="facet-option--zero")?[^>]*>'
        r"[^<]*\(([\d,]+)\)<"
    )
    everything = re.findall(owners, staff_client.get(FACETS, headers=HTMX).content.decode())
    assert everything and any(count != "0" for _, count in everything)
    assert all((zero != "") == (count == "0") for zero, count in everything)
    nothing = staff_client.get(FACETS + "?q=zzzz-no-such-home", headers=HTMX).content.decode()
    found = re.findall(owners, nothing)
    assert len(found) == len(everything)  # every owner still there, to choose
    assert all(zero and count == "0" for zero, count in found)


@pytest.mark.parametrize(
    ("chart", "most"), [("status", 0), ("price", 2 + 10), ("listed_on", 2 + 24)]
)
def test_a_view_with_the_filters_and_a_chart_open_costs_what_the_readme_says(
    api, prop, staff_client, chart, most
):
    """README, "What they cost": 1 for the table, at most RECORDS_FACET_MAX_CALLS (24) for the
    filters' counts, and the chart's bars: 0 more for an option field (the same counts), at
    most 2 + 10 for a number, 2 + 24 for a date."""
    staff_client.get(TABLE + "?q=a", headers=HTMX)
    assert calls(api) == 1
    staff_client.get(FACETS + "?q=a", headers=HTMX)
    counted = calls(api)
    assert 1 < counted <= 1 + 24
    drawn = staff_client.get(CHART + f"?chart={chart}&q=a", headers=HTMX)
    assert drawn.status_code == 200 and "chart__link" in drawn.content.decode()
    assert calls(api) - counted <= most
    if most == 0:
        assert calls(api) == counted


def test_a_charts_bars_lead_to_the_table_page_it_is_on(api, prop, staff_client, staff_user):
    """On a saved view's page, a bar filters that view's table, which stays the view."""
    view = SavedView.objects.create(
        owner=staff_user,
        name="A",
        location_id=connection().location_id,
        object_key=KEY,
        params="q=a",
    )
    page = f"/objects/{KEY}/views/{view.pk}/"
    headers = {"HX-Request": "true", "HX-Current-URL": f"http://testserver{page}?q=a"}
    chart = staff_client.get(CHART + "?chart=status&q=a", headers=headers).content.decode()
    links = re.findall(r'<a class="chart__link" href="([^"]*)"', chart)
    assert links and all(link.startswith(page + "?") for link in links)
    plain = staff_client.get(CHART + "?chart=status&q=a", headers=HTMX).content.decode()
    assert re.findall(r'<a class="chart__link" href="([^"]*)"', plain)[0].startswith(TABLE + "?")
