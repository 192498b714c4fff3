"""The records table: one django-tables2 column per schema field, fed one page by the API.

The records API sorts and pages; the table never holds more than the page it is shown, and
`ApiPage` stands in for all `total` records so that counts and page numbers are right.
"""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django_tables2.data import TableData

from recordsadmin.client.domain import Field, Page, Record, Schema, User
from recordsadmin.records import fieldtypes, formatting
from recordsadmin.records.query import ListQuery


class ApiPage(TableData):
    """One page of records from the records API, standing in for all `page.total` of them."""

    def __init__(self, page: Page) -> None:
        super().__init__(list(page.records))
        self.page = page

    def __len__(self) -> int:
        return self.page.total

    def __getitem__(self, key):
        # Whatever slice a paginator asks for is the page the API already returned.
        return self.data if isinstance(key, slice) else self.data[key]

    def order_by(self, aliases) -> None:
        """The records API sorted the page; sorting it again here would be wrong."""

    @property
    def verbose_name(self) -> str:
        return "record"

    @property
    def verbose_name_plural(self) -> str:
        return "records"


# Every column reads the whole record in `render`; pointing the accessor at the id, which every
# record has, spares django-tables2 a failed lookup (and its costly error text) on each cell.
RECORD = tables.A("id")


class FieldColumn(tables.Column):
    """A schema field's values, rendered for its dataType."""

    def __init__(self, field: Field, *, sort_name: str | None, **kwargs) -> None:
        super().__init__(
            verbose_name=field.name, accessor=RECORD, empty_values=(), orderable=False, **kwargs
        )
        self.field = field
        self.sort_name = sort_name

    def render(self, record: Record):
        return fieldtypes.of(self.field).render(record.properties.get(self.field.key))


class PrimaryColumn(FieldColumn):
    """The primary display field, linked to the record's page."""

    def __init__(self, field: Field, *, schema: Schema, **kwargs) -> None:
        super().__init__(field, **kwargs)
        self.schema = schema

    def render(self, record: Record):
        url = reverse("records:record_detail", args=[self.schema.key, record.id])
        label = fieldtypes.of(self.field).link_text(record.properties.get(self.field.key))
        return format_html('<a class="record-link" href="{}">{}</a>', url, label or record.id)


class OwnerColumn(tables.Column):
    def __init__(self, users: dict[str, User], **kwargs) -> None:
        super().__init__(
            verbose_name="Owner", accessor=RECORD, empty_values=(), orderable=False, **kwargs
        )
        self.users = users
        self.sort_name = None

    def render(self, record: Record):
        if not record.owner:
            return formatting.EMPTY
        user = self.users.get(record.owner)
        return user.name if user else record.owner


class TimeColumn(tables.Column):
    def __init__(self, attr: str, *, sort_name: str, **kwargs) -> None:
        super().__init__(accessor=RECORD, empty_values=(), orderable=False, **kwargs)
        self.attr = attr
        self.sort_name = sort_name

    def render(self, record: Record):
        return formatting.time_html(getattr(record, self.attr))


class RecordTable(tables.Table):
    class Meta:
        attrs = {"class": "records-table"}
        orderable = False
        empty_text = ""


def build_table(schema: Schema, page: Page, users: dict[str, User]) -> RecordTable:
    """The primary display field first, the other fields in schema order, then owner, updated."""
    columns: list[tuple[str, tables.Column]] = []
    primary = schema.primary_field
    if primary is not None:
        columns.append(
            ("primary", PrimaryColumn(primary, schema=schema, sort_name=_sort_name(primary)))
        )
    for f in schema.fields:
        if f is not primary:
            columns.append((f"field_{f.key}", FieldColumn(f, sort_name=_sort_name(f))))
    columns.append(("owner", OwnerColumn(users)))
    columns.append(
        ("updated", TimeColumn("updated_at", sort_name="updated", verbose_name="Updated"))
    )
    return RecordTable(ApiPage(page), extra_columns=columns)


def _sort_name(f: Field) -> str | None:
    return f.key if fieldtypes.of(f).sortable else None


def header_cells(table: RecordTable, query: ListQuery) -> list[dict]:
    """Each column's label, sort link and aria-sort value, for the template."""
    cells = []
    for bound in table.columns:
        sort_name = getattr(bound.column, "sort_name", None)
        aria = None
        if sort_name and query.sort.lstrip("-") == sort_name:
            aria = "descending" if query.sort.startswith("-") else "ascending"
        cells.append(
            {
                "name": bound.name,
                "label": bound.header,
                "sort_link": query.sort_link(sort_name) if sort_name else None,
                "aria_sort": aria,
            }
        )
    return cells
