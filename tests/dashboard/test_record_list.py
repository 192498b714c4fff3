"""The records table: whole page or partial, and every control reaching the API as a search."""

import copy
import json
import re
import time
from dataclasses import replace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recordsadmin.contract.limits import MAX_QUERY_LENGTH
from tests.support.fake_service import KEY, PROPERTY, TOKEN, record
from tests.support.stub import Reply

URL = f"/objects/{KEY}/"
HTMX = {"HX-Request": "true", "HX-Current-URL": f"http://testserver{URL}"}


def test_whole_page_without_htmx(staff_client, service):
    response = staff_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    assert 'id="record-search"' in html
    assert 'id="records-table"' in html
    assert "1–25 of 3,412" in html


def test_the_search_box_takes_what_the_records_api_reads_and_no_more(staff_client, service):
    html = staff_client.get(URL).content.decode()
    box = re.search(r'<input type="search" id="q"[^>]*>', html)[0]
    assert f'maxlength="{MAX_QUERY_LENGTH}"' in box


def test_partial_with_htmx_holds_only_the_table(staff_client, service):
    response = staff_client.get(URL, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="records-table"')
    assert "<html" not in html
    assert "topbar" not in html
    assert 'id="record-search"' not in html
    assert "HX-Request" in response["Vary"]


def test_history_restore_gets_the_whole_page(staff_client, service):
    response = staff_client.get(URL, headers={**HTMX, "HX-History-Restore-Request": "true"})
    assert "<html" in response.content.decode()


def test_default_view_is_one_page_of_25_newest_first(staff_client, service):
    staff_client.get(URL)
    (body,) = service.searches()
    assert body["page"] == 1
    assert body["pageLimit"] == 25
    assert body["locationId"] == "loc-dashboard-tests"
    assert body["sort"] == [{"field": "createdAt", "direction": "desc"}]
    assert not body.get("filters")


def test_text_query(staff_client, service):
    staff_client.get(URL, {"q": "Evergreen"}, headers=HTMX)
    assert service.searches()[-1]["query"] == "Evergreen"


def test_status_filter_with_several_values_is_an_or_group(staff_client, service):
    staff_client.get(f"{URL}?f.status=active&f.status=sold", headers=HTMX)
    (group,) = service.searches()[-1]["filters"]
    assert group["group"] == "OR"
    assert {(f["field"], f["operator"], f["value"]) for f in group["filters"]} == {
        ("properties.status", "eq", "active"),
        ("properties.status", "eq", "sold"),
    }


def test_one_status_is_one_filter(staff_client, service):
    staff_client.get(f"{URL}?f.status=pending", headers=HTMX)
    assert service.searches()[-1]["filters"] == [
        {"field": "properties.status", "operator": "eq", "value": "pending"}
    ]


def test_unknown_option_keys_are_not_sent_and_the_page_says_so(staff_client, service):
    answer = staff_client.get(f"{URL}?f.status=<b>bogus</b>", headers=HTMX)
    assert not service.searches()[-1].get("filters")
    assert "“&lt;b&gt;bogus&lt;/b&gt;” is not an option of “Status”" in answer.text
    assert "<b>bogus" not in answer.text


def test_money_and_date_ranges(staff_client, service):
    staff_client.get(
        f"{URL}?min.price=200000&max.price=450000&min.listed_on=2026-01-01", headers=HTMX
    )
    filters = service.searches()[-1]["filters"]
    assert {
        "field": "properties.price",
        "operator": "range",
        "value": {"gte": 200000, "lte": 450000},
    } in filters
    assert {
        "field": "properties.listed_on",
        "operator": "range",
        "value": {"gte": "2026-01-01"},
    } in filters


def test_number_range_and_multi_option_filter(staff_client, service):
    staff_client.get(f"{URL}?min.bedrooms=3&f.features=pool&f.features=garage", headers=HTMX)
    filters = service.searches()[-1]["filters"]
    assert {"field": "properties.bedrooms", "operator": "range", "value": {"gte": 3}} in filters
    (group,) = [f for f in filters if f.get("group")]
    assert group["group"] == "OR"
    assert {(f["field"], f["value"]) for f in group["filters"]} == {
        ("properties.features", "pool"),
        ("properties.features", "garage"),
    }


def test_a_bad_range_is_explained_not_sent(staff_client, service):
    response = staff_client.get(f"{URL}?min.price=lots", headers=HTMX)
    assert "enter a number" in response.content.decode()
    assert not service.searches()[-1].get("filters")


def test_owner_filter(staff_client, service):
    staff_client.get(f"{URL}?owner=u1", headers=HTMX)
    assert service.searches()[-1]["filters"] == [
        {"field": "owner", "operator": "eq", "value": "u1"}
    ]


def test_an_owner_who_is_no_user_is_chosen_in_the_owner_list_and_said(staff_client, service):
    """A former user's id still on records: searched for, and the list says who it is not,
    instead of "Anyone" while the table is filtered."""
    html = staff_client.get(f"{URL}?owner=gone-1").content.decode()
    assert service.searches()[-1]["filters"] == [
        {"field": "owner", "operator": "eq", "value": "gone-1"}
    ]
    assert '<option value="gone-1" selected>gone-1 (not a user of this location)</option>' in html
    assert "not a user of this location" not in staff_client.get(f"{URL}?owner=u1").content.decode()


@pytest.mark.parametrize(
    ("sort", "wire"),
    [
        ("price", {"field": "properties.price", "direction": "asc"}),
        ("-price", {"field": "properties.price", "direction": "desc"}),
        ("-updated", {"field": "updatedAt", "direction": "desc"}),
        ("created", {"field": "createdAt", "direction": "asc"}),
        ("address", {"field": "properties.address", "direction": "asc"}),
    ],
)
def test_sort(staff_client, service, sort, wire):
    staff_client.get(URL, {"sort": sort}, headers=HTMX)
    assert service.searches()[-1]["sort"] == [wire]


def test_sort_headers_say_their_order_and_link_to_the_reverse(staff_client, service):
    html = staff_client.get(URL, {"sort": "price"}, headers=HTMX).content.decode()
    assert 'aria-sort="ascending"' in html
    assert 'href="?sort=-price"' in html
    html = staff_client.get(URL, {"sort": "-price"}, headers=HTMX).content.decode()
    assert 'aria-sort="descending"' in html


def test_page_and_page_size(staff_client, service):
    service.records = [record(n) for n in range(51, 101)]
    response = staff_client.get(URL, {"page": "2", "per_page": "50"}, headers=HTMX)
    body = service.searches()[-1]
    assert (body["page"], body["pageLimit"]) == (2, 50)
    html = response.content.decode()
    assert "51–100 of 3,412" in html
    assert 'aria-current="page"' in html
    assert "page=3" in html and "per_page=50" in html


def test_page_size_above_100_is_clamped(staff_client, service):
    staff_client.get(URL, {"per_page": "500"}, headers=HTMX)
    assert service.searches()[-1]["pageLimit"] == 100


def test_a_warm_table_view_costs_one_api_call(staff_client, service):
    staff_client.get(URL)
    before = len(service.stub.requests)
    for _ in range(3):
        staff_client.get(URL, {"q": "x"}, headers=HTMX)
    assert len(service.stub.requests) - before == 3
    assert all(seen.path.endswith("/records/search") for seen in service.stub.requests[before:])


def test_table_views_in_a_row_share_one_connection_to_the_api(staff_client, service):
    """docs/reliability.md item 24: the pages' calls reuse the client's pooled connection."""
    for n in range(10):
        staff_client.get(f"{URL}?page={n + 1}", headers=HTMX)
    assert len(service.searches()) == 10
    assert service.stub.connections == 1


def test_twenty_page_views_in_the_schemas_lifetime_read_it_once(staff_client, service):
    """docs/reliability.md item 25, over the views: tables and record pages alike."""
    for n in range(10):
        staff_client.get(f"{URL}?page={n + 1}", headers=HTMX)
        staff_client.get(f"{URL}rec{n + 1}/")
    schema_reads = [s for s in service.stub.requests if s.path == f"/objects/{KEY}"]
    user_reads = [s for s in service.stub.requests if s.path == "/users/"]
    assert len(schema_reads) == 1 and len(user_reads) == 1


def test_a_warm_table_view_reads_the_shared_cache_in_one_query(staff_client, service, settings):
    """Its schema, the users, the associations and the user's column layout come in one
    read of the cache (recordsadmin/cacheahead.py); the session is read on its own."""
    assert settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache")
    staff_client.get(URL, {"q": "x"}, headers=HTMX)
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get(URL, {"q": "y"}, headers=HTMX)
    assert response.status_code == 200 and "problem--" not in response.content.decode()
    reads = [q["sql"] for q in queries if "recordsadmin_cache" in q["sql"]]
    assert len(reads) == 2, reads
    assert "sessions" in reads[0] and reads[1].count("records:") == 4, reads
    assert "preference:" in reads[1]


def test_values_render_for_their_type(staff_client, service):
    service.records = [record(1, price=350000, status="sold", listed_on="2026-03-07")]
    service.total = 1
    html = staff_client.get(URL, headers=HTMX).content.decode()
    assert "$350,000.00" in html
    assert ">Sold<" in html
    assert "Mar 7, 2026" in html
    assert "Maya Patel" in html  # the owner's name, not their id
    assert f'href="/objects/{KEY}/rec1/"' in html


def test_remote_values_are_escaped_and_unsafe_links_dropped(staff_client, service):
    service.records = [
        record(
            1,
            address='<script>alert(1)</script>"><img src=x onerror=alert(1)>',
            brochure=[
                {"url": "javascript:alert(1)", "name": "{{ secret }}"},
                {"url": "https://ok.test/b.pdf", "name": "b.pdf"},
            ],
        )
    ]
    service.total = 1
    html = staff_client.get(URL, headers=HTMX).content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;" in html
    assert "javascript:" not in html
    assert 'href="https://ok.test/b.pdf"' in html
    assert "{{ secret }}" in html  # shown as text, never evaluated


def test_empty_search_says_why_and_offers_to_clear(staff_client, service):
    service.records, service.total = [], 0
    html = staff_client.get(URL, {"q": "nowhere", "sort": "price"}, headers=HTMX).content.decode()
    assert "No records match “nowhere”" in html
    assert 'href="?sort=price"' in html  # clears the search, keeps the sort


def test_no_records_yet(staff_client, service):
    service.records, service.total = [], 0
    html = staff_client.get(URL, headers=HTMX).content.decode()
    assert "No records yet" in html
    assert f'href="/objects/{KEY}/new/"' in html


def test_a_page_past_the_end_links_to_the_last(staff_client, service):
    service.records = []
    html = staff_client.get(URL, {"page": "999"}, headers=HTMX).content.decode()
    assert "past the end" in html
    assert "page=137" in html


@pytest.mark.parametrize(
    ("reply", "text", "status"),
    [
        (Reply(503, json={"message": "down"}), "cannot be reached", 503),
        (Reply(500, json={"message": "boom"}), "cannot be reached", 503),
        (Reply(401, json={"statusCode": 401, "message": "Invalid token"}), "GHL_TOKEN", 502),
        (Reply(429, headers={"Retry-After": "30"}), "Try again in 30 seconds", 429),
        (Reply(302, headers={"Location": "http://elsewhere.test/"}), "cannot be reached", 503),
        (Reply(200, body=b"<html>not json"), "cannot be reached", 503),
    ],
)
def test_api_failures_are_explained_in_the_page(staff_client, service, reply, text, status):
    service.search = reply
    page = staff_client.get(URL)
    assert page.status_code == status
    assert text in page.content.decode()
    assert "Traceback" not in page.content.decode()
    assert TOKEN not in page.content.decode()
    partial = staff_client.get(URL, headers=HTMX)
    assert partial.status_code == 200  # htmx swaps it into the table's place
    assert text in partial.content.decode()


def test_a_page_the_api_could_not_give_is_headed_by_what_went_wrong(staff_client, service):
    """With nothing to show but the problem, the problem is the page's heading (one h1); in
    the table's place it is a part of the page, under the object's heading."""
    service.stub.router = lambda seen: Reply(503, json={"message": "down"})
    page = staff_client.get(URL)
    assert page.status_code == 503
    html = page.content.decode()
    assert re.findall(r"<h1[^>]*>(.*?)</h1>", html) == ["The records API cannot be reached"]
    assert "<h2" not in html.split("<main", 1)[1]


def test_the_status_says_the_page_and_the_order_when_they_are_not_the_first_and_newest(
    staff_client, service
):
    def said(**params) -> str:
        html = staff_client.get(URL, params, headers=HTMX).content.decode()
        return re.search(r'data-announce="([^"]*)"', html)[1]

    assert said() == "3,412 properties found"
    assert said(page="2") == "3,412 properties found, page 2 of 137"
    assert said(sort="-price") == "3,412 properties found, sorted by Price, high to low"
    assert said(sort="status,-updated", page="3") == (
        "3,412 properties found, page 3 of 137, sorted by Status, A to Z, then Updated, "
        "newest first"
    )
    # A problem says itself (role=alert): the status adds nothing, so it is not said twice.
    service.search = Reply(503)
    assert said(page="2") == ""


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        (Reply(503), "server error (HTTP 503)"),
        (Reply(200, body=b"<html>"), "malformed JSON"),
        (Reply(302, headers={"Location": "http://elsewhere.test/"}), "redirect (HTTP 302)"),
    ],
)
def test_the_page_says_which_failure_it_was(staff_client, service, reply, why):
    service.search = reply
    html = staff_client.get(URL, headers=HTMX).content.decode()
    assert "cannot be reached" in html and why in html


def test_retry_button_repeats_the_same_view(staff_client, service):
    service.search = Reply(503)
    html = staff_client.get(URL, {"q": "oak"}, headers=HTMX).content.decode()
    assert "Try again" in html
    assert 'hx-get="/objects/custom_objects.property/?q=oak"' in html


def test_a_stuck_api_never_hangs_the_page(staff_client, service, settings):
    service.search = Reply(200, json={"records": [], "total": 0}, delay=10)
    staff_client.get(URL)  # warm the schema
    started = time.monotonic()
    response = staff_client.get(URL)
    assert time.monotonic() - started < settings.GHL_PAGE_DEADLINE + 1
    assert "cannot be reached" in response.content.decode()


def test_a_slow_api_on_a_cold_page_still_answers_within_the_deadline(
    staff_client, service, settings
):
    """Schema, users and search each answer in 0.8 s, inside the read timeout; together they
    would take 2.4 s. The page shares one deadline (2 s) and answers in time (item 18)."""
    settings.GHL_READ_TIMEOUT = 5
    route = service.route
    service.stub.router = lambda seen: replace(route(seen), delay=0.8)
    started = time.monotonic()
    response = staff_client.get(URL)
    assert time.monotonic() - started < settings.GHL_PAGE_DEADLINE + 1
    assert response.status_code in (200, 503)
    assert "cannot be reached" in response.content.decode()


@pytest.mark.parametrize("debug", [False, True])
def test_unknown_object_is_a_404_page(staff_client, service, settings, debug):
    """The dashboard's own page, with DEBUG on too (`make demo`): it says what is missing
    and leads back, where Django's debug page lists the URL patterns."""
    settings.DEBUG = debug
    response = staff_client.get("/objects/custom_objects.nothing/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "There is no object “custom_objects.nothing”" in page
    assert "Back to the dashboard" in page and "URLconf" not in page
    # An address that matches no page is Django's to answer.
    assert staff_client.get("/no-such-page/").status_code == 404


def test_home_goes_straight_to_the_only_object(staff_client, service):
    response = staff_client.get("/")
    assert response.status_code == 302
    assert response["Location"] == URL


def test_a_failing_home_page_offers_no_way_back_to_itself_other_pages_do(staff_client, service):
    route = service.route
    service.stub.router = lambda seen: Reply(503) if seen.path == "/objects/" else route(seen)
    home = staff_client.get("/")
    assert home.status_code == 503 and "cannot be reached" in home.content.decode()
    assert "Back to the dashboard" not in home.content.decode()
    service.stub.router = lambda seen: Reply(503) if "/records/" in seen.path else route(seen)
    record = staff_client.get(URL + "r1/")
    assert "cannot be reached" in record.content.decode()
    assert 'href="/">Back to the dashboard</a>' in record.content.decode()


def test_home_lists_every_object_with_its_description_and_count(staff_client, service):
    showing = {
        "id": "obj2",
        "key": "custom_objects.showing",
        "labels": {"singular": "Showing", "plural": "Showings"},
        "description": "Visits booked by buyers",
    }
    contact = {"id": "c", "key": "contact", "labels": {"singular": "Contact", "plural": "Contacts"}}
    route = service.route

    def two_objects(seen):
        if seen.path == "/objects/":
            return Reply(200, json={"objects": [PROPERTY["object"], showing, contact]})
        if seen.path == "/objects/custom_objects.showing/records/search":
            return Reply(200, json={"records": [], "total": 7})
        return route(seen)

    service.stub.router = two_objects
    html = staff_client.get("/").content.decode()
    assert "Properties" in html and "Homes for sale" in html and "3,412" in html
    assert "Showings" in html and "Visits booked by buyers" in html and "7 records" in html
    assert 'href="/objects/custom_objects.showing/"' in html
    assert "Contacts" not in html  # not a custom object: the records endpoints do not serve it


def test_staff_without_view_permission_get_403(client, staff_without_permissions, service):
    client.force_login(staff_without_permissions)
    assert client.get(URL).status_code == 403
    assert client.get("/").status_code == 403
    assert service.stub.requests == []


def test_the_address_bar_gets_the_question_without_empty_fields(staff_client, service):
    response = staff_client.get(
        f"{URL}?q=&min.price=&f.status=sold&owner=&sort=&per_page=25&page=1", headers=HTMX
    )
    assert response["HX-Push-Url"] == f"{URL}?f.status=sold"
    on_sold = {**HTMX, "HX-Current-URL": f"http://testserver{URL}?f.status=sold"}
    response = staff_client.get(f"{URL}?q=&sort=", headers=on_sold)
    assert response["HX-Push-Url"] == URL


def test_asking_the_same_question_again_adds_no_history_entry(staff_client, service):
    """Enter after search-as-you-type already ran sends the same search: back must not
    need two presses."""
    here = {**HTMX, "HX-Current-URL": f"http://testserver{URL}?q=oak"}
    response = staff_client.get(f"{URL}?q=oak&sort=&page=1", headers=here)
    assert response["HX-Push-Url"] == "false"
    assert "records-table" in response.content.decode()


def test_a_schema_failure_on_an_htmx_request_swaps_the_problem_into_the_table(
    staff_client, service
):
    service.stub.router = lambda seen: Reply(503)
    response = staff_client.get(URL, {"q": "oak"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200  # htmx swaps only a 2xx
    assert "<html" not in html and 'id="records-table"' in html
    assert "cannot be reached" in html and "Try again" in html
    # Said once, by the problem's alert: the table's place is no live region.
    assert '<div id="records-table" class="records">' in html and 'role="alert"' in html
    assert "aria-live" not in html


def test_a_page_past_the_end_says_how_many_records_there_are(staff_client, service):
    service.records = []
    html = staff_client.get(URL, {"page": "999"}).content.decode()
    assert "3,412 records" in html
    assert "24,951" not in html
    assert "past the end" in html


@pytest.mark.parametrize(("asked", "shown"), [("30", 50), ("1", 25), ("100", 100), ("500", 100)])
def test_page_sizes_are_the_offered_ones(staff_client, service, asked, shown):
    staff_client.get(URL, {"per_page": asked})
    assert service.searches()[-1]["pageLimit"] == shown


def test_a_viewer_is_not_offered_to_create_the_first_record(client, viewer, service):
    service.records, service.total = [], 0
    client.force_login(viewer)
    html = client.get(URL).content.decode()
    assert "No records yet" in html
    assert "Create the first" not in html and "/new/" not in html


def test_the_pager_shows_the_ends_and_two_pages_each_side_of_the_current(staff_client, service):
    html = staff_client.get(URL, {"page": "10"}, headers=HTMX).content.decode()
    pager = html[html.index('class="pagination"') :]
    numbers = re.findall(r'aria-label="Page (\d+)"|aria-current="page"[^>]*>(\d+)<', pager)
    shown = [int(a or b) for a, b in numbers]
    assert shown == [1, 8, 9, 10, 11, 12, 137]
    assert pager.count('class="pagination__gap"') == 2
    assert 'href="?page=9" hx-get="?page=9" rel="prev"' in pager
    assert 'href="?page=11" hx-get="?page=11" rel="next"' in pager


def test_rows_have_checkboxes_only_for_who_may_change_or_delete(client, viewer, service):
    client.force_login(viewer)
    html = client.get(URL, headers=HTMX).content.decode()
    assert "col-primary" in html and 'name="ids"' not in html
    assert "Select this page" not in html


def test_the_bulk_forms_token_is_on_the_page_not_in_each_redrawn_table(staff_client, service):
    page = staff_client.get(URL).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page and 'form="bulk-form"' in page
    table = staff_client.get(URL, headers=HTMX).content.decode()
    assert 'id="bulk-form"' in table and "csrfmiddlewaretoken" not in table


@pytest.mark.timing
def test_while_the_breaker_is_open_the_page_says_when_the_api_is_tried_again(
    staff_client, service, settings
):
    """docs/reliability.md item 23: once the breaker is open, a page sends nothing and says at
    what time the records API is tried again (recordsadmin/records/services/breaker.py)."""
    settings.RECORDS_BREAKER_FAILURES = 2
    settings.RECORDS_BREAKER_RESET_SECONDS = 30
    staff_client.get(URL)  # the schema and users, cached
    service.search = Reply(503, json={"message": "down"})
    staff_client.get(URL)  # the search fails (with its retries): the breaker opens
    sent = len(service.stub.requests)
    started = time.monotonic()
    response = staff_client.get(URL)
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    text = response.content.decode()
    assert "cannot be reached" in text and "it will try again at" in text
    assert "(in 30 seconds)" in text or "(in 29 seconds)" in text
    # The person asked to see records and changed nothing: nothing of a change not sent.
    assert "Nothing was sent" not in text
    assert len(service.stub.requests) == sent  # nothing sent
    assert elapsed < 0.5  # a whole page, the database included; the call itself is immediate


# Markup that would run if a page put it in an attribute or a tag unescaped: htmx acts on any
# hx-* attribute it finds, with the CSRF header of the page's <body>.
GADGET = '"><div hx-post="/objects/x/bulk/start/" hx-trigger="load"></div><i class="'


def hostile_schema() -> dict:
    """The Property schema with a field whose key, name and option labels are markup, and
    hostile object labels: the records API is not trusted to keep to its documented shapes."""
    schema = copy.deepcopy(PROPERTY)
    schema["object"]["labels"] = {"singular": f"P{GADGET}", "plural": f"Ps{GADGET}"}
    schema["fields"].append(
        {
            "fieldKey": f"{KEY}.evil{GADGET}",
            "name": f"Evil{GADGET}",
            "dataType": "SINGLE_OPTIONS",
            "position": 9,
            "options": [{"key": f"k{GADGET}", "label": f"L{GADGET}"}],
        }
    )
    return schema


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        (URL, {}),
        (URL, HTMX),
        (f"{URL}?sort=-evil{GADGET}&f.evil{GADGET}=k{GADGET}", HTMX),
        (f"{URL}rec1/", {}),
        (f"{URL}new/", {}),
        (f"{URL}rec1/edit/", {}),
    ],
)
def test_hostile_keys_names_and_labels_from_the_api_never_become_markup(
    staff_client, service, path, headers
):
    service.schema = hostile_schema()
    service.users = {"users": [{"id": "u1", "name": f"Maya{GADGET}", "email": "m@example.com"}]}
    service.records = [record(1, **{f"evil{GADGET}": f"k{GADGET}"})]
    service.total = 1
    response = staff_client.get(path, headers=headers)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Evil" in html  # the field is shown, its name as text
    assert "<div hx-post" not in html
    assert 'class="">' not in html and "<i class" not in html


def test_control_characters_in_a_search_address_are_read_as_spaces(staff_client, service):
    # No one types a NUL into the search box; an address can hold one (%00), and the records
    # API refuses it: the search goes without it.
    response = staff_client.get(
        URL,
        {"q": "oak\x00 lane\n", "c1.field": "address", "c1.op": "contains", "c1.value": "x\x00y"},
        headers=HTMX,
    )
    assert response.status_code == 200
    sent = service.searches()[-1]
    assert sent["query"] == "oak  lane"
    assert "\x00" not in json.dumps(sent)


def test_keys_made_fit_for_an_id_stay_apart():
    from recordsadmin.records.formatting import token

    assert token("price") == "price"  # a key as the API documents them: as it is
    made = {token(text) for text in ("a.b", "a_b", "a b", 'a"b')}
    assert len(made) == 4 and all(re.fullmatch(r"[A-Za-z0-9_-]+", t) for t in made)
