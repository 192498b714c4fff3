"""A search of one field from the search box (`address:oak`): what crosses the wire, the chip
above the table, the marks in the cells, the links that keep it, and the suggestions the page
offers (the stub of tests/support/fake_service.py plays the records API; its property object
searches `address` only)."""

import re

import pytest

from tests.support.fake_service import KEY, record

URL = f"/objects/{KEY}/"
HTMX = {"HX-Request": "true", "HX-Current-URL": f"http://testserver{URL}"}


def chips_of(html: str) -> list[str]:
    if 'class="chips"' not in html:
        return []
    chips = html[html.index('class="chips"') : html.index('class="records__bar"')]
    return re.findall(r'<span class="chip__text">(.*?)</span>', chips)


def test_a_scoped_search_goes_to_the_api_as_typed_and_its_chip_names_the_field(
    staff_client, service
):
    html = staff_client.get(URL, {"q": " Address:Oak Lane "}, headers=HTMX).content.decode()
    assert service.searches()[-1]["query"] == "Address:Oak Lane"
    assert chips_of(html) == ["Address contains “Oak Lane”"]
    # The links of the page keep it, so the address bar and Back keep it too.
    assert "?q=Address%3AOak+Lane&amp;sort=price" in html
    # Its chip's link asks the same question without it.
    removed = re.search(r'class="chip__remove" id="chip-1" href="([^"]*)"', html)
    assert "q=" not in removed.group(1)


@pytest.mark.parametrize(
    ("q", "chips"),
    [
        ("oak", ["Text “oak”"]),
        ("price:5", ["Text “price:5”"]),  # price is not searchable: plain text
        ("city:Oakland", ["Text “city:Oakland”"]),  # no such field
        ("address:", []),  # a key and no value asks for no text
        ("address:<b>x</b>", ["Address contains “&lt;b&gt;x&lt;/b&gt;”"]),
    ],
)
def test_the_chip_says_what_the_api_reads(staff_client, service, q, chips):
    html = staff_client.get(URL, {"q": q}, headers=HTMX).content.decode()
    assert service.searches()[-1]["query"] == q
    assert chips_of(html) == chips


def test_a_scoped_search_marks_its_value_in_its_field_only(staff_client, service):
    service.records = [record(1, address="12 Sold Lane", status="sold")]
    service.total = 1
    html = staff_client.get(URL, {"q": "address:sold"}, headers=HTMX).content.decode()
    body = html.split("<tbody>")[1]
    assert "12 <mark>Sold</mark> Lane" in body
    assert body.count("<mark>") == 1  # not the status cell's "Sold", not "address:"
    # A plain search marks it wherever it is shown.
    html = staff_client.get(URL, {"q": "sold"}, headers=HTMX).content.decode()
    assert html.split("<tbody>")[1].count("<mark>") == 2


def test_the_page_offers_the_searchable_fields_and_says_how(staff_client, service):
    html = staff_client.get(URL, {"q": "address:oak"}).content.decode()
    assert 'value="address:oak"' in html
    listbox = re.search(r'<ul id="q-fields"[^>]*role="listbox"[^>]*hidden>(.*?)</ul>', html, re.S)
    options = re.findall(r'<li id="q-field-\d+" role="option"[^>]*data-key="([^"]*)"', listbox[1])
    assert options == ["address"]
    assert "js/search_suggest.js" in html
    assert "<kbd>address:</kbd> searches one field" in html
    shortcuts = html[html.index('id="shortcuts"') :]
    assert "Search that field only" in shortcuts and "<kbd>address:oak</kbd>" in shortcuts


def test_a_builder_conditions_text_is_marked_in_its_fields_cells(staff_client, service):
    service.records = [record(1, address="12 Oak Lane", status="sold"), record(2)]
    service.total = 2
    conditions = {"g1.match": "any", "g1.c1.field": "address", "g1.c1.op": "contains"}
    conditions |= {"g1.c1.value": "oak", "g1.c2.field": "address", "g1.c2.op": "eq"}
    conditions |= {"g1.c2.value": "2 Main Street"}
    html = staff_client.get(URL, conditions, headers=HTMX).content.decode()
    body = html.split("<tbody>")[1]
    assert "12 <mark>Oak</mark> Lane" in body and "<mark>2 Main Street</mark>" in body
    assert body.count("<mark>") == 2
    # With the search text too, each is marked; the longer of two overlapping texts whole.
    both = {"q": "lane"} | conditions | {"g1.c1.value": "oak la"}
    body = staff_client.get(URL, both, headers=HTMX).content.decode().split("<tbody>")[1]
    assert "12 <mark>Oak La</mark>ne" in body
    # A negation finds records without the text, and an option field's value is a key: no marks.
    for op, field, value in [("not_contains", "address", "oak"), ("eq", "status", "sold")]:
        asked = {"c1.field": field, "c1.op": op, "c1.value": value}
        body = staff_client.get(URL, asked, headers=HTMX).content.decode().split("<tbody>")[1]
        assert "<mark>" not in body, (op, field)
