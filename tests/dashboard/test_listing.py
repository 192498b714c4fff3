"""The table's question read from the URL and written back into links."""

from urllib.parse import parse_qs

import pytest
from django.http import QueryDict

from recordsadmin.client.domain import Filter, Sort
from recordsadmin.contract.limits import MAX_SEARCH_PAGE
from recordsadmin.records.query import ListQuery
from tests.support import schemas

SCHEMA = schemas.schema_of_fields(
    [
        schemas.field(key, data_type, name=key.title(), position=n, choices=choices)
        for n, (key, data_type, choices) in enumerate(
            [
                ("address", "TEXT", ()),
                ("price", "MONETORY", ()),
                ("status", "SINGLE_OPTIONS", ("active", "pending", "sold")),
                ("listed_on", "DATE", ()),
                ("notes", "LARGE_TEXT", ()),
            ]
        )
    ],
    singular="Property",
    plural="Properties",
    primary="address",
)


def read(query: str) -> ListQuery:
    return ListQuery.from_params(SCHEMA, QueryDict(query))


def test_defaults():
    query = read("")
    assert (query.q, query.sort, query.page, query.per_page) == ("", "", 1, 25)
    assert query.filters() == []
    assert query.search_sort() == Sort("createdAt", "desc")
    assert not query.is_filtered


def test_per_page_is_clamped_to_100():
    assert read("per_page=500").per_page == 100
    assert read("per_page=50").per_page == 50
    assert read("per_page=-3").per_page == 25
    assert read("per_page=abc").per_page == 25


def test_bad_page_numbers_fall_back_to_the_first():
    assert read("page=0").page == 1
    assert read("page=x").page == 1
    assert read("page=7").page == 7


def test_a_page_past_the_apis_last_is_its_last():
    """A page number the records API would refuse (400) asks for a page past the end."""
    assert read("page=99999999999999999999").page == MAX_SEARCH_PAGE
    assert read(f"page={MAX_SEARCH_PAGE}").page == MAX_SEARCH_PAGE


def test_option_filters_keep_known_keys_only_and_say_which_were_left_out():
    query = read("f.status=active&f.status=sold&f.status=bogus&f.status=bogus")
    assert query.chosen == {"status": ("active", "sold")}
    assert query.filters() == [Filter("status", "eq", ["active", "sold"])]
    assert query.problems == ("“bogus” is not an option of “Status”: left out of the filter.",)
    query = read("f.status=gone&f.status=x%0Ay&f.status=gone")
    assert query.chosen == {} and query.filters() == []
    assert query.problems == ("“gone”, “x y” are not options of “Status”: left out of the filter.",)


def test_ranges_become_gte_and_lte_with_numbers_for_money():
    query = read("min.price=100000&max.price=250000.50&min.listed_on=2026-01-01")
    assert Filter("price", "gte", 100000) in query.filters()
    assert Filter("price", "lte", 250000.5) in query.filters()
    assert Filter("listed_on", "gte", "2026-01-01") in query.filters()


def test_a_range_that_does_not_parse_is_reported_not_sent():
    query = read("min.price=lots&max.listed_on=tomorrow")
    assert query.chosen == {}
    assert len(query.problems) == 2
    assert "Price" in query.problems[0]


def test_the_creation_day_range_is_read_as_whole_utc_days_and_shown_as_chips():
    query = read("min.createdAt=2026-03-01&max.createdAt=2026-03-31")
    assert query.filters() == [
        Filter("createdAt", "gte", "2026-03-01T00:00:00Z"),
        Filter("createdAt", "lt", "2026-04-01T00:00:00Z"),
    ]
    assert [chip["text"] for chip in query.chips()] == [
        "Created is on or after Mar 1, 2026",
        "Created is on or before Mar 31, 2026",
    ]
    assert query.params() == "?min.createdAt=2026-03-01&max.createdAt=2026-03-31"
    assert query.chips()[0]["link"] == "?max.createdAt=2026-03-31"
    control = query.filter_controls()[-1]
    assert control["field"].key == "createdAt" and control["low"] == "2026-03-01"
    assert query.active_filters == 1 and query.is_filtered


@pytest.mark.parametrize("bound", ["1e400", "-1e400", "9007199254740992", "Infinity", "NaN"])
def test_a_range_bound_beyond_the_apis_numbers_is_reported_not_sent(bound):
    query = read(f"max.price={bound}&min.listed_on=2026-01-01")
    assert query.filters() == [Filter("listed_on", "gte", "2026-01-01")]
    assert query.problems == ("“Price” range: enter a number.",)


def test_a_creation_day_that_does_not_parse_is_reported_not_sent():
    query = read("max.createdAt=yesterday")
    assert query.filters() == [] and query.chosen == {}
    assert query.problems == ("“Created” range: enter a date (YYYY-MM-DD).",)


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ("min.price=900000&max.price=100000", "Price"),
        ("min.listed_on=2026-03-31&max.listed_on=2026-03-01", "Listed_On"),
        ("min.createdAt=2026-03-31&max.createdAt=2026-03-01", "Created"),
    ],
)
def test_a_range_whose_from_is_above_its_to_is_searched_as_asked_and_said(params, name):
    query = read(params)
    assert len(query.filters()) == 2  # the search finds nothing, as the chips say it asks
    assert query.problems == (
        f"“{name}” range: From is above To, so no record can be in it. "
        "Swap them to search between the two.",
    )
    assert read("min.price=100000&max.price=100000").problems == ()
    assert read("min.price=100000&max.price=900000").problems == ()


def test_owner_filter():
    assert read("owner=u1").filters() == [Filter("owner", "eq", "u1")]


def test_sort_by_field_time_and_direction():
    assert read("sort=price").search_sort() == Sort("price", "asc")
    assert read("sort=-price").search_sort() == Sort("price", "desc")
    assert read("sort=-updated").search_sort() == Sort("updatedAt", "desc")
    assert read("sort=created").search_sort() == Sort("createdAt", "asc")
    # Unknown fields cannot be sorted by: the default order is used. Long text sorts, as
    # the records API sorts it (recordsadmin/contract/datatypes.py).
    assert read("sort=bogus").search_sort() == Sort("createdAt", "desc")
    assert read("sort=notes").search_sort() == Sort("notes", "asc")


def test_long_queries_are_cut_to_the_api_limit():
    query = read("q=" + "a" * 100)
    assert len(query.q) == 75
    assert query.problems


def test_links_keep_the_question_and_reset_the_page():
    query = read("q=main&f.status=active&sort=price&page=3&per_page=50")
    assert parse_qs(query.sort_link("price")[1:]) == {
        "q": ["main"],
        "f.status": ["active"],
        "sort": ["-price"],
        "per_page": ["50"],
    }
    assert parse_qs(query.sort_link("address")[1:])["sort"] == ["address"]
    assert parse_qs(query.page_link(4)[1:])["page"] == ["4"]
    assert "page" not in parse_qs(query.page_link(1)[1:])
    cleared = parse_qs(query.cleared()[1:])
    assert cleared == {"sort": ["price"], "per_page": ["50"]}


def test_links_round_trip():
    query = read(
        "q=oak&f.status=active&f.status=pending&min.price=5&max.listed_on=2026-02-01&owner=u2&sort=-price&page=2"
    )
    again = read(query.params()[1:])
    assert again == query


def test_a_huge_page_number_shows_the_page_past_the_end(embedded_api, staff_client):
    answer = staff_client.get("/objects/custom_objects.property/", {"page": "99999999999999999999"})
    html = answer.content.decode()
    assert answer.status_code == 200
    assert "This page is past the end" in html and "Go to the last page (3)" in html
