"""The dashboard's URLs and one more, for bench/table_partial.py: the table's search alone.

`/bench-floor/<key>/?<the table's parameters>` does what the table view does before it draws
anything: the signed-in user, the schema, the question read from the same parameters, the same
search through the client, its answer read into records. It answers with their number. What a
table partial costs beyond it is the drawing of the table; what it costs beyond the raw search
is the floor of any dashboard page built on that search.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

from recordsadmin.records import services
from recordsadmin.records.query import ListQuery
from recordsadmin.records.views.common import can_view, load_schema
from recordsadmin.urls import urlpatterns as dashboard

FLOOR = "bench-floor/"


@require_GET
@can_view
def search_only(request: HttpRequest, key: str) -> HttpResponse:
    schema = load_schema(key)
    query = ListQuery.from_params(schema, request.GET)
    page = services.record_search(
        schema=schema, **query.search(), page=query.page, per_page=query.per_page
    )
    return HttpResponse(f"{len(page.records)} of {page.total}", content_type="text/plain")


urlpatterns = [path(FLOOR + "<str:key>/", search_only), *dashboard]
