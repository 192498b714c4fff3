"""The records table: django-tables2 declares its columns, their ordering as the records API
sorts them, and its pages over the one page of records the API returned."""

from django.http import QueryDict

from recordsadmin.client.domain import Page, Record, User
from recordsadmin.records.query import ListQuery
from recordsadmin.records.tables import build_table
from tests.support import schemas

FIELDS = [
    schemas.field("address", "TEXT", position=0),
    schemas.field("price", "MONETORY", position=1),
    schemas.field("notes", "LARGE_TEXT", position=2),
    schemas.field("features", "MULTIPLE_OPTIONS", position=3, choices=["pool"]),
]
SCHEMA = schemas.schema(schemas.obj(primary="address"), FIELDS)
RECORDS = tuple(
    Record(id=f"r{n}", properties={"address": f"{n} Main St", "price": n}, owner="u1")
    for n in range(25)
)


def table(query: str = "", *, total: int = 3412, page: int = 1, selectable: bool = False):
    listing = ListQuery.from_params(SCHEMA, QueryDict(query))
    found = Page(records=RECORDS, total=total, page=page, per_page=25)
    users = {"u1": User(id="u1", name="Maya Patel")}
    return build_table(SCHEMA, found, users, query=listing, selectable=selectable)


def test_columns_in_order_each_sortable_as_the_records_api_sorts():
    columns = table().columns
    assert [c.name for c in columns] == [
        "field_address",
        "field_price",
        "field_notes",
        "field_features",
        "owner",
        "updated",
    ]
    sortable = {c.name: c.orderable for c in columns}
    assert sortable == {
        "field_address": True,
        "field_price": True,
        "field_notes": True,  # the records API sorts long text too
        "field_features": False,  # a list has no order
        "owner": False,
        "updated": True,
    }


def test_the_sort_in_the_url_is_the_tables_ordering():
    ordered = table("sort=-price")
    assert list(ordered.order_by) == ["-field_price"]
    price = ordered.columns["field_price"]
    assert price.is_ordered and price.order_by_alias.is_descending
    assert list(table("sort=updated").order_by) == ["updated"]
    assert not table().order_by  # the default order (newest first) is no column's
    assert 'aria-sort="descending"' in ordered.header_html(price)
    assert 'href="?sort=price"' in ordered.header_html(price)  # the other way


def test_the_pages_are_the_records_apis():
    on_page_3 = table(total=3412, page=3)
    assert on_page_3.paginator.num_pages == 137
    assert on_page_3.page.number == 3
    assert (on_page_3.page.start_index(), on_page_3.page.end_index()) == (51, 75)
    assert [row.record.id for row in on_page_3.paginated_rows] == [r.id for r in RECORDS]


def test_a_row_is_its_columns_cells_escaped_and_typed():
    html = table(selectable=True).row_html(RECORDS[1])
    assert html.startswith('<td class="col-select"><input type="checkbox" name="ids" value="r1"')
    assert '<td class="col-primary"><a class="record-link" href="/objects/' in html
    assert '<td class="col-field_price"><span class="num">$1.00</span></td>' in html
    assert '<td class="col-owner">Maya Patel</td>' in html
    # The same cells as django-tables2 renders them one by one.
    row = next(iter(table(selectable=True).paginated_rows))
    assert "".join(f'<td class="{c.column.css}">{cell}</td>' for c, cell in row.items()) == (
        table(selectable=True).row_html(row.record)
    )
