from django import template
from django.utils.safestring import SafeString

from recordsadmin.records import fieldtypes, formatting
from recordsadmin.records.formatting import esc, html_of

register = template.Library()


@register.filter
def moment(value):
    """When a change of the history was made, as every page and note says it."""
    return formatting.moment_text(value) if value else ""


@register.filter
def reason_words(reason: str) -> str:
    """An item's reason (a sentence: "The record no longer exists.") inside a sentence of the
    job's page: "the record no longer exists"."""
    reason = formatting.cut(str(reason)).rstrip(".")
    return reason[:1].lower() + reason[1:]


@register.filter
def display(record, schema) -> str:
    """The record's primary display value (or its id), cut as pages name it."""
    return formatting.record_name(record, schema)


@register.simple_tag(name="value")
def value_tag(field, value, short=True):
    """One value of `field`, rendered for its dataType and escaped."""
    return fieldtypes.of(field).render(value, short=short)


@register.simple_tag
def table_rows(table):
    """The table's rows on this page (django-tables2's paginated rows), each with its cells."""
    return table.rows_html()


@register.simple_tag
def pages(table, around: int = 2) -> list[dict | None]:
    """The table's page links: the first, the last and `around` pages on each side of the
    current one; None marks the pages left out between them."""
    page, query = table.page, table.query
    numbers = table.paginator.get_elided_page_range(page.number, on_each_side=around, on_ends=1)
    return [
        {"number": n, "text": f"{n:,}", "link": query.page_link(n), "current": n == page.number}
        if isinstance(n, int)
        else None
        for n in numbers
    ]


@register.simple_tag
def page_link(table, number: int) -> str:
    return table.query.page_link(number)


@register.simple_tag
def sort_menu(query) -> SafeString:
    """The order of the cards on a phone, where the table's headers (its sort links) are not
    shown: a menu of links (ListQuery.sort_choices), so that it works without JavaScript and,
    with htmx, redraws the table as a header does. Hidden at desktop widths
    (static/css/table.css). Drawn here rather than by a template loop: the table partial is
    drawn at every keystroke of a search."""
    choices = query.sort_choices()
    # A sort by several columns (shift-click on a desktop's headers) is not one of the menu's.
    current = next((c["label"] for c in choices if c["current"]), "several columns")
    links = "".join(
        f'<li><a href="{esc(c["link"])}" hx-get="{esc(c["link"])}"'
        f"{' aria-current="true"' if c['current'] else ''}>{esc(c['label'])}</a></li>"
        for c in choices
    )
    return html_of(
        f'<details class="sort-menu" hx-sync="#record-search:replace">'
        f"<summary>Sort: {esc(current)}</summary>"
        f'<ul class="sort-menu__list">{links}</ul></details>'
    )
