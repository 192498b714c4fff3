"""Counts beside the filter options and the overview chart in Chromium, in one page session:
the counts come after the table and only once the panel is open, an option with no records is
dimmed, a chart's bar filters the table, and the chart is drawn in the theme's colours."""

import contextlib
import re

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from recordsadmin.sandbox.models import Record

from .table_support import LIST, settled, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

KEY = "custom_objects.property"


def stored(**properties) -> int:
    lookups = {f"properties__{k}": v for k, v in properties.items()}
    return Record.objects.filter(object__key=KEY, **lookups).count()


def test_counts_then_a_chart_whose_bar_filters_the_table(
    page: Page, live_server, embedded_api, staff_user
):
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    sign_in(page, live_server.url, LIST)
    page.evaluate("window.__noReload = true")

    # The table came alone: with both panels closed nothing more is asked.
    status = page.get_by_role("group", name="Status")
    assert not [url for url in asked if "/facets/" in url or "/chart/" in url]
    expect(page.locator("#facet-status-1")).to_be_empty()

    page.get_by_text("Filters", exact=True).click()
    sold = stored(status="Sold")
    expect(status.get_by_label("Sold")).to_have_accessible_name(f"Sold {sold}")
    assert len([url for url in asked if "/facets/" in url]) == 1
    owner = page.locator("#owner-filter")
    assert re.fullmatch(r"Anyone(\n[^\n]+ \(\d+\))+", owner.inner_text().strip())

    # A new table brings new counts; the ticked box keeps focus; 0 is dimmed, not hidden.
    single = page.get_by_role("group", name="Property type").get_by_label("Single family")
    single.check()
    houses = stored(property_type="single_family")
    expect(page.locator("#records-count")).to_contain_text(f"of {houses}")
    gym = page.get_by_role("group", name="Amenities").get_by_label("Gym")
    expect(gym).to_have_accessible_name("Gym 0")
    settled(page)
    expect(single).to_be_focused()
    muted = page.locator("#search-hint").evaluate("e => getComputedStyle(e).color")
    plain = status.locator("label").first.evaluate("e => getComputedStyle(e).color")
    label = gym.locator("xpath=ancestor::label")
    assert label.evaluate("e => getComputedStyle(e).color") == muted != plain
    expect(gym).to_be_visible()
    expect(gym).to_be_enabled()
    single.uncheck()
    expect(page.locator("#records-count")).to_have_text("1–25 of 60")
    settled(page)

    # The chart of Status: a bar per option, the same figures as a table.
    page.get_by_text("Chart", exact=True).click()
    page.get_by_label("Chart of").select_option(label="Status")
    expect(page.get_by_role("heading", name="Properties by Status")).to_be_visible()
    figures = page.get_by_role("table", name=re.compile("^Properties by Status"))
    expect(figures.get_by_role("row")).to_have_count(4)
    expect(figures.get_by_role("row", name=re.compile("^Sold"))).to_have_text(
        re.compile(rf"Sold\s*{sold}")
    )
    bar = page.locator("#chart").get_by_role("link", name=f"Sold: {sold} properties")
    page.evaluate("document.querySelector('#chart svg').dataset.old = 'yes'")
    bar.press("Enter")  # from the keyboard: focus stays on the bar in the chart drawn again
    expect(page.locator("#records-count")).to_contain_text(f"of {sold}")
    # The chart is drawn again for the new question; focus is on the same bar in it.
    expect(page.locator("#chart svg[data-old]")).to_have_count(0)
    expect(page.locator("#chart").get_by_role("link", name=re.compile("^Sold: "))).to_be_focused()
    assert "f.status=Sold" in page.url
    expect(status.get_by_label("Sold")).to_be_checked()  # the form follows the bar
    statuses = set(page.locator("#records-table td.col-field_status").all_inner_texts())
    assert statuses == {"Sold"}
    assert page.evaluate("window.__noReload === true")

    # The chart of creation months: a bar sets the table's creation-day range, whose inputs
    # follow, and the chip says it in words.
    page.get_by_role("link", name="Clear search and filters").click()
    expect(page.locator("#records-count")).to_contain_text(f"of {stored()}")
    page.get_by_label("Chart of").select_option(label="Created")
    expect(page.get_by_role("heading", name="Properties by month created")).to_be_visible()
    titles = page.locator("#chart a.chart__link title").evaluate_all(
        "titles => titles.map(t => t.textContent.trim().replace(/\\s+/g, ' '))"
    )
    month, count = next(
        (name, int(n.replace(",", "")))
        for name, n in (
            re.fullmatch(r"(.+): ([\d,]+) propert(?:y|ies)", t).groups() for t in titles
        )
        if n != "0"
    )
    page.locator("#chart").get_by_role("link", name=re.compile(f"^{month}: ")).click()
    expect(page.locator("#records-count")).to_contain_text(f"of {count}")
    assert "min.createdAt=" in page.url and "max.createdAt=" in page.url
    created = page.get_by_role("group", name="Created")
    expect(created.get_by_label("From")).to_have_value(re.compile(r"^\d{4}-\d{2}-01$"))
    expect(page.locator(".chips")).to_contain_text("Created is on or after")
    assert page.evaluate("window.__noReload === true")


def test_counts_asked_for_a_table_that_is_gone_are_dropped_not_swapped_nowhere(
    page: Page, live_server, embedded_api, staff_user
):
    """The counts' answer is held back while a newer table replaces their loader (and then
    while Back restores the page): the question is dropped in the browser, so no answer arrives
    with nowhere to go (the context fixture fails the test on htmx's oobErrorNoTarget), and
    the counts shown are the new table's."""
    held = []

    def hold(route) -> None:
        held.append(route)

    page.route("**/facets/**", hold)
    sign_in(page, live_server.url, LIST)
    page.evaluate("window.__noReload = true")
    page.get_by_text("Filters", exact=True).click()
    wait_until(page, lambda: len(held) == 1)  # asked for the first table, not answered

    page.get_by_label("Search properties").press_sequentially("oak", delay=20)
    # The new table came with a new loader, which asks half a second later: the first answer
    # arrives meanwhile.
    expect(page).to_have_url(re.compile(r"q=oak"))
    page.unroute("**/facets/**")
    release(held)
    status = page.get_by_role("group", name="Status")
    expect(status.locator(".facet-count").first).not_to_be_empty()
    counted = sum(int(n) for n in status.locator(".facet-count").all_inner_texts() if n)
    total = re.search(r"(\d+)$", page.locator("#records-count").inner_text().strip())
    assert counted == int(total.group(1))  # the counts of the search for "oak"

    # Back while the counts for the page left are out.
    held.clear()
    page.route("**/facets/**", hold)
    page.get_by_label("Search properties").press_sequentially("x", delay=20)
    expect(page).to_have_url(re.compile(r"q=oakx"))
    wait_until(page, lambda: len(held) == 1)
    page.go_back()
    expect(page).to_have_url(re.compile(r"q=oak$"))
    page.unroute("**/facets/**")
    release(held)  # the answer for the page left, before the restored page asks again
    page.wait_for_timeout(300)  # room for a late answer to do harm, were it still expected


def release(held: list) -> None:
    """Let held requests go on; one the page has dropped meanwhile is gone already."""
    for route in held:
        with contextlib.suppress(PlaywrightError):
            route.continue_()


def wait_until(page: Page, condition, seconds: float = 10) -> None:
    """Let the page run (route handlers are called meanwhile) until `condition()` holds."""
    for _ in range(int(seconds * 20)):
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError("the page did not get there in time")


def test_counts_follow_a_filter_chosen_far_down_the_panel(
    page: Page, live_server, embedded_api, staff_user
):
    """The counts are asked for while the panel is open, wherever it is scrolled: a filter
    chosen at its foot, with its top (where the counts' loader is) off screen, gets counts
    for the new search, not those of the search before."""
    page.set_viewport_size({"width": 1280, "height": 400})
    sign_in(page, live_server.url, LIST)
    page.get_by_text("Filters", exact=True).click()
    status = page.get_by_role("group", name="Status")
    expect(status.get_by_label("Sold")).to_have_accessible_name(f"Sold {stored(status='Sold')}")
    settled(page)

    townhouse = page.get_by_role("group", name="Property type").get_by_label("Townhouse")
    page.get_by_role("button", name="Apply filters").scroll_into_view_if_needed()
    townhouse.evaluate("box => { box.checked = true; }")  # ticked without scrolling back up
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#records-count")).to_contain_text(
        f"of {stored(property_type='townhouse')}"
    )
    expect(page.locator("#facets-loader")).not_to_be_in_viewport()
    both = stored(status="Sold", property_type="townhouse")
    expect(status.get_by_label("Sold")).to_have_accessible_name(f"Sold {both}")


def chart_of_status(page: Page, base: str) -> None:
    """Signed in on the table, its chart of Status drawn and the page at rest."""
    sign_in(page, base, LIST)
    page.evaluate("window.__noReload = true")
    page.get_by_text("Chart", exact=True).click()
    page.get_by_label("Chart of").select_option(label="Status")
    expect(page.get_by_role("heading", name="Properties by Status")).to_be_visible()
    settled(page)


# The theme's colours (static/css/app.css), each resolved to rgb by a probe element in the
# page (a variable holds light-dark(...), which only an element can resolve), and the fills the
# chart's bars, labels and counts are drawn with (static/css/charts.css).
CHART_COLOURS = """() => {
    const root = getComputedStyle(document.documentElement);
    const probe = document.createElement("span");
    document.body.appendChild(probe);
    const resolved = name => {
        probe.style.color = root.getPropertyValue(name).trim();
        return getComputedStyle(probe).color;
    };
    const theme = {primary: resolved("--primary"), text: resolved("--text")};
    probe.remove();
    const fills = selector => [...new Set(
        [...document.querySelectorAll("#chart " + selector)].map(e => getComputedStyle(e).fill)
    )];
    return {
        theme,
        bars: fills(".chart__bar"),
        labels: fills(".chart__label"),
        counts: fills(".chart__count:not(.chart__count--zero)"),
    };
}"""


def chart_colours(page: Page) -> dict:
    colours = page.evaluate(CHART_COLOURS)
    theme = colours["theme"]
    assert colours["bars"] == [theme["primary"]], colours
    assert colours["labels"] == colours["counts"] == [theme["text"]], colours
    return theme


def test_the_chart_is_drawn_in_the_themes_colours(
    page: Page, live_server, embedded_api, staff_user
):
    """axe does not check the contrast of SVG text: the chart's bars, labels and counts are
    drawn in the theme's colours, light or dark, as the system asks or as the user chooses."""
    page.emulate_media(color_scheme="light")
    chart_of_status(page, live_server.url)
    expect(page.locator("html")).to_have_attribute("data-theme", "system")
    page.mouse.move(0, 0)  # no bar hovered
    light = chart_colours(page)
    page.emulate_media(color_scheme="dark")
    dark = chart_colours(page)
    assert dark["primary"] != light["primary"] and dark["text"] != light["text"]

    # The user's choice wins over the system's setting, at once.
    page.emulate_media(color_scheme="light")
    assert chart_colours(page) == light
    switch = page.get_by_role("group", name="Theme")
    with page.expect_response(lambda response: response.url.endswith("/accounts/theme/")):
        switch.get_by_role("button", name="Dark").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert chart_colours(page) == dark
    page.emulate_media(color_scheme="dark")
    with page.expect_response(lambda response: response.url.endswith("/accounts/theme/")):
        switch.get_by_role("button", name="Light").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    assert chart_colours(page) == light
    assert page.evaluate("window.__noReload === true")


def test_a_chart_answered_while_a_bars_table_is_out_does_not_take_the_bar_away(
    page: Page, live_server, embedded_api, staff_user
):
    """A chart drawn for the question before, answered while the table a bar asked for is
    still out, is not put in: the bar stays on the page, so the table's answer puts its new
    loaders in place (the context fixture fails the test on htmx's oobErrorNoTarget), and the
    chart comes again for the bar's question."""
    chart_of_status(page, live_server.url)
    held = []
    table = re.compile(re.escape(f"{live_server.url}{LIST}?") + r".*f\.status=Sold")
    page.route(table, lambda route: held.append(route))
    sold = stored(status="Sold")
    page.locator("#chart").get_by_role("link", name=f"Sold: {sold} properties").click()
    wait_until(page, lambda: len(held) == 1)
    # Meanwhile a chart of another field is answered, for the question before the bar's.
    with page.expect_response(lambda response: "/chart/" in response.url) as answer:
        page.get_by_label("Chart of").select_option(label="Property type")
    assert answer.value.ok and "f.status" not in answer.value.url
    page.wait_for_timeout(300)  # room for that answer to be swapped in, were it to be
    expect(page.get_by_role("heading", name="Properties by Status")).to_be_visible()
    expect(page.locator("#chart").get_by_role("link", name=re.compile("^Sold: "))).to_have_count(1)

    page.unroute(table)
    release(held)
    expect(page.locator("#records-count")).to_contain_text(f"of {sold}")
    expect(page.locator("#chart-search input[name='f.status']")).to_have_value("Sold")
    # The new table's loader asks for the chart the form names, for the bar's question.
    expect(page.get_by_role("heading", name="Properties by Property type")).to_be_visible()
    expect(page.locator("#chart-caption")).to_contain_text("matching the search")
    settled(page)


def test_a_search_typed_after_a_bar_is_chosen_is_the_table_shown(
    page: Page, live_server, embedded_api, staff_user
):
    """A bar's table and the search box share the table's queue: a search typed while the bar's
    table is out drops it, so its late answer never replaces the newer table."""
    chart_of_status(page, live_server.url)
    held = []
    bars_table = re.compile(re.escape(f"{live_server.url}{LIST}?f.status=Sold") + "$")
    page.route(bars_table, lambda route: held.append(route))
    sold = stored(status="Sold")
    page.locator("#chart").get_by_role("link", name=f"Sold: {sold} properties").click()
    wait_until(page, lambda: len(held) == 1)
    page.get_by_label("Search properties").press_sequentially("oak", delay=20)
    expect(page).to_have_url(re.compile(r"q=oak"))
    count = page.locator("#records-count").inner_text()
    page.unroute(bars_table)
    release(held)
    page.wait_for_timeout(500)  # room for the bar's answer to arrive, were it still expected
    settled(page)
    expect(page.locator("#records-count")).to_have_text(count)
    assert "q=oak" in page.url and "f.status=Sold" in page.url
