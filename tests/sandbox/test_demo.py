"""Demo data, the sandbox_demo and sandbox_location commands, and the credentials file."""

import io
import stat

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from recordsadmin.sandbox import credentials
from recordsadmin.sandbox.demo import (
    BUYER_ASSOCIATION,
    CONTACTS,
    PROPERTY_KEY,
    SHOWING_ASSOCIATION,
    SHOWING_KEY,
    create_demo_location,
)
from recordsadmin.sandbox.models import (
    ApiToken,
    Association,
    Contact,
    Field,
    Location,
    ObjectSchema,
    Record,
    Relation,
    hash_token,
)
from recordsadmin.sandbox.validation import clean_properties

pytestmark = pytest.mark.django_db


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.SANDBOX_CREDENTIALS_FILE = tmp_path / "sandbox-credentials.json"
    settings.SANDBOX_LOCATION_ID = ""
    settings.SANDBOX_TOKEN = ""
    return tmp_path


def listing(location: Location, key: str = PROPERTY_KEY) -> list[dict]:
    records = Record.objects.filter(location=location, object__key=key)
    return [r.properties for r in records.order_by("created_at", "properties")]


def test_demo_location_has_the_objects_users_and_records():
    location, token = create_demo_location(records=50)
    assert ApiToken.objects.get(token_hash=hash_token(token)).location == location
    assert set(ObjectSchema.objects.filter(location=location).values_list("key", flat=True)) == {
        PROPERTY_KEY,
        SHOWING_KEY,
    }
    assert 5 <= location.users.count() <= 8
    assert len(listing(location)) == 50
    assert len(listing(location, SHOWING_KEY)) == 5


def test_demo_data_is_deterministic_by_seed():
    first, _ = create_demo_location(records=30, seed=7)
    second, _ = create_demo_location(records=30, seed=7)
    third, _ = create_demo_location(records=30, seed=8)
    assert listing(first) == listing(second)
    assert listing(first) != listing(third)
    times = lambda loc: list(  # noqa: E731
        Record.objects.filter(location=loc).order_by("created_at").values_list("created_at")
    )
    assert times(first) == times(second)


@pytest.mark.parametrize("key", [PROPERTY_KEY, SHOWING_KEY])
def test_every_demo_record_passes_the_apis_own_validation(key):
    location, _ = create_demo_location(records=200, seed=3)
    obj = ObjectSchema.objects.prefetch_related("fields").get(location=location, key=key)
    required = [k.rsplit(".", 1)[-1] for k in obj.required_properties]
    users = set(location.users.values_list("id", flat=True))
    for record in Record.objects.filter(object=obj):
        assert clean_properties(obj.fields.all(), record.properties, required=required) == (
            record.properties
        )
        assert record.owner is None or record.owner in users
        assert set(record.followers) <= users
        assert record.updated_at >= record.created_at


def test_demo_records_carry_their_search_text():
    location, _ = create_demo_location(records=10)
    for record in Record.objects.filter(location=location, object__key=PROPERTY_KEY):
        assert record.properties["address"].lower() in record.search_text


def test_demo_status_is_active_pending_or_sold_and_option_keys_are_stored():
    location, _ = create_demo_location(records=300)
    status = Field.objects.get(object__location=location, field_key=f"{PROPERTY_KEY}.status")
    assert status.options == [
        {"key": "Active", "label": "Active"},
        {"key": "Pending", "label": "Pending"},
        {"key": "Sold", "label": "Sold"},
    ]
    assert {p["status"] for p in listing(location)} == {"Active", "Pending", "Sold"}
    # Where a label is not its key, records hold the key.
    kinds = {p["property_type"] for p in listing(location)}
    assert kinds == {"single_family", "condo", "townhouse", "multi_family"}


def linked(location: Location, key: str) -> list[tuple[str, str]]:
    """The relations of the location's association `key`, as (first, second) record ids."""
    relations = Relation.objects.filter(location=location, association__key=key)
    return list(relations.values_list("first_record_id", "second_record_id"))


def ids(location: Location, key: str) -> set[str]:
    return set(
        Record.objects.filter(location=location, object__key=key).values_list("id", flat=True)
    )


def test_the_default_demo_has_2000_contacts_and_a_few_hundred_linked_properties():
    location, _ = create_demo_location()
    assert CONTACTS == 2000
    people = set(Contact.objects.filter(location=location).values_list("id", flat=True))
    assert len(people) == 2000
    assert Contact.objects.filter(location=location).exclude(email="").count() == 2000
    buyers = Association.objects.get(location=location, key=BUYER_ASSOCIATION)
    assert (buyers.first_object_key, buyers.first_label) == (PROPERTY_KEY, "Interested property")
    assert (buyers.second_object_key, buyers.second_label) == ("contact", "Buyer")
    shown = Association.objects.get(location=location, key=SHOWING_ASSOCIATION)
    assert (shown.first_object_key, shown.second_object_key) == (PROPERTY_KEY, SHOWING_KEY)

    properties, showings = ids(location, PROPERTY_KEY), ids(location, SHOWING_KEY)
    assert len(properties) == 2000 and len(showings) == 200
    with_buyers = linked(location, BUYER_ASSOCIATION)
    assert {first for first, _ in with_buyers} <= properties
    assert {second for _, second in with_buyers} <= people
    per_property = {first: 0 for first, _ in with_buyers}
    for first, _ in with_buyers:
        per_property[first] += 1
    assert 200 <= len(per_property) <= 500  # a few hundred properties have buyers
    assert set(per_property.values()) <= {1, 2, 3} and len(set(per_property.values())) > 1
    assert len(set(with_buyers)) == len(with_buyers)  # no relation twice
    with_showings = linked(location, SHOWING_ASSOCIATION)
    # Every showing is of one property; over a hundred properties have a showing.
    assert sorted(second for _, second in with_showings) == sorted(showings)
    assert {first for first, _ in with_showings} <= properties
    assert len({first for first, _ in with_showings}) >= 100
    # Some properties have both buyers and showings.
    assert set(per_property) & {first for first, _ in with_showings}


def test_the_demo_makes_as_many_contacts_as_asked_or_as_properties():
    smaller, _ = create_demo_location(records=40)
    assert smaller.contacts.count() == 40  # as many as properties, under 2,000
    assert linked(smaller, BUYER_ASSOCIATION) and linked(smaller, SHOWING_ASSOCIATION)
    asked, _ = create_demo_location(records=40, contacts=7)
    assert asked.contacts.count() == 7
    people = set(asked.contacts.values_list("id", flat=True))
    assert {second for _, second in linked(asked, BUYER_ASSOCIATION)} <= people
    # Each location's relations link its own records and contacts.
    assert {first for first, _ in linked(asked, BUYER_ASSOCIATION)} <= ids(asked, PROPERTY_KEY)
    none, _ = create_demo_location(records=40, contacts=0)
    assert none.contacts.count() == 0
    assert not linked(none, BUYER_ASSOCIATION)
    assert len(linked(none, SHOWING_ASSOCIATION)) == 4  # every showing still on a property


# --- credentials -------------------------------------------------------------------------------


def test_credentials_round_trip_with_mode_0600(data_dir):
    assert credentials.load() is None
    path = credentials.save("loc1", "pit-secret")
    assert path == data_dir / "sandbox-credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert credentials.load() == ("loc1", "pit-secret")


def test_credentials_create_the_data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "new" / "dir"
    settings.SANDBOX_CREDENTIALS_FILE = settings.DATA_DIR / "sandbox-credentials.json"
    settings.SANDBOX_LOCATION_ID = settings.SANDBOX_TOKEN = ""
    credentials.save("loc1", "pit-secret")
    assert credentials.load() == ("loc1", "pit-secret")


def test_settings_win_over_the_file_when_both_are_set(data_dir, settings):
    credentials.save("loc1", "pit-secret")
    settings.SANDBOX_LOCATION_ID = "env-loc"
    assert credentials.load() == ("loc1", "pit-secret")  # one of the two is not enough
    settings.SANDBOX_TOKEN = "env-token"
    assert credentials.load() == ("env-loc", "env-token")


@pytest.mark.parametrize("content", ["{broken", "[]", '{"locationId": "x"}', '{"token": 5}'])
def test_a_damaged_file_reads_as_none(data_dir, content):
    (data_dir / "sandbox-credentials.json").write_text(content)
    assert credentials.load() is None


# --- commands ----------------------------------------------------------------------------------


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_sandbox_demo_loads_once_and_saves_working_credentials(data_dir):
    output = run("sandbox_demo", "--records", "40")
    location_id, token = credentials.load()
    assert token in output
    assert "40 properties" in output
    assert "property indexes" in output  # sorting 100,000 records needs them
    assert ApiToken.objects.get(token_hash=hash_token(token)).location_id == location_id
    assert Record.objects.filter(location_id=location_id, object__key=PROPERTY_KEY).count() == 40

    again = run("sandbox_demo", "--records", "40")
    assert "loaded already" in again
    assert token not in again  # shown once
    assert credentials.load() == (location_id, token)
    assert Record.objects.filter(location_id=location_id).count() == 44


def test_sandbox_demo_contacts_option(data_dir):
    output = run("sandbox_demo", "--records", "30", "--contacts", "12", "--no-indexes")
    location_id, _ = credentials.load()
    assert "12 contacts" in output
    assert Contact.objects.filter(location_id=location_id).count() == 12
    location = Location.objects.get(id=location_id)
    assert f"{len(linked(location, BUYER_ASSOCIATION)) + 3} relations" in output
    with pytest.raises(CommandError, match="--contacts must be 0 or more"):
        run("sandbox_demo", "--contacts", "-1", "--force")


def test_sandbox_demo_without_indexes(data_dir):
    output = run("sandbox_demo", "--records", "3", "--no-indexes")
    assert "3 properties" in output
    assert "property indexes" not in output
    assert "property indexes" in run("sandbox_demo")  # added later to the loaded location


def test_sandbox_demo_force_rebuilds_with_the_same_credentials(data_dir):
    run("sandbox_demo", "--records", "10")
    location_id, token = credentials.load()
    before = set(Record.objects.filter(location_id=location_id).values_list("id", flat=True))
    run("sandbox_demo", "--records", "20", "--force")
    assert credentials.load() == (location_id, token)
    after = set(Record.objects.filter(location_id=location_id).values_list("id", flat=True))
    assert len(after) == 22 and not before & after
    assert ApiToken.objects.filter(token_hash=hash_token(token)).exists()


def test_sandbox_demo_takes_the_location_and_token_from_settings(data_dir, settings):
    settings.SANDBOX_LOCATION_ID = "demo-location"
    settings.SANDBOX_TOKEN = "pit-from-the-environment"
    output = run("sandbox_demo", "--records", "5")
    assert "pit-from-the-environment" not in output
    token = ApiToken.objects.get(token_hash=hash_token("pit-from-the-environment"))
    assert token.location_id == "demo-location"
    assert not (data_dir / "sandbox-credentials.json").exists()
    assert credentials.load() == ("demo-location", "pit-from-the-environment")


def test_sandbox_demo_reissues_a_lost_token(data_dir):
    run("sandbox_demo", "--records", "5")
    location_id, _ = credentials.load()
    ApiToken.objects.all().delete()
    run("sandbox_demo", "--records", "5")
    new_location, new_token = credentials.load()
    assert new_location == location_id
    assert ApiToken.objects.filter(token_hash=hash_token(new_token)).exists()


def test_sandbox_location_prints_the_token_once_and_stores_its_hash():
    output = run("sandbox_location", "Acme Realty", "--location-id", "acme", "--token", "pit-acme")
    assert "pit-acme" in output
    assert Location.objects.get(id="acme").name == "Acme Realty"
    stored = ApiToken.objects.get(location_id="acme")
    assert stored.token_hash == hash_token("pit-acme") != "pit-acme"
    with pytest.raises(CommandError, match="acme"):
        run("sandbox_location", "Again", "--location-id", "acme")


def test_sandbox_location_makes_up_id_and_token():
    output = run("sandbox_location", "Beta")
    location = Location.objects.get(name="Beta")
    token = output.split("Token:", 1)[1].split()[0]
    assert ApiToken.objects.get(token_hash=hash_token(token)).location == location
    assert f"({location.id})" in output


def test_sandbox_location_refuses_a_token_that_is_another_locations():
    run("sandbox_location", "Acme Realty", "--location-id", "acme", "--token", "pit-acme")
    with pytest.raises(CommandError, match="another location"):
        run("sandbox_location", "Beta", "--location-id", "beta", "--token", "pit-acme")
    assert ApiToken.objects.get(token_hash=hash_token("pit-acme")).location_id == "acme"
    assert not Location.objects.filter(id="beta").exists()


@pytest.mark.parametrize("force", [False, True])
def test_sandbox_demo_refuses_a_token_that_is_another_locations(data_dir, settings, force):
    run("sandbox_location", "Acme Realty", "--location-id", "acme", "--token", "pit-acme")
    settings.SANDBOX_LOCATION_ID = "demo-location"
    settings.SANDBOX_TOKEN = "pit-demo"
    run("sandbox_demo", "--records", "5")
    before = Record.objects.filter(location_id="demo-location").count()

    settings.SANDBOX_TOKEN = "pit-acme"
    for location_id in ("demo-location", "new-demo"):  # loaded already, and to be made
        settings.SANDBOX_LOCATION_ID = location_id
        args = ["--force"] if force else []
        with pytest.raises(CommandError, match="another location"):
            run("sandbox_demo", "--records", "5", *args)
    assert ApiToken.objects.get(token_hash=hash_token("pit-acme")).location_id == "acme"
    assert Record.objects.filter(location_id="demo-location").count() == before
    assert not Location.objects.filter(id="new-demo").exists()


def test_issuing_a_locations_own_token_again_keeps_it():
    location = Location.objects.create(id="acme", name="Acme")
    assert ApiToken.issue(location, label="first", token="pit-acme") == "pit-acme"
    assert ApiToken.issue(location, label="again", token="pit-acme") == "pit-acme"
    stored = ApiToken.objects.get(token_hash=hash_token("pit-acme"))
    assert (stored.location_id, stored.label) == ("acme", "again")
