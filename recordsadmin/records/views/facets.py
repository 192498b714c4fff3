"""What the table's page loads after the table: the counts beside the filter options, and the
overview chart.

Both read the table's question from the query string exactly as the table does (ListQuery),
and both are asked for only when their panel is opened (templates/records/record_list.html),
so that the table itself stays one call to the records API. An htmx request gets the partial:
for the counts, elements that htmx puts in place beside each option (hx-swap-oob), so nothing
that may have focus is redrawn; for the chart, the chart. Any other request (no JavaScript, a
copied link) gets a page of its own.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from recordsadmin.client.domain import Schema
from recordsadmin.contract.limits import OWNER
from recordsadmin.records import services
from recordsadmin.records.charts import drawing
from recordsadmin.records.query import ListQuery

from .common import can_view, load_schema
from .problems import Problem, shows_api_errors, wants_partial
from .saved import table_page

RELOAD = "Reload the page for the filters as they are now."


@require_GET
@can_view
@vary_on_headers("HX-Request")
@shows_api_errors(partial="records/_facets_problem.html")
def record_facets(request: HttpRequest, key: str) -> HttpResponse:
    """The counts of every option filter (at most RECORDS_FACET_MAX_CALLS calls; the rest on
    demand), or of the one named by `facet`."""
    schema = load_schema(key)
    query = ListQuery.from_params(schema, request.GET)
    users = services.user_list()
    only = request.GET.get("facet") or None
    facets = services.facet_counts(query=query, users=users, only=only)
    if only is not None and not facets.facets:
        if only != OWNER and schema.field(only) is None and wants_partial(request):
            # A "Show counts" drawn before its field was deleted: said where counts are said.
            gone = Problem("gone", f"There is no filter “{only[:40]}” any more", RELOAD)
            return render(request, "records/_facets_problem.html", {"problem": gone})
        return HttpResponseBadRequest("There is no such filter.")
    context = {
        "schema": schema,
        "query": query,
        "facets": facets,
        "only": only,
        "again": bool(request.htmx) and request.htmx.trigger == "facets-again",
        "facets_url": reverse("records:record_facets", args=[schema.key]) + query.params(),
        "table_url": reverse("records:record_list", args=[schema.key]),
    }
    if wants_partial(request):
        return render(request, "records/_facets.html", context)
    return render(request, "records/record_facets.html", context)


@require_GET
@can_view
@vary_on_headers("HX-Request")
@shows_api_errors(partial="records/_chart_problem.html")
def record_chart(request: HttpRequest, key: str) -> HttpResponse:
    """The overview chart of the field named by `chart` (the first that can be charted when
    none is) for the table's question."""
    schema = load_schema(key)
    query = ListQuery.from_params(schema, request.GET)
    users = services.user_list()
    fields = services.chart_fields(query, users)
    chosen = request.GET.get("chart") or fields[0][0]
    notice = ""
    if chosen not in dict(fields) and schema.field(chosen) is None:
        # The "Chart of" list of a page drawn before the field was deleted, or a kept link:
        # said, and the first field that can be charted drawn instead.
        instead = f"here is the chart of {fields[0][1]} instead"
        notice = f"There is no field “{chosen[:40]}” any more: {instead}."
        chosen = fields[0][0]
    chart = services.chart_data(query=query, key=chosen, users=users)
    if chart is None:
        return HttpResponseBadRequest("There is no chart of that field.")
    context = {
        "schema": schema,
        "query": query,
        "chart": chart,
        "notice": notice,
        "drawing": drawing(chart),
        "chart_fields": fields,
        "filtered": chosen in {getattr(c, "field", None) for c in query.filters()},
        # The table's question: the bar that leads to it is the one the table shows.
        "shown": query.params(),
        "chart_url": _with(reverse("records:record_chart", args=[schema.key]), query, chosen),
        "max_calls": settings.RECORDS_FACET_MAX_CALLS,
        # A bar leads to the table page the chart is on: a saved view's stays that view's.
        "table_url": _table_page(request, schema),
    }
    if wants_partial(request):
        return render(request, "records/_chart.html", context)
    return render(request, "records/record_chart.html", context)


def _with(url: str, query: ListQuery, chart: str) -> str:
    """The chart's own address: the table's question and the field charted."""
    params = query.params()
    return f"{url}{params}{'&' if params != '?' else ''}{urlencode({'chart': chart})}"


def _table_page(request: HttpRequest, schema: Schema) -> str:
    shown = request.htmx.current_url if request.htmx else ""
    return table_page(schema, shown or "") or reverse("records:record_list", args=[schema.key])
