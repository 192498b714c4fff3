"""Counts of searches (recordsadmin/records/services/counts.py) against the embedded API:
one search of one record each, cached for every user, in the background, bounded per request,
and skipped when the rate budget is low."""

import threading
import time

import pytest

from recordsadmin.client import budget as client_budget
from recordsadmin.client import retry
from recordsadmin.client.config import connection
from recordsadmin.client.domain import Filter
from recordsadmin.client.errors import RateLimited
from recordsadmin.records import services
from recordsadmin.records.services import budget as shared_budget
from recordsadmin.records.services.counts import SKIPPED_MESSAGE, Counter
from recordsadmin.sandbox.models import Record
from recordsadmin.windows.stores import windows
from tests.support.stub import Reply

from .conftest import RECORDS, query_of, searches, table_total

pytestmark = pytest.mark.django_db(transaction=True)

# The demo Property's option filters and the owners: 3 + 4 + 6 + 5 options, 6 users.
FACETS = {"status": 3, "property_type": 4, "features": 6, "amenities": 5, "owner": 6}


def stored(**properties) -> int:
    return Record.objects.filter(
        object__key="custom_objects.property",
        **{f"properties__{k}": v for k, v in properties.items()},
    ).count()


def test_a_count_is_one_search_of_one_record_then_cached(api, prop):
    sold = [Filter("status", "eq", ["Sold"])]
    first = services.search_count(schema=prop, filters=sold)
    again = services.search_count(schema=prop, filters=sold)
    assert first == again == stored(status="Sold") > 0
    (body,) = searches(api)
    assert body["pageLimit"] == 1
    assert body["filters"] == [{"field": "properties.status", "operator": "eq", "value": "Sold"}]


def test_the_same_conditions_in_another_order_are_one_count(api, prop):
    a = Filter("status", "eq", ["Sold"])
    b = Filter("property_type", "eq", ["condo"])
    services.search_count(schema=prop, filters=[a, b])
    services.search_count(schema=prop, filters=[b, a])
    assert services.search_count_cached(schema=prop, filters=[b, a]) is not None
    assert len(searches(api)) == 1


def test_the_cache_lasts_the_setting(api, prop, settings):
    settings.RECORDS_FACET_CACHE_SECONDS = 1
    services.search_count(schema=prop, query="oak")
    time.sleep(1.1)
    assert services.search_count_cached(schema=prop, query="oak") is None
    services.search_count(schema=prop, query="oak")
    assert len(searches(api)) == 2


class Recording(client_budget.Unlimited):
    """A budget that lets every call go and remembers how each asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, float]] = []

    def acquire(self, location: str, *, priority: str, deadline: float) -> float:
        self.asked.append((priority, deadline - time.monotonic()))
        return 0.0


def test_counts_ask_the_budget_in_the_background_and_briefly(api, prop, settings):
    settings.RECORDS_COUNT_WAIT = 0.75
    recording = Recording()
    client_budget.install(recording)
    services.record_search(schema=prop, per_page=1)  # a person's page: its whole deadline
    services.search_count(schema=prop, query="maple")
    (person, person_wait), (count, count_wait) = recording.asked
    assert person == client_budget.PEOPLE and person_wait > 5
    assert count == client_budget.BACKGROUND and 0 < count_wait <= 0.75


@pytest.mark.timing
def test_a_requests_counts_go_a_few_at_once_within_the_pages_deadline(api, prop, settings):
    settings.RECORDS_COUNT_WAIT = 5.0
    recording = Threads()
    client_budget.install(recording)
    with retry.page_deadline(2.0):
        facets = services.facet_counts(query=query_of(prop, "q=a"), users=services.user_list())
    assert facets.calls == 24
    assert all(priority == client_budget.BACKGROUND for priority, _, _ in recording.asked)
    assert all(0 < wait <= 2.0 for _, wait, _ in recording.asked), "the page's deadline holds"
    threads = {thread for _, _, thread in recording.asked}
    assert 2 < len(threads) <= 1 + 4  # the first alone, then RECORDS_COUNT_CONCURRENCY at once
    settings.RECORDS_COUNT_CONCURRENCY = 1
    recording.asked.clear()
    services.facet_counts(query=query_of(prop, "q=b"), users=services.user_list())
    assert len(recording.asked) == 24
    assert {thread for _, _, thread in recording.asked} == {threading.current_thread().name}


class Threads(Recording):
    def acquire(self, location: str, *, priority: str, deadline: float) -> float:
        wait = deadline - time.monotonic()
        self.asked.append((priority, wait, threading.current_thread().name))
        return 0.0


def low_budget(*, used: int = 99) -> None:
    """The location's window (the contract's 100 calls per 10 s, as a fresh budget assumes)
    filled to `used`: at or past the line of background work."""
    shared = shared_budget.install()
    key = shared.window_key(connection().location_id)
    windows().fill(key, count=used, seconds=10)


def test_when_the_budget_is_low_counts_are_skipped_at_once(api, prop, settings):
    settings.RECORDS_COUNT_WAIT = 1.5
    low_budget()
    started = time.monotonic()
    with pytest.raises(RateLimited):
        services.search_count(schema=prop, query="oak")
    facets = services.facet_counts(query=query_of(prop))
    assert time.monotonic() - started < 1.0, "no waiting for a place"
    assert facets.skipped and facets.problem == SKIPPED_MESSAGE
    assert facets.calls == 1, "the first refusal stops the others"
    assert all(o.count is None for f in facets.facets for o in f.options)
    assert searches(api) == [], "nothing was sent: no 429"


def test_people_still_get_their_place_when_counts_are_skipped(api, prop):
    low_budget(used=96)
    with pytest.raises(RateLimited):
        services.search_count(schema=prop, query="oak")
    assert services.record_search(schema=prop, per_page=1).total == RECORDS


def test_facets_count_every_option_within_the_bound(api, prop):
    users = services.user_list()
    facets = services.facet_counts(query=query_of(prop), users=users)
    assert {f.key: len(f.options) for f in facets.facets} == FACETS
    assert facets.calls == len(searches(api)) == sum(FACETS.values()) == 24
    assert all(f.counted for f in facets.facets)
    status = {o.key: o.count for o in facets.facets[0].options}
    assert status == {s: stored(status=s) for s in ("Active", "Pending", "Sold")}
    again = services.facet_counts(query=query_of(prop), users=users)
    assert again.calls == 0 and again.facets == facets.facets
    assert len(searches(api)) == 24, "the second view of the search costs no count"


def test_a_facet_count_is_what_its_link_shows_in_the_table(api, prop):
    """Other filters kept, the field's own choice replaced by the option."""
    query = query_of(prop, "f.status=Sold&f.property_type=condo&f.property_type=townhouse&q=a")
    facets = services.facet_counts(query=query, users=services.user_list())
    assert facets.calls == 24
    for facet in facets.facets:
        for option in facet.options:
            assert option.count == table_total(prop, option.params), (facet.key, option)
    kinds = {o.key: o.params for o in facets.facets[1].options}
    assert "f.status=Sold" in kinds["condo"] and "property_type=townhouse" not in kinds["condo"]


def test_a_builder_condition_on_the_counted_field_holds_in_its_counts(api, prop):
    """A condition of the filter builder is no choice of the panel: "Status is Sold" holds in
    each of Status's counts, as in the table each option's link shows."""
    query = query_of(prop, "c1.field=status&c1.op=eq&c1.value=Sold")
    facets = services.facet_counts(query=query, users=services.user_list(), only="status")
    (status,) = facets.facets
    assert {o.key: o.count for o in status.options} == {
        "Active": 0,
        "Pending": 0,
        "Sold": stored(status="Sold"),
    }
    for option in status.options:
        assert "c1.field=status" in option.params
        assert option.count == table_total(prop, option.params), option


def test_past_the_bound_whole_fields_wait_for_their_turn(api, prop, settings):
    settings.RECORDS_FACET_MAX_CALLS = 8
    users = services.user_list()
    facets = services.facet_counts(query=query_of(prop), users=users)
    counted = [f.key for f in facets.facets if f.counted]
    assert counted == ["status", "property_type"], "3 + 4 fit in 8; 6 features do not"
    assert facets.calls == len(searches(api)) == 7
    assert not facets.problem
    features = services.facet_counts(query=query_of(prop), users=users, only="features")
    assert [f.key for f in features.facets] == ["features"] and features.facets[0].counted
    settings.RECORDS_FACET_MAX_CALLS = 0
    cached = services.facet_counts(query=query_of(prop), users=users)
    assert [f.key for f in cached.facets if f.counted] == ["status", "property_type", "features"]
    assert cached.calls == 0
    # A filter with more options than the bound is counted in turns, on demand.
    settings.RECORDS_FACET_MAX_CALLS = 4
    first = services.facet_counts(query=query_of(prop), users=users, only="amenities")
    assert [o.count is None for o in first.facets[0].options] == [False] * 4 + [True]
    second = services.facet_counts(query=query_of(prop), users=users, only="amenities")
    assert second.facets[0].counted and second.calls == 1


def test_a_counter_stops_after_a_failure(api, prop):
    api.fail("POST", r"/records/search$", Reply(500))
    counter = Counter(schema=prop, limit=10)
    assert counter.count("", [Filter("status", "eq", ["Sold"])]) is None
    assert counter.count("", [Filter("status", "eq", ["Active"])]) is None
    assert counter.calls == 1 and counter.problem.startswith("Counts could not be loaded")
