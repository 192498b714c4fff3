"""Template helpers of the table's counts and chart (templates/records/record_list.html and the
partials of recordsadmin/records/views/facets.py): the ids both sides must agree on, and the
table's question as hidden inputs."""

import hashlib
import re
from urllib.parse import urlencode

from django import template
from django.http import QueryDict

from recordsadmin.records.query import ListQuery
from recordsadmin.records.services.charts import chart_fields

register = template.Library()

_NOT_IN_ID = re.compile(r"[^A-Za-z0-9_-]")


def _slug(key: str) -> str:
    """`key` as a part of an id; a key that had to change gets a short hash against clashes."""
    slug = _NOT_IN_ID.sub("-", key)
    return slug if slug == key else f"{slug}-{hashlib.sha256(key.encode()).hexdigest()[:6]}"


@register.filter
def facet_id(key: str, number: int) -> str:
    """The id of the count beside option `number` (from 1) of filter `key`."""
    return f"facet-{_slug(key)}-{number}"


@register.filter
def facet_more_id(key: str) -> str:
    """The id of the place for filter `key`'s "Show counts" button."""
    return f"facet-more-{_slug(key)}"


@register.simple_tag
def search_pairs(query: ListQuery) -> list[tuple[str, str]]:
    """The table's question as (name, value) pairs, for hidden inputs of another form."""
    return [
        (name, value)
        for name, values in QueryDict(query.params().removeprefix("?")).lists()
        for value in values
        if name != "page"
    ]


@register.simple_tag
def chart_choices(query: ListQuery, users) -> list[tuple[str, str]]:
    return chart_fields(query, users or ())


@register.simple_tag
def with_param(url: str, name: str, value: str) -> str:
    """`url` with one more query string parameter."""
    joiner = "" if url.endswith(("?", "&")) else "&" if "?" in url else "?"
    return f"{url}{joiner}{urlencode({name: value})}"
