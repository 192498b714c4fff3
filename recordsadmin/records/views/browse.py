"""Pages that show records: the objects, an object's table, a record, /healthz, the 404 and 500
pages.

Short views: they read the request, call services, pick a template. An htmx request gets the
partial it swaps (`page.html#partial`); any other request, and htmx restoring history after a
cache miss, gets the whole page, so every view works without JavaScript and from a copied link.
"""

import functools
import sys
from urllib.parse import urlsplit

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseServerError,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url

from recordsadmin import cacheahead
from recordsadmin.accounts.preferences import preference_cache_key, preference_get, preference_set
from recordsadmin.client.domain import Record, Sort
from recordsadmin.client.errors import NotFound, RecordsApiError
from recordsadmin.contract.limits import CREATED_AT
from recordsadmin.records import selectors, services
from recordsadmin.records.query import ListQuery
from recordsadmin.records.tables import (
    TableLayout,
    build_table,
    layout_preference,
    preference_name,
)

from . import related
from .common import SeeOther, can_view, load_schema, table_layout
from .problems import explain, problem_status, shows_api_errors, wants_partial
from .saved import TableViews, ViewMissing, table_page, without_missing_view

# The session key of a record just created through the dashboard, as the create answered it:
# its page is shown from that answer once (views/editing.py sets it).
JUST_CREATED = "records:just_created"


@require_GET
@can_view
@shows_api_errors
def home(request: HttpRequest) -> HttpResponse:
    schemas = services.schema_list()
    if len(schemas) == 1:
        return redirect("records:record_list", key=schemas[0].key)
    objects = [{"schema": s, "count": services.record_count(schema=s)} for s in schemas]
    return render(request, "records/home.html", {"objects": objects})


@require_GET
@can_view
@vary_on_headers("HX-Request", "X-Filter-Builder")
@shows_api_errors(partial="records/_table_problem.html")
def record_list(
    request: HttpRequest, key: str, view_id: int | None = None, all_records: bool = False
) -> HttpResponse:
    """The table; with `view_id`, as one of the saved views (views/saved.py). The cache
    entries it reads are read first, in one round trip (recordsadmin/cacheahead.py)."""
    ahead = services.table_cache_keys(key=key)
    ahead.append(preference_cache_key(user=request.user, name=layout_preference(key)))
    with cacheahead.reading(ahead):
        return _record_list(request, key, view_id=view_id, all_records=all_records)


def _record_list(
    request: HttpRequest, key: str, *, view_id: int | None, all_records: bool
) -> HttpResponse:
    schema = load_schema(key)
    try:
        views = TableViews(request, schema, view_id=view_id)
    except ViewMissing:
        return without_missing_view(request, schema)
    if default := views.opens_default(all_records=all_records):
        return SeeOther(default)
    query = ListQuery.from_params(schema, request.GET)
    context, status = _table_context(request, schema, query)
    if query.refused and status == 200:
        # Only what no form of ours sends (recordsadmin/records/conditions.py).
        status = 400
    if not wants_partial(request):
        context["views"] = views
        return render(request, "records/record_list.html", context, status=status)
    # The filter builder comes too, out of band, when it is no longer made of what the page
    # shows (static/js/filters.js sends that as X-Filter-Builder).
    context["builder_oob"] = request.headers.get("X-Filter-Builder") != query.builder_state
    response = render(request, "records/record_list.html#records-table", context, status=status)
    # The form sends every field, empty ones too; the address bar gets the same question
    # without them. The same question twice (Enter after the search-as-you-type already ran)
    # is not a new history entry: back must not need two presses.
    params = query.params()
    url = request.path + (params if params != "?" else "")
    current = urlsplit(request.htmx.current_url or "")
    if current.path + (f"?{current.query}" if current.query else "") == url:
        return push_url(response, False)
    return push_url(response, url)


@require_POST
@can_view
@shows_api_errors(partial="records/_table_problem.html")
def table_settings(request: HttpRequest, key: str) -> HttpResponse:
    """The column chooser and row density, remembered for the user and object; the table
    is drawn again as they are now (htmx), or its page is loaded again (without JavaScript).
    `query` is the table's question, kept as it was."""
    schema = load_schema(key)
    name = preference_name(schema)
    layout = TableLayout.from_value(preference_get(user=request.user, name=name))
    preference_set(user=request.user, name=name, value=layout.changed(request.POST).to_value())
    params = request.POST.get("query", "").removeprefix("?")
    query = ListQuery.from_params(schema, QueryDict(params))
    if not request.htmx:
        # Back to the page it was sent from (a saved view's, say); never to the bare table,
        # which would open the default view with its own columns.
        params = query.params()
        back = table_page(schema, request.headers.get("Referer", ""))
        if not back:
            name = "records:record_list" if params != "?" else "records:record_list_all"
            back = reverse(name, args=[schema.key])
        return SeeOther(back + (params if params != "?" else ""))
    context, status = _table_context(request, schema, query)
    context["settings_open"] = True
    return render(request, "records/record_list.html#records-table", context, status=status)


def _table_context(request: HttpRequest, schema, query: ListQuery) -> tuple[dict, int]:
    """The table's part of the page for `query`, drawn with the user's layout, and its
    status: the records API's error, when it failed, is explained in the table's place."""
    context: dict = {"schema": schema, "query": query}
    try:
        users = services.user_list()
        page = services.record_search(
            schema=schema, **query.search(), page=query.page, per_page=query.per_page
        )
    except RecordsApiError as error:
        # The table's place says what went wrong; the search form stays to try again.
        context["problem"] = explain(error)
        return context, problem_status(request, error)
    # Search lags behind writes: the person's own recent ones are laid over its answer.
    question = query.search()
    newest_first = not question["query"] and not question["filters"]
    newest_first = newest_first and query.search_sort() == Sort(CREATED_AT, "desc")
    caught = services.search_page_catch_up(
        schema=schema, page=page, user=request.user, newest_first=newest_first
    )
    page = caught.page
    context["catching_up"] = caught.catching_up
    user = request.user
    editable = user.has_perm("records.change_record")
    layout = table_layout(user, schema)
    associations = services.table_associations(schema=schema)
    table = build_table(
        schema,
        page,
        {u.id: u for u in users},
        query=query,
        selectable=editable or user.has_perm("records.delete_record"),
        editable=editable,
        layout=layout,
        associations=associations,
        marks=caught.marks,
    )
    context |= {"page": page, "table": table, "users": users, "chips": query.chips(users)}
    context["owner_unknown"] = bool(query.owner) and query.owner not in {u.id for u in users}
    context["associations"] = [(a, a.other_label(schema.key)) for a in associations]
    return context, 200


@require_GET
@can_view
@shows_api_errors
def record_detail(request: HttpRequest, key: str, record_id: str) -> HttpResponse:
    just_created = request.session.pop(JUST_CREATED, None)
    schema = load_schema(key)
    try:
        if just_created and just_created.get("id") == record_id:
            record = services.record_from_snapshot(schema=schema, snapshot=just_created)
            related_sections, related_problem = related.sections(request, schema, record)
        else:
            record, (related_sections, related_problem) = _record_and_sections(
                request, schema, record_id
            )
        users = {u.id: u for u in services.user_list()}
    except NotFound:
        return _deleted(request, schema, record_id)
    rows = [(f, record.properties.get(f.key)) for f in schema.fields]
    return render(
        request,
        "records/record_detail.html",
        {
            "schema": schema,
            "record": record,
            "rows": rows,
            "owner": users.get(record.owner or ""),
            "history": selectors.history_entries(schema=schema, record_id=record.id, users=users),
            "related_sections": related_sections,
            "related_problem": related_problem,
        },
    )


def _record_and_sections(request: HttpRequest, schema, record_id: str):
    """The record, and its page's related sections: these need only its id, so that their
    calls go side by side with the record's own read, and the page waits for the slowest,
    not for the record's read and then the sections'. Together they ask no more at once than
    one request may (RECORDS_COUNT_CONCURRENCY). NotFound when the record is not there."""
    calls = related.concurrency()
    with services.calls_at_most(calls):
        shown, fills, problem = related.planned(request, schema, Record(id=record_id), calls=calls)
        read = functools.partial(services.record_get, schema=schema, record_id=record_id)
        record, *_ = services.in_threads([read, *fills], workers=calls, name="record")
    for section in shown:
        section.record = record
    return record, (shown, problem)


def _deleted(request: HttpRequest, schema, record_id: str) -> HttpResponse:
    """Still a 404, but one that says who deleted the record and when, and offers to restore
    it, when the dashboard deleted it; a plain 404 otherwise."""
    deleted = selectors.deleted_change_get(object_key=schema.key, record_id=record_id)
    if deleted is None:
        raise Http404("This record does not exist. It may have been deleted.")
    context = {
        "schema": schema,
        "record": selectors.deleted_record(deleted=deleted),
        "deleted": deleted,
        "restored": selectors.restored_change_get(deleted=deleted),
        "history": selectors.history_entries(schema=schema, record_id=record_id),
    }
    return render(request, "records/record_detail.html", context, status=404)


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitors: is the app up (its database answers), and does the
    records API answer? The API's address and error text are for signed-in staff only. A HEAD
    (some monitors send one) gets the same status without the body."""
    queue = None
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = True
        queue = selectors.queue_health()
    except DatabaseError:
        database = False
    records_api = services.api_health()
    budget = services.budget_health()
    breaker = services.breaker_health()
    if not (request.user.is_authenticated and request.user.is_staff):
        records_api = {k: records_api[k] for k in ("ok", "latency_ms")}
        budget = {k: budget[k] for k in ("store", "ok")}
        breaker = {k: breaker[k] for k in ("state", "retry_in_seconds") if k in breaker}
    body = {"status": "ok" if database else "error", "database": database}
    body |= {"records_api": records_api, "rate_budget": budget, "breaker": breaker}
    body |= {"jobs": queue}
    return JsonResponse(body, status=200 if database else 503)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page; when the dashboard's own database is what failed (a restart, a network
    fault), a 503 that says so: Django reconnects on the next request by itself. Rendered
    without a request context, which would need the database."""
    if isinstance(sys.exception(), OperationalError | InterfaceError):
        response = HttpResponse(loader.render_to_string("503_database.html"), status=503)
        response["Retry-After"] = "10"
        return response
    return HttpResponseServerError(loader.render_to_string("500.html"))


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 404 page; it says what is missing when a view raised Http404 with a message."""
    message = ""
    if type(exception) is Http404 and exception.args and isinstance(exception.args[0], str):
        message = exception.args[0]
    return render(request, "404.html", {"message": message}, status=404)
