"""The embedded API's search engine (recordsadmin/sandbox/search.py), against the database.

A small hand-made property listing checks each operator, sort and page with results worked out
by hand; a larger random one checks that the GET and POST forms agree with each other and with
a plain-Python reading of the contract, over many questions.
"""

import datetime as dt
import random
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from recordsadmin.sandbox import indexing, search
from recordsadmin.sandbox.models import Field, Location, ObjectSchema, Record
from recordsadmin.sandbox.search import (
    SearchInvalid,
    build_search_text,
    parse_get,
    parse_post,
    reindex_object,
    run_search,
    search_after_of,
)

pytestmark = pytest.mark.django_db

PREFIX = "custom_objects.property."
T0 = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)
FIELDS = {
    "name": ("TEXT", []),
    "notes": ("LARGE_TEXT", []),
    "price": ("NUMERICAL", []),
    "rent": ("MONETORY", []),
    "status": ("SINGLE_OPTIONS", ["active", "pending", "sold"]),
    "tags": ("MULTIPLE_OPTIONS", ["pool", "garden", "garage"]),
    "listed": ("DATE", []),
    "email": ("EMAIL", []),
    "phone": ("PHONE", []),
    "rooms": ("TEXTBOX_LIST", ["kitchen", "bath"]),
    "photos": ("FILE_UPLOAD", []),
}
# name, hours after T0 (created), properties, owner. "Cedar" and "Birch" share a created time.
LISTING = [
    ("Aspen", 0, {"price": 350000, "rent": 1200.5, "status": "active", "tags": ["pool", "garden"],
                  "listed": "2026-01-05", "notes": "Corner lot, 50% off"}, "u1"),
    ("Birch", 1, {"price": 99.5, "status": "sold", "tags": ["garage"], "listed": "2025-12-31",
                  "email": "birch@example.com"}, "u2"),
    ("Cedar", 1, {"price": 1000, "status": "pending", "tags": [], "listed": "2026-02-01",
                  "rooms": {"kitchen": "big"}}, None),
    ("dogwood", 2, {"price": -5, "status": "active", "listed": "2026-01-05",
                    "photos": [{"url": "https://x.test/a.png", "name": "Front"}]}, "u1"),
    ("Elm", 3, {"rent": 800, "tags": ["pool"], "notes": "near the GARDEN"}, None),
    ("Fir", 4, {"price": None, "status": "sold", "phone": "+1 555 0100"}, "u3"),
]  # fmt: skip
NAMES = [row[0] for row in LISTING]


def make_object(searchable=("name", "notes", "status")) -> ObjectSchema:
    location = Location.objects.create(name="Search tests")
    obj = ObjectSchema.objects.create(
        location=location,
        key="custom_objects.property",
        singular="Property",
        plural="Properties",
        primary_display_property=PREFIX + "name",
        searchable_properties=[PREFIX + key for key in searchable],
    )
    for position, (key, (data_type, options)) in enumerate(FIELDS.items()):
        Field.objects.create(
            location=location,
            object=obj,
            name=key.title(),
            field_key=PREFIX + key,
            data_type=data_type,
            options=[{"key": o, "label": o.title()} for o in options],
            position=position,
        )
    return obj


def add_record(obj, properties, *, created, updated=None, owner=None, record_id=None):
    extra = {"id": record_id} if record_id else {}
    return Record.objects.create(
        location=obj.location,
        object=obj,
        properties=properties,
        search_text=build_search_text(obj, properties),
        owner=owner,
        created_at=created,
        updated_at=updated or created,
        **extra,
    )


@pytest.fixture
def listing() -> ObjectSchema:
    obj = make_object()
    for i, (name, hours, props, owner) in enumerate(LISTING):
        add_record(
            obj,
            {"name": name, **props},
            created=T0 + dt.timedelta(hours=hours),
            # updatedAt runs the other way round from createdAt.
            updated=T0 + dt.timedelta(days=10 - i),
            owner=owner,
            # Cedar's id sorts after Birch's, so the tie-break on createdAt is visible.
            record_id=f"rec{i:02d}",
        )
    return obj


def get(obj, params: dict | str = "") -> tuple[list[str], int]:
    query = params if isinstance(params, str) else urlencode(params, doseq=True)
    records, total = run_search(obj, parse_get(obj, QueryDict(query)))
    return [r.properties["name"] for r in records], total


def post(obj, body: dict) -> tuple[list[str], int]:
    records, total = run_search(obj, parse_post(obj, body))
    return [r.properties["name"] for r in records], total


def names_of(obj, params) -> set[str]:
    names, total = get(obj, params)
    assert total == len(names)
    return set(names)


# --- the text query ------------------------------------------------------------------------


def test_default_order_is_newest_first_with_ties_broken_by_id(listing):
    # Cedar (rec02) and Birch (rec01) were created at the same time: the larger id first.
    assert get(listing) == (["Fir", "Elm", "dogwood", "Cedar", "Birch", "Aspen"], 6)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("aspen", {"Aspen"}),
        ("ASPEN", {"Aspen"}),
        ("garden", {"Elm"}),  # in Elm's notes; Aspen's tag "garden" is not searchable
        ("Sold", {"Birch", "Fir"}),  # a status option, by key or by label
        ("50%", {"Aspen"}),  # LIKE wildcards match themselves
        ("_", set()),
        ("example.com", set()),  # email is not a searchable property
        ("  elm  ", {"Elm"}),
    ],
)
def test_query_searches_the_searchable_properties(listing, query, expected):
    assert names_of(listing, {"query": query}) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("name:elm", {"Elm"}),
        ("notes:garden", {"Elm"}),  # not Aspen, whose name and status do not hold it
        ("name:garden", set()),
        ("status:sold", {"Birch", "Fir"}),  # an option by its label, in that property only
        ("STATUS:Pend", {"Cedar"}),  # key and value in any letter case
        ("notes: corner lot ", {"Aspen"}),  # the value trimmed; spaces inside it kept
        ("notes:lot, 50%", {"Aspen"}),  # LIKE's wildcards match themselves here too
        ("notes:the", {"Elm"}),
        ("name:", set(NAMES)),  # no value: no text to look for, like an empty query
        ('name:"elm"', set()),  # no quoting syntax: the quotes are looked for too
        ("price:99", set()),  # price is not searchable: plain text "price:99"
        ("nope:elm", set()),  # nor is an unknown key: plain text "nope:elm"
        ("name :elm", set()),  # a space before the colon makes no key
    ],
)
def test_a_query_can_be_scoped_to_one_searchable_property(listing, query, expected):
    assert names_of(listing, {"query": query}) == expected
    assert set(post(listing, {"query": query})[0]) == expected


def test_an_unsearchable_or_unknown_key_is_searched_as_plain_text(listing):
    add_record(listing, {"name": "Gum", "notes": "Asking price:99 firm"}, created=T0)
    add_record(listing, {"name": "Hazel", "notes": "see nope:elm"}, created=T0)
    assert names_of(listing, {"query": "price:99"}) == {"Gum"}
    assert names_of(listing, {"query": "Nope:Elm"}) == {"Hazel"}


def test_a_scoped_value_does_not_run_into_the_next_property_or_value(listing):
    # Aspen's searchable texts, in order: "aspen", "corner lot, 50% off", "active", "Active".
    assert names_of(listing, {"query": "name:aspen"}) == {"Aspen"}
    assert names_of(listing, {"query": "name:aspencorner"}) == set()
    assert names_of(listing, {"query": "notes:off"}) == {"Aspen"}
    assert names_of(listing, {"query": "notes:offactive"}) == set()
    assert names_of(listing, {"query": "status:activeactive"}) == set()


def test_a_scoped_query_reads_the_primary_display_property_when_nothing_is_searchable():
    obj = make_object(searchable=())
    add_record(obj, {"name": "Oak Villa", "notes": "pool"}, created=T0)
    assert names_of(obj, {"query": "name:villa"}) == {"Oak Villa"}
    assert names_of(obj, {"query": "notes:pool"}) == set()


def test_marks_in_a_value_cannot_make_it_look_like_another_property(listing):
    forged = f"x{search.FIELD_END}\n\U000f0003forged"
    add_record(listing, {"name": forged}, created=T0)
    assert names_of(listing, {"query": "status:forged"}) == set()
    assert names_of(listing, {"query": "name:xforged"}) == set()
    assert names_of(listing, {"query": "name:forged"}) == {forged}


def test_search_texts_of_an_older_layout_are_written_again_after_migrate(listing):
    Record.objects.filter(id="rec04").update(search_text="elm\nnear the garden")
    assert names_of(listing, {"query": "notes:garden"}) == set()
    assert search.reindex_stale() == [listing.id]
    assert names_of(listing, {"query": "notes:garden"}) == {"Elm"}
    assert search.reindex_stale() == []


def test_query_uses_the_primary_display_property_when_nothing_is_searchable():
    obj = make_object(searchable=())
    add_record(obj, {"name": "Oak Villa", "notes": "pool"}, created=T0)
    assert names_of(obj, {"query": "villa"}) == {"Oak Villa"}
    assert names_of(obj, {"query": "pool"}) == set()


def test_search_text_covers_each_kind_of_value():
    obj = make_object(searchable=("name", "rent", "tags", "rooms", "photos", "price"))
    text = build_search_text(
        obj,
        {
            "name": "Oak",
            "rent": {"currency": "default", "value": 1500},
            "tags": ["pool", "garage"],
            "rooms": {"kitchen": "Open PLAN"},
            "photos": [{"url": "https://x.test/p.png", "name": "Porch"}],
            "price": 2.5,
        },
    )
    # One segment per property, in searchableProperties' order: its mark, its texts one a
    # line, and the end mark.
    marks = [chr(0xF0001 + position) for position in range(6)]
    end = search.FIELD_END
    assert text.split("\n") == [
        f"{marks[0]}oak{end}",
        f"{marks[1]}1500{end}",
        f"{marks[2]}pool",
        "pool",
        "garage",
        f"garage{end}",
        f"{marks[3]}open plan{end}",
        f"{marks[4]}https://x.test/p.png",
        f"porch{end}",
        f"{marks[5]}2.5{end}",
    ]


def test_reindex_object_follows_a_change_of_searchable_properties(listing):
    assert names_of(listing, {"query": "birch@"}) == set()
    listing.searchable_properties = [PREFIX + "email"]
    listing.save()
    reindex_object(listing)
    assert names_of(listing, {"query": "birch@"}) == {"Birch"}
    assert names_of(listing, {"query": "aspen"}) == set()
    text = Record.objects.get(id="rec01").search_text
    assert text == f"\U000f0001birch@example.com{search.FIELD_END}"


def test_reindex_object_works_in_chunks(monkeypatch):
    monkeypatch.setattr(search, "REINDEX_CHUNK", 3)
    obj = make_object(searchable=("name",))
    for i in range(8):
        Record.objects.create(
            location=obj.location, object=obj, properties={"name": f"House {i}"}, created_at=T0
        )
    reindex_object(obj)
    assert sorted(Record.objects.values_list("search_text", flat=True)) == [
        f"\U000f0001house {i}{search.FIELD_END}" for i in range(8)
    ]


# --- the GET form's filters ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"properties.name": "Aspen"}, {"Aspen"}),
        ({"properties.name": "aspen"}, set()),  # equals is exact
        ({"properties.status": "active"}, {"Aspen", "dogwood"}),
        ({"properties.price": "1000"}, {"Cedar"}),
        ({"properties.price": "99.5"}, {"Birch"}),
        ({"properties.rent": "800"}, {"Elm"}),
        ({"properties.tags": "pool"}, {"Aspen", "Elm"}),  # a list field: holds the option
        ({"properties.tags": ["pool", "garden"]}, {"Aspen"}),  # repeated: ANDed
        ({"properties.listed": "2026-01-05"}, {"Aspen", "dogwood"}),
        ({"properties.status[not_eq]": "active"}, {"Birch", "Cedar", "Elm", "Fir"}),
        ({"properties.price[not_eq]": "1000"}, {"Aspen", "Birch", "dogwood", "Elm", "Fir"}),
        ({"properties.tags[not_eq]": "pool"}, {"Birch", "Cedar", "dogwood", "Fir"}),
        ({"properties.name[contains]": "IR"}, {"Birch", "Fir"}),
        ({"properties.notes[contains]": "garden"}, {"Elm"}),
        ({"properties.notes[contains]": "%"}, {"Aspen"}),
        ({"properties.tags[contains]": "garage"}, {"Birch"}),
        ({"properties.name[not_contains]": "ir"}, {"Aspen", "Cedar", "dogwood", "Elm"}),
        ({"properties.notes[not_contains]": "lot"}, {"Birch", "Cedar", "dogwood", "Elm", "Fir"}),
        ({"properties.tags[not_contains]": "pool"}, {"Birch", "Cedar", "dogwood", "Fir"}),
        ({"properties.price[gt]": "99.5"}, {"Aspen", "Cedar"}),
        ({"properties.price[gte]": "99.5"}, {"Aspen", "Birch", "Cedar"}),
        ({"properties.price[lt]": "1000"}, {"Birch", "dogwood"}),
        ({"properties.price[lte]": "1000"}, {"Birch", "Cedar", "dogwood"}),
        ({"properties.price[gt]": "-10", "properties.price[lt]": "200"}, {"Birch", "dogwood"}),
        ({"properties.price[gte]": "1e3"}, {"Aspen", "Cedar"}),  # numbers, not text: 350000
        ({"properties.rent[gt]": "1000"}, {"Aspen"}),
        ({"properties.listed[gt]": "2026-01-05"}, {"Cedar"}),
        ({"properties.listed[gte]": "2026-01-05"}, {"Aspen", "Cedar", "dogwood"}),
        ({"properties.listed[lt]": "2026-01-05"}, {"Birch"}),
        ({"properties.listed[lte]": "2026-01-05"}, {"Aspen", "Birch", "dogwood"}),
        ({"properties.name[gte]": "a"}, {"dogwood"}),  # text compares by code point
        ({"properties.price[exists]": "true"}, {"Aspen", "Birch", "Cedar", "dogwood"}),
        ({"properties.price[not_exists]": "true"}, {"Elm", "Fir"}),  # Fir's price is null
        ({"properties.price[exists]": "false"}, {"Elm", "Fir"}),
        ({"properties.tags[exists]": "true"}, {"Aspen", "Birch", "Cedar", "Elm"}),
        ({"properties.rooms[exists]": "true"}, {"Cedar"}),
        ({"properties.photos[not_exists]": "true"}, set(NAMES) - {"dogwood"}),
        ({"owner": "u1"}, {"Aspen", "dogwood"}),
        ({"owner": "nobody"}, set()),
        ({"owner": "u1", "properties.status": "active", "query": "dog"}, {"dogwood"}),
        ({"locationId": "anything", "properties.status": "sold"}, {"Birch", "Fir"}),
    ],
)
def test_get_filters(listing, params, expected):
    assert names_of(listing, params) == expected


# --- the POST form's filters ---------------------------------------------------------------


def f(field, operator, value=None):
    return {"field": field, "operator": operator, "value": value}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ([f("status", "eq", "active")], {"Aspen", "dogwood"}),
        ([f("properties.status", "eq", "active")], {"Aspen", "dogwood"}),
        ([f("price", "eq", 1000)], {"Cedar"}),
        ([f("price", "eq", "1000")], {"Cedar"}),
        ([f("rent", "eq", 1200.5)], {"Aspen"}),
        ([f("tags", "eq", "pool")], {"Aspen", "Elm"}),
        ([f("tags", "eq", ["pool", "garden"])], {"Aspen"}),
        ([f("status", "not_eq", "active")], {"Birch", "Cedar", "Elm", "Fir"}),
        ([f("name", "contains", "ED")], {"Cedar"}),
        ([f("tags", "contains", "garden")], {"Aspen"}),
        ([f("tags", "not_contains", "garden")], set(NAMES) - {"Aspen"}),
        ([f("notes", "not_contains", "GARDEN")], set(NAMES) - {"Elm"}),
        ([f("price", "exists")], {"Aspen", "Birch", "Cedar", "dogwood"}),
        ([f("price", "not_exists", True)], {"Elm", "Fir"}),
        ([f("price", "range", {"gte": 0, "lte": 1000})], {"Birch", "Cedar"}),
        ([f("price", "range", {"gt": 99.5})], {"Aspen", "Cedar"}),
        ([f("price", "range", {"lt": "0"})], {"dogwood"}),
        ([f("listed", "range", {"gte": "2026-01-01", "lt": "2026-02-01"})], {"Aspen", "dogwood"}),
        ([f("owner", "eq", "u1")], {"Aspen", "dogwood"}),
        ([f("owner", "not_eq", "u1")], {"Birch", "Cedar", "Elm", "Fir"}),
        ([f("owner", "exists")], {"Aspen", "Birch", "dogwood", "Fir"}),
        ([f("owner", "not_exists")], {"Cedar", "Elm"}),
        ([f("createdAt", "eq", "2026-01-01T10:00:00Z")], {"Birch", "Cedar"}),
        ([f("createdAt", "range", {"gte": "2026-01-01T11:00+00:00"})], {"dogwood", "Elm", "Fir"}),
        ([f("createdAt", "range", {"lt": int(T0.timestamp() * 1000) + 1})], {"Aspen"}),
        ([f("updatedAt", "range", {"gt": "2026-01-11"})], {"Aspen"}),  # midnight UTC
        ([f("createdAt", "not_eq", "2026-01-01T10:00:00Z")], set(NAMES) - {"Birch", "Cedar"}),
        (
            [{"group": "OR", "filters": [f("status", "eq", "sold"), f("tags", "eq", "pool")]}],
            {"Aspen", "Birch", "Elm", "Fir"},
        ),
        (
            [
                f("price", "exists"),
                {
                    "group": "OR",
                    "filters": [
                        f("status", "eq", "pending"),
                        {
                            "group": "AND",
                            "filters": [f("tags", "eq", "pool"), f("owner", "eq", "u1")],
                        },
                    ],
                },
            ],
            {"Aspen", "Cedar"},
        ),
        ([{"group": "OR", "filters": []}], set(NAMES)),
        ([{"group": "and", "filters": [f("status", "eq", "active"), f("owner", "eq", "u1")]}],
         {"Aspen", "dogwood"}),
    ],
)  # fmt: skip
def test_post_filters(listing, filters, expected):
    names, total = post(listing, {"locationId": "loc", "filters": filters, "pageLimit": 100})
    assert set(names) == expected
    assert total == len(expected)


def test_post_query_and_filters_together(listing):
    body = {"query": "SOLD", "filters": [f("owner", "eq", "u3")]}
    assert post(listing, body) == (["Fir"], 1)


# --- sort ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sort_by", "order", "expected"),
    [
        ("createdAt", "asc", ["Aspen", "Birch", "Cedar", "dogwood", "Elm", "Fir"]),
        ("createdAt", "desc", ["Fir", "Elm", "dogwood", "Cedar", "Birch", "Aspen"]),
        ("updatedAt", "asc", ["Fir", "Elm", "dogwood", "Cedar", "Birch", "Aspen"]),
        ("updatedAt", "desc", ["Aspen", "Birch", "Cedar", "dogwood", "Elm", "Fir"]),
        # Numbers by value; records without one (Elm, Fir: missing and null) last, by id.
        ("properties.price", "asc", ["dogwood", "Birch", "Cedar", "Aspen", "Elm", "Fir"]),
        ("properties.price", "desc", ["Aspen", "Cedar", "Birch", "dogwood", "Fir", "Elm"]),
        ("properties.rent", "asc", ["Elm", "Aspen", "Birch", "Cedar", "dogwood", "Fir"]),
        ("properties.rent", "desc", ["Aspen", "Elm", "Fir", "dogwood", "Cedar", "Birch"]),
        ("properties.name", "asc", ["Aspen", "Birch", "Cedar", "Elm", "Fir", "dogwood"]),
        ("properties.name", "desc", ["dogwood", "Fir", "Elm", "Cedar", "Birch", "Aspen"]),
        # Dates as YYYY-MM-DD; Aspen and dogwood tie on 2026-01-05 and go by id.
        ("properties.listed", "asc", ["Birch", "Aspen", "dogwood", "Cedar", "Elm", "Fir"]),
        ("properties.listed", "desc", ["Cedar", "dogwood", "Aspen", "Birch", "Fir", "Elm"]),
        ("properties.status", "asc", ["Aspen", "dogwood", "Cedar", "Birch", "Fir", "Elm"]),
        ("properties.email", "desc", ["Birch", "Fir", "Elm", "dogwood", "Cedar", "Aspen"]),
    ],
)
def test_sort(listing, sort_by, order, expected):
    assert get(listing, {"sortBy": sort_by, "sortOrder": order}) == (expected, 6)
    body = {"sort": [{"field": sort_by, "direction": order.upper()}], "pageLimit": 100}
    assert post(listing, body) == (expected, 6)


@pytest.mark.parametrize(
    "sort_by", ["createdAt", "updatedAt", "properties.price", "properties.name"]
)
@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("filtered", [False, True])
def test_every_page_of_one_record_follows_the_order(listing, sort_by, order, filtered):
    # Pages past the middle are read backwards from the end; filtered ones may be sorted
    # from a scan: both give the same order as the first page.
    params = {"sortBy": sort_by, "sortOrder": order, "limit": 100}
    if filtered:
        params["properties.name[not_eq]"] = "Elm"
    everything, total = get(listing, params)
    pages = [get(listing, {**params, "limit": 1, "offset": i}) for i in range(total)]
    assert [name for page, _ in pages for name in page] == everything
    assert {page_total for _, page_total in pages} == {total}


def test_post_sort_by_bare_key_and_by_two_keys(listing):
    body = {"sort": [{"field": "status", "direction": "desc"}, {"field": "price"}]}
    # sold: Birch 99.5, Fir (no price); pending: Cedar; active: dogwood -5, Aspen; none: Elm.
    assert post(listing, body)[0] == ["Birch", "Fir", "Cedar", "dogwood", "Aspen", "Elm"]


def test_sort_order_alone_applies_to_created_at(listing):
    assert get(listing, {"sortOrder": "asc"})[0][:3] == ["Aspen", "Birch", "Cedar"]


# --- pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("limit", "offset", "expected"),
    [
        (2, 0, ["Fir", "Elm"]),
        (2, 2, ["dogwood", "Cedar"]),
        (2, 4, ["Birch", "Aspen"]),
        (4, 4, ["Birch", "Aspen"]),
        (1, 5, ["Aspen"]),
        (100, 6, []),
        (20, 1000, []),
    ],
)
def test_limit_and_offset(listing, limit, offset, expected):
    assert get(listing, {"limit": limit, "offset": offset}) == (expected, 6)


@pytest.mark.parametrize(
    ("page", "page_limit", "expected"),
    [(1, 2, ["Fir", "Elm"]), (2, 2, ["dogwood", "Cedar"]), (3, 2, ["Birch", "Aspen"]), (4, 2, [])],
)
def test_page_and_page_limit(listing, page, page_limit, expected):
    assert post(listing, {"page": page, "pageLimit": page_limit}) == (expected, 6)
    req = parse_post(listing, {"page": page, "pageLimit": page_limit})
    assert (req.page, req.page_limit, req.limit, req.offset) == (
        page,
        page_limit,
        page_limit,
        (page - 1) * page_limit,
    )


def test_defaults(listing):
    req = parse_get(listing, QueryDict(""))
    assert (req.limit, req.offset, req.query, req.filters) == (20, 0, "", [])
    assert req.search_after is None
    req = parse_post(listing, {})
    assert (req.page, req.page_limit, req.limit, req.offset) == (1, 20, 20, 0)


def test_total_counts_every_match_not_the_page(listing):
    assert get(listing, {"limit": 1, "properties.status": "sold"}) == (["Fir"], 2)


def test_deep_pages_read_ids_first_and_give_the_same_records(listing, monkeypatch):
    for sort_by in ("createdAt", "properties.price", "properties.name"):
        for order in ("asc", "desc"):
            params = {"sortBy": sort_by, "sortOrder": order, "limit": 2, "offset": 3}
            shallow = get(listing, params)
            monkeypatch.setattr(search, "DEEP_OFFSET", 1)
            assert get(listing, params) == shallow
            monkeypatch.undo()


def test_a_page_is_two_queries_and_an_empty_result_one(listing, django_assert_num_queries):
    req = parse_get(listing, QueryDict("properties.price[gt]=0&sortBy=properties.price"))
    with django_assert_num_queries(2):  # COUNT, then the page
        records, total = run_search(listing, req)
    assert (len(records), total) == (3, 3)
    req = parse_get(listing, QueryDict("query=no-such-text"))
    # On SQLite one more, before the COUNT: how many candidates the text index holds.
    with django_assert_num_queries(2 if connection.vendor == "sqlite" else 1):
        assert run_search(listing, req) == ([], 0)


def test_filters_and_sort_run_in_the_database(listing):
    req = parse_get(listing, QueryDict("properties.price[gte]=0&sortBy=properties.price&limit=1"))
    with CaptureQueriesContext(connection) as queries:
        run_search(listing, req)
    page_sql = queries.captured_queries[-1]["sql"]
    assert "ORDER BY" in page_sql
    assert "LIMIT 1" in page_sql
    assert "price" in page_sql.split("WHERE", 1)[1]


# --- searchAfter ---------------------------------------------------------------------------


def test_search_after_of_is_created_at_in_ms_and_id():
    record = Record(id="r1", created_at=dt.datetime(2026, 3, 7, 12, 0, 0, 123999, tzinfo=dt.UTC))
    assert search_after_of(record) == [1772884800123, "r1"]


def walk(obj, body: dict) -> list[str]:
    """Every page of a search, each asked for with the previous page's last cursor."""
    seen, cursor = [], None
    for _ in range(100):
        req = parse_post(obj, {**body, "searchAfter": cursor} if cursor else body)
        records, _ = run_search(obj, req)
        if not records:
            return seen
        seen += [r.properties["name"] for r in records]
        cursor = search_after_of(records[-1])
    raise AssertionError("searchAfter did not reach the end")


def test_search_after_visits_every_record_once_in_order(listing):
    everything, _ = post(listing, {"pageLimit": 100})
    assert walk(listing, {"pageLimit": 2}) == everything
    assert walk(listing, {"pageLimit": 4}) == everything
    # page is ignored next to a cursor: the cursor says where the page starts
    cursor = search_after_of(Record.objects.get(properties__name=everything[1]))
    body = {"pageLimit": 2, "page": 3, "searchAfter": cursor}
    assert post(listing, body) == (everything[2:4], 6)


@pytest.mark.parametrize(
    "sort",
    [
        [{"field": "createdAt", "direction": "asc"}],
        [{"field": "price", "direction": "asc"}],
        [{"field": "price", "direction": "desc"}],
        [{"field": "status", "direction": "asc"}, {"field": "updatedAt", "direction": "desc"}],
    ],
)
def test_search_after_follows_any_sort_and_filter(listing, sort):
    body = {"sort": sort, "filters": [f("name", "not_eq", "Elm")], "pageLimit": 100}
    everything, total = post(listing, body)
    assert total == 5
    assert walk(listing, {**body, "pageLimit": 1}) == everything


def test_search_after_within_one_millisecond():
    obj = make_object()
    # Five records inside one millisecond, in an order their ids do not follow.
    for i, micro in enumerate([900, 100, 500, 100, 300]):
        add_record(
            obj,
            {"name": f"r{i}"},
            created=T0 + dt.timedelta(microseconds=micro),
            record_id=f"id{4 - i}",
        )
    everything, _ = post(obj, {"pageLimit": 100})
    assert everything == ["r0", "r2", "r4", "r1", "r3"]
    assert walk(obj, {"pageLimit": 1}) == everything


def test_search_after_a_deleted_record_goes_by_its_time_and_id(listing):
    first_page, _ = post(listing, {"pageLimit": 3})
    cursor = search_after_of(Record.objects.get(properties__name=first_page[-1]))
    Record.objects.filter(properties__name=first_page[-1]).delete()
    assert post(listing, {"pageLimit": 10, "searchAfter": cursor}) == (
        ["Cedar", "Birch", "Aspen"],
        5,
    )


def test_search_after_a_deleted_record_with_a_property_sort_is_refused(listing):
    cursor = [0, "gone"]
    with pytest.raises(SearchInvalid) as error:
        parse_and_run_post(listing, {"searchAfter": cursor, "sort": [{"field": "price"}]})
    assert error.value.field == "searchAfter"


def parse_and_run_post(obj, body):
    return run_search(obj, parse_post(obj, body))


# --- both forms agree, with each other and with the contract -------------------------------

WORDS = ["alpha", "Beta", "gamma", "DELTA", "eps", "zeta", "eta", "Theta"]
STATUSES = ["active", "pending", "sold"]
TAGS = ["pool", "garden", "garage"]


def random_listing(rng: random.Random) -> ObjectSchema:
    obj = make_object()
    for i in range(60):
        props = {"name": f"{rng.choice(WORDS)} {rng.choice(WORDS)} {i}"}
        for key, make in [
            ("price", lambda: rng.choice([rng.randint(-3, 30), rng.randint(0, 60) / 4])),
            ("rent", lambda: rng.randint(5, 15) * 100),
            ("status", lambda: rng.choice(STATUSES)),
            ("tags", lambda: rng.sample(TAGS, rng.randint(0, 3))),
            ("listed", lambda: f"2026-0{rng.randint(1, 3)}-{rng.randint(10, 12)}"),
            ("notes", lambda: " ".join(rng.sample(WORDS, 2))),
        ]:
            roll = rng.random()
            if roll < 0.75:
                props[key] = make()
            elif roll < 0.85:
                props[key] = None
        add_record(
            obj,
            props,
            created=T0 + dt.timedelta(minutes=rng.randint(0, 20)),  # many ties
            updated=T0 + dt.timedelta(minutes=rng.randint(0, 20)),
            owner=rng.choice(["u1", "u2", None]),
        )
    return obj


def random_question(rng: random.Random) -> dict:
    """A question both forms can ask: conditions (key, op, value), query, sort and page."""
    conditions = []
    for _ in range(rng.choice([0, 1, 1, 2, 3])):
        key = rng.choice(["price", "rent", "status", "tags", "listed", "name", "notes", "owner"])
        if key == "owner":
            conditions.append(("owner", "eq", rng.choice(["u1", "u2"])))
            continue
        ops = {
            "price": ["eq", "not_eq", "gt", "gte", "lt", "lte", "exists", "not_exists"],
            "rent": ["eq", "gt", "lte", "exists"],
            "status": ["eq", "not_eq", "contains", "not_exists"],
            "tags": ["eq", "not_eq", "contains", "not_contains", "exists", "not_exists"],
            "listed": ["eq", "gt", "gte", "lt", "lte", "not_eq"],
            "name": ["eq", "contains", "not_contains", "gte"],
            "notes": ["contains", "not_contains", "exists"],
        }[key]
        op = rng.choice(ops)
        value = {
            "price": lambda: rng.choice([rng.randint(-3, 30), rng.randint(0, 60) / 4]),
            "rent": lambda: rng.randint(5, 15) * 100,
            "status": lambda: rng.choice([*STATUSES, "ACT"]),
            "tags": lambda: rng.choice(TAGS),
            "listed": lambda: f"2026-0{rng.randint(1, 3)}-{rng.randint(10, 12)}",
            "name": lambda: rng.choice([w.lower() for w in WORDS] + ["Beta", "a 1"]),
            "notes": lambda: rng.choice(WORDS).upper(),
        }[key]()
        conditions.append((key, op, True if op in ("exists", "not_exists") else value))
    sort_field = rng.choice(
        ["createdAt", "updatedAt", "price", "rent", "status", "listed", "name", None]
    )
    return {
        "conditions": conditions,
        "query": rng.choice(["", "", "a", "eta", "ALPHA", "pool", "1"]),
        "sort": (sort_field, rng.choice(["asc", "desc"])) if sort_field else None,
        "limit": rng.choice([1, 5, 20, 100]),
        "page": rng.choice([1, 1, 2, 3]),
    }


def as_get(q: dict) -> QueryDict:
    params = QueryDict(mutable=True)
    for key, op, value in q["conditions"]:
        name = "owner" if key == "owner" else f"properties.{key}"
        if key != "owner" and op != "eq":
            name += f"[{op}]"
        params.appendlist(name, "true" if value is True else str(value))
    if q["query"]:
        params["query"] = q["query"]
    if q["sort"]:
        field, order = q["sort"]
        params["sortBy"] = field if field.endswith("At") else f"properties.{field}"
        params["sortOrder"] = order
    params["limit"] = str(q["limit"])
    params["offset"] = str((q["page"] - 1) * q["limit"])
    return params


def as_post(q: dict) -> dict:
    filters = []
    for key, op, value in q["conditions"]:
        if op in ("gt", "gte", "lt", "lte"):
            filters.append({"field": key, "operator": "range", "value": {op: value}})
        elif op in ("exists", "not_exists"):
            filters.append({"field": f"properties.{key}", "operator": op})
        else:
            filters.append({"field": key, "operator": op, "value": value})
    body = {"locationId": "loc", "page": q["page"], "pageLimit": q["limit"], "filters": filters}
    if q["query"]:
        body["query"] = q["query"]
    if q["sort"]:
        body["sort"] = [{"field": q["sort"][0], "direction": q["sort"][1]}]
    return body


def expected_answer(obj, q: dict) -> tuple[list[str], int]:
    """The contract read literally, in Python, over every record."""
    records = list(Record.objects.filter(object=obj))

    def holds(record, key, op, value):
        if key == "owner":
            return record.owner == value
        v = record.properties.get(key)
        if op in ("not_eq", "not_contains"):
            return not holds(record, key, op.removeprefix("not_"), value)
        if op in ("exists", "not_exists"):
            return (v is not None) == (op == "exists")
        if v is None:
            return False
        if isinstance(v, list):
            return value in v
        if op == "contains":
            return value.lower() in v.lower()
        compare = {
            "eq": lambda a, b: a == b,
            "gt": lambda a, b: a > b,
            "gte": lambda a, b: a >= b,
            "lt": lambda a, b: a < b,
            "lte": lambda a, b: a <= b,
        }[op]
        return compare(v, value)

    matches = [
        r
        for r in records
        if q["query"].lower() in r.search_text
        and all(holds(r, *condition) for condition in q["conditions"])
    ]
    field, order = q["sort"] or ("createdAt", "desc")
    matches.sort(key=lambda r: r.id, reverse=order == "desc")
    if field.endswith("At"):
        column = "created_at" if field == "createdAt" else "updated_at"
        matches.sort(key=lambda r: getattr(r, column), reverse=order == "desc")
    else:
        present = [r for r in matches if r.properties.get(field) is not None]
        missing = [r for r in matches if r.properties.get(field) is None]
        present.sort(key=lambda r: r.properties[field], reverse=order == "desc")
        matches = present + missing
    start = (q["page"] - 1) * q["limit"]
    return [r.properties["name"] for r in matches[start : start + q["limit"]]], len(matches)


def test_get_and_post_give_the_same_records_as_the_contract_says():
    rng = random.Random(20260307)
    obj = random_listing(rng)
    nonempty = 0
    for _ in range(300):
        q = random_question(rng)
        expected = expected_answer(obj, q)
        by_get = run_search(obj, parse_get(obj, as_get(q)))
        by_post = run_search(obj, parse_post(obj, as_post(q)))
        got_get = ([r.properties["name"] for r in by_get[0]], by_get[1])
        got_post = ([r.properties["name"] for r in by_post[0]], by_post[1])
        assert got_get == expected, q
        assert got_post == expected, q
        nonempty += bool(expected[0])
    assert nonempty > 100  # the questions do find records


# --- what is refused with 400 --------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("limit=", "limit"),
        ("offset=-1", "offset"),
        ("offset=1.5", "offset"),
        ("offset=99999999999999999999", "offset"),
        ("query=" + "x" * 76, "query"),
        ("sortBy=price", "sortBy"),
        ("sortBy=properties.nope", "properties.nope"),
        ("sortBy=properties.tags", "properties.tags"),
        ("sortBy=owner", "sortBy"),
        ("sortOrder=up", "sortOrder"),
        ("properties.nope=1", "properties.nope"),
        ("properties.Price=1", "properties.Price"),
        ("properties.price[between]=1", "properties.price[between]"),
        ("properties.price[]=1", "properties.price[]"),
        ("properties.price=cheap", "properties.price"),
        ("properties.price[gt]=nan", "properties.price[gt]"),
        ("properties.price[contains]=1", "properties.price[contains]"),
        ("properties.tags[gt]=pool", "properties.tags[gt]"),
        ("properties.rooms=big", "properties.rooms"),
        ("properties.listed[gt]=2026-13-01", "properties.listed[gt]"),
        ("properties.listed=yesterday", "properties.listed"),
        ("properties.price[exists]=yes", "properties.price[exists]"),
        ("price=1", "price"),
        ("page=2", "page"),
        ("searchAfter=1", "searchAfter"),
    ],
)
def test_get_refuses(listing, query, field):
    with pytest.raises(SearchInvalid) as error:
        parse_get(listing, QueryDict(query))
    assert error.value.field == field
    assert field.split("[")[0].removeprefix("properties.") in error.value.message


def test_query_of_75_characters_is_allowed(listing):
    assert get(listing, {"query": "x" * 75}) == ([], 0)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"pageSize": 10}, "pageSize"),
        ({"page": 0}, "page"),
        ({"page": "2"}, "page"),
        ({"page": True}, "page"),
        ({"pageLimit": 101}, "pageLimit"),
        ({"pageLimit": 0}, "pageLimit"),
        ({"pageLimit": 2.5}, "pageLimit"),
        ({"query": "x" * 76}, "query"),
        ({"query": 5}, "query"),
        ({"filters": {"field": "price"}}, "filters"),
        ({"filters": ["price"]}, "filters[0]"),
        ({"filters": [f("nope", "eq", 1)]}, "nope"),
        ({"filters": [f("properties.nope", "eq", 1)]}, "properties.nope"),
        ({"filters": [f("price", "gt", 1)]}, "price"),  # the POST form says range
        ({"filters": [f("price", "eq", "cheap")]}, "price"),
        ({"filters": [f("price", "eq", True)]}, "price"),
        ({"filters": [f("price", "contains", 1)]}, "price"),
        ({"filters": [f("price", "range", 5)]}, "price"),
        ({"filters": [f("price", "range", {})]}, "price"),
        ({"filters": [f("price", "range", {"from": 1})]}, "price"),
        ({"filters": [f("name", "eq", 5)]}, "name"),
        ({"filters": [f("tags", "range", {"gt": "a"})]}, "tags"),
        ({"filters": [f("photos", "eq", "x")]}, "photos"),
        ({"filters": [f("listed", "range", {"gt": "01/02/2026"})]}, "listed"),
        ({"filters": [f("createdAt", "range", {"gt": "last week"})]}, "createdAt"),
        ({"filters": [f("createdAt", "contains", "2026")]}, "createdAt"),
        ({"filters": [f("owner", "contains", "u")]}, "owner"),
        ({"filters": [{**f("price", "eq", 1), "extra": 1}]}, "filters[0]"),
        ({"filters": [{"group": "XOR", "filters": []}]}, "filters[0]"),
        ({"filters": [{"group": "OR", "filters": [f("nope", "eq", 1)]}]}, "nope"),
        ({"filters": [f("price", "exists")] * 51}, "filters"),
        ({"sort": [{"field": "nope"}]}, "nope"),
        ({"sort": [{"field": "tags"}]}, "tags"),
        ({"sort": [{"field": "price", "direction": "up"}]}, "direction"),
        ({"sort": [{"field": "price", "order": "asc"}]}, "sort"),
        ({"sort": {"field": "price"}}, "sort"),
        ({"searchAfter": [1]}, "searchAfter"),
        ({"searchAfter": ["x", "id"]}, "searchAfter"),
        ({"searchAfter": [1, 2]}, "searchAfter"),
    ],
)
def test_post_refuses(listing, body, field):
    with pytest.raises(SearchInvalid) as error:
        parse_post(listing, body)
    assert error.value.field == field
    assert field.split("[")[0].removeprefix("properties.") in error.value.message


def test_post_refuses_groups_nested_too_deep(listing):
    filters = [f("price", "exists")]
    for _ in range(search.MAX_GROUP_DEPTH + 1):
        filters = [{"group": "AND", "filters": filters}]
    with pytest.raises(SearchInvalid, match="nest"):
        parse_post(listing, {"filters": filters})
    filters = filters[0]["filters"]  # one level less is allowed
    assert post(listing, {"filters": filters})[1] == 4


# --- the same answers on SQLite and PostgreSQL ---------------------------------------------

# Code point order: digits, capitals, "_", small letters, then letters with accents. A
# language's collation (en-US, say) would put them as "_x", "10", "9", "apple", "Eclair"...
TEXTS = ["apple", "Zebra", "éclair", "Eclair", "_x", "10", "9", "zebra", "Äpfel"]


def test_text_sorts_and_compares_by_code_point_on_every_database():
    obj = make_object()
    for i, name in enumerate(TEXTS):
        add_record(obj, {"name": name}, created=T0 + dt.timedelta(hours=i))
    by_code_point = sorted(TEXTS)
    assert get(obj, "sortBy=properties.name&sortOrder=asc")[0] == by_code_point
    assert get(obj, "sortBy=properties.name&sortOrder=desc")[0] == by_code_point[::-1]
    # backwards from the end (a page past the middle) and by cursor, in the same order
    assert (
        get(obj, "sortBy=properties.name&sortOrder=asc&offset=6&limit=3")[0] == (by_code_point[6:])
    )
    sort = [{"field": "name", "direction": "asc"}]
    assert walk(obj, {"sort": sort, "pageLimit": 2}) == by_code_point
    for op, test in [("gt", str.__gt__), ("lte", str.__le__)]:
        expected = {t for t in TEXTS if test(t, "Zebra")}
        assert names_of(obj, {f"properties.name[{op}]": "Zebra"}) == expected
    # and an index on the property gives the same order
    indexing.ensure_property_indexes(obj)
    assert get(obj, "sortBy=properties.name&sortOrder=asc")[0] == by_code_point


def test_options_are_found_in_lists_exactly_whatever_their_characters():
    obj = make_object()
    odd = ['say "hi"', "café", "50%_off", "back\\slash", "pool"]
    add_record(obj, {"name": "all", "tags": odd}, created=T0)
    add_record(obj, {"name": "near", "tags": ["say", "cafe", "50% off", "pool2"]}, created=T0)
    # a string, not a list, that spells a list's text
    add_record(obj, {"name": "text", "tags": '["pool"]'}, created=T0)
    for option in odd:
        assert names_of(obj, {"properties.tags": option}) == {"all"}
        assert post(obj, {"filters": [f("tags", "eq", [option, "pool"])]})[0] == ["all"]
        expected = {"near", "text"}
        assert names_of(obj, {"properties.tags[not_contains]": option}) == expected


def test_a_non_number_in_a_numeric_property_fails_no_search():
    """Data written around the API (an old import, a changed field) may hold anything."""
    obj = make_object()
    for i, price in enumerate([5, 250.5, "abc", "300", True, {"value": 7}, None, 120]):
        add_record(obj, {"name": f"r{i}", "price": price}, created=T0 + dt.timedelta(hours=i))
    assert names_of(obj, {"properties.price[gte]": "120"}) >= {"r1", "r7"}
    assert names_of(obj, {"properties.price[gte]": "120"}) <= {"r1", "r3", "r7"}
    names, total = get(obj, "sortBy=properties.price&sortOrder=desc&limit=100")
    assert total == 8 and names[:2] in (["r1", "r7"], ["r3", "r1"])
    indexing.ensure_property_indexes(obj)
    assert get(obj, "sortBy=properties.price&sortOrder=desc&limit=100") == (names, total)


def test_json_null_and_a_missing_key_are_both_missing():
    obj = make_object()
    add_record(obj, {"name": "null", "price": None, "status": None}, created=T0)
    add_record(obj, {"name": "absent"}, created=T0)
    add_record(obj, {"name": "set", "price": 1, "status": "sold"}, created=T0)
    for key in ("price", "status"):
        assert names_of(obj, {f"properties.{key}[not_exists]": "true"}) == {"null", "absent"}
        assert names_of(obj, {f"properties.{key}[exists]": "true"}) == {"set"}
    assert names_of(obj, {"properties.status[not_eq]": "sold"}) == {"null", "absent"}
    for order in ("asc", "desc"):
        assert get(obj, f"sortBy=properties.price&sortOrder={order}")[0][0] == "set"


# --- indexes on properties -----------------------------------------------------------------


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The test tables are tiny: make the planner show whether it can use the index.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql)
            plan = " ".join(row[0] for row in cursor.fetchall())
            cursor.execute("RESET enable_seqscan")
            return plan
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return " ".join(row[-1] for row in cursor.fetchall())


def test_property_indexes_serve_sorts_and_comparisons(listing):
    created = indexing.ensure_property_indexes(listing)
    # One per property with an order: not the lists, the text boxes or the files; PostgreSQL
    # has a second one, descending with missing values last.
    per_property = 2 if connection.vendor == "postgresql" else 1
    assert len(created) == 8 * per_property
    assert indexing.ensure_property_indexes(listing) == []
    by_property = created[::per_property]
    name_desc = created[1] if per_property == 2 else by_property[0]
    for params, index in [
        ("sortBy=properties.price&sortOrder=asc", by_property[2]),
        ("sortBy=properties.name&sortOrder=desc", name_desc),
    ]:
        req = parse_get(listing, QueryDict(params))
        with CaptureQueriesContext(connection) as queries:
            run_search(listing, req)
        plan = _plan(queries.captured_queries[-1]["sql"])
        assert index in plan
        assert "TEMP B-TREE" not in plan  # SQLite sorted nothing itself
        assert "Sort" not in plan  # nor did PostgreSQL
    # and the answers are the same as without them
    assert get(listing, {"sortBy": "properties.price"})[0] == [
        "Aspen", "Cedar", "Birch", "dogwood", "Fir", "Elm",
    ]  # fmt: skip
    assert names_of(listing, {"properties.price[gt]": "99.5"}) == {"Aspen", "Cedar"}
