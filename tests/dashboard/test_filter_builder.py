"""The records table with the filter builder, chips, highlighted matches and several sort
columns: what the page shows and what crosses the wire (the stub of
tests/support/fake_service.py plays the records API)."""

import re
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.dashboard.test_conditions import NAMES, VALUES_JUNK
from tests.support.fake_service import KEY, record

URL = f"/objects/{KEY}/"
HTMX = {"HX-Request": "true", "HX-Current-URL": f"http://testserver{URL}"}
GROUPED = (
    "c1.field=bedrooms&c1.op=gte&c1.value=3"
    "&g1.match=any&g1.c1.field=status&g1.c1.op=eq&g1.c1.value=sold"
    "&g1.c2.field=status&g1.c2.op=eq&g1.c2.value=pending"
)


def test_a_grouped_filter_reaches_the_api_as_a_group(staff_client, service):
    staff_client.get(f"{URL}?{GROUPED}", headers=HTMX)
    assert service.searches()[-1]["filters"] == [
        {"field": "properties.bedrooms", "operator": "range", "value": {"gte": 3}},
        {
            "group": "OR",
            "filters": [
                {"field": "properties.status", "operator": "eq", "value": "sold"},
                {"field": "properties.status", "operator": "eq", "value": "pending"},
            ],
        },
    ]


@pytest.mark.parametrize(
    ("condition", "wire"),
    [
        ("address&c1.op=not_contains&c1.value=Main", {"operator": "not_contains", "value": "Main"}),
        ("price&c1.op=not_eq&c1.value=$5,000", {"operator": "not_eq", "value": 5000}),
        (
            "listed_on&c1.op=lt&c1.value=Mar 15, 2026",
            {"operator": "range", "value": {"lt": "2026-03-15"}},
        ),
        ("features&c1.op=eq&c1.value=pool", {"operator": "eq", "value": "pool"}),
        ("brochure&c1.op=not_exists", {"operator": "not_exists"}),
    ],
)
def test_operators_of_each_type_on_the_wire(staff_client, service, condition, wire):
    staff_client.get(f"{URL}?c1.field={condition}", headers=HTMX)
    (sent,) = service.searches()[-1]["filters"]
    assert sent == {"field": f"properties.{condition.split('&')[0]}", **wire}


def test_several_sort_columns_reach_the_api_as_a_list_and_the_headers_say_their_order(
    staff_client, service
):
    html = staff_client.get(URL, {"sort": "status,-price"}, headers=HTMX).content.decode()
    assert service.searches()[-1]["sort"] == [
        {"field": "properties.status", "direction": "asc"},
        {"field": "properties.price", "direction": "desc"},
    ]
    status = re.search(r'<th [^>]*class="col-field_status"[^>]*>.*?</th>', html).group(0)
    price = re.search(r'<th [^>]*class="col-field_price"[^>]*>.*?</th>', html).group(0)
    assert (
        'aria-sort="ascending"' in status and 'class="sort__order" aria-hidden="true">1<' in status
    )
    assert "aria-sort" not in price  # one header carries aria-sort
    assert 'data-sort="descending"' in price and "(sort 2, descending)" in price
    # A plain click reverses the first column alone; shift adds (data-sort-add).
    assert 'href="?sort=-status"' in status
    assert 'data-sort-add="?sort=status%2C-price%2Cupdated"' in html


def test_the_search_text_is_marked_in_cells_and_nowhere_else(staff_client, service):
    service.records = [
        record(1, address="12 Oak & Main <Oakland>", listed_on="2026-03-07"),
        record(2, address="1 Elm Street"),
    ]
    service.total = 2
    html = staff_client.get(URL, {"q": "oak"}, headers=HTMX).content.decode()
    cell = re.search(r'<a class="record-link" href="([^"]*)">(.*?)</a>', html)
    assert cell.group(2) == "12 <mark>Oak</mark> &amp; Main &lt;<mark>Oak</mark>land&gt;"
    assert "mark" not in cell.group(1)
    assert "1 Elm Street</a>" in html
    # Escaped text is matched as text: "amp" is no match inside "&amp;".
    html = staff_client.get(URL, {"q": "amp"}, headers=HTMX).content.decode()
    assert "<mark>" not in html.split("<tbody>")[1]
    html = staff_client.get(URL, {"q": "& Main"}, headers=HTMX).content.decode()
    assert "Oak <mark>&amp; Main</mark> &lt;" in html


def test_chips_above_the_table_remove_one_filter_each(staff_client, service):
    html = staff_client.get(f"{URL}?q=oak&owner=u1&{GROUPED}", headers=HTMX).content.decode()
    chips = html[html.index('class="chips"') : html.index('class="records__bar"')]
    texts = re.findall(r'<span class="chip__text">(.*?)</span>', chips)
    assert texts == [
        "Text “oak”",
        "Owner is Maya Patel",
        "Bedrooms is at least 3",
        "Status is Sold",
        "Status is Pending",
    ]
    assert '<span class="chip-group__label">Any of</span>' in chips
    links = re.findall(r'class="chip__remove" id="chip-\d" href="([^"]*)"', chips)
    without_sold = links[3].replace("&amp;", "&")
    staff_client.get(URL + without_sold, headers=HTMX)
    assert service.searches()[-1]["filters"][-1] == {
        "field": "properties.status",
        "operator": "eq",
        "value": "pending",
    }
    assert "Clear all" in chips and 'href="?"' in chips


def test_the_partial_brings_the_builder_out_of_band_and_the_page_holds_it_once(
    staff_client, service
):
    partial = staff_client.get(f"{URL}?{GROUPED}", headers=HTMX).content.decode()
    assert partial.count('id="filter-builder"') == 1
    assert 'id="filter-builder" class="builder" data-state="' in partial
    assert 'hx-swap-oob="true"' in partial
    page = staff_client.get(f"{URL}?{GROUPED}").content.decode()
    assert page.count('id="filter-builder"') == 1
    assert "hx-swap-oob" not in page
    assert '<details class="filters" open>' in page
    builder = page[page.index('id="filter-builder"') :]
    assert 'name="g1.c2.value"' in builder
    assert '<option value="pending" selected>Pending</option>' in builder
    assert '<option value="gte" selected>is at least</option>' in builder


def test_the_builder_is_sent_again_only_when_the_pages_is_made_of_other_rows(staff_client, service):
    """static/js/filters.js sends the page's builder's data-state as X-Filter-Builder."""
    first = staff_client.get(f"{URL}?{GROUPED}", headers=HTMX).content.decode()
    drawn = re.search(r'id="filter-builder" class="builder" data-state="(\w+)"', first).group(1)
    same = {**HTMX, "X-Filter-Builder": drawn}
    # Another page, sort or search text, or another operator or value in the same rows.
    for other in (
        f"{GROUPED}&page=2",
        f"{GROUPED}&sort=-price&q=oak",
        GROUPED.replace("gte", "lt"),
    ):
        assert (
            'id="filter-builder"'
            not in staff_client.get(f"{URL}?{other}", headers=same).content.decode()
        )
    for changed in (f"{GROUPED}&add=c", GROUPED.replace("c1.field=bedrooms", "c1.field=price")):
        assert (
            'id="filter-builder"'
            in staff_client.get(f"{URL}?{changed}", headers=same).content.decode()
        )
    response = staff_client.get(f"{URL}?{GROUPED}", headers=same)
    assert "X-Filter-Builder" in response["Vary"]


def test_add_condition_without_javascript_reloads_with_one_more_row_in_focus(staff_client, service):
    """The plain form sends every field and the button's add=c."""
    form = {"q": "", "c1.field": "bedrooms", "c1.op": "gte", "c1.value": "3", "add": "c"}
    page = staff_client.get(URL, form).content.decode()
    assert '<select id="c2-field" name="c2.field" autofocus>' in page
    assert '<details class="filters" open>' in page
    assert service.searches()[-1]["filters"] == [
        {"field": "properties.bedrooms", "operator": "range", "value": {"gte": 3}}
    ]


def test_with_htmx_the_address_bar_gets_the_question_without_the_buttons_and_empty_rows(
    staff_client, service
):
    form = {"c1.field": "price", "c1.op": "gt", "c1.value": "5", "c2.field": "address"}
    response = staff_client.get(URL, {**form, "add": "g", "c1.was": "price:gt"}, headers=HTMX)
    assert response["HX-Push-Url"] == f"{URL}?" + urlencode(
        {"c1.field": "price", "c1.op": "gt", "c1.value": "5"}
    )
    assert 'id="g1-c1-field" name="g1.c1.field" autofocus' in response.content.decode()


def test_bad_filter_input_is_said_and_the_table_shows_without_it(staff_client, service):
    bad = (
        "c1.field=price&c1.op=gt&c1.value=lots&c2.field=nope&c2.value=1"
        "&c3.field=address&c3.op=like&c3.value=x&g1.g1.c1.field=price&sort=bogus,price"
        "&c4.field=listed_on&c4.op=eq&c4.value=2026-13-01"
        "&f.nope=1&min.nope=5&max.gone=5&f.price=3&min.status=2&f.address=x&min.price="
    )
    response = staff_client.get(f"{URL}?{bad}")
    assert response.status_code == 200
    html = response.content.decode()
    for said in (
        "“lots” is not a number",
        "there is no field “nope”",
        "unknown operator “like”",
        "“g1.g1” was left out",
        "cannot be sorted by “bogus”",
        "“2026-13-01” is not a date",
        "There is no field “nope”: “f.nope”, “min.nope” were left out.",
        "There is no field “gone”: “max.gone” was left out.",
        "“Price” is not filtered by options: “f.price” was left out.",
        "“Status” is not filtered by a range: “min.status” was left out.",
        "“Address” is not filtered by options: “f.address” was left out.",
    ):
        assert said in html
    alerts = re.findall(r'<div class="alert alert--warning" role="status">(.*?)</div>', html)
    assert not [text for text in alerts if "min.price" in text]  # left empty: nothing to say
    assert "1–25 of 3,412" in html  # the table is there
    body = service.searches()[-1]
    assert "filters" not in body
    assert body["sort"] == [{"field": "properties.price", "direction": "asc"}]
    # What the table's own forms and links send is read, not said.
    good = (
        "q=oak&f.status=sold&min.price=&max.price=5&min.listed_on=2026-01-01&owner=u1"
        "&min.createdAt=2026-01-01&max.createdAt=&sort=-price,status&per_page=50&page=2"
        "&match=any&c1.field=price&c1.op=gte&c1.value=1"
    )
    html = staff_client.get(f"{URL}?{good}").content.decode()
    assert "alert--warning" not in html


@pytest.mark.parametrize(
    "address",
    ["c1.field=price&c1.field=address&c1.value=1", "c1.field=address&c1.value=" + "x" * 300],
)
def test_what_no_form_sends_is_a_400_page_that_still_says_why(staff_client, service, address):
    response = staff_client.get(f"{URL}?{address}")
    assert response.status_code == 400
    assert "This address cannot be read" in response.content.decode()


def test_a_warm_table_view_with_filters_and_sorts_costs_one_api_call(staff_client, service):
    staff_client.get(URL)  # schema and users, cached
    before = len(service.stub.requests)
    staff_client.get(f"{URL}?q=oak&{GROUPED}&sort=status,-price", headers=HTMX)
    staff_client.get(f"{URL}?{GROUPED}&add=g1", headers=HTMX)
    staff_client.get(f"{URL}?{GROUPED}&f.status=sold&min.price=1")
    seen = service.stub.requests[before:]
    assert [s.path.endswith("/records/search") for s in seen] == [True, True, True]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pairs=st.lists(st.tuples(NAMES, VALUES_JUNK), max_size=15), htmx=st.booleans())
def test_junk_parameters_never_make_a_500(staff_client, service, pairs, htmx):
    response = staff_client.get(URL + "?" + urlencode(pairs), headers=HTMX if htmx else {})
    assert response.status_code in (200, 400)
    html = response.content.decode()
    assert 'id="records-table"' in html
    if response.status_code == 400:
        assert "This address cannot be read" in html
