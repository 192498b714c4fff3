"""The schema editor over HTTP (Django's client), against the embedded API in the live server
through the recording proxy of tests/editing/conftest.py, which can also break chosen calls."""

import html
import io
import re

import pytest
from django.core.management import call_command

from recordsadmin.client import endpoints, wire
from recordsadmin.contract.datatypes import DataType, rule
from recordsadmin.contract.signals import associations_changed, schema_changed
from recordsadmin.records import receivers
from recordsadmin.records.schema_forms import TypedNameForm
from recordsadmin.sandbox.demo import BUYER_ASSOCIATION, PROPERTY_KEY
from recordsadmin.sandbox.models import Association as StoredAssociation
from recordsadmin.sandbox.models import Field as StoredField
from recordsadmin.sandbox.models import FieldFolder
from recordsadmin.sandbox.models import ObjectSchema as StoredObject
from recordsadmin.sandbox.models import Record as StoredRecord
from tests.conftest import RECORD_PERMISSIONS, make_staff
from tests.support.stub import Reply

from .helpers import url

pytestmark = pytest.mark.django_db(transaction=True)

REFUSED = {"statusCode": 400, "message": ["name is refused today"], "error": "Bad Request"}


@pytest.fixture
def schemer(client, db):
    """Staff who may change schemas (the demo's admin is a superuser and so may too)."""
    client.force_login(make_staff("schemer", *RECORD_PERMISSIONS, "manage_schema"))
    return client


@pytest.fixture
def without_the_signals():
    """The embedded API's signals would drop the cached schema and associations whatever the
    dashboard did: set aside, only the dashboard's own writes can."""
    schema_changed.disconnect(dispatch_uid="records_schema_changed")
    associations_changed.disconnect(dispatch_uid="records_associations_changed")
    yield
    schema_changed.connect(receivers.forget_changed_schema, dispatch_uid="records_schema_changed")
    associations_changed.connect(
        receivers.forget_changed_associations, dispatch_uid="records_associations_changed"
    )


def text_of(response) -> str:
    """The page's HTML, its spaces collapsed."""
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def words(response) -> str:
    """What the page says, without its tags."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def field_edit_data(name: str, options: list[tuple[str, str]], *, blank: int = 0) -> dict:
    """An option field's edit form as posted: its `options` (key, label) in their order, and
    `blank` empty rows after them."""
    data = {
        "name": name,
        "placeholder": "",
        "description": "",
        "show_in_forms": "on",
        "options-TOTAL_FORMS": str(len(options) + blank),
        "options-INITIAL_FORMS": str(len(options)),
    }
    for n, (key, label) in enumerate(options):
        data |= {f"options-{n}-key": key, f"options-{n}-label": label}
        data |= {f"options-{n}-order": str(n), f"options-{n}-existing": "True"}
    return data


def field_data(**values) -> dict:
    """A new field's form as a person fills it in, with three empty option rows."""
    data = {
        "name": "Roof",
        "key": "roof",
        "data_type": "TEXT",
        "folder": "",
        "new_folder": "",
        "placeholder": "",
        "description": "",
        "show_in_forms": "on",
        "options-TOTAL_FORMS": "3",
        "options-INITIAL_FORMS": "0",
    }
    options = values.pop("options", [])
    for n, label in enumerate(options):
        data[f"options-{n}-label"] = label
    data["options-TOTAL_FORMS"] = str(max(3, len(options)))
    data.update(values)
    return data


def first_folder_id() -> str:
    return str(FieldFolder.objects.filter(object__key=PROPERTY_KEY).order_by("id")[0].id)


def stored_field(key: str) -> StoredField | None:
    return StoredField.objects.filter(field_key=f"{PROPERTY_KEY}.{key}").first()


# -- who may -------------------------------------------------------------------------------------


def test_only_holders_of_the_permission_see_the_editor(client, staff_user, embedded):
    client.force_login(staff_user)
    assert client.get(url("schema_objects")).status_code == 403
    assert client.get(url("schema_field_create", PROPERTY_KEY)).status_code == 403
    assert client.post(url("schema_folder_create", PROPERTY_KEY), {"name": "X"}).status_code == 403
    assert "Schema</a>" not in client.get(url("record_list", PROPERTY_KEY)).content.decode()

    call_command("demo_users", stdout=io.StringIO())
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    assert users.get(username="admin").has_perm("records.manage_schema")
    assert not users.get(username="viewer").has_perm("records.manage_schema")
    client.force_login(users.get(username="admin"))
    page = client.get(url("record_list", PROPERTY_KEY)).content.decode()
    assert f'href="{url("schema_objects")}">Schema</a>' in page


# -- objects -------------------------------------------------------------------------------------


def test_objects_with_their_counts_created_and_edited(schemer, embedded, without_the_signals):
    listing = words(schemer.get(url("schema_objects")))
    properties = StoredRecord.objects.filter(object__key=PROPERTY_KEY).count()
    assert f"Properties {PROPERTY_KEY} {properties} " in listing, listing

    data = {
        "singular": "Pet",
        "plural": "Pets",
        "key": "pet",
        "primary_name": "Name",
        "primary_key": "name",
        "primary_data_type": "TEXT",
        "description": "Animals in our care",
    }
    made = schemer.post(url("schema_object_create"), data)
    assert made.status_code == 303 and made["Location"] == url(
        "schema_object", "custom_objects.pet"
    )
    page = words(schemer.get(made["Location"]))
    assert "Pets" in page and "Name Primary display name Text (one line)" in page
    assert "Animals in our care" in text_of(schemer.get(url("schema_objects")))

    edited = schemer.post(
        url("schema_object_edit", PROPERTY_KEY),
        {"singular": "Home", "plural": "Homes", "description": "For sale"},
    )
    assert edited.status_code == 303
    # The table's heading has it at once: our own write dropped the cached schema.
    assert "<h1>Homes</h1>" in schemer.get(url("record_list", PROPERTY_KEY)).content.decode()


def test_a_bad_object_is_refused_before_sending_with_what_was_typed_kept(schemer, embedded):
    embedded.stub.requests.clear()
    data = {
        "singular": "S" * 101,
        "plural": "Pets",
        "key": "my pets",
        "primary_name": "Name",
        "primary_key": "id",
        "primary_data_type": "TEXT",
    }
    page = text_of(schemer.post(url("schema_object_create"), data))
    assert "There is a problem" in page
    assert "may hold letters, digits and _ only (no spaces): “my pets” does not" in page
    assert "“id” is a record's own field" in page
    assert "at most 100 characters" in page
    assert 'value="my pets"' in page and 'value="Pets"' in page
    assert embedded.writes == []


# -- fields --------------------------------------------------------------------------------------


def test_every_data_type_created_and_seen_at_once_by_the_form_table_filters_and_import(
    schemer, prop, embedded, without_the_signals
):
    folder = first_folder_id()
    for n, data_type in enumerate(DataType):
        options = ["Tile", "Metal"] if rule(data_type).has_options else []
        made = schemer.post(
            url("schema_field_create", PROPERTY_KEY),
            field_data(
                name=f"Extra {n}",
                key=f"extra_{n}",
                data_type=data_type,
                folder=folder,
                options=options,
            ),
        )
        assert made.status_code == 303, text_of(made)
        stored = stored_field(f"extra_{n}")
        assert stored.data_type == data_type
        assert [o["label"] for o in stored.options or []] == options

    roof = schemer.post(
        url("schema_field_create", PROPERTY_KEY),
        field_data(
            data_type="SINGLE_OPTIONS",
            folder=folder,
            options=["Tile", "Slate"],
            placeholder="Pick one",
            description="What covers it",
            show_in_forms="",
        ),
    )
    assert roof.status_code == 303
    stored = stored_field("roof")
    assert (stored.placeholder, stored.description, stored.show_in_forms) == (
        "Pick one",
        "What covers it",
        False,
    )
    new_form = schemer.get(url("record_create", PROPERTY_KEY)).content.decode()
    assert "Extra 0" in new_form and "Tile" in new_form
    table = schemer.get(url("record_list", PROPERTY_KEY)).content.decode()
    assert "Roof" in table  # the column chooser and the filters
    filtered = schemer.get(url("record_list", PROPERTY_KEY) + "?f.roof=tile")
    assert filtered.status_code == 200
    # The filter panel's own control for the new field, the option asked for ticked: not the
    # request's "f.roof" said back somewhere else on the page.
    panel = re.search(
        r'<fieldset class="filter">\s*<legend>Roof</legend>(.*?)</fieldset>',
        filtered.content.decode(),
        re.S,
    )
    assert panel is not None, "the filter panel has no Roof filter"
    boxes = re.findall(
        r'<label class="check"><input type="checkbox" name="f\.roof" value="(\w+)"\s*(checked)?>'
        r"\s*([^<]*?)\s*<",
        panel.group(1),
    )
    assert boxes == [("tile", "checked", "Tile"), ("slate", "", "Slate")], panel.group(1)
    csv = io.BytesIO(b"Address,Price,Status,Roof\n1 Roof Road,1,Active,Tile\n")
    csv.name = "roofs.csv"
    uploaded = schemer.post(url("import_upload", PROPERTY_KEY), {"file": csv})
    mapping = schemer.get(uploaded["Location"]).content.decode()
    assert re.search(r'<option value="roof" selected>Roof</option>', mapping), mapping


def test_options_added_renamed_reordered_and_a_held_one_removed_only_when_confirmed(
    schemer, prop, embedded
):
    edit = url("schema_field_edit", PROPERTY_KEY, "status")
    page = schemer.get(edit).content.decode()
    assert 'value="Active"' in page and "Remove option 1" in page
    sold = StoredRecord.objects.filter(object__key=PROPERTY_KEY, properties__status="Sold").count()
    assert sold, "the demo has sold properties"
    data = {
        "name": "State",
        "placeholder": "",
        "description": "",
        "show_in_forms": "on",
        "options-TOTAL_FORMS": "4",
        "options-INITIAL_FORMS": "3",
        # Active renamed and moved last, Pending first, Sold removed, Withdrawn added.
        "options-0-key": "Active",
        "options-0-label": "Listed",
        "options-0-order": "9",
        "options-0-existing": "True",
        "options-1-key": "Pending",
        "options-1-label": "Pending",
        "options-1-order": "1",
        "options-1-existing": "True",
        "options-2-key": "Sold",
        "options-2-label": "Sold",
        "options-2-order": "2",
        "options-2-existing": "True",
        "options-2-remove": "on",
        "options-3-label": "Withdrawn",
        "options-3-order": "3",
    }
    embedded.stub.requests.clear()
    asked = words(schemer.post(edit, data))
    assert f"“Sold”: {sold} record{'s' if sold > 1 else ''}" in asked
    assert "Remove it all the same" in asked
    assert 'value="Withdrawn"' in text_of(schemer.post(edit, data))
    assert not embedded.calls("PUT")
    assert [o["key"] for o in stored_field("status").options] == ["Active", "Pending", "Sold"]

    saved = schemer.post(edit, {**data, "_confirm_remove": "Sold"})
    assert saved.status_code == 303
    options = [(o["key"], o["label"]) for o in stored_field("status").options]
    assert options == [("Pending", "Pending"), ("withdrawn", "Withdrawn"), ("Active", "Listed")]
    assert stored_field("status").name == "State"

    more = text_of(schemer.post(edit, {**data, "_more": "1", "name": "Half typed"}))
    assert 'value="Half typed"' in more and "Label of option 7" in more
    assert "There is a problem" not in more
    # Focus on the first new row (option 5: four were posted), not at the page's top.
    focused = re.findall(r"<input[^>]*autofocus[^>]*>", more)
    assert len(focused) == 1 and 'name="options-4-label"' in focused[0]


def test_field_delete_names_the_records_holding_it_and_wants_its_name_typed(
    schemer, prop, embedded, without_the_signals
):
    holders = sum(
        1
        for r in StoredRecord.objects.filter(object__key=PROPERTY_KEY)
        if r.properties.get("agent_phone")
    )
    delete = url("schema_field_delete", PROPERTY_KEY, "agent_phone")
    page = words(schemer.get(delete))
    assert f"{holders} record{'s' if holders != 1 else ''} hold" in page or (
        holders == 0 and "No record holds" in page
    )
    assert "Type “Agent phone” to confirm" in page
    wrong = text_of(schemer.post(delete, {"typed": "agent phone"}))
    assert "Type the name exactly as it is, “Agent phone”" in wrong
    assert 'value="agent phone"' in wrong and stored_field("agent_phone") is not None
    assert schemer.post(delete, {"typed": "Agent phone"}).status_code == 303
    assert stored_field("agent_phone") is None
    assert (
        'name="agent_phone"' not in schemer.get(url("record_create", PROPERTY_KEY)).content.decode()
    )

    primary = words(schemer.get(url("schema_field_delete", PROPERTY_KEY, "address")))
    assert "cannot be deleted" in primary and "Type “Address”" not in primary
    schemer.post(url("schema_field_delete", PROPERTY_KEY, "address"), {"typed": "Address"})
    assert stored_field("address") is not None


def test_a_typed_name_matches_the_name_as_the_page_shows_it():
    """A page draws two spaces in a row as one: typing what it shows confirms. Letter case
    still counts."""
    shown = 'T0 "TEXT" <b>bold</b>'
    assert TypedNameForm({"typed": shown}, expected='T0 "TEXT"  <b>bold</b>').is_valid()
    assert not TypedNameForm({"typed": shown.lower()}, expected=shown).is_valid()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"key": "has space"}, "may hold letters, digits and _ only (no spaces)"),
        ({"key": "owner"}, "“owner” is a record's own field"),
        ({"data_type": "RADIO"}, "A radio buttons (one option) field needs at least one option"),
        ({"name": "N" * 101}, "at most 100 characters"),
        ({"folder": "_new"}, "Name the new folder."),
        ({"name": " price "}, "Another field is named “Price” (its key is price)"),
        ({"key": "Price"}, "differs from the key of the field Price (price) only in letter case"),
        (
            {"folder": "_new", "new_folder": "home  DETAILS"},
            "There is a folder “Home details” already: choose it in Folder.",
        ),
    ],
)
def test_bad_fields_are_refused_before_sending_and_keep_the_input(
    schemer, prop, embedded, change, message
):
    embedded.stub.requests.clear()
    data = field_data(**{"folder": first_folder_id(), "placeholder": "Typed placeholder", **change})
    page = text_of(schemer.post(url("schema_field_create", PROPERTY_KEY), data))
    assert message in page and "There is a problem" in page
    assert 'value="Typed placeholder"' in page
    assert f'value="{html.escape(data["key"])}"' in page
    assert embedded.writes == []


def test_an_option_type_without_options_links_its_message_to_the_first_option(
    schemer, prop, embedded
):
    data = field_data(folder=first_folder_id(), data_type="RADIO")
    page = text_of(schemer.post(url("schema_field_create", PROPERTY_KEY), data))
    assert re.search(
        r'<li><a href="#id_options-0-label">Options: A radio buttons \(one option\) field needs '
        r"at least one option",
        page,
    ), page
    assert 'id="options" aria-describedby="options_error"' in page


def test_the_apis_refusal_and_a_lost_answer_keep_the_input(
    schemer, prop, embedded, without_the_signals
):
    create = url("schema_field_create", PROPERTY_KEY)
    # A key the form knows is taken: said before anything is sent.
    page = text_of(schemer.post(create, field_data(key="price", folder=first_folder_id())))
    assert "The field Price has the key price already. Choose another key." in page
    # One made elsewhere since the schema was read: the API refuses it, under the key's input.
    body = wire.field_create_body(
        object_key=PROPERTY_KEY,
        key="heating",
        name="Heating",
        data_type="TEXT",
        folder_id=first_folder_id(),
        options=(),
        placeholder="",
        description="",
        show_in_forms=True,
    )
    endpoints.field_create(body)
    data = field_data(key="heating", name="Heat", folder=first_folder_id())
    page = text_of(schemer.post(create, data))
    assert re.search(r"Key: [^<]*heating", page), page
    assert "Nothing was changed; what you typed is still here." in page

    embedded.fail("POST", r"/custom-fields/$", Reply(200, json={}, delay=2.5))
    page = text_of(schemer.post(create, field_data(key="solar", folder=first_folder_id())))
    assert "We could not confirm that the field Roof was made" in page
    assert 'value="solar"' in page

    embedded.heal()
    embedded.fail("PUT", r"/custom-fields/", Reply(503, json={"message": "Unavailable"}))
    edit = text_of(
        schemer.post(
            url("schema_field_edit", PROPERTY_KEY, "bedrooms"),
            {"name": "Beds", "placeholder": "", "description": "", "show_in_forms": "on"},
        )
    )
    assert "The records API cannot be reached" in edit and 'value="Beds"' in edit
    assert stored_field("bedrooms").name == "Bedrooms"


def test_a_field_in_a_new_folder_that_fails_says_the_folder_was_made(schemer, prop, embedded):
    embedded.fail("POST", r"/custom-fields/$", Reply(400, json=REFUSED))
    data = field_data(key="heating", folder="_new", new_folder="Energy")
    page = text_of(schemer.post(url("schema_field_create", PROPERTY_KEY), data))
    assert "The folder “Energy” was created; the field “Roof” was not." in page
    assert "name is refused today" in page
    energy = FieldFolder.objects.get(object__key=PROPERTY_KEY, name="Energy")
    assert re.search(rf'<option value="{energy.id}" selected>Energy</option>', page)
    assert stored_field("heating") is None

    embedded.heal()
    again = {**data, "folder": str(energy.id), "new_folder": ""}
    assert schemer.post(url("schema_field_create", PROPERTY_KEY), again).status_code == 303
    assert stored_field("heating").folder_id == energy.id
    assert FieldFolder.objects.filter(name="Energy").count() == 1


# -- folders -------------------------------------------------------------------------------------


def test_folders_created_renamed_and_deleted_when_empty(schemer, prop, embedded):
    made = schemer.post(url("schema_folder_create", PROPERTY_KEY), {"name": "Energy"})
    assert made.status_code == 303
    energy = FieldFolder.objects.get(object__key=PROPERTY_KEY, name="Energy")
    page = words(schemer.get(url("schema_object", PROPERTY_KEY)))
    assert "Energy" in page and "Home details" in page and "No fields in this folder." in page

    rename = url("schema_folder_rename", PROPERTY_KEY, energy.id)
    assert schemer.post(rename, {"name": "Energy use"}).status_code == 303
    energy.refresh_from_db()
    assert energy.name == "Energy use"
    long = text_of(schemer.post(rename, {"name": "E" * 101}))
    assert "at most 100 characters" in long and "E" * 101 in long
    twin = text_of(schemer.post(rename, {"name": "home details"}))
    assert "There is a folder “Home details” already." in twin
    made = text_of(schemer.post(url("schema_folder_create", PROPERTY_KEY), {"name": "Energy use"}))
    assert "There is a folder “Energy use” already." in made
    assert schemer.post(rename, {"name": "energy USE"}).status_code == 303  # its own name

    details = FieldFolder.objects.get(object__key=PROPERTY_KEY, name="Home details")
    full = words(schemer.get(url("schema_folder_delete", PROPERTY_KEY, details.id)))
    assert "The folder Home details is not empty" in full and "The folder holds 8 fields" in full
    # No field can be moved out of it: the page does not send the person looking for a way.
    assert "a field stays in the folder it was made in" in full and "Move " not in full
    assert "Delete the folder" not in full
    schemer.post(url("schema_folder_delete", PROPERTY_KEY, details.id))
    assert FieldFolder.objects.filter(pk=details.id).exists()
    gone = schemer.post(url("schema_folder_delete", PROPERTY_KEY, energy.id))
    assert gone.status_code == 303 and not FieldFolder.objects.filter(pk=energy.id).exists()


# -- associations --------------------------------------------------------------------------------


def test_associations_created_renamed_and_deleted(schemer, prop, embedded, without_the_signals):
    page = text_of(schemer.get(url("schema_object", PROPERTY_KEY)))
    assert "property_buyer" in page and "Contacts" in page and "Buyer" in page

    create = url("schema_association_create", PROPERTY_KEY)
    data = {
        "other": "contact",
        "key": "property_agent",
        "first_label": "Listing",
        "second_label": "Agent",
    }
    bad = text_of(schemer.post(create, {**data, "key": "property agent"}))
    assert "no spaces" in bad and 'value="Listing"' in bad
    assert schemer.post(create, data).status_code == 303
    made = StoredAssociation.objects.get(key="property_agent")
    assert (made.first_label, made.second_label) == ("Listing", "Agent")
    # The key taken (new labels): said before anything is sent...
    other_labels = {"first_label": "Sold", "second_label": "Seller"}
    twice = text_of(schemer.post(create, {**data, **other_labels}))
    assert "has the key property_agent already: keys are unique in the location" in twice
    # ...and one made elsewhere since the list was read: the API's refusal, nothing made.
    made_elsewhere = wire.association_body(
        key="property_lender",
        first_object_key=PROPERTY_KEY,
        first_label="Financed home",
        second_object_key="contact",
        second_label="Lender",
    )
    endpoints.association_create(made_elsewhere)
    again = {**data, **other_labels, "key": "property_lender"}
    refused = text_of(schemer.post(create, again))
    assert "Nothing was changed" in refused and "property_lender" in refused
    assert StoredAssociation.objects.filter(key="property_lender").count() == 1

    # Renamed from the other object's side: the API's order is kept.
    showing = StoredObject.objects.get(key="custom_objects.showing")
    edit = url("schema_association_edit", showing.key, made.id)
    assert schemer.get(edit).status_code == 404  # not one of the showing's
    buyer = StoredAssociation.objects.get(key=BUYER_ASSOCIATION)
    renamed = schemer.post(
        url("schema_association_edit", PROPERTY_KEY, buyer.id),
        {"first_label": "Wanted home", "second_label": "Buyer"},
    )
    assert renamed.status_code == 303
    buyer.refresh_from_db()
    assert {buyer.first_label, buyer.second_label} == {"Wanted home", "Buyer"}
    assert "Wanted home" in text_of(schemer.get(url("schema_object", PROPERTY_KEY)))

    delete = url("schema_association_delete", PROPERTY_KEY, made.id)
    confirm = text_of(schemer.get(delete))
    assert "cannot count an association's relations" in confirm
    assert schemer.post(delete).status_code == 303
    assert not StoredAssociation.objects.filter(key="property_agent").exists()
    assert "<code>property_agent</code>" not in text_of(
        schemer.get(url("schema_object", PROPERTY_KEY))
    )


def test_a_label_that_would_head_linked_records_as_another_association_does_is_refused(
    schemer, prop, embedded, without_the_signals
):
    """A property's page heads its contacts "Buyer" (property_buyer) and its showings
    "Showing"; a showing's page heads its properties "Property shown"."""
    create = url("schema_association_create", PROPERTY_KEY)
    data = {"other": "contact", "key": "property_seller", "first_label": "Sold home"}
    # On this object's pages: as another association heads them, letter case and spaces aside.
    answer = schemer.post(create, {**data, "second_label": " buyer "})
    refused = words(answer)
    assert (
        "The association property_buyer already heads the records it links as “Buyer” on "
        "this object's pages" in refused
    )
    assert 'value="Sold home"' in text_of(answer)  # the input kept
    # On the other object's pages (a showing's), with the first label.
    to_showings = {"other": "custom_objects.showing", "key": "property_visit"}
    clash = {**to_showings, "first_label": "Property shown", "second_label": "Visit"}
    assert "the other object's pages" in words(schemer.post(create, clash))
    assert not StoredAssociation.objects.filter(key__in=["property_seller", "property_visit"])
    # Contacts' pages are GoHighLevel's: a label heading records there is not checked.
    made = {**data, "first_label": "Property shown", "second_label": "Seller"}
    assert schemer.post(create, made).status_code == 303

    # Renamed: the same check, the association itself aside.
    buyer = StoredAssociation.objects.get(key=BUYER_ASSOCIATION)
    edit = url("schema_association_edit", PROPERTY_KEY, buyer.id)
    same = schemer.post(edit, {"first_label": "Interested property", "second_label": "Buyer"})
    assert same.status_code == 303
    renamed = words(schemer.post(edit, {"first_label": "Wanted", "second_label": "Showing"}))
    assert "The association property_showing already heads" in renamed
    buyer.refresh_from_db()
    assert buyer.second_label == "Buyer"


def test_with_the_api_gone_and_no_schema_cached_what_was_typed_is_shown(schemer, prop, embedded):
    from django.core.cache import cache

    cache.clear()
    embedded.refuse()
    data = field_data(key="heating", name="Heating", description="Gas or heat pump")
    response = schemer.post(url("schema_field_create", PROPERTY_KEY), data)
    assert response.status_code == 503
    text = words(response)
    assert "Nothing was saved" in text and "cannot be reached" in text
    assert "name Heating" in text and "description Gas or heat pump" in text
    with_the_list = schemer.get(url("schema_objects"))
    assert with_the_list.status_code == 503 and "cannot be reached" in words(with_the_list)


def test_removing_a_text_box_lists_line_asks_without_a_count_it_cannot_have(
    schemer, prop, embedded
):
    edit = url("schema_field_edit", PROPERTY_KEY, "rooms")
    data = field_edit_data(
        "Room notes",
        [("kitchen", "Kitchen"), ("living_room", "Living room"), ("primary_bedroom", "Bedroom")],
    )
    data["options-0-remove"] = "on"
    asked = words(schemer.post(edit, data))
    assert "“Kitchen”: the records API cannot count the records that hold" in asked
    assert "Remove it all the same" in asked
    assert schemer.post(edit, {**data, "_confirm_remove": "kitchen"}).status_code == 303
    assert [o["label"] for o in stored_field("rooms").options] == ["Living room", "Bedroom"]


def test_no_input_cuts_a_pasted_text_short(schemer, prop, embedded):
    """A browser cuts a paste at an input's maxlength without a word: the editor's inputs have
    none, and a text too long is refused whole (above) instead."""
    for page in (
        url("schema_object_create"),
        url("schema_field_create", PROPERTY_KEY),
        url("schema_field_edit", PROPERTY_KEY, "status"),
        url("schema_folder_create", PROPERTY_KEY),
    ):
        html_text = schemer.get(page).content.decode()
        assert "<input" in html_text and "maxlength" not in html_text, page
    table = schemer.get(url("record_list", PROPERTY_KEY)).content.decode()
    name = re.search(r'<input[^>]*id="view-name-save"[^>]*>', table).group(0)
    assert "maxlength" not in name  # a saved view's name: refused whole when too long


def test_option_errors_say_which_option_and_every_description_they_point_to_exists(
    schemer, prop, embedded
):
    edit = url("schema_field_edit", PROPERTY_KEY, "status")
    # Two labels emptied, and a new option whose label is the third's again.
    data = field_edit_data("Status", [("Active", ""), ("Pending", ""), ("Sold", "Sold")], blank=1)
    data |= {"options-3-key": "bad", "options-3-label": "sold"}
    page = text_of(schemer.post(edit, data))
    listed = re.search(r'<ul class="error-summary__list">(.*?)</ul>', page, re.S).group(1)
    summary = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", listed)).split())
    assert "Label of option 1: Give the option a label, or tick Remove." in summary
    assert "Label of option 2: Give the option a label, or tick Remove." in summary
    assert "Label of option 4: “sold” is in the list twice." in summary
    assert summary.count("in the list twice") == 1  # not for the two left empty
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    described = {
        i for refs in re.findall(r'aria-describedby="([^"]+)"', page) for i in refs.split()
    }
    assert described and described <= ids, described - ids
    assert not embedded.calls("PUT")


def test_a_new_options_key_keeps_its_labels_letters_and_a_clash_is_said_on_its_row(
    schemer, prop, embedded
):
    edit = url("schema_field_edit", PROPERTY_KEY, "status")
    existing = [("Active", "Active"), ("Pending", "Pending"), ("Sold", "Sold")]
    data = field_edit_data("Status", existing, blank=3)
    data |= {
        "options-3-label": "Café Crème",
        "options-4-label": "Éclair",
        "options-5-label": "北京",
        "options-6-label": "Straße 北京",
        "options-TOTAL_FORMS": "7",
    }
    answer = schemer.post(edit, data)
    assert answer.status_code in (302, 303), text_of(answer)[:2000]
    keys = [o["key"] for o in stored_field("status").options]
    assert keys[-4:] == ["cafe_creme", "eclair", "北京", "straße_北京"]
    # "Eclair" would get the key "Éclair" has: said on its row, nothing sent.
    sent = len(embedded.calls("PUT"))
    now = [*existing, ("cafe_creme", "Café Crème"), ("eclair", "Éclair"), ("北京", "北京")]
    data = field_edit_data("Status", now, blank=1) | {"options-6-label": "Eclair"}
    page = text_of(schemer.post(edit, data))
    assert "Made from its label, its key would be “eclair”, which “Éclair” has already" in page
    assert len(embedded.calls("PUT")) == sent
    # An option removed now keeps its key on its records: a new one does not take it.
    data = field_edit_data("Status", now, blank=1) | {"options-3-remove": "on"}
    page = text_of(schemer.post(edit, data | {"options-6-label": "Café-Crème"}))
    assert "its key would be “cafe_creme”, which “Café Crème” has already" in page
    assert len(embedded.calls("PUT")) == sent


def test_a_new_objects_primary_field_is_asked_for_in_one_run_of_inputs(schemer, prop, embedded):
    page = schemer.get(url("schema_object_create")).content.decode()
    names = re.findall(r'<(?:input|select|textarea)[^>]*\bname="(\w+)"', page)
    names = [n for n in names if n not in ("csrfmiddlewaretoken", "next")]  # the top bar's
    assert names == [
        "singular",
        "plural",
        "key",
        "primary_name",
        "primary_key",
        "primary_data_type",
        "description",
    ]
