"""The table's page around the table: the column chooser and density remembered per user and
object, and what a screen reader is told after a redraw."""

import re

from recordsadmin.accounts.preferences import preference_get, preference_set
from tests.support.fake_service import KEY

URL = f"/objects/{KEY}/"
SETTINGS = f"/objects/{KEY}/table/"
HTMX = {"HX-Request": "true", "HX-Current-URL": f"http://testserver{URL}"}
NAME = f"table:{KEY}"


def header_names(html: str) -> list[str]:
    head = html[html.index("<thead") : html.index("</thead>")]
    cells = re.findall(r"<th[^>]*>(.*?)</th>", head)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]


def chosen(*columns: str, show=(), move: str = "", density: str = "", query: str = "?"):
    form = {"column": list(columns), "show": list(show), "query": query}
    if move:
        form["move"] = move
    if density:
        form["density"] = density
    return form


def test_the_chooser_is_saved_for_the_user_and_the_table_redrawn_with_it(
    staff_client, staff_user, service
):
    form = chosen(
        "field_price",
        "field_status",
        "owner",
        show=["field_price", "owner"],
        move="up:owner",
        density="compact",
        query="?q=Main&sort=-price",
    )
    response = staff_client.post(SETTINGS, form, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="records-table"')
    assert preference_get(user=staff_user, name=NAME) == {
        "order": ["field_price", "owner", "field_status"],
        "hidden": ["field_status"],
        "density": "compact",
    }
    names = header_names(html)
    assert names[1:4] == ["Address", "Price", "Owner"]
    assert "Status" not in names
    assert "records-table--compact" in html
    assert '<details class="table-settings" data-escape-closes open>' in html
    # The table answers the same question as before.
    assert service.searches()[-1]["query"] == "Main"
    assert 'name="query" value="?q=Main&amp;sort=-price"' in html


def test_the_layout_is_used_on_the_next_visit_and_only_for_that_user(
    staff_client, staff_user, client, viewer, service
):
    preference_set(user=staff_user, name=NAME, value={"order": [], "hidden": ["field_price"]})
    assert "Price" not in header_names(staff_client.get(URL).content.decode())
    client.force_login(viewer)
    assert "Price" in header_names(client.get(URL).content.decode())


def test_without_javascript_the_chooser_goes_back_to_the_same_view(staff_client, service):
    response = staff_client.post(SETTINGS, chosen("owner", show=[], query="?page=2"))
    assert response.status_code == 303
    assert response["Location"] == f"{URL}?page=2"


def test_the_chooser_needs_a_post_and_the_right_to_view(client, staff_without_permissions, service):
    client.force_login(staff_without_permissions)
    assert client.post(SETTINGS, chosen("owner")).status_code == 403


def test_the_chooser_is_only_posted(staff_client, service):
    assert staff_client.get(SETTINGS).status_code == 405


def test_the_table_is_no_live_region_a_short_status_says_the_count(staff_client, service):
    page = staff_client.get(URL).content.decode()
    table = page[page.index('<div id="records-table"') :]
    opening = table[: table.index(">")]
    assert "aria-live" not in opening
    assert 'data-announce="3,412 properties found"' in opening
    # The status region is outside the redrawn part, so that it is on the page before it changes.
    assert '<p id="records-status" class="visually-hidden" role="status"></p>' in page
    assert page.index('id="records-status"') < page.index('<div id="records-table"')
    partial = staff_client.get(URL, {"q": "x"}, headers=HTMX).content.decode()
    assert "records-status" not in partial
    assert "aria-live" not in partial


def test_skip_links_after_the_search_box_and_the_shortcuts_dialog(staff_client, service):
    page = staff_client.get(URL).content.decode()
    search = page.index('id="q"')
    assert search < page.index(">Skip to results</a>") < page.index(">Skip to pages</a>")
    assert 'id="records-results"' in page and 'id="records-pages"' in page
    dialog = page[page.index('<dialog id="shortcuts"') : page.index("</dialog>")]
    for shortcut in ("Next row", "Open the record", "Edit the record", "Tick the row"):
        assert shortcut in dialog
    assert "Save and add another" in dialog


def test_a_viewers_shortcuts_list_only_what_they_may_do(client, viewer, service):
    client.force_login(viewer)
    page = client.get(URL).content.decode()
    dialog = page[page.index('<dialog id="shortcuts"') : page.index("</dialog>")]
    assert "Next row" in dialog and "Open the record" in dialog
    for shortcut in ("Edit the record", "Tick the row", "Editing a cell", "Save and add another"):
        assert shortcut not in dialog


def test_the_chooser_is_drawn_once_per_layout_and_the_question_it_sends_follows_the_table(
    staff_client, staff_user, service
):
    from django.core.cache import caches

    caches["local"].clear()
    first = staff_client.get(URL + "?q=Main", headers=HTMX).content.decode()
    assert len(caches["local"]._cache) == 1  # the chooser's panel, kept
    second = staff_client.get(URL + "?q=Oak&sort=-price", headers=HTMX).content.decode()
    assert len(caches["local"]._cache) == 1  # the same layout: drawn from memory
    panel = re.compile(r"<summary>Columns and density</summary>.*?</form>", re.S)
    assert panel.search(first).group(0) == panel.search(second).group(0)
    # The question is outside the kept panel: each table sends its own.
    assert 'name="query" value="?q=Main" form="table-settings-form"' in first
    assert 'name="query" value="?q=Oak&amp;sort=-price" form="table-settings-form"' in second
    # A new layout is a new drawing.
    preference_set(user=staff_user, name=NAME, value={"order": [], "hidden": ["field_price"]})
    third = staff_client.get(URL + "?q=Oak", headers=HTMX).content.decode()
    assert len(caches["local"]._cache) == 2
    assert 'id="show-field_price" checked' in panel.search(first).group(0)
    assert 'id="show-field_price" checked' not in panel.search(third).group(0)
