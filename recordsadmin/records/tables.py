"""The records table: django-tables2 columns over one page of records from the records API.

The table declares its columns (the primary display field linked to its record, the other
fields in schema order, the owner, the last update), each column's ordering as the records
API sorts it (`sort`, the name the URL sorts it by: `price`, `-updated`), and its pagination:
`ApiPage` stands for all `total` records of the search and holds the one page the API returned,
so that django-tables2's paginator counts and numbers the pages right. It renders through
templates/records/_records_table.html.

What the user chose for an object's table (`TableLayout`: which columns, in which order, how
dense the rows) is kept per user as the preference `table:<object key>`; the primary display
column is always shown, first, since it names each row when the table scrolls sideways. On a
phone each row is a card (static/css/table.css): the primary value, the first `CARD_FIELDS`
visible columns after it, and the status (the first single-option field shown).

Each column renders a cell from the whole record through its dataType's class. The template
asks the table for a row's cells at once (`row_html`): django-tables2's per-cell dispatch
(looking the column up by name, resolving an accessor, inspecting `render`'s signature) costs
more than the cells themselves, measured with bench/table_partial.py.
"""

import functools
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote

import django_tables2 as tables
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django_tables2.data import TableData

from recordsadmin.client.domain import Association, Field, Page, Record, Schema, User
from recordsadmin.contract.datatypes import CONTAINS, EQ
from recordsadmin.contract.limits import OWNER, UPDATED_AT
from recordsadmin.contract.textquery import TextQuery
from recordsadmin.records import fieldtypes, formatting
from recordsadmin.records.formatting import esc, html_of
from recordsadmin.records.query import ListQuery
from recordsadmin.records.services import Mark

# Every column reads the whole record; the accessor names the id, which every record has.
RECORD = tables.A("id")
# The placeholder a record's id takes in the link to its page, built once per table.
_ID = "RECORD-ID"
# The placeholder of a field's key in the link to a cell's editor (static/js/table.js fills it).
_FIELD = "FIELD"
DENSITIES = ("comfortable", "compact")
# How many columns after the primary one a row's card shows on a phone.
CARD_FIELDS = 3
# A stored layout is read back with these bounds, whatever was saved.
MAX_COLUMNS = 300
MAX_NAME = 120


def preference_name(schema: Schema) -> str:
    return layout_preference(schema.key)


def layout_preference(key: str) -> str:
    """The name of the user's preference that keeps the table's layout for the object `key`."""
    return f"table:{key}"


@dataclass(frozen=True)
class TableLayout:
    """A user's columns for one object: their `order` (hidden ones keep their place, so that
    showing a column again puts it back where it was), the `hidden` ones, the row `density`.
    Columns not in `order` (fields added to the schema since) come after, shown."""

    order: tuple[str, ...] = ()
    hidden: frozenset[str] = field(default_factory=frozenset)
    density: str = DENSITIES[0]

    @classmethod
    def from_value(cls, value: Any) -> "TableLayout":
        """The layout a stored preference describes; what does not fit is left out."""
        if not isinstance(value, Mapping):
            return cls()
        density = value.get("density")
        return cls(
            order=_names(value.get("order")),
            hidden=frozenset(_names(value.get("hidden"))),
            density=density if density in DENSITIES else DENSITIES[0],
        )

    def to_value(self) -> dict:
        return {"order": list(self.order), "hidden": sorted(self.hidden), "density": self.density}

    def changed(self, form: Any) -> "TableLayout":
        """The layout the column chooser's form asks for: `column` lists every column in
        the order shown, `show` the ticked ones, `move` (`up:<name>`, `down:<name>`) the
        arrow button pressed, `density` the chosen row density."""
        order = list(_names(form.getlist("column")))
        if not order:
            return replace(self, density=_density(form.get("density"), self.density))
        way, _, name = form.get("move", "").partition(":")
        if name in order and way in ("up", "down"):
            at = order.index(name)
            to = at - 1 if way == "up" else at + 1
            if 0 <= to < len(order):
                order[at], order[to] = order[to], order[at]
        shown = set(form.getlist("show"))
        return TableLayout(
            order=tuple(order),
            hidden=frozenset(n for n in order if n not in shown),
            density=_density(form.get("density"), self.density),
        )

    def arrange(self, names: Iterable[str]) -> list[str]:
        """`names` (the columns the schema has today) in the user's order."""
        names = list(names)
        known = [n for n in self.order if n in names]
        return known + [n for n in names if n not in known]


OWNER_COLUMN, UPDATED_COLUMN = "owner", "updated"


def shown_fields(schema: Schema, layout: TableLayout) -> list[Field | str]:
    """What the user's table shows of the records, in its order: the primary display field
    first, then the fields, the owner (OWNER) and the update time (UPDATED_AT) as `layout`
    orders and shows them (an export of the table's columns writes these)."""
    primary = schema.primary_field
    others: dict[str, Field | str] = {
        f"field_{f.key}": f for f in schema.fields if f is not primary
    }
    others |= {OWNER_COLUMN: OWNER, UPDATED_COLUMN: UPDATED_AT}
    shown = [others[name] for name in layout.arrange(others) if name not in layout.hidden]
    return ([primary] if primary is not None else []) + shown


def _names(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        return ()
    found = [n for n in value if isinstance(n, str) and 0 < len(n) <= MAX_NAME]
    return tuple(dict.fromkeys(found))[:MAX_COLUMNS]


def _density(value: Any, default: str) -> str:
    return value if value in DENSITIES else default


class ApiPage(TableData):
    """One page of records from the records API, standing in for all `page.total` of them."""

    def __init__(self, page: Page) -> None:
        super().__init__(list(page.records))
        self.page = page

    def __len__(self) -> int:
        return self.page.total

    def __getitem__(self, key):
        # Whatever slice the paginator asks for is the page the API already returned.
        return self.data if isinstance(key, slice) else self.data[key]

    def order_by(self, aliases) -> None:
        """The records API sorted the page; sorting it again here would be wrong."""

    @property
    def verbose_name(self) -> str:
        return "record"

    @property
    def verbose_name_plural(self) -> str:
        return "records"


class RecordColumn(tables.Column):
    """A column whose cell is HTML made from the whole record (`cell`); `sort` is the name the
    records API sorts it by, None when it cannot be sorted."""

    def __init__(self, *, css: str, sort: str | None = None, **kwargs) -> None:
        super().__init__(
            accessor=RECORD,
            empty_values=(),
            orderable=sort is not None,
            attrs={"th": {"class": css}, "td": {"class": css}},
            **kwargs,
        )
        self.css = css
        self.sort = sort

    def cell(self, record: Record) -> str:
        raise NotImplementedError

    def render(self, record: Record) -> SafeString:
        return html_of(self.cell(record))


class FieldColumn(RecordColumn):
    """A schema field's values, rendered for its dataType."""

    def __init__(self, field: Field, *, css: str = "", **kwargs) -> None:
        self.kind = fieldtypes.of(field)
        sort = field.key if self.kind.sortable else None
        super().__init__(
            verbose_name=field.name,
            css=css or f"col-field_{formatting.token(field.key)}",
            sort=sort,
            **kwargs,
        )
        self.field = field
        self.key = field.key
        # Whether its cells can be edited in place (views/cells.py): the edit form has an
        # input for it. The primary column is a link to the record, edited on its form.
        self.inline = self.kind.editable

    def cell(self, record: Record) -> str:
        return self.kind.render(record.properties.get(self.key))


class PrimaryColumn(FieldColumn):
    """The primary display field, linked to the record's page."""

    def __init__(self, field: Field, *, schema: Schema) -> None:
        super().__init__(field, css="col-primary")
        link = reverse("records:record_detail", args=[schema.key, _ID])
        # Escaped once: a quoted id holds nothing to escape.
        self.before, self.after = (esc(part) for part in link.split(_ID))
        self.inline = False

    def cell(self, record: Record) -> str:
        label = self.kind.link_text(record.properties.get(self.key)) or record.id
        href = self.before + quote(record.id, safe="") + self.after
        return f'<a class="record-link" href="{href}">{esc(label)}</a>'


class OwnerColumn(RecordColumn):
    def __init__(self, users: dict[str, User]) -> None:
        super().__init__(verbose_name="Owner", css="col-owner")
        self.users = users

    def cell(self, record: Record) -> str:
        if not record.owner:
            return formatting.EMPTY
        user = self.users.get(record.owner)
        return esc(user.name if user else record.owner)


class UpdatedColumn(RecordColumn):
    def __init__(self) -> None:
        super().__init__(verbose_name="Updated", css="col-updated", sort="updated")

    def cell(self, record: Record) -> str:
        return updated_html(record)


def updated_html(record: Record, *, oob: bool = False) -> str:
    """A row's "Updated" value, with an id: a cell edited in place sends the row's new one
    (`oob`, views/cells.py)."""
    swap = ' hx-swap-oob="true"' if oob else ""
    shown = formatting.time_html(record.updated_at)
    return f'<span id="{updated_cell_id(record.id)}"{swap}>{shown}</span>'


def updated_cell_id(record_id: str) -> str:
    """The DOM id of a row's "Updated" value."""
    return "updated-" + formatting.token(record_id)


class SelectColumn(RecordColumn):
    """A checkbox per row for bulk work (the table's bulk form), and one to select the page."""

    def __init__(self, schema: Schema) -> None:
        header = mark_safe('<input type="checkbox" data-bulk-page aria-label="Select this page">')
        super().__init__(verbose_name=header, css="col-select")
        self.schema = schema

    def cell(self, record: Record) -> str:
        name = esc(formatting.record_name(record, self.schema))
        return (
            f'<input type="checkbox" name="ids" value="{esc(record.id)}" form="bulk-form" '
            f'aria-label="Select {name}">'
        )


def links_column_name(association: Association) -> str:
    return f"links_{association.key}"


def shown_associations(
    layout: TableLayout, associations: Iterable[Association]
) -> list[Association]:
    """The associations whose columns the user chose to show (hidden by default: a column
    is shown once it is in the layout's order and not hidden)."""
    return [
        a
        for a in associations
        if links_column_name(a) in layout.order and links_column_name(a) not in layout.hidden
    ]


def links_cell_id(association: Association, record_id: str) -> str:
    """The DOM id of a row's cell of an association column: the cells loaded after the table
    (records/_links.html) take its place by it."""
    return "links-" + formatting.token(f"{association.key}-{record_id}")


class LinksColumn(RecordColumn):
    """The records (or contacts) each row is linked to by one association. Its cells are
    loaded after the table (views/links.py, services/links.py: a call per row); until then,
    and without JavaScript, a cell links to the record's page, which lists them."""

    def __init__(self, association: Association, *, schema: Schema) -> None:
        label = association.heading(schema.key)
        super().__init__(verbose_name=f"Linked: {label}", css="col-links")
        self.association = association
        self.schema = schema
        link = reverse("records:record_detail", args=[schema.key, _ID])
        self.before, self.after = link.split(_ID)
        self.hidden_label = esc(f" {label} of ")

    def cell(self, record: Record) -> str:
        href = self.before + quote(record.id, safe="") + self.after
        name = esc(formatting.record_name(record, self.schema))
        return (
            f'<span id="{links_cell_id(self.association, record.id)}" class="links-cell">'
            f'<a href="{esc(href)}">See<span class="visually-hidden">{self.hidden_label}'
            f"{name}</span></a></span>"
        )


def _is_status(column: RecordColumn) -> bool:
    return isinstance(column, FieldColumn) and column.kind.shows_as_status


def _searched(column: RecordColumn, key: str) -> bool:
    """Whether the search text is looked for in the column: a field's, and the one a scoped
    search names."""
    return isinstance(column, FieldColumn) and (not key or column.key == key)


def _sought(query: ListQuery) -> dict[str, list[str]]:
    """By field key, the texts the builder's conditions look for in a field read as text: what
    "contains" or "is" is given (the negations find records without it: nothing to mark)."""
    conditions = query.conditions
    rows = [*conditions.conditions, *(c for g in conditions.groups for c in g.conditions)]
    sought: dict[str, list[str]] = {}
    for c in rows:
        if c.complete and c.op in (EQ, CONTAINS) and isinstance(c.value, str):
            sought.setdefault(c.field, []).append(c.value)
    return sought


def _cell_marker(
    column: RecordColumn,
    asked: TextQuery,
    mark: Callable[[str], str] | None,
    sought: Mapping[str, list[str]],
) -> Callable[[str], str] | None:
    """What marks the matches in a column's cells: the search text where it is looked for,
    and the builder's texts for its field when the field reads as text."""
    searched = _searched(column, asked.key)
    texts = sought.get(column.key, []) if isinstance(column, FieldColumn) else []
    if not texts or not column.kind.matched_as_text:
        return mark if searched else None
    return formatting.highlighter(*texts, *([asked.text] if searched else []))


def _marked(cell: Callable[[Record], str], high: Callable[[str], str]) -> Callable[[Record], str]:
    return lambda record: high(cell(record))


def _td(
    column: RecordColumn,
    cards: list[RecordColumn],
    status: RecordColumn | None,
    *,
    editable: bool = False,
) -> str:
    """A column's opening <td>, written once per table: on a phone the card shows the `cards`
    columns (with their name, `data-label`) and the `status` one. A cell the user may edit in
    place names its field (`data-field`, static/js/table.js)."""
    css, label = column.css, ""
    if column in cards:
        css += " card-field"
        label = f' data-label="{esc(str(column.verbose_name))}"'
    if column is status:
        css += " card-status"
    if editable and getattr(column, "inline", False):
        label += f' data-field="{esc(column.key)}" tabindex="-1"'
    return f'<td class="{css}"{label}>'


@dataclass(frozen=True)
class Header:
    """A column's header cell: `link` sorts by the column alone, `add` by it too (empty when
    the column does not sort); `way` is "ascending" or "descending" when the table is sorted
    by it, `place` its place among several sort columns (0 with one or none), `first` whether
    it is the first (it alone carries aria-sort: a table has one for assistive technology)."""

    css: str
    label: str
    link: str = ""
    add: str = ""
    token: str = ""
    way: str = ""
    place: int = 0
    first: bool = False


class RecordTable(tables.Table):
    """The records of one search page; `query` is the question the table answers (its links)."""

    class Meta:
        template_name = "records/_records_table.html"
        # records-table--cards: on a phone each row is a card (static/css/table.css).
        attrs = {"class": "records-table records-table--cards", "aria-describedby": "records-count"}
        order_by_field = "sort"
        empty_text = ""

    def __init__(
        self,
        data,
        *,
        query: ListQuery,
        layout: TableLayout,
        choices: list[dict],
        edit_link: str = "",
        marks: Mapping[str, Mark] | None = None,
        **kwargs,
    ) -> None:
        super().__init__(data, **kwargs)
        self.query = query
        self.marks = marks or {}
        self.layout = layout
        # The column chooser's lines: every column but the select box and the primary one.
        self.choices = choices
        # What the chooser's drawing depends on (records/_table_settings.html caches it by this).
        drawn = [(c["name"], c["label"], c["shown"]) for c in choices] + [layout.density]
        self.choices_key = hashlib.sha256(repr(drawn).encode()).hexdigest()[:32]
        # The links of a row, escaped once here: each row puts its quoted id between them.
        self.edit_before, _, self.edit_after = (esc(part) for part in edit_link.partition(_ID))
        # Where the association columns' cells are loaded from ("" when none is shown).
        self.links_url = ""
        editable = bool(edit_link)
        shown = [
            b.column for b in self.columns if not isinstance(b.column, SelectColumn | PrimaryColumn)
        ]
        cards = shown[:CARD_FIELDS]
        status = next((c for c in shown if _is_status(c)), None)
        # The search text is marked in the fields' cells (formatting.highlighter); a scoped
        # search's value (`address:oak`) in its field's cells only; a builder condition's
        # text in its own field's cells.
        asked = query.text_query
        mark = formatting.highlighter(asked.text)
        sought = _sought(query)
        self.cells = [
            (
                b.column,
                _td(b.column, cards, status, editable=editable),
                _cell_marker(b.column, asked, mark, sought),
            )
            for b in self.columns
        ]
        # Each cell's opening tag and the function that draws its value (marked where the
        # search text is looked for), bound once for the page's rows.
        self.drawers = [
            (td, c.cell if high is None else _marked(c.cell, high)) for c, td, high in self.cells
        ]
        if editable:
            cell = reverse("records:record_cell", args=[query.schema.key, _ID, _FIELD])
            self.cell_before, _, self.cell_after = (esc(part) for part in cell.partition(_ID))

    @property
    def headers(self) -> list["Header"]:
        """The header cells, in the columns' order."""
        return [self.header(bound) for bound in self.columns]

    def header(self, bound: tables.columns.BoundColumn) -> "Header":
        """What a column's <th> shows (templates/records/_records_table.html): its label, and
        when it sorts, the link that sorts by it alone (or the other way) and the one that
        sorts by it too (shift-click, static/js/table.js); when the table is sorted by it
        (django-tables2's ordering state), its direction and, with several sort columns, its
        place among them."""
        column = bound.column
        label = bound.header  # the select-all box is markup of our own (a SafeString)
        if not bound.orderable:
            return Header(css=column.css, label=label)
        way, place = "", 0
        if bound.is_ordered:
            way = "descending" if bound.order_by_alias.is_descending else "ascending"
            place = self.sort_places.get(column.sort, 1)
        return Header(
            css=column.css,
            label=label,
            link=self.query.sort_link(column.sort),
            add=self.query.sort_add_link(column.sort),
            token=formatting.token(bound.name),
            way=way,
            place=place if len(self.sort_places) > 1 else 0,
            first=place == 1,
        )

    @functools.cached_property
    def sort_places(self) -> dict[str, int]:
        """The sort's keys (columns' `sort` names), each with its place in the order (from 1),
        a key without a column shown (`created`, a hidden one) included."""
        return {key: place for place, (key, _) in enumerate(self.query.sort_keys, 1)}

    def rows_html(self) -> SafeString:
        """The page's rows, one <tr> each."""
        return html_of("".join(self.tr_html(row.record) for row in self.paginated_rows))

    def tr_html(self, record: Record) -> str:
        """A row: focusable for the keyboard (static/js/table.js moves between rows), with
        its record's edit page (`e`) when the user may edit, and the mark of the user's own
        recent write to it (a deleted record has no edit page any more)."""
        edit, mark = "", self.marks.get(record.id)
        if mark:
            edit = f' class="row--{mark.value}"'
        if self.edit_before and mark != Mark.DELETED:
            quoted = quote(record.id, safe="")  # nothing in it to escape; the rest is escaped
            href = self.edit_before + quoted + self.edit_after
            # Where a cell's editor is: the field's key takes the place of FIELD.
            cell = self.cell_before + quoted + self.cell_after
            edit += f' data-edit="{href}" data-cell="{cell}"'
        return f'<tr tabindex="-1"{edit}>{self.row_html(record)}</tr>\n'

    def row_html(self, record: Record) -> SafeString:
        """A row's cells, each its column's cell in a <td> of the column's class; a marked
        row says its mark before its first value, where a long value cut short cannot hide it
        (a deleted one has no checkbox)."""
        mark = self.marks.get(record.id)
        if mark is None:
            return html_of("".join([td + cell(record) + "</td>" for td, cell in self.drawers]))
        cells, badge = [], f'<span class="row-mark row-mark--{mark.value}">{mark.label}</span> '
        for c, td, high in self.cells:
            if isinstance(c, SelectColumn):
                cells.append(f"{td}{'' if mark == Mark.DELETED else c.cell(record)}</td>")
                continue
            cells.append(f"{td}{badge}{high(c.cell(record)) if high else c.cell(record)}</td>")
            badge = ""
        return html_of("".join(cells))


def build_table(
    schema: Schema,
    page: Page,
    users: dict[str, User],
    *,
    query: ListQuery,
    selectable: bool = False,
    editable: bool = False,
    layout: TableLayout | None = None,
    associations: Iterable[Association] = (),
    marks: Mapping[str, Mark] | None = None,
) -> RecordTable:
    """The primary display field first, then the other fields, owner and updated, as the
    user's `layout` orders and shows them (by default: all, in schema order), then a column
    per association of `associations`, hidden until the user shows it (each costs calls:
    services/links.py); a checkbox column first when rows can be `selectable` for bulk
    work; each row knows its edit page when `editable`. Ordered as `query` sorts, one page
    of `page.per_page` rows. `marks` are the rows the user's own recent writes changed,
    while search catches up with them (services/catching_up.py)."""
    layout = layout or TableLayout()
    columns: list[tuple[str, RecordColumn]] = []
    if selectable:
        columns.append(("select", SelectColumn(schema)))
    primary = schema.primary_field
    if primary is not None:
        columns.append((f"field_{primary.key}", PrimaryColumn(primary, schema=schema)))
    others = {f"field_{f.key}": FieldColumn(f) for f in schema.fields if f is not primary}
    others |= {OWNER_COLUMN: OwnerColumn(users), UPDATED_COLUMN: UpdatedColumn()}
    links = {links_column_name(a): LinksColumn(a, schema=schema) for a in associations}
    others |= links
    choices = [
        {
            "name": name,
            "label": str(others[name].verbose_name),
            # An association's column is shown once the user chose it (then it is in `order`).
            "shown": name not in layout.hidden and (name not in links or name in layout.order),
        }
        for name in layout.arrange(others)
    ]
    columns += [(c["name"], others[c["name"]]) for c in choices if c["shown"]]
    edit = reverse("records:record_edit", args=[schema.key, _ID]) if editable else ""
    table = RecordTable(
        ApiPage(page),
        query=query,
        layout=layout,
        choices=choices,
        edit_link=edit,
        marks=marks or {},
        extra_columns=columns,
        order_by=_order_by(columns, query),
        attrs={
            **RecordTable.Meta.attrs,
            "class": f"{RecordTable.Meta.attrs['class']} records-table--{layout.density}",
        },
    )
    if page.records or not page.total:
        table.paginate(per_page=page.per_page, page=page.page)
    shown_links = [
        links[c["name"]].association for c in choices if c["shown"] and c["name"] in links
    ]
    if shown_links and page.records:
        # Where the page's association cells are loaded from, once the table is shown.
        ids = "&".join(f"id={quote(r.id, safe='')}" for r in page.records)
        table.links_url = reverse("records:record_links", args=[schema.key]) + "?" + ids
    return table


def _order_by(columns: list[tuple[str, RecordColumn]], query: ListQuery) -> tuple[str, ...]:
    """The table's ordering, by column name, for the sort the URL asks for (its shown
    columns: a hidden column's key still sorts the records, but has no header to mark)."""
    by_sort = {column.sort: name for name, column in columns if column.sort}
    return tuple(
        f"-{by_sort[key]}" if descending else by_sort[key]
        for key, descending in query.sort_keys
        if key in by_sort
    )
