"""The records table: django-tables2 declares its columns, their ordering as the records API
sorts them, and its pages over the one page of records the API returned."""

import re
from html import escape

import pytest
from django.http import QueryDict

from recordsadmin.client.domain import Page, Record, User
from recordsadmin.records.query import ListQuery
from recordsadmin.records.tables import TableLayout, build_table
from recordsadmin.records.templatetags.records import sort_menu
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


def table(
    query: str = "",
    *,
    total: int = 3412,
    page: int = 1,
    selectable: bool = False,
    editable: bool = False,
    layout: TableLayout | None = None,
    schema=SCHEMA,
):
    listing = ListQuery.from_params(schema, QueryDict(query))
    found = Page(records=RECORDS, total=total, page=page, per_page=25)
    users = {"u1": User(id="u1", name="Maya Patel")}
    return build_table(
        schema,
        found,
        users,
        query=listing,
        selectable=selectable,
        editable=editable,
        layout=layout,
    )


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
    header = ordered.header(price)
    assert (header.way, header.first, header.place) == ("descending", True, 0)
    assert header.link == "?sort=price"  # the other way


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
    assert '<span class="num">$1.00</span></td>' in html
    assert '<td class="col-owner">Maya Patel</td>' in html
    # The same cells as django-tables2 renders them one by one.
    row = next(iter(table(selectable=True).paginated_rows))
    cells = re.findall(r"<td[^>]*>(.*?)</td>", table(selectable=True).row_html(row.record))
    assert cells == [str(cell) for _column, cell in row.items()]


def test_each_sort_link_has_an_id_so_focus_can_come_back_to_it_after_a_redraw():
    t = table()
    assert t.header(t.columns["field_price"]).token == "field_price"
    assert t.header(t.columns["updated"]).token == "updated"


def test_the_phones_sort_menu_is_every_sort_choice_as_a_link_its_labels_escaped():
    fields = [schemas.field("address", "TEXT"), schemas.field("price", "MONETORY", name="<b>$</b>")]
    schema = schemas.schema(schemas.obj(primary="address"), fields)
    query = ListQuery.from_params(schema, QueryDict("q=a b&sort=-price&per_page=50"))
    html = sort_menu(query)
    choices = query.sort_choices()
    link = r'<li><a href="([^"]*)" hx-get="\1"( aria-current="true")?>([^<]*)</a>'
    links = re.findall(link, html)
    assert [link for link, _, _ in links] == [escape(c["link"]) for c in choices]
    assert [label for _, _, label in links] == [escape(c["label"]) for c in choices]
    assert [bool(current) for _, current, _ in links] == [c["current"] for c in choices]
    assert "<summary>Sort: &lt;b&gt;$&lt;/b&gt;, high to low</summary>" in html
    assert "<b>" not in html
    assert "?q=a+b&amp;sort=price&amp;per_page=50" in html


def test_the_users_layout_orders_and_hides_columns_the_primary_one_stays_first():
    layout = TableLayout(order=("updated", "field_notes", "field_price"), hidden={"field_notes"})
    t = table(layout=layout, selectable=True)
    assert [c.name for c in t.columns] == [
        "select",
        "field_address",
        "updated",
        "field_price",
        "field_features",  # not in the stored order (new since): after, shown
        "owner",
    ]
    assert [(c["name"], c["shown"]) for c in t.choices] == [
        ("updated", True),
        ("field_notes", False),
        ("field_price", True),
        ("field_features", True),
        ("owner", True),
    ]
    assert "records-table--comfortable" in t.attrs["class"]
    assert "records-table--compact" in table(layout=TableLayout(density="compact")).attrs["class"]


@pytest.mark.parametrize(
    "stored",
    [None, "compact", [], {"order": "field_price"}, {"order": [1, None], "hidden": {"a": 1}}],
)
def test_a_stored_layout_that_does_not_fit_is_the_default(stored):
    assert TableLayout.from_value(stored) == TableLayout()


def test_a_stored_layout_round_trips_and_an_unknown_density_is_comfortable():
    layout = TableLayout(order=("owner", "field_price"), hidden={"owner"}, density="compact")
    assert TableLayout.from_value(layout.to_value()) == layout
    assert TableLayout.from_value({"density": "huge"}).density == "comfortable"


def chooser(*pairs: tuple[str, str]) -> QueryDict:
    form = QueryDict(mutable=True)
    for name, value in pairs:
        form.appendlist(name, value)
    return form


def test_the_choosers_form_moves_hides_and_sets_the_density():
    columns = [("column", "field_price"), ("column", "field_notes"), ("column", "owner")]
    shown = [("show", "field_price"), ("show", "owner")]
    moved = TableLayout().changed(chooser(*columns, *shown, ("move", "up:owner")))
    assert moved.order == ("field_price", "owner", "field_notes")
    assert moved.hidden == {"field_notes"}
    assert moved.density == "comfortable"
    # Past either end nothing moves; a density alone keeps the columns.
    assert TableLayout().changed(chooser(*columns, ("move", "up:field_price"))).order == (
        "field_price",
        "field_notes",
        "owner",
    )
    compact = moved.changed(chooser(("density", "compact")))
    assert (compact.order, compact.density) == (moved.order, "compact")


def test_rows_can_be_reached_by_the_keyboard_and_know_their_edit_page():
    html = table(editable=True).rows_html()
    assert html.startswith(
        '<tr tabindex="-1" data-edit="/objects/custom_objects.x/r0/edit/" '
        'data-cell="/objects/custom_objects.x/r0/cell/FIELD/">'
    )
    # Each cell of a field the form can edit names it, for editing in place; not the primary
    # one (a link to the record).
    assert 'data-field="price" tabindex="-1"' in html
    plain = table().rows_html()
    assert "data-edit" not in plain and "data-field" not in plain


def test_a_phones_card_shows_the_first_three_columns_after_the_primary_and_the_status():
    with_status = schemas.schema(
        schemas.obj(primary="address"),
        [*FIELDS, schemas.field("status", "SINGLE_OPTIONS", position=4, choices=["sold"])],
    )
    html = table(schema=with_status, selectable=True).row_html(RECORDS[0])
    cards = re.findall(r'<td class="([^"]*\bcard-field\b[^"]*)" data-label="([^"]*)"', html)
    assert [label for _css, label in cards] == ["Price", "Notes", "Features"]
    assert '<td class="col-field_status card-status">' in html
    assert 'class="col-select">' in html and 'class="col-owner">' in html
