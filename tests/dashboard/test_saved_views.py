"""Saved views over the test client: tabs above the table, the forms that save, rename,
update and delete a view and choose the default, who may change a shared view, what a schema
that lost a field does to a view, and the tabs' record counts (what they cost the records API)."""

import re
import time
from html import unescape

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from recordsadmin.accounts.preferences import preference_get, preference_set
from recordsadmin.client import budget as client_budget
from recordsadmin.records import services
from recordsadmin.records.models import DefaultView, SavedView
from tests.conftest import make_staff
from tests.support.fake_service import KEY, LOCATION, PROPERTY
from tests.support.stub import Reply

URL = f"/objects/{KEY}/"
ALL = f"/objects/{KEY}/all/"
SAVE = f"/objects/{KEY}/views/"
COUNTS = f"/objects/{KEY}/views/counts/"
LAYOUT = f"table:{KEY}"
HIDE_PRICE = {
    "order": ["field_status", "field_price"],
    "hidden": ["field_price"],
    "density": "compact",
}


def htmx(address: str = URL) -> dict:
    return {"HX-Request": "true", "HX-Current-URL": f"http://testserver{address}"}


def page_of(view: SavedView, action: str = "") -> str:
    return f"/objects/{KEY}/views/{view.pk}/" + (f"{action}/" if action else "")


def save(client, name: str, query: str = "", *, shared: bool = False, headers=None):
    form = {"name": name, "query": query} | ({"shared": "1"} if shared else {})
    return client.post(SAVE, form, headers=headers or {})


def view_of(owner, name: str, params: str = "", *, shared=False, **more) -> SavedView:
    fields = {"location_id": LOCATION, "object_key": KEY, "params": params} | more
    return SavedView.objects.create(owner=owner, name=name, shared=shared, **fields)


def strip(html: str) -> str:
    start = html.index('aria-label="Saved views"')
    return html[start : html.index("</nav>", start)]


def tabs(html: str) -> list[str]:
    """The tabs' names as a person reads them (count and tags included), in order."""
    nav = strip(html)
    links = re.findall(r"<a [^>]*>(.*?)</a>", nav, flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", link).split()) for link in links]


def current_tab(html: str) -> str:
    nav = strip(html)
    (link,) = re.findall(r'<a [^>]*aria-current="page"[^>]*>(.*?)</a>', nav, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", link).split())


@pytest.fixture
def other(db):
    """Another member of staff who sees records."""
    return make_staff("maya", "view_record")


# -- saving ----------------------------------------------------------------------------------


def test_saving_keeps_the_search_and_columns_and_shows_the_view_as_the_open_tab(
    staff_client, staff_user, service
):
    preference_set(user=staff_user, name=LAYOUT, value=HIDE_PRICE)
    response = save(staff_client, "  Sold   on Main ", "?q=Main&f.status=sold&sort=-price&page=3")
    view = SavedView.objects.get()
    assert (view.name, view.shared, view.owner, view.location_id) == (
        "Sold on Main",
        False,
        staff_user,
        LOCATION,
    )
    # The search as the table writes it, on its first page; the columns as the user has them.
    assert view.params == "q=Main&f.status=sold&sort=-price"
    assert view.columns == HIDE_PRICE
    assert view.labels["price"] == "Price"
    assert response.status_code == 303
    assert response["Location"] == f"{page_of(view)}?q=Main&f.status=sold&sort=-price"

    html = staff_client.get(response["Location"]).content.decode()
    assert "Saved the view “Sold on Main”." in html
    assert tabs(html) == ["All records", "Sold on Main"]
    assert current_tab(html) == "Sold on Main"
    assert "autofocus" in html[html.index(page_of(view, "open")) - 80 :][:300]
    search = service.searches()[-1]
    assert search["query"] == "Main"
    assert search["sort"] == [{"field": "properties.price", "direction": "desc"}]


def test_with_htmx_the_search_is_the_one_in_the_address_bar(staff_client, service):
    # The form was drawn with the page; the table was redrawn since (the address says how).
    address = f"{URL}?q=Oak&sort=price&per_page=50"
    response = save(staff_client, "Oak", "?q=Old", shared=True, headers=htmx(address))
    view = SavedView.objects.get()
    assert view.params == "q=Oak&sort=price&per_page=50" and view.shared
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{page_of(view)}?q=Oak&sort=price&per_page=50"
    # An address that is not a table page (the form's own page) is not read.
    save(staff_client, "Old", "?q=Old", headers=htmx(SAVE))
    assert SavedView.objects.get(name="Old").params == "q=Old"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Give the view a name."),
        ("   ", "Give the view a name."),
        ("x" * 61, "A view's name can be at most 60 characters; this one has 61."),
    ],
)
def test_a_name_that_cannot_be_used_comes_back_in_the_form_with_what_was_typed(
    staff_client, service, name, message
):
    response = save(staff_client, name, "?q=Oak", shared=True, headers=htmx())
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert html.lstrip().startswith('<form class="view-form" id="view-form-save"')
    assert message in html
    assert f'value="{name}"' in html
    assert 'aria-invalid="true" autofocus' in html
    assert 'aria-describedby="view-name-save-error view-name-save-hint"' in html
    assert 'name="shared" value="1" checked' in html
    assert not SavedView.objects.exists()


def test_without_javascript_the_form_comes_back_open_on_the_table_it_was_sent_from(
    staff_client, staff_user, service
):
    response = save(staff_client, "", "?q=Oak")
    assert response.status_code == 303
    assert response["Location"] == f"/objects/{KEY}/?q=Oak"
    html = staff_client.get(response["Location"]).content.decode()
    assert 'id="records-table"' in html and "<tbody" in html  # the table still shows
    menu = re.search(
        r'<details class="view-menu" data-escape-closes open>.*?</details>', html, re.S
    )
    assert menu and "Give the view a name." in menu[0]
    assert 'aria-invalid="true" autofocus' in menu[0] and 'name="query" value="q=Oak"' in menu[0]
    # Once: the table drawn again has the form closed and empty.
    again = staff_client.get(response["Location"]).content.decode()
    assert "Give the view a name." not in again
    # A rename refused comes back on the view's own page, with the name typed.
    view = view_of(staff_user, "Cheap", "sort=price")
    view_of(staff_user, "Taken")
    refused = staff_client.post(
        f"/objects/{KEY}/views/{view.pk}/rename/", {"name": "Taken", "query": "sort=price"}
    )
    assert refused["Location"] == f"/objects/{KEY}/views/{view.pk}/?sort=price"
    page = staff_client.get(refused["Location"]).content.decode()
    assert 'value="Taken"' in page and "You already have a view named “Taken”" in page


def test_names_are_unique_per_owner_for_private_views_and_per_table_for_shared_ones(
    staff_client, staff_user, other, service
):
    view_of(staff_user, "Sold")
    view_of(other, "Big houses", shared=True)
    view_of(other, "Mine")
    refused = save(staff_client, "sold", headers=htmx()).content.decode()
    assert "You already have a view named “sold” on Properties." in refused
    refused = save(staff_client, "BIG HOUSES", shared=True, headers=htmx()).content.decode()
    assert "There is already a shared view named “BIG HOUSES” on Properties." in refused
    # Another user's private name is free, and so is a shared view's for a private one.
    assert save(staff_client, "Mine").status_code == 303
    assert save(staff_client, "Big houses").status_code == 303
    assert SavedView.objects.filter(owner=staff_user).count() == 3


def test_saving_needs_the_right_to_view_records_and_a_post(client, staff_client, service, db):
    client.force_login(make_staff("nobody"))
    assert save(client, "Anything").status_code == 403
    assert staff_client.get(SAVE).status_code == 405
    assert not SavedView.objects.exists()


# -- the tabs and opening a view -------------------------------------------------------------


def test_tabs_are_all_records_then_my_views_then_the_shared_ones(
    staff_client, staff_user, other, service
):
    view_of(other, "Zed", shared=True)
    view_of(staff_user, "beta")
    view_of(staff_user, "Alpha")
    view_of(other, "Maya's own")
    view_of(staff_user, "Elsewhere", location_id="another-location")
    view_of(staff_user, "Showings", object_key="custom_objects.showing")
    view_of(staff_user, "Team", shared=True)
    html = staff_client.get(ALL).content.decode()
    assert tabs(html) == ["All records", "Alpha", "beta", "Team Shared", "Zed Shared"]
    assert current_tab(html) == "All records"
    # The counts come after the page, in one request for the strip.
    assert f'hx-get="{COUNTS}" hx-trigger="load" hx-swap="none"' in html


def test_opening_a_view_puts_its_columns_in_place_and_goes_to_its_search(
    staff_client, staff_user, service
):
    view = view_of(staff_user, "Cheap", "f.status=active&sort=price", columns=HIDE_PRICE)
    preference_set(user=staff_user, name=LAYOUT, value={"order": [], "hidden": []})
    response = staff_client.get(page_of(view, "open"))
    assert response.status_code == 303
    assert response["Location"] == f"{page_of(view)}?f.status=active&sort=price"
    assert preference_get(user=staff_user, name=LAYOUT) == HIDE_PRICE
    html = staff_client.get(response["Location"]).content.decode()
    assert current_tab(html) == "Cheap"
    head = html[html.index("<thead") : html.index("</thead>")]
    assert ">Price<" not in head and ">Status<" in head
    assert "records-table--compact" in html
    assert service.searches()[-1]["filters"] == [
        {"field": "properties.status", "operator": "eq", "value": "active"}
    ]
    # The table's own links keep the view in the address (they are relative query strings).
    assert 'href="?f.status=active&amp;sort=updated"' in html
    assert f'action="{page_of(view)}"' in html


@pytest.mark.parametrize("came_from", ["cross-site", "same-site"])
def test_a_link_from_another_site_asks_before_it_changes_the_columns(
    staff_client, staff_user, service, came_from
):
    view = view_of(staff_user, "Cheap", "f.status=active&sort=price", columns=HIDE_PRICE)
    mine = {"order": [], "hidden": ["field_status"]}
    preference_set(user=staff_user, name=LAYOUT, value=mine)
    asked = staff_client.get(page_of(view, "open"), headers={"Sec-Fetch-Site": came_from})
    assert asked.status_code == 200
    html = asked.content.decode()
    assert "Open the view “Cheap”?" in html
    assert f'<form method="post" action="{page_of(view, "open")}"' in html
    assert preference_get(user=staff_user, name=LAYOUT) == mine  # nothing changed yet
    opened = staff_client.post(page_of(view, "open"))
    assert opened.status_code == 303
    assert preference_get(user=staff_user, name=LAYOUT) == HIDE_PRICE
    # The site's own links (and an address typed) open at once, as before.
    preference_set(user=staff_user, name=LAYOUT, value=mine)
    own = staff_client.get(page_of(view, "open"), headers={"Sec-Fetch-Site": "same-origin"})
    assert own.status_code == 303
    assert preference_get(user=staff_user, name=LAYOUT) == HIDE_PRICE


def test_opening_a_view_by_post_needs_the_csrf_token(staff_user, service):
    view = view_of(staff_user, "Cheap", "sort=price", columns=HIDE_PRICE)
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    assert client.post(page_of(view, "open")).status_code == 403


def test_a_warm_view_page_costs_one_api_call(staff_client, staff_user, service):
    view = view_of(staff_user, "Cheap", "sort=price")
    staff_client.get(page_of(view))
    before = len(service.stub.requests)
    staff_client.get(page_of(view))
    staff_client.get(page_of(view), {"q": "x"}, headers=htmx(page_of(view)))
    assert [seen.path for seen in service.stub.requests[before:]] == [
        f"/objects/{KEY}/records/search"
    ] * 2


# -- changing a view -------------------------------------------------------------------------


def test_update_keeps_the_table_as_it_is_now(staff_client, staff_user, service):
    view = view_of(staff_user, "Cheap", "sort=price")
    preference_set(user=staff_user, name=LAYOUT, value=HIDE_PRICE)
    address = f"{page_of(view)}?sort=price&f.status=sold&page=2"
    response = staff_client.post(page_of(view, "update"), {"query": ""}, headers=htmx(address))
    view.refresh_from_db()
    assert (view.params, view.columns) == ("f.status=sold&sort=price", HIDE_PRICE)
    assert response["HX-Redirect"] == f"{page_of(view)}?f.status=sold&sort=price"
    html = staff_client.get(response["HX-Redirect"]).content.decode()
    assert "“Cheap” now keeps this search and these columns." in html


def test_rename_and_its_mistakes(staff_client, staff_user, service):
    view = view_of(staff_user, "Cheap", "sort=price")
    view_of(staff_user, "Dear")
    rename = page_of(view, "rename")
    refused = staff_client.post(rename, {"name": "dear", "query": "?q=x"}, headers=htmx())
    html = refused.content.decode()
    assert html.lstrip().startswith('<form class="view-form" id="view-form-rename"')
    assert "You already have a view named “dear” on Properties." in html
    assert 'value="dear"' in html
    view.refresh_from_db()
    assert view.name == "Cheap"
    page = staff_client.post(rename, {"name": "y" * 70, "query": "?q=x"}, follow=True)
    text = page.content.decode()
    assert page.redirect_chain[-1][0] == f"{page_of(view)}?q=x"  # back on the view's table
    assert "<h1>Properties</h1>" in text and "this one has 70" in text and "y" * 70 in text
    response = staff_client.post(rename, {"name": "Cheapest", "query": "?q=x"})
    assert response["Location"] == f"{page_of(view)}?q=x"
    view.refresh_from_db()
    assert view.name == "Cheapest"


def test_the_owner_shares_a_saved_view_and_stops_sharing_it(
    staff_client, staff_user, other, service
):
    client = Client()  # the other person's, beside staff_client
    view = view_of(staff_user, "Cheap", "sort=price")
    html = staff_client.get(page_of(view)).content.decode()
    assert f'action="{page_of(view, "share")}"' in html
    assert "Share with everyone who sees properties" in html
    client.force_login(other)
    assert "Cheap" not in tabs(client.get(ALL).content.decode())
    shared = staff_client.post(page_of(view, "share"), {"shared": "1", "query": "?q=x"})
    assert shared["Location"] == f"{page_of(view)}?q=x"
    view.refresh_from_db()
    assert view.shared
    page = staff_client.get(shared["Location"]).content.decode()
    assert "“Cheap” is shared with everyone who sees properties." in page
    assert "Cheap Shared" in tabs(client.get(ALL).content.decode())
    # Only its owner shares it or stops: not even someone who may change shared views.
    other.user_permissions.add(Permission.objects.get(codename="change_shared_view"))
    client.force_login(type(other).objects.get(pk=other.pk))
    assert page_of(view, "share") not in client.get(page_of(view)).content.decode()
    assert client.post(page_of(view, "share"), {"shared": "0"}).status_code == 403
    assert staff_client.post(page_of(view, "share"), {"shared": "0"}).status_code == 303
    view.refresh_from_db()
    assert not view.shared
    assert "Cheap" not in tabs(client.get(ALL).content.decode())
    # A shared view of that name already: said, and nothing changed.
    view_of(other, "cheap", shared=True)
    refused = staff_client.post(page_of(view, "share"), {"shared": "1"}, follow=True)
    said = "“Cheap” was not changed: There is already a shared view named “Cheap”"
    assert said in refused.content.decode()
    view.refresh_from_db()
    assert not view.shared


def test_delete_asks_first(staff_client, staff_user, service):
    view = view_of(staff_user, "Cheap", "sort=price", shared=True)
    confirm = staff_client.get(page_of(view, "delete")).content.decode()
    assert '<h1 tabindex="-1" autofocus>Delete the view “Cheap”?</h1>' in confirm
    assert "It is shared: it goes for everyone who sees properties." in confirm
    assert SavedView.objects.exists()
    response = staff_client.post(page_of(view, "delete"))
    assert response.status_code == 303 and response["Location"] == ALL
    assert not SavedView.objects.exists()
    assert "Deleted the view “Cheap”." in staff_client.get(ALL).content.decode()


def test_only_the_owner_or_a_user_with_the_permission_changes_a_shared_view(
    client, staff_user, other, service
):
    view = view_of(staff_user, "Team", "sort=price", shared=True)
    client.force_login(other)
    html = client.get(page_of(view)).content.decode()
    assert current_tab(html) == "Team Shared"
    assert "Shared by staffer: only they can change it." in html
    assert page_of(view, "update") not in html and page_of(view, "delete") not in html
    for action, form in [
        ("update", {}),
        ("rename", {"name": "Mine now"}),
        ("delete", {}),
    ]:
        response = client.post(page_of(view, action), form)
        assert response.status_code == 403, action
        assert "“Team” is shared by staffer. Only staffer, or someone allowed to change shared" in (
            response.content.decode()
        )
    assert client.get(page_of(view, "delete")).status_code == 403
    view.refresh_from_db()
    assert (view.name, view.params) == ("Team", "sort=price")
    # Anyone who sees it may open on it by default: that changes only their own table.
    assert client.post(page_of(view, "default"), {"default": "1"}).status_code == 303

    other.user_permissions.add(Permission.objects.get(codename="change_shared_view"))
    other = type(other).objects.get(pk=other.pk)  # permissions are cached per user object
    client.force_login(other)
    assert client.post(page_of(view, "rename"), {"name": "Team's"}).status_code == 303
    assert client.post(page_of(view, "delete")).status_code == 303
    assert not SavedView.objects.exists()


def test_another_users_private_view_and_other_tables_views_are_not_found(
    staff_client, staff_user, other, service
):
    private = view_of(other, "Maya's")
    elsewhere = view_of(staff_user, "Elsewhere", location_id="another-location")
    showings = view_of(staff_user, "Showings", object_key="custom_objects.showing")
    for view in (private, elsewhere, showings):
        # A link to it (a bookmark, a colleague's) leads to the table, saying why.
        table = f"/objects/{KEY}/"
        assert staff_client.get(page_of(view))["Location"] == table
        assert staff_client.get(page_of(view), headers=htmx())["HX-Redirect"] == table
        assert staff_client.get(page_of(view, "open"))["Location"] == table
        assert staff_client.get(page_of(view, "delete")).status_code == 404
        for action in ("update", "rename", "delete", "default"):
            assert staff_client.post(page_of(view, action), {"name": "x"}).status_code == 404
    gone = staff_client.get(f"/objects/{KEY}/views/999999/?q=oak&sort=-price", follow=True)
    assert gone.redirect_chain == [(f"/objects/{KEY}/?q=oak&sort=-price", 303)]
    assert "That saved view is not there any more" in gone.content.decode()
    assert staff_client.get(f"/objects/{KEY}/views/{10**30}/open/").status_code == 303
    assert staff_client.post(f"/objects/{KEY}/views/999999/open/").status_code == 404
    assert SavedView.objects.filter(name__in=["Maya's", "Elsewhere", "Showings"]).count() == 3
    assert not DefaultView.objects.exists()


# -- the default view ------------------------------------------------------------------------


def test_the_table_opened_with_nothing_asked_opens_the_default_view(
    staff_client, staff_user, service
):
    view = view_of(staff_user, "Cheap", "sort=price")
    response = staff_client.post(page_of(view, "default"), {"default": "1", "query": "?q=a"})
    assert response["Location"] == f"{page_of(view)}?q=a"
    html = staff_client.get(response["Location"]).content.decode()
    assert "Properties now open on “Cheap”." in html
    assert tabs(html) == ["All records", "Cheap Default"]
    assert "Stop using as my default" in html

    opened = staff_client.get(URL)
    assert opened.status_code == 303 and opened["Location"] == page_of(view, "open")
    # Asked for something, redrawn by htmx, or "All records": no default.
    assert staff_client.get(URL, {"q": "x"}).status_code == 200
    assert staff_client.get(URL, headers=htmx()).status_code == 200
    assert current_tab(staff_client.get(ALL).content.decode()) == "All records"

    staff_client.post(page_of(view, "default"), {"default": "0"})
    assert staff_client.get(URL).status_code == 200
    assert not DefaultView.objects.exists()


def test_a_deleted_default_view_no_longer_opens(staff_client, staff_user, service):
    view = view_of(staff_user, "Cheap", "sort=price")
    staff_client.post(page_of(view, "default"), {"default": "1"})
    staff_client.post(page_of(view, "delete"))
    assert staff_client.get(URL).status_code == 200


# -- a schema that lost a field --------------------------------------------------------------

SQUARE_FEET = {
    "fieldKey": f"{KEY}.square_feet",
    "name": "Square feet",
    "dataType": "NUMERICAL",
    "position": 7,
}


def test_a_view_on_a_field_the_schema_lost_opens_without_it_and_says_so(
    staff_client, staff_user, service
):
    with_field = {**PROPERTY, "fields": [*PROPERTY["fields"], SQUARE_FEET]}

    def route(seen):
        if seen.path == f"/objects/{KEY}" and seen.method == "GET":
            return Reply(200, json=with_field)
        return service.route(seen)

    service.stub.router = route
    services.schema_invalidate(key=KEY)
    preference_set(
        user=staff_user,
        name=LAYOUT,
        value={"order": ["field_square_feet", "field_price"], "hidden": [], "density": "compact"},
    )
    save(staff_client, "Big", "?min.square_feet=2000&f.status=sold&sort=-square_feet")
    view = SavedView.objects.get()
    assert view.params == "f.status=sold&min.square_feet=2000&sort=-square_feet"

    service.stub.router = service.route  # the field is gone from the schema
    services.schema_invalidate(key=KEY)
    opened = staff_client.get(page_of(view, "open"))
    assert opened["Location"] == f"{page_of(view)}?f.status=sold"
    html = unescape(staff_client.get(opened["Location"]).content.decode())
    assert opened.status_code == 303
    for text in (
        "This view's filter on “Square feet” was dropped: the field no longer exists.",
        "This view's sort by “Square feet” was dropped: the field no longer exists.",
        "This view's column “Square feet” was dropped: the field no longer exists.",
    ):
        assert text in html
    assert service.searches()[-1]["filters"] == [
        {"field": "properties.status", "operator": "eq", "value": "sold"}
    ]
    head = html[html.index("<thead") : html.index("</thead>")]
    assert "Square feet" not in head and ">Price<" in head
    # Updated, the view keeps only what the table uses, and says nothing more.
    staff_client.post(page_of(view, "update"), {"query": "?f.status=sold"})
    assert "was dropped" not in staff_client.get(page_of(view)).content.decode()


def test_a_view_whose_builder_names_a_lost_field_opens_with_the_rest_and_says_which(
    staff_client, staff_user, service
):
    view = view_of(
        staff_user,
        "Built",
        "c1.field=square_feet&c1.op=gte&c1.value=100&g1.match=any"
        "&g1.c1.field=square_feet&g1.c1.op=lte&g1.c1.value=900"
        "&g1.c2.field=price&g1.c2.op=gte&g1.c2.value=5000",
        labels={"square_feet": "Square feet", "price": "Price"},
    )
    opened = staff_client.get(page_of(view, "open"))
    kept = "g1.match=any&g1.c1.field=price&g1.c1.op=gte&g1.c1.value=5000"
    assert opened["Location"] == f"{page_of(view)}?{kept}"
    html = unescape(staff_client.get(opened["Location"]).content.decode())
    said = re.findall(r'<div class="alert alert--warning view-dropped"[^>]*>(.*?)</div>', html)
    assert said == ["This view's filter on “Square feet” was dropped: the field no longer exists."]
    assert service.searches()[-1]["filters"] == [
        {"field": "properties.price", "operator": "range", "value": {"gte": 5000}}
    ]


# -- record counts on the tabs ---------------------------------------------------------------


class Budget:
    """Records the priority of each call; refuses background calls when `low`."""

    def __init__(self, *, low: bool = False) -> None:
        self.low = low
        self.priorities: list[str] = []
        self.patience: list[float] = []

    def acquire(self, location, *, priority, deadline):
        self.priorities.append(priority)
        self.patience.append(deadline - time.monotonic())  # how long the call would wait
        return 3.0 if self.low and priority == client_budget.BACKGROUND else 0.0

    def observe(self, location, headers, status):
        return None


def counts(client) -> dict[str, str]:
    html = unescape(client.get(COUNTS, headers=htmx()).content.decode())
    count = r'<span class="view-tab__count" id="(view-count-\d+)"[^>]*>(.*?)</span>\n'
    spans = re.findall(count, html)
    found = {name: re.sub(r"<[^>]+>", "", inner) for name, inner in spans}
    note = re.search(r'<p id="view-counts-note" hx-swap-oob="innerHTML">(.*?)</p>', html, re.S)
    found["note"] = note.group(1).strip()
    return found


def test_counts_are_background_searches_of_one_record_cached_and_bounded(
    staff_client, staff_user, service, settings
):
    settings.RECORDS_VIEW_COUNT_CALLS = 2
    a = view_of(staff_user, "A", "f.status=sold&sort=price")
    b = view_of(staff_user, "B", "f.status=sold&sort=-price&per_page=50")  # the same count
    c = view_of(staff_user, "C", "q=Oak")
    d = view_of(staff_user, "D", "q=Elm", shared=True)
    staff_client.get(ALL)  # the schema, cached
    budget = Budget()
    client_budget.install(budget)
    before = len(service.searches())

    first = counts(staff_client)
    searches = service.searches()[before:]
    assert len(searches) == 2  # A and B share one count; C is the second; D waits
    assert all(body["pageLimit"] == 1 for body in searches)
    assert budget.priorities == [client_budget.BACKGROUND] * 2
    assert first[f"view-count-{a.pk}"] == first[f"view-count-{b.pk}"] == "3,412 records"
    assert first[f"view-count-{c.pk}"] == "3,412 records"
    assert first[f"view-count-{d.pk}"] == ""
    assert first["note"] == "Some views are counted on the next visit."

    second = counts(staff_client)
    assert len(service.searches()) - before == 3  # only D
    assert second[f"view-count-{d.pk}"] == "3,412 records" and second["note"] == ""
    counts(staff_client)
    assert len(service.searches()) - before == 3  # all cached, for everyone


def test_counts_wait_while_the_rate_budget_is_low(staff_client, staff_user, service, settings):
    settings.RECORDS_COUNT_WAIT = 0.5
    view_of(staff_user, "A", "q=Oak")
    staff_client.get(ALL)
    budget = Budget(low=True)
    client_budget.install(budget)
    before = len(service.searches())
    found = counts(staff_client)
    assert found["note"] == "Counts wait while the records API's rate limit is low."
    assert len(service.searches()) == before  # nothing was sent
    # Like the filters' counts, a tab's count waits RECORDS_COUNT_WAIT for a place, no more.
    assert budget.patience and all(0 < wait <= 0.5 for wait in budget.patience)


def test_counts_that_fail_say_so_and_the_page_stands(staff_client, staff_user, service):
    view_of(staff_user, "A", "q=Oak")
    staff_client.get(ALL)
    service.search = Reply(500, json={"message": "boom"})
    found = counts(staff_client)
    assert found["note"] == "Counts are not available: the records API did not answer."


def test_without_javascript_the_counts_are_a_page(staff_client, staff_user, service):
    view_of(staff_user, "Oak", "q=Oak", shared=True)
    html = staff_client.get(COUNTS).content.decode()
    assert "<h1>Saved views of properties</h1>" in html
    assert "Oak</a> (shared): 3,412 records" in html
    assert f'<noscript><a class="view-bar__counts" href="{COUNTS}">' in (
        staff_client.get(ALL).content.decode()
    )


def test_without_javascript_the_column_chooser_goes_back_to_the_views_page(
    staff_client, staff_user, service
):
    view = view_of(staff_user, "Cheap", "sort=price")
    form = {"column": ["field_price", "owner"], "show": ["owner"], "query": "?sort=price"}
    referer = f"http://testserver{page_of(view)}?sort=price"
    response = staff_client.post(f"/objects/{KEY}/table/", form, headers={"Referer": referer})
    assert response["Location"] == f"{page_of(view)}?sort=price"
    # Never to the bare table, which would open the default view with its own columns.
    staff_client.post(page_of(view, "default"), {"default": "1"})
    response = staff_client.post(f"/objects/{KEY}/table/", form | {"query": "?"})
    assert response["Location"] == ALL
