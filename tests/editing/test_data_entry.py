"""The record form for fast entry, as the server renders it: which field takes focus, numbers
typed as text, the fields carried to the next record remembered per user, and New on a
record's page. The browser's side is in tests/e2e/test_data_entry.py."""

import re

import pytest
from django.test import Client

from recordsadmin.accounts.preferences import preference_get, preference_set
from recordsadmin.records import forms

from .helpers import PROPERTY_INPUT, url
from .test_forms import USERS, VALID, post
from .test_pages import create

pytestmark = pytest.mark.django_db(transaction=True)


def autofocused(text: str) -> list[str]:
    """The opening tags that carry autofocus."""
    return re.findall(r"<[^>]*\bautofocus\b[^>]*>", text)


# -- focus --------------------------------------------------------------------------------------


def test_a_new_form_focuses_its_first_field(every_type):
    form = forms.RecordForm(schema=every_type, users=USERS, carry=True)
    assert form.mark_focus() == "title"
    assert "autofocus" in str(form["title"])
    assert "autofocus" not in str(form["story"])


def test_with_errors_the_first_field_in_error_takes_focus(every_type):
    form = forms.RecordForm(post({**VALID, "count": "many", "status": ""}), schema=every_type)
    assert not form.is_valid()
    assert form.mark_focus(problems=True) == "count"
    assert "autofocus" in str(form["count"]) and "autofocus" not in str(form["title"])


def test_with_only_the_forms_own_problems_no_field_takes_focus(every_type):
    form = forms.RecordForm(post(VALID), schema=every_type, users=USERS)
    assert form.is_valid()
    assert form.mark_focus(problems=True) is None


def test_a_group_is_focused_by_script_not_by_a_repeated_autofocus(every_type):
    form = forms.RecordForm(post({**VALID, "size": "huge"}), schema=every_type)
    assert not form.is_valid()
    assert form.mark_focus(problems=True) == "size"
    assert "autofocus" not in str(form["size"])


def test_the_page_autofocuses_one_field_and_the_summary_only_without_field_errors(staff, prop):
    page = staff.get(url("record_create", prop.key)).content.decode()
    assert [tag for tag in autofocused(page) if "<input" in tag] == [
        tag for tag in autofocused(page) if 'name="address"' in tag
    ]
    assert len(autofocused(page)) == 1

    wrong = create(staff, prop, {**PROPERTY_INPUT, "price": "35o000"}).content.decode()
    (tag,) = autofocused(wrong)
    assert 'name="price"' in tag and 'value="35o000"' in tag
    assert 'class="error-summary' in wrong


def test_the_edit_form_focuses_its_first_field(staff, prop):
    response = create(staff, prop)
    edit = staff.get(response["Location"] + "edit/").content.decode()
    (tag,) = autofocused(edit)
    assert 'name="address"' in tag and 'value="1 Test Lane"' in tag


# -- numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "value"),
    [("350000", 350000), ("350,000.50", 350000.5), ("$1,250", 1250), (" 12.5 ", 12.5)],
)
def test_money_is_typed_as_text_with_commas_and_a_currency_sign(every_type, typed, value):
    form = forms.RecordForm(post({**VALID, "price": typed}), schema=every_type)
    assert form.is_valid(), form.errors
    assert form.properties()["price"] == value


@pytest.mark.parametrize(
    ("key", "typed"), [("price", "35o000"), ("count", "3 beds"), ("price", "1,5")]
)
def test_a_number_that_is_not_one_says_what_to_type_and_keeps_the_text(every_type, key, typed):
    form = forms.RecordForm(post({**VALID, key: typed}), schema=every_type)
    assert not form.is_valid()
    (message,) = form.errors[key]
    assert message.startswith("Enter a number, like ")
    html = str(form[key])
    assert 'type="text"' in html and 'inputmode="decimal"' in html
    assert f'value="{typed}"' in html


# -- carried values -----------------------------------------------------------------------------


def test_the_fields_kept_are_remembered_when_the_record_is_saved(staff, staff_user, prop):
    response = create(staff, prop, _save="save", _carry=["status", "features", "_owner", "nope"])
    # "nope" is not a field: the form refuses it, so nothing is saved and nothing remembered.
    assert response.status_code == 200
    assert preference_get(user=staff_user, name=f"carry:{prop.key}") is None

    response = create(staff, prop, _save="save", _carry=["status", "features", "_owner"])
    assert response.status_code == 303
    assert preference_get(user=staff_user, name=f"carry:{prop.key}") == [
        "status",
        "features",
        "_owner",
    ]


def test_a_fresh_new_form_starts_with_the_remembered_fields_kept(staff, staff_user, prop):
    preference_set(user=staff_user, name=f"carry:{prop.key}", value=["status", "gone", 3])
    page = staff.get(url("record_create", prop.key)).content.decode()
    assert re.search(r'<input type="checkbox" name="_carry" value="status"[^>]*checked', page)
    assert not re.search(r'name="_carry" value="address"[^>]*checked', page)
    assert "<span data-carry-count>1</span> kept" in page
    assert 'data-carry-pin="status" data-label="Status" aria-pressed="true"' in page
    assert 'data-carry-pin="address" data-label="Address" aria-pressed="false"' in page


def test_the_keep_list_comes_after_the_buttons_and_the_pins_are_out_of_the_tab_order(staff, prop):
    page = staff.get(url("record_create", prop.key)).content.decode()
    assert page.index('class="form-actions"') < page.index('name="_carry"')
    last_field = page.index('id="field-_owner"')
    between = page[last_field : page.index('class="form-actions"')]
    assert "<button" in between  # the owner's pin...
    assert all('tabindex="-1"' in b for b in re.findall(r"<button[^>]*>", between))


def test_the_edit_form_carries_nothing(staff, prop):
    response = create(staff, prop)
    edit = staff.get(response["Location"] + "edit/").content.decode()
    assert "data-carry-pin" not in edit and 'name="_carry"' not in edit


# -- the record page ----------------------------------------------------------------------------


def test_the_record_page_offers_new_to_those_who_may_add(staff, prop, viewer):
    location = create(staff, prop)["Location"]
    page = staff.get(location).content.decode()
    assert f'href="{url("record_create", prop.key)}">New property</a>' in page
    looker = Client()
    looker.force_login(viewer)
    assert "New property" not in looker.get(location).content.decode()
