"""Saved views of a table: a search and a set of columns kept under a name, private or shared.

A view's search is the address bar's query string as `ListQuery` reads and writes it
(recordsadmin/records/query.py), normalised through it when saved, so that whatever the table
learns to put in its address is saved and opened with no change here. Its columns are the
column chooser's value (recordsadmin/records/tables.py TableLayout), kept as given.

A view names fields; the schema may lose some of them later. The view still opens: what named
a missing field is left out, and `saved_view_dropped` says what, in the words of the schema
the view was saved with (`labels`).

Each tab shows how many records its view matches: a search of one record read for its total,
at background priority (recordsadmin/client/budget.py), cached for a short time and shared
by everyone (the same search counts the same for every user), at most
RECORDS_VIEW_COUNT_CALLS calls per strip of tabs. A strip stops counting when the rate
budget has no place for a background call within RECORDS_COUNT_WAIT (as the filters' counts),
or the records API fails.
"""

from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone

from recordsadmin.client.budget import background
from recordsadmin.client.config import connection
from recordsadmin.client.domain import Schema
from recordsadmin.client.errors import RateLimited, RecordsApiError
from recordsadmin.client.retry import deadline_in
from recordsadmin.records import conditions as builder
from recordsadmin.records.models import DefaultView, SavedView
from recordsadmin.records.query import ListQuery

from .records import record_search
from .schemas import cache_key

NAME_MAX_LENGTH = SavedView.NAME_MAX_LENGTH
CHANGE_SHARED = "records.change_shared_view"
# How long one strip of tabs may take to count: past it, the rest are not counted this time.
COUNTS_DEADLINE_SECONDS = 3.0
# The prefix of a field's column in a TableLayout (recordsadmin/records/tables.py).
FIELD_COLUMN = "field_"


class ViewNameInvalid(ValueError):
    """The name cannot be used; the message says why, for the person who typed it."""


class ViewNotAllowed(Exception):
    """The user may see the view but not change it; the message says who may."""


# -- reading -------------------------------------------------------------------------------


def _table(schema: Schema) -> Q:
    return Q(location_id=connection().location_id, object_key=schema.key)


def saved_view_list(*, user, schema: Schema) -> list[SavedView]:
    """The views the user sees on the object's table: their private ones, then the shared
    ones (theirs and others'), each by name."""
    found = SavedView.objects.filter(_table(schema)).filter(Q(owner=user) | Q(shared=True))
    return list(found.select_related("owner"))


def saved_view_get(*, user, schema: Schema, view_id: int) -> SavedView:
    """One view the user may see on this object's table; SavedView.DoesNotExist for another
    user's private view, or a view of another object or location, as for no view at all."""
    found = SavedView.objects.filter(_table(schema)).filter(Q(owner=user) | Q(shared=True))
    return found.select_related("owner").get(pk=view_id)


def saved_view_can_change(*, user, view: SavedView) -> bool:
    """The owner may change a view; a shared one also whoever has records.change_shared_view."""
    return view.owner_id == user.pk or (view.shared and user.has_perm(CHANGE_SHARED))


def view_state(*, schema: Schema, params: str) -> str:
    """The table's search as a view keeps it: the query string as `ListQuery` writes it, on
    its first page, without "?"."""
    query = ListQuery.from_params(schema, QueryDict(params.removeprefix("?")))
    return query.params(page=1).removeprefix("?")


def saved_view_query(*, schema: Schema, view: SavedView) -> ListQuery:
    """The view's search as the table asks it today (what names a missing field left out)."""
    return ListQuery.from_params(schema, QueryDict(view.params))


# -- writing -------------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise ViewNameInvalid("Give the view a name.")
    if len(name) > NAME_MAX_LENGTH:
        raise ViewNameInvalid(
            f"A view's name can be at most {NAME_MAX_LENGTH} characters; this one has {len(name)}."
        )
    return name


def _check_unique(view: SavedView, schema: Schema) -> None:
    taken = SavedView.objects.filter(
        location_id=view.location_id, object_key=view.object_key, name__iexact=view.name
    ).exclude(pk=view.pk)
    if view.shared and taken.filter(shared=True).exists():
        raise ViewNameInvalid(
            f"There is already a shared view named “{view.name}” on {schema.plural}."
        )
    if not view.shared and taken.filter(shared=False, owner_id=view.owner_id).exists():
        raise ViewNameInvalid(f"You already have a view named “{view.name}” on {schema.plural}.")


def _save(view: SavedView, schema: Schema) -> SavedView:
    _check_unique(view, schema)
    try:
        # Its own savepoint: two saves of one name at once leave one, and the request's
        # transaction usable for the message.
        with transaction.atomic():
            view.save()
    except IntegrityError:
        _check_unique(view, schema)
        raise
    return view


def _known_columns(schema: Schema, names) -> list:
    """The column names without those of fields the schema no longer has."""
    return [
        name
        for name in names or ()
        if not (isinstance(name, str) and name.startswith(FIELD_COLUMN))
        or schema.field(name.removeprefix(FIELD_COLUMN)) is not None
    ]


def _state(view: SavedView, schema: Schema, params: str, columns: dict) -> None:
    view.params = view_state(schema=schema, params=params)
    view.columns = {
        **columns,
        "order": _known_columns(schema, columns.get("order")),
        "hidden": _known_columns(schema, columns.get("hidden")),
    }
    view.labels = {f.key: f.name for f in schema.fields}


def saved_view_create(
    *, user, schema: Schema, name: str, shared: bool, params: str, columns: dict
) -> SavedView:
    """Save the table's search (`params`, the address's query string) and `columns` under
    `name`; ViewNameInvalid says why the name cannot be used."""
    view = SavedView(
        location_id=connection().location_id,
        object_key=schema.key,
        owner=user,
        name=_clean_name(name),
        shared=bool(shared),
    )
    _state(view, schema, params, columns)
    return _save(view, schema)


def saved_view_refusal(*, user, view: SavedView) -> str:
    """Why the user may not change the view, for them to read; "" when they may."""
    if saved_view_can_change(user=user, view=view):
        return ""
    owner = view.owner.get_username()
    return (
        f"“{view.name}” is shared by {owner}. Only {owner}, or someone allowed to change "
        "shared views, can change or delete it."
    )


def _may_change(user, view: SavedView) -> None:
    refusal = saved_view_refusal(user=user, view=view)
    if refusal:
        raise ViewNotAllowed(refusal)


def saved_view_rename(*, user, schema: Schema, view: SavedView, name: str) -> SavedView:
    _may_change(user, view)
    view.name = _clean_name(name)
    view.updated_at = timezone.now()
    return _save(view, schema)


def saved_view_can_share(*, user, view: SavedView) -> bool:
    """Only its owner shares a view or stops sharing it."""
    return view.owner_id == user.pk


def saved_view_share(*, user, schema: Schema, view: SavedView, shared: bool) -> SavedView:
    """Share the view with everyone who sees the object's table, or make it its owner's
    alone again; only its owner may. ViewNameInvalid when a view of that name is shared
    already (or, made private, when the owner has one of that name)."""
    if not saved_view_can_share(user=user, view=view):
        raise ViewNotAllowed("Only the view's owner can share it or stop sharing it.")
    view.shared = bool(shared)
    view.updated_at = timezone.now()
    return _save(view, schema)


def saved_view_update(
    *, user, schema: Schema, view: SavedView, params: str, columns: dict
) -> SavedView:
    """Keep the table's search and columns as they are now in the view."""
    _may_change(user, view)
    _state(view, schema, params, columns)
    view.updated_at = timezone.now()
    view.save(update_fields=["params", "columns", "labels", "updated_at"])
    return view


def saved_view_delete(*, user, view: SavedView) -> None:
    _may_change(user, view)
    view.delete()


def default_view_get(*, user, schema: Schema) -> SavedView | None:
    """The view the user's table of this object opens on, if it is still one they see."""
    found = DefaultView.objects.filter(_table(schema), user=user).select_related("view").first()
    if found is None or not (found.view.shared or found.view.owner_id == user.pk):
        return None
    return found.view


def default_view_set(*, user, schema: Schema, view: SavedView | None) -> None:
    """Open the object's table on `view` from now on; None: on all records."""
    table = {"location_id": connection().location_id, "object_key": schema.key}
    if view is None:
        DefaultView.objects.filter(user=user, **table).delete()
        return
    DefaultView.objects.update_or_create(user=user, **table, defaults={"view": view})


# -- what a changed schema left out --------------------------------------------------------


def _pairs(params: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v in parse_qsl(params.removeprefix("?")) if k != "page"]


def _about(name: str, value: str) -> tuple[str, str]:
    """What a query string pair sets, and the field key it names ("" for none)."""
    if name == "sort":
        return "sort", value.lstrip("-")
    if "." in name:
        return "filter", name.split(".", 1)[1]
    return "param", ""


def _label(schema: Schema, view: SavedView, key: str) -> str:
    """A field's name today, else as the view was saved with it, else its key."""
    f = schema.field(key)
    return f.name if f is not None else view.labels.get(key, key)


def saved_view_dropped(*, schema: Schema, view: SavedView) -> list[str]:
    """What of the view the table leaves out today, one sentence each: a filter, a sort or a
    column on a field the schema no longer has (or no longer fits)."""
    # The builder's conditions are compared one by one (links number the kept ones again, and
    # leave out `match` when nothing is left to join), the rest pair by pair.
    stored = [(k, v) for k, v in _pairs(view.params) if not builder.is_builder_name(k)]
    lost = Counter(stored) - Counter(_pairs(view_state(schema=schema, params=view.params)))
    sentences: list[str] = []
    for name, value in stored:
        if not lost[(name, value)]:
            continue
        what, key = _about(name, value)
        sentences.append(
            _dropped(what, name, _label(schema, view, key), gone=schema.field(key) is None)
        )
    for key in builder.left_out(schema, QueryDict(view.params)):
        label = _label(schema, view, key)
        sentences.append(_dropped("filter", key, label, gone=schema.field(key) is None))
    layout = view.columns if isinstance(view.columns, dict) else {}
    hidden = set(layout.get("hidden") or ())
    for column in layout.get("order") or ():
        if not isinstance(column, str) or not column.startswith(FIELD_COLUMN):
            continue
        key = column.removeprefix(FIELD_COLUMN)
        if column not in hidden and schema.field(key) is None:
            label = view.labels.get(key, key)
            sentences.append(
                f"This view's column “{label}” was dropped: the field no longer exists."
            )
    return list(dict.fromkeys(sentences))


def _dropped(what: str, name: str, label: str, *, gone: bool) -> str:
    if what == "sort":
        why = "the field no longer exists" if gone else "the field can no longer be sorted"
        return f"This view's sort by “{label}” was dropped: {why}."
    if what == "filter" and gone:
        return f"This view's filter on “{label}” was dropped: the field no longer exists."
    if what == "filter":
        return f"Part of this view's filter on “{label}” was dropped: it no longer fits the field."
    return f"Part of this view's search (“{name}”) was dropped: the table no longer reads it."


# -- counts --------------------------------------------------------------------------------


def search_count(*, schema: Schema, query: ListQuery, deadline: float | None = None) -> int:
    """How many records `query` matches: one search of one record, read for its total, as
    background work (it yields to people's calls), waiting for a place in the rate budget no
    longer than the filters' counts do (RECORDS_COUNT_WAIT): then RateLimited at once."""
    with background(wait=float(settings.RECORDS_COUNT_WAIT)):
        page = record_search(
            schema=schema, query=query.q, filters=query.filters(), per_page=1, deadline=deadline
        )
    return page.total


@dataclass
class ViewCounts:
    """Each view's record count by view id (views not counted this time are missing), and
    why some were not counted ("" when all were): for people."""

    counts: dict[int, int] = field(default_factory=dict)
    not_counted: str = ""


def _count_key(schema: Schema, query: ListQuery) -> str:
    # The count does not depend on the order or the page size.
    return cache_key("view-count", schema.key + "?" + query.params(sort="", page=1, per_page=25))


def saved_view_counts(*, schema: Schema, views: list[SavedView]) -> ViewCounts:
    """The record count of each view: from the cache, else counted, at most
    RECORDS_VIEW_COUNT_CALLS searches; views with the same search share one count."""
    limit = int(settings.RECORDS_VIEW_COUNT_CALLS)
    seconds = int(settings.RECORDS_VIEW_COUNT_CACHE_SECONDS)
    queries = {view.pk: saved_view_query(schema=schema, view=view) for view in views}
    keys = {pk: _count_key(schema, query) for pk, query in queries.items()}
    known = cache.get_many(list(set(keys.values())))
    result = ViewCounts()
    deadline = deadline_in(COUNTS_DEADLINE_SECONDS)
    calls = 0
    for pk, query in queries.items():
        key = keys[pk]
        if key not in known and not result.not_counted:
            if calls >= limit:
                result.not_counted = "Some views are counted on the next visit."
                continue
            calls += 1
            try:
                known[key] = search_count(schema=schema, query=query, deadline=deadline)
            except RateLimited:
                result.not_counted = "Counts wait while the records API's rate limit is low."
                continue
            except RecordsApiError:
                result.not_counted = "Counts are not available: the records API did not answer."
                continue
            cache.set(key, known[key], seconds)
        if key in known:
            result.counts[pk] = known[key]
    return result
