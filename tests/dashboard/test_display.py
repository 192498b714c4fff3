"""Values render for their dataType, escaped, and link only with safe schemes (items 11, 12)."""

from html.parser import HTMLParser

import pytest
from django.http import QueryDict
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from recordsadmin.client.domain import Field, Page, Record, Schema
from recordsadmin.records import fieldtypes
from recordsadmin.records.formatting import safe_href
from recordsadmin.records.query import ListQuery
from recordsadmin.records.tables import build_table
from tests.support import schemas


def render_value(f: Field, value, *, short: bool = True) -> str:
    """The HTML of a value as its field's type renders it."""
    return fieldtypes.of(f).render(value, short=short)


def field(data_type: str, options=()) -> Field:
    return schemas.one_field(data_type, options)


STATUS = field("SINGLE_OPTIONS", (("active", "Active"), ("under_contract", "Under contract")))
FEATURES = field("MULTIPLE_OPTIONS", (("pool", "Pool"), ("garage", "Garage")))
HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ secret }}",
    "{% debug %}",
]


def test_option_labels_not_keys():
    assert ">Under contract<" in render_value(STATUS, "under_contract")


def test_multi_options_are_tags():
    html = render_value(FEATURES, ["pool", "garage"])
    assert html.count('class="tag"') == 2
    assert "Pool" in html and "Garage" in html


def test_money_has_its_currency(settings):
    settings.RECORDS_CURRENCY = "USD"
    assert "$350,000.00" in render_value(field("MONETORY"), 350000)
    assert "$1,234.50" in render_value(field("MONETORY"), {"currency": "default", "value": 1234.5})
    assert "€10.00" in render_value(field("MONETORY"), {"currency": "EUR", "value": 10})


def test_numbers_and_dates_are_readable():
    assert "1,250" in render_value(field("NUMERICAL"), 1250)
    assert "2.5" in render_value(field("NUMERICAL"), 2.5)
    html = render_value(field("DATE"), "2026-03-07")
    assert 'datetime="2026-03-07"' in html and "Mar 7, 2026" in html


def test_email_and_phone_are_links():
    assert 'href="mailto:jo@example.com"' in render_value(field("EMAIL"), "jo@example.com")
    assert 'href="tel:+15551234567"' in render_value(field("PHONE"), "+1 (555) 123-4567")


def test_long_text_is_cut_with_the_whole_text_available():
    text = "word " * 60
    html = render_value(field("LARGE_TEXT"), text)
    assert "<details" in html
    assert text.strip() in html
    assert "<details" not in render_value(field("LARGE_TEXT"), text, short=False)


def test_empty_values_show_a_dash():
    for value in (None, "", [], {}):
        assert "—" in render_value(field("TEXT"), value)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        " java\tscript:alert(1)",
        "data:text/html,x",
        "vbscript:x",
        "/relative",
        "ftp://x",
    ],
)
def test_unsafe_schemes_never_become_links(url):
    assert safe_href(url) is None
    html = render_value(field("FILE_UPLOAD"), [{"url": url, "name": "plan.pdf"}])
    assert "href" not in html
    assert "plan.pdf" in html


@pytest.mark.parametrize(
    "url", ["https://example.com/a.pdf", "http://x.test/", "mailto:a@b.c", "tel:+1555"]
)
def test_safe_schemes_become_links(url):
    assert safe_href(url) == url
    assert f'href="{url}"' in render_value(field("FILE_UPLOAD"), [{"url": url, "name": "f"}])


@pytest.mark.parametrize(
    "data_type", ["TEXT", "LARGE_TEXT", "EMAIL", "PHONE", "SINGLE_OPTIONS", "DATE", "NUMERICAL"]
)
@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_are_escaped(data_type, value):
    html = render_value(field(data_type, ((value, value),)), value)
    assert "<script>" not in html
    assert "<img" not in html
    assert "onerror=" not in html or "&quot;&gt;&lt;img" in html


class Parsed(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attrs: set[str] = set()
        self.text = ""
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs |= {name for name, _ in attrs}

    def handle_data(self, data):
        self.text += data


SAFE_TAGS = {"span", "a", "details", "summary", "div", "time", "ul", "li", "dl", "dt", "dd"}
SAFE_ATTRS = {"class", "href", "datetime", "aria-label", "rel"}


@given(st.text())
@hypothesis_settings(max_examples=60)
def test_any_text_comes_back_as_text(value):
    for data_type in ("TEXT", "LARGE_TEXT", "EMAIL", "PHONE"):
        parsed = Parsed(str(render_value(field(data_type), value, short=False)))
        assert parsed.tags <= SAFE_TAGS
        assert parsed.attrs <= SAFE_ATTRS
        if value:
            assert (
                value.replace("\r\n", "\n").replace("\r", "\n") in parsed.text
                or value.strip() in parsed.text
            )


def test_the_primary_link_is_typed_and_cut_short():

    def first_cell(primary: Field, value) -> str:
        schema = Schema(
            id="o1",
            key="custom_objects.thing",
            singular="Thing",
            plural="Things",
            fields=(primary,),
            primary_display_key="x",
        )
        record = Record(id="r1", properties={"x": value})
        page = Page(records=(record,), total=1, page=1, per_page=25)
        query = ListQuery.from_params(schema, QueryDict())
        table = build_table(schema, page, {}, query=query)
        return str(next(iter(table.rows)).get_cell("field_x"))

    assert ">Under contract</a>" in first_cell(STATUS, "under_contract")
    assert ">1,250</a>" in first_cell(field("NUMERICAL"), 1250)
    long = first_cell(field("TEXT"), "A very long address " * 10)
    assert "…</a>" in long and long.count("very long") < 10
    assert ">r1</a>" in first_cell(field("TEXT"), "")
