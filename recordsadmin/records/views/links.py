"""The table's association columns' cells, loaded after the table (records/_links_loader.html).

The table itself makes its one search call whatever columns are shown; the cells of the
association columns the user chose cost a call per row and per linked record (the records API
has no call that counts or reads relations of several records), so they come from here, at
background priority, cached, and at most RECORDS_LINKS_MAX_CALLS calls a request
(services/links.py). When cells are left past that bound, the answer brings a new loader that
asks for the rest; an htmx request gets the cells out of band, each into its place.
"""

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from recordsadmin.contract.limits import MAX_PAGE_LIMIT
from recordsadmin.records import services
from recordsadmin.records.tables import (
    links_cell_id,
    shown_associations,
)

from .common import can_view, load_schema, table_layout
from .problems import shows_api_errors, wants_partial

# A record id is 24 characters in the records API; anything much longer is no id of a row.
MAX_ID = 64
# How many times the page asks again for the cells left (`round`): a page of 100 rows and two
# associations fits in fewer at the default bound, and a cache that keeps nothing (each request
# starting over) cannot make the page ask for ever.
MAX_ROUNDS = 12


@require_GET
@can_view
@vary_on_headers("HX-Request")
@shows_api_errors(partial="records/_links_problem.html")
def record_links(request: HttpRequest, key: str) -> HttpResponse:
    """The cells of the rows `id` (one page of the table) in the association columns the
    user shows."""
    schema = load_schema(key)
    ids = list(dict.fromkeys(i for i in request.GET.getlist("id") if 0 < len(i) <= MAX_ID))
    if not ids or len(ids) > MAX_PAGE_LIMIT:
        return HttpResponseBadRequest(f"Give from 1 to {MAX_PAGE_LIMIT} record ids.")
    try:
        round_number = max(0, int(request.GET.get("round", "0")))
    except ValueError:
        return HttpResponseBadRequest("round is a number.")
    layout = table_layout(request.user, schema)
    associations = shown_associations(layout, services.association_list(object_key=schema.key))
    found = services.link_cells(schema=schema, associations=associations, record_ids=ids)
    rows = [
        {
            "id": record_id,
            "cells": [
                {
                    "dom_id": links_cell_id(a, record_id),
                    "label": a.other_label(schema.key),
                    "cell": found.cells.get((a.id, record_id)),
                }
                for a in associations
            ],
        }
        for record_id in ids
    ]
    context = {
        "schema": schema,
        "rows": rows,
        "found": found,
        # Ask again for the cells left, while this request got somewhere and nothing failed.
        "again": bool(found.left and found.calls and found.error is None)
        and round_number < MAX_ROUNDS,
        "links_url": request.get_full_path(),
        "next_url": request.path + "?" + urlencode({"id": ids, "round": round_number + 1}, True),
    }
    if wants_partial(request):
        return render(request, "records/_links.html", context)
    return render(request, "records/record_links.html", context)
