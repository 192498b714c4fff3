"""The demo location in the embedded API, reached over HTTP through a recording proxy that
counts the calls the dashboard makes (tests/support/proxy.py)."""

import pytest
from django.http import QueryDict

from recordsadmin.client.domain import Schema
from recordsadmin.records import services
from recordsadmin.records.query import ListQuery
from recordsadmin.sandbox.demo import PROPERTY_KEY
from tests.support.embedded import proxied_demo
from tests.support.proxy import Proxy

RECORDS = 40


@pytest.fixture
def api(live_server, settings):
    with proxied_demo(
        live_server,
        settings,
        records=RECORDS,
        GHL_CONNECT_TIMEOUT=2,
        GHL_READ_TIMEOUT=5,
        GHL_PAGE_DEADLINE=10,
    ) as proxy:
        yield proxy


@pytest.fixture
def prop(api) -> Schema:
    """The demo's Property (its schema, the users and the associations now cached), with no
    call counted yet."""
    schema = services.schema_get(key=PROPERTY_KEY)
    services.user_list()
    services.association_list()
    api.stub.requests.clear()
    return schema


def searches(api: Proxy) -> list[dict]:
    """The bodies of the record searches sent so far."""
    return [seen.json for seen in api.calls("POST", r"/records/search$")]


def query_of(schema: Schema, params: str = "") -> ListQuery:
    return ListQuery.from_params(schema, QueryDict(params.removeprefix("?")))


def table_total(schema: Schema, params: str) -> int:
    """How many records the table shows for the query string `params`."""
    query = query_of(schema, params)
    search = query.search()
    return services.record_search(
        schema=schema, query=search["query"], filters=search["filters"], per_page=1
    ).total
