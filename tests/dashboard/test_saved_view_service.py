"""The saved views' model and service (recordsadmin/records/services/saved_views.py): names and
their uniqueness down to the database, the search as it is kept, what a changed schema leaves
out of a view, and the default view."""

import pytest
from django.db import IntegrityError, transaction

from recordsadmin.client.wire import parse_schema
from recordsadmin.records.models import DefaultView, SavedView
from recordsadmin.records.services import saved_views
from tests.conftest import make_staff
from tests.support.fake_service import KEY, LOCATION, PROPERTY

SCHEMA = parse_schema(PROPERTY)


@pytest.fixture
def owner(service, staff_user):
    return staff_user


def create(owner, name: str, params: str = "", *, shared=False, columns=None) -> SavedView:
    return saved_views.saved_view_create(
        user=owner, schema=SCHEMA, name=name, shared=shared, params=params, columns=columns or {}
    )


def test_the_database_keeps_names_unique_whatever_their_case(owner, db):
    other = make_staff("maya", "view_record")
    fields = {"location_id": LOCATION, "object_key": KEY}
    SavedView.objects.create(owner=owner, name="Sold", **fields)
    SavedView.objects.create(owner=other, name="Sold", **fields)  # another owner's: fine
    SavedView.objects.create(owner=owner, name="Sold", shared=True, **fields)  # shared: fine
    SavedView.objects.create(owner=owner, name="Sold", location_id="elsewhere", object_key=KEY)
    with pytest.raises(IntegrityError), transaction.atomic():
        SavedView.objects.create(owner=owner, name="SOLD", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        SavedView.objects.create(owner=other, name="sold", shared=True, **fields)


def test_a_name_is_trimmed_and_checked(owner):
    assert create(owner, "\t Sold \n in   May ").name == "Sold in May"
    assert create(owner, "x" * 60).name == "x" * 60
    for name, message in [
        ("", "Give the view a name."),
        (" \n ", "Give the view a name."),
        ("y" * 61, "A view's name can be at most 60 characters; this one has 61."),
        ("sold IN may", "You already have a view named “sold IN may” on Properties."),
    ]:
        with pytest.raises(saved_views.ViewNameInvalid, match=message):
            create(owner, name)
    assert SavedView.objects.count() == 2


def test_the_search_is_kept_as_the_table_writes_it(owner):
    view = create(owner, "A", "?page=4&sort=-price&f.status=sold&f.status=bogus&per_page=30&x=1")
    assert view.params == "f.status=sold&sort=-price&per_page=50"
    assert saved_views.saved_view_query(schema=SCHEMA, view=view).per_page == 50


def test_what_a_schema_no_longer_fits_is_named(owner):
    view = SavedView(
        owner=owner,
        name="Old",
        params="f.status=gone&f.rooms=1&min.square_feet=100&sort=brochure&color=red&q=Oak",
        columns={
            "order": ["field_square_feet", "field_rooms", "field_price", "owner"],
            "hidden": ["field_rooms"],
        },
        labels={"square_feet": "Square feet", "rooms": "Rooms", "status": "Status"},
    )
    assert saved_views.saved_view_dropped(schema=SCHEMA, view=view) == [
        "Part of this view's filter on “Status” was dropped: it no longer fits the field.",
        "This view's filter on “Rooms” was dropped: the field no longer exists.",
        "This view's filter on “Square feet” was dropped: the field no longer exists.",
        "This view's sort by “Brochure” was dropped: the field can no longer be sorted.",
        "Part of this view's search (“color”) was dropped: the table no longer reads it.",
        # A hidden column of a field that is gone is no loss.
        "This view's column “Square feet” was dropped: the field no longer exists.",
    ]
    assert saved_views.saved_view_dropped(schema=SCHEMA, view=create(owner, "New", "q=Oak")) == []


def test_a_builder_condition_a_schema_no_longer_fits_is_named_once_by_its_field(owner):
    view = SavedView(
        owner=owner,
        name="Built",
        params=(
            "match=any&c1.field=square_feet&c1.op=gte&c1.value=100"
            "&c2.field=status&c2.op=gte&c2.value=3&c3.field=rooms&c3.op=exists"
            "&g1.match=any&g1.c1.field=square_feet&g1.c1.op=lte&g1.c1.value=900"
            "&g1.c2.field=price&g1.c2.op=gte&g1.c2.value=5000"
        ),
        labels={"square_feet": "Square feet", "status": "Status", "price": "Price"},
    )
    # The kept condition on Price, now the group's first, is no loss.
    assert saved_views.saved_view_dropped(schema=SCHEMA, view=view) == [
        "This view's filter on “Square feet” was dropped: the field no longer exists.",
        "Part of this view's filter on “Status” was dropped: it no longer fits the field.",
        "This view's filter on “rooms” was dropped: the field no longer exists.",
    ]
    query = saved_views.saved_view_query(schema=SCHEMA, view=view)
    kept = "match=any&g1.match=any&g1.c1.field=price&g1.c1.op=gte&g1.c1.value=5000"
    assert query.params() == f"?{kept}"
    # With no condition left, neither is "any": what joined them is no loss of its own.
    view.params = "match=any&c1.field=rooms&c1.op=exists&c2.field=rooms&c2.op=not_exists"
    assert saved_views.saved_view_dropped(schema=SCHEMA, view=view) == [
        "This view's filter on “rooms” was dropped: the field no longer exists."
    ]


def test_the_default_view_is_one_the_user_still_sees(owner):
    view = create(owner, "Mine", shared=True)
    other = make_staff("maya", "view_record")
    saved_views.default_view_set(user=other, schema=SCHEMA, view=view)
    assert saved_views.default_view_get(user=other, schema=SCHEMA) == view
    SavedView.objects.filter(pk=view.pk).update(shared=False)
    assert saved_views.default_view_get(user=other, schema=SCHEMA) is None
    saved_views.default_view_set(user=other, schema=SCHEMA, view=None)
    assert not DefaultView.objects.exists()


def test_changing_someone_elses_shared_view_is_refused_with_who_may(owner):
    view = create(owner, "Team", shared=True)
    other = make_staff("maya", "view_record")
    with pytest.raises(saved_views.ViewNotAllowed, match="“Team” is shared by staffer"):
        saved_views.saved_view_rename(user=other, schema=SCHEMA, view=view, name="Mine")
    with pytest.raises(saved_views.ViewNotAllowed):
        saved_views.saved_view_delete(user=other, view=view)
    view.refresh_from_db()
    assert view.name == "Team"
