"""The association columns of the table over the test client: hidden by default and costing
nothing then, shown through the column chooser, their cells loaded after the table within a
bound of calls and cached; and the filter panel's word on filtering by links."""

import re
from html import unescape

import pytest

from recordsadmin.accounts.preferences import preference_get
from recordsadmin.records import services
from recordsadmin.records.tables import TableLayout, preference_name
from recordsadmin.sandbox.demo import BUYER_ASSOCIATION, SHOWING_ASSOCIATION
from recordsadmin.sandbox.models import Contact as StoredContact
from recordsadmin.sandbox.models import Relation as StoredRelation
from tests.support.stub import Reply

pytestmark = pytest.mark.django_db(transaction=True)

KEY = "custom_objects.property"
TABLE = f"/objects/{KEY}/"
LINKS = f"/objects/{KEY}/links/"
SETTINGS = f"/objects/{KEY}/table/"
HTMX = {"HX-Request": "true", "HX-Current-URL": f"http://testserver{TABLE}"}
BUYERS = f"links_{BUYER_ASSOCIATION}"
SHOWINGS = f"links_{SHOWING_ASSOCIATION}"


def calls(api) -> int:
    return len(api.stub.requests)


def text(fragment: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def cells_in(html: str) -> dict[str, str]:
    """The cells the links partial puts in place, by the id of their place, as text."""
    found = re.findall(
        r'<span id="(links-[\w-]+)" class="links-cell" hx-swap-oob="true">(.*?)</span>\n', html
    )
    return {dom_id: text(body) for dom_id, body in found}


def show(client, *names: str) -> None:
    """Tick these association columns in the column chooser, as its form sends it."""
    page = client.get(TABLE).content.decode()
    columns = re.findall(r'<input type="hidden" name="column" value="([^"]+)">', page)
    shown = re.findall(r'name="show" value="([^"]+)"[^>]*checked', page)
    data = {"column": columns, "show": shown + list(names), "density": "comfortable"}
    assert client.post(SETTINGS, data).status_code == 303


def buyers_by_property(location) -> dict[str, set[str]]:
    linked: dict[str, set[str]] = {}
    rows = StoredRelation.objects.filter(location=location, association__key=BUYER_ASSOCIATION)
    for first, second in rows.values_list("first_record_id", "second_record_id"):
        linked.setdefault(first, set()).add(second)
    return linked


def test_hidden_by_default_listed_in_the_chooser_and_the_table_stays_one_call(
    api, prop, staff_client
):
    page = staff_client.get(TABLE)
    assert page.status_code == 200 and calls(api) == 1
    html = page.content.decode()
    # Both associations of Property are in the chooser, not ticked, and not in the table.
    for name, label in ((BUYERS, "Linked: Buyer"), (SHOWINGS, "Linked: Showing")):
        box = re.search(rf'<input type="checkbox" name="show" value="{name}"[^>]*>', html).group(0)
        assert "checked" not in box
        assert f'id="show-{name}"' in box and label in html
    assert "col-links" not in html and 'id="links-loader"' not in html
    # The filter panel says, per association, that the API cannot filter by links.
    panel = re.search(r'<p class="filters__links-text">.*?</p>', html, re.S).group(0)
    panel = " ".join(unescape(re.sub(r"<[^>]+>", "", panel)).split())
    assert panel == (
        "The records API has no filter on links, so these cannot be filtered: "
        "has a related buyer, or none; has a related showing, or none."
    )


def test_a_shown_column_loads_after_the_table_bounded_and_cached(api, prop, staff_client, settings):
    location = StoredRelation.objects.filter(association__key=BUYER_ASSOCIATION).first().location
    show(staff_client, BUYERS)
    api.stub.requests.clear()
    table = staff_client.get(TABLE + "?per_page=25", headers=HTMX)
    assert calls(api) == 1, "the table itself is still one call"
    html = table.content.decode()
    assert html.count('class="col-links"') == 26  # the header and 25 rows
    loader = re.search(r'<div id="links-loader"[^>]*>', html).group(0)
    url = unescape(re.search(r'hx-get="([^"]+)"', loader).group(1))
    ids = re.findall(r"id=(\w+)", url)
    assert url.startswith(LINKS) and len(ids) == 25
    # Without JavaScript a cell links to its record's page.
    assert f'<a href="/objects/{KEY}/{ids[0]}/">See<span class="visually-hidden"> Buyer of ' in html

    settings.RECORDS_LINKS_MAX_CALLS = 20
    first = staff_client.get(url, headers=HTMX).content.decode()
    assert calls(api) == 1 + 20, "one request makes at most RECORDS_LINKS_MAX_CALLS calls"
    relation_reads = api.calls("GET", r"/associations/relations/")
    assert len(relation_reads) == 20 and all("skip" in s.query for s in relation_reads)
    assert 'id="links-loader"' in first and 'hx-swap-oob="true"' in first, "it asks again"
    done = cells_in(first)
    # Keep asking, as the page does (the new loader's address counts the rounds), until no
    # loader comes back.
    answer = first
    for round_number in range(1, 10):
        loader = re.search(r'<div id="links-loader"[^>]*>', answer)
        if loader is None:
            break
        following = unescape(re.search(r'hx-get="([^"]+)"', loader.group(0)).group(1))
        assert following.endswith(f"&round={round_number}")
        answer = staff_client.get(following, headers=HTMX).content.decode()
        done |= cells_in(answer)
    assert 'id="links-loader"' not in answer
    assert len(done) == 25
    linked = buyers_by_property(location)
    names = {
        c.id: c.first_name + " " + c.last_name
        for c in StoredContact.objects.filter(location=location)
    }
    for record_id in ids:
        cell = done[f"links-{BUYER_ASSOCIATION}-{record_id}"]
        buyers = linked.get(record_id, set())
        if not buyers:
            assert cell == "None"
            continue
        count = len(buyers)
        assert cell.startswith(f"{count} linked: ")
        shown = cell.removeprefix(f"{count} linked: ").split(" and ")[0].split(", ")
        assert len(shown) == min(2, count)
        assert set(shown) <= {names[b].strip() for b in buyers}
        if count > 2:
            assert cell.endswith(f"and {count - 2} more")
    # The same page again: every cell from the cache, no call.
    before = calls(api)
    again = staff_client.get(url, headers=HTMX).content.decode()
    assert calls(api) == before and cells_in(again) == done
    assert 'id="links-loader"' not in again


def test_the_page_stops_asking_after_its_rounds(api, prop, staff_client, settings):
    """A cache that kept nothing would leave cells at every request: the rounds end it."""
    show(staff_client, BUYERS)
    html = staff_client.get(TABLE, headers=HTMX).content.decode()
    url = unescape(re.search(r'id="links-loader"[^>]*hx-get="([^"]+)"', html).group(1))
    settings.RECORDS_LINKS_MAX_CALLS = 3
    assert 'id="links-loader"' in staff_client.get(f"{url}&round=11", headers=HTMX).content.decode()
    last = staff_client.get(f"{url}&round=12", headers=HTMX).content.decode()
    assert 'id="links-loader"' not in last and len(cells_in(last)) < 25
    assert staff_client.get(f"{url}&round=x", headers=HTMX).status_code == 400


def test_without_javascript_the_links_page_and_bad_requests(api, prop, staff_client):
    show(staff_client, SHOWINGS)
    html = staff_client.get(TABLE).content.decode()
    url = unescape(re.search(r'<noscript><p class="links-status"><a href="([^"]+)"', html).group(1))
    page = staff_client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert '<th scope="col">Showing</th>' in body
    assert len(re.findall(r'<th scope="row">', body)) == 25
    assert staff_client.get(LINKS).status_code == 400
    too_many = "&".join(f"id=r{n}" for n in range(101))
    assert staff_client.get(f"{LINKS}?{too_many}").status_code == 400


def test_a_low_budget_skips_the_links_and_says_so(api, prop, staff_client, settings):
    show(staff_client, BUYERS)
    html = staff_client.get(TABLE + "?per_page=10", headers=HTMX).content.decode()
    url = unescape(re.search(r'id="links-loader"[^>]*hx-get="([^"]+)"', html).group(1))
    api.fail(
        "GET",
        r"/associations/relations/",
        Reply(429, {"message": "Too many"}, headers={"Retry-After": "30"}),
    )
    settings.GHL_MAX_RETRIES = 0
    answer = staff_client.get(url, headers=HTMX).content.decode()
    status = re.search(r'<div id="links-status" hx-swap-oob="innerHTML">(.*?)</div>', answer, re.S)
    # A 429 asking for a longer wait than background work may take: skipped, not waited for.
    assert text(status.group(1)).startswith(
        "Links skipped: the API's rate limit is nearly used; try again in a moment."
    )
    assert "Load the links again" in status.group(1)
    assert 'id="links-loader"' not in answer, "no new loader after a failure"
    assert not cells_in(answer)


def test_the_layout_keeps_a_shown_association_column(api, prop, staff_client, staff_user):
    show(staff_client, SHOWINGS)
    layout = TableLayout.from_value(preference_get(user=staff_user, name=preference_name(prop)))
    assert SHOWINGS in layout.order and SHOWINGS not in layout.hidden
    assert BUYERS in layout.hidden
    assert services.association_list(object_key=KEY)


def test_our_own_link_shows_in_the_cell_at_once(api, prop, staff_client, staff_user):
    show(staff_client, BUYERS)
    html = staff_client.get(TABLE, headers=HTMX).content.decode()
    url = unescape(re.search(r'id="links-loader"[^>]*hx-get="([^"]+)"', html).group(1))
    record_id = re.findall(r"id=(\w+)", url)[0]
    cells = {}
    for _ in range(10):
        answer = staff_client.get(url, headers=HTMX).content.decode()
        cells |= cells_in(answer)
        if 'id="links-loader"' not in answer:
            break
    place = f"links-{BUYER_ASSOCIATION}-{record_id}"
    count = len(buyers_by_property(StoredContact.objects.first().location).get(record_id, ()))
    linked = set(buyers_by_property(StoredContact.objects.first().location).get(record_id, ()))
    contact = StoredContact.objects.exclude(id__in=linked).order_by("id").first()
    association = next(a for a in services.association_list() if a.key == BUYER_ASSOCIATION)
    services.relation_create_logged(
        user=staff_user,
        schema=prop,
        record=services.record_get(schema=prop, record_id=record_id),
        association=association,
        other_id=contact.id,
    )
    before = calls(api)
    again = cells_in(staff_client.get(url, headers=HTMX).content.decode())
    assert again[place].startswith(f"{count + 1} linked: ")
    assert calls(api) - before <= 1 + 2, "only that row's cell is asked again"
    assert {k: v for k, v in again.items() if k != place} == {
        k: v for k, v in cells.items() if k != place
    }
