"""Demo data for the embedded API: a property listing that uses every dataType, with contacts,
and the associations Property <-> Contact (buyers) and Property <-> Showing.

Everything a record holds comes from `random.Random(seed)`, so the same seed gives the same
listing; only the ids are random. Contacts and relations come from a second generator of the
same seed, so that they leave the records as they were. Rows are written with bulk_create in
batches so that 100,000 records load in well under a minute on SQLite.
"""

import datetime as dt
import random
from collections.abc import Iterator

from django.db import transaction

from recordsadmin.contract.datatypes import DataType
from recordsadmin.contract.limits import CONTACT

from .models import (
    ApiToken,
    Association,
    Contact,
    Field,
    FieldFolder,
    Location,
    ObjectSchema,
    Record,
    Relation,
    SandboxUser,
    new_id,
)
from .search import build_search_text
from .signals import schema_written

BATCH = 2000
PROPERTY_KEY = "custom_objects.property"
SHOWING_KEY = "custom_objects.showing"
BUYER_ASSOCIATION = "property_buyer"
SHOWING_ASSOCIATION = "property_showing"
# Contacts of the demo location, at most: fewer when it has fewer properties (tests).
CONTACTS = 2000
# The share of properties with interested buyers, and how many each has at most.
WITH_BUYERS = 0.15
MOST_BUYERS = 3

USERS = [
    ("Maya Patel", "maya.patel@example.com"),
    ("Jonas Berg", "jonas.berg@example.com"),
    ("Aisha Okafor", "aisha.okafor@example.com"),
    ("Luis Ortega", "luis.ortega@example.com"),
    ("Hannah Kim", "hannah.kim@example.com"),
    ("Tom Walsh", "tom.walsh@example.com"),
]


def _options(*pairs: tuple[str, str]) -> list[dict]:
    return [{"key": key, "label": label} for key, label in pairs]


# The three statuses of GoHighLevel's setup guide for custom objects (the seed document), keys
# as it writes them. Keys that differ from their labels are on property_type, features,
# amenities and rooms.
STATUS = _options(("Active", "Active"), ("Pending", "Pending"), ("Sold", "Sold"))
FEATURES = _options(
    ("pool", "Pool"),
    ("garage", "Garage"),
    ("garden", "Garden"),
    ("fireplace", "Fireplace"),
    ("solar", "Solar panels"),
    ("basement", "Basement"),
)
PROPERTY_TYPES = _options(
    ("single_family", "Single family"),
    ("condo", "Condo"),
    ("townhouse", "Townhouse"),
    ("multi_family", "Multi-family"),
)
AMENITIES = _options(
    ("gym", "Gym"),
    ("doorman", "Doorman"),
    ("elevator", "Elevator"),
    ("laundry", "In-unit laundry"),
    ("parking", "Parking"),
)
ROOMS = _options(
    ("kitchen", "Kitchen"),
    ("living_room", "Living room"),
    ("primary_bedroom", "Primary bedroom"),
)
OUTCOMES = _options(
    ("interested", "Interested"),
    ("not_interested", "Not interested"),
    ("offer_made", "Offer made"),
)

# (key, name, dataType, options); the first is the primary display property.
PROPERTY_FIELDS = [
    ("address", "Address", DataType.TEXT, []),
    ("price", "Price", DataType.MONETORY, []),
    ("status", "Status", DataType.SINGLE_OPTIONS, STATUS),
    ("property_type", "Property type", DataType.RADIO, PROPERTY_TYPES),
    ("bedrooms", "Bedrooms", DataType.NUMERICAL, []),
    ("square_feet", "Square feet", DataType.NUMERICAL, []),
    ("listed_on", "Listed on", DataType.DATE, []),
    ("agent_phone", "Agent phone", DataType.PHONE, []),
    ("agent_email", "Agent email", DataType.EMAIL, []),
    ("features", "Features", DataType.MULTIPLE_OPTIONS, FEATURES),
    ("amenities", "Amenities", DataType.CHECKBOX, AMENITIES),
    ("rooms", "Room notes", DataType.TEXTBOX_LIST, ROOMS),
    ("description", "Description", DataType.LARGE_TEXT, []),
    ("photos", "Photos", DataType.FILE_UPLOAD, []),
]
# The property's fields by folder; the first folder holds the fields no other one names.
PROPERTY_FOLDERS = {
    "Listing": [],
    "Home details": [
        "property_type",
        "bedrooms",
        "square_feet",
        "features",
        "amenities",
        "rooms",
        "description",
        "photos",
    ],
}
SHOWING_FIELDS = [
    ("visitor", "Visitor", DataType.TEXT, []),
    ("visit_date", "Visit date", DataType.DATE, []),
    ("visitor_email", "Visitor email", DataType.EMAIL, []),
    ("visitor_phone", "Visitor phone", DataType.PHONE, []),
    ("rating", "Rating", DataType.NUMERICAL, []),
    ("outcome", "Outcome", DataType.SINGLE_OPTIONS, OUTCOMES),
    ("notes", "Notes", DataType.LARGE_TEXT, []),
]

STREETS = [
    "Maple",
    "Oak",
    "Cedar",
    "Pine",
    "Elm",
    "Willow",
    "Birch",
    "Aspen",
    "Lakeview",
    "Hillcrest",
    "Sunset",
    "Riverside",
    "Evergreen",
    "Highland",
    "Meadow",
    "Orchard",
    "Park",
    "Washington",
    "Lincoln",
    "Jefferson",
    "Franklin",
    "Chestnut",
    "Walnut",
    "Spruce",
]
SUFFIXES = ["Street", "Avenue", "Road", "Lane", "Drive", "Court", "Terrace", "Way", "Boulevard"]
CITIES = [
    ("Springfield", "IL", "627"),
    ("Portland", "OR", "972"),
    ("Austin", "TX", "787"),
    ("Madison", "WI", "537"),
    ("Asheville", "NC", "288"),
    ("Boulder", "CO", "803"),
    ("Savannah", "GA", "314"),
    ("Burlington", "VT", "054"),
]
FIRST = [
    "Ava",
    "Ben",
    "Chloe",
    "Diego",
    "Ella",
    "Finn",
    "Grace",
    "Hugo",
    "Iris",
    "Jack",
    "Kira",
    "Leo",
    "Mia",
    "Noah",
    "Olga",
    "Priya",
]
LAST = [
    "Adams",
    "Brown",
    "Chen",
    "Diaz",
    "Evans",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ito",
    "Jones",
    "Khan",
    "Lopez",
    "Moore",
    "Novak",
]
BLURBS = [
    "Sunny {t} on a quiet street, close to schools and parks.",
    "Renovated {t} with an open kitchen and new windows.",
    "Charming {t} with original hardwood floors and a deep backyard.",
    "Move-in ready {t}, walking distance to downtown {c}.",
    "Spacious {t} with a bright living room and plenty of storage.",
    "Well-kept {t} near the river trail; motivated seller.",
]
ROOM_NOTES = {
    "kitchen": ["Quartz counters", "Gas range", "Renovated 2021", "Island with seating"],
    "living_room": ["Vaulted ceiling", "Wood-burning fireplace", "Bay window"],
    "primary_bedroom": ["Walk-in closet", "En-suite bath", "Garden view"],
}
LISTED_FROM = dt.date(2024, 1, 1)
LISTED_DAYS = 790  # up to early March 2026


def create_demo_location(
    *,
    location_id: str | None = None,
    token: str | None = None,
    records: int = 2000,
    seed: int = 0,
    contacts: int | None = None,
) -> tuple[Location, str]:
    """A location with users, the Property and Showing objects, `records` properties (and a
    tenth as many showings), `contacts` contacts (by default as many as properties, at most
    CONTACTS), and the two associations with relations on some of the properties.

    An existing location of that id gets the objects added (it must not have them yet).
    Returns the location and its token (the one given, or a new one).
    """
    rng = random.Random(seed)
    with transaction.atomic():
        location, _ = Location.objects.get_or_create(
            id=location_id or new_id(), defaults={"name": "Demo Realty"}
        )
        token = ApiToken.issue(location, label="demo", token=token or "")
        users = [
            SandboxUser.objects.create(location=location, name=name, email=email)
            for name, email in USERS
        ]
        prop = _object(
            location, PROPERTY_KEY, "Property", "Properties", PROPERTY_FIELDS, PROPERTY_FOLDERS
        )
        prop.required_properties = [f"{PROPERTY_KEY}.{k}" for k in ("address", "price", "status")]
        prop.searchable_properties = [f"{PROPERTY_KEY}.{k}" for k in ("address", "description")]
        prop.description = "Homes for sale, one record per listing."
        prop.save()
        showing = _object(location, SHOWING_KEY, "Showing", "Showings", SHOWING_FIELDS)
        showing.required_properties = [f"{SHOWING_KEY}.{k}" for k in ("visitor", "visit_date")]
        showing.searchable_properties = [f"{SHOWING_KEY}.{k}" for k in ("visitor", "notes")]
        showing.description = "Visits to a listed property."
        showing.save()
        user_ids = [u.id for u in users]
        _bulk(prop, (_property(rng, i, user_ids) for i in range(records)))
        _bulk(showing, (_showing(rng, user_ids) for _ in range(records // 10)))
        links = random.Random(f"links-{seed}")
        count = min(records, CONTACTS) if contacts is None else contacts
        people = _contacts(location, links, count)
        _relations(location, links, prop, showing, people)
    return location, token


def _object(
    location: Location,
    key: str,
    singular: str,
    plural: str,
    fields,
    folders: dict[str, list[str]] | None = None,
) -> ObjectSchema:
    obj = ObjectSchema.objects.create(
        location=location,
        key=key,
        singular=singular,
        plural=plural,
        primary_display_property=f"{key}.{fields[0][0]}",
    )
    folders = folders or {"General": []}
    made = {
        name: FieldFolder.objects.create(location=location, object=obj, name=name)
        for name in folders
    }
    first = next(iter(made.values()))
    folder_of = {key: made[name] for name, keys in folders.items() for key in keys}
    Field.objects.bulk_create(
        Field(
            location=location,
            object=obj,
            folder=folder_of.get(field_key, first),
            name=name,
            field_key=f"{key}.{field_key}",
            data_type=data_type,
            options=options,
            position=position,
        )
        for position, (field_key, name, data_type, options) in enumerate(fields)
    )
    schema_written(location.pk)  # bulk_create sends no post_save
    return ObjectSchema.objects.prefetch_related("fields").get(pk=obj.pk)


COMPANIES = ["Northwind Homes", "Blue Door Realty", "Harbor Lending", "Pinecrest Builders"]


def _contacts(location: Location, rng: random.Random, count: int) -> list[str]:
    """`count` contacts (people who may buy), in batches; their ids."""
    batch: list[Contact] = []
    ids = []
    for n in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        area = rng.choice(CITIES)[2]
        contact = Contact(
            id=new_id(),
            location=location,
            first_name=first,
            last_name=last,
            email=f"{first}.{last}.{n + 1}@example.org".lower(),
            phone=_phone(rng, area) if rng.random() < 0.8 else "",
            company_name=rng.choice(COMPANIES) if rng.random() < 0.2 else "",
            created_at=_moment(rng, LISTED_FROM + dt.timedelta(days=rng.randrange(LISTED_DAYS))),
        )
        contact.updated_at = contact.created_at
        contact.search_text = contact.build_search_text()
        batch.append(contact)
        ids.append(contact.id)
        if len(batch) == BATCH:
            Contact.objects.bulk_create(batch)
            batch = []
    Contact.objects.bulk_create(batch)
    return ids


def _relations(
    location: Location,
    rng: random.Random,
    prop: ObjectSchema,
    showing: ObjectSchema,
    contact_ids: list[str],
) -> None:
    """Buyers on about one property in seven, and every showing on one property."""
    buyers = Association.objects.create(
        location=location,
        key=BUYER_ASSOCIATION,
        first_object=prop,
        first_object_key=prop.key,
        first_label="Interested property",
        second_object=None,
        second_object_key=CONTACT,
        second_label="Buyer",
    )
    shown = Association.objects.create(
        location=location,
        key=SHOWING_ASSOCIATION,
        first_object=prop,
        first_object_key=prop.key,
        first_label="Property shown",
        second_object=showing,
        second_object_key=showing.key,
        second_label="Showing",
    )
    property_ids = list(
        Record.objects.filter(object=prop).order_by("created_at", "id").values_list("id", flat=True)
    )
    showing_ids = Record.objects.filter(object=showing).order_by("created_at", "id")
    relations = []
    if property_ids and contact_ids:
        wanted = max(1, round(len(property_ids) * WITH_BUYERS))
        for property_id in rng.sample(property_ids, min(wanted, len(property_ids))):
            count = min(rng.randint(1, MOST_BUYERS), len(contact_ids))
            for contact_id in rng.sample(contact_ids, count):
                relations.append((buyers, property_id, contact_id))
    if property_ids:
        for showing_id in showing_ids.values_list("id", flat=True):
            relations.append((shown, rng.choice(property_ids), showing_id))
    Relation.objects.bulk_create(
        (
            Relation(
                id=new_id(),
                location=location,
                association=association,
                first_record_id=first,
                second_record_id=second,
            )
            for association, first, second in relations
        ),
        batch_size=BATCH,
    )


def _bulk(obj: ObjectSchema, rows: Iterator[tuple]) -> None:
    """Rows are (properties, owner, followers, createdAt, updatedAt)."""
    batch: list[Record] = []
    for properties, owner, followers, created, updated in rows:
        batch.append(
            Record(
                id=new_id(),
                location_id=obj.location_id,
                object=obj,
                properties=properties,
                search_text=build_search_text(obj, properties),
                owner=owner,
                followers=followers,
                created_at=created,
                updated_at=updated,
            )
        )
        if len(batch) == BATCH:
            Record.objects.bulk_create(batch)
            batch = []
    Record.objects.bulk_create(batch)


def _moment(rng: random.Random, day: dt.date) -> dt.datetime:
    start = dt.datetime.combine(day, dt.time(8), tzinfo=dt.UTC)
    return start + dt.timedelta(seconds=rng.randrange(10 * 3600), milliseconds=rng.randrange(1000))


def _phone(rng: random.Random, area: str) -> str:
    return f"+1 ({area}) 555-{rng.randrange(10000):04d}"


def _property(rng: random.Random, index: int, user_ids: list[str]):
    city, state, zip_prefix = rng.choice(CITIES)
    address = (
        f"{rng.randrange(1, 9999)} {rng.choice(STREETS)} {rng.choice(SUFFIXES)}, "
        f"{city}, {state} {zip_prefix}{rng.randrange(100):02d}"
    )
    kind = rng.choices(PROPERTY_TYPES, weights=[50, 25, 15, 10])[0]
    bedrooms = rng.randint(1, 2) if kind["key"] == "condo" else rng.randint(2, 6)
    square_feet = bedrooms * rng.randrange(350, 650, 10) + rng.randrange(0, 400, 10)
    price = round(square_feet * rng.uniform(140, 520), -3)
    listed = LISTED_FROM + dt.timedelta(days=rng.randrange(LISTED_DAYS))
    agent = rng.choice(USERS)
    properties: dict = {
        "address": address,
        "price": int(price) if rng.random() < 0.9 else price + 0.5,
        "status": rng.choices(STATUS, weights=[45, 25, 30])[0]["key"],
        "property_type": kind["key"],
        "bedrooms": bedrooms,
        "square_feet": square_feet,
        "listed_on": listed.isoformat(),
        "agent_email": agent[1],
    }
    if rng.random() < 0.9:
        properties["agent_phone"] = _phone(rng, str(rng.randrange(201, 989)))
    features = [o["key"] for o in FEATURES if rng.random() < 0.3]
    if features:
        properties["features"] = features
    if kind["key"] in {"condo", "townhouse"}:
        properties["amenities"] = [o["key"] for o in AMENITIES if rng.random() < 0.45]
    if rng.random() < 0.5:
        properties["rooms"] = {
            key: rng.choice(notes) for key, notes in ROOM_NOTES.items() if rng.random() < 0.6
        }
    if rng.random() < 0.8:
        blurb = rng.choice(BLURBS).format(t=kind["label"].lower(), c=city)
        properties["description"] = f"{blurb} {bedrooms} bedrooms, {square_feet} sq ft."
    if rng.random() < 0.6:
        properties["photos"] = [
            {"url": f"https://photos.example.com/listing/{index}/{n}.jpg", "name": f"{name}.jpg"}
            for n, name in enumerate(rng.sample(["front", "kitchen", "garden", "living"], 2))
        ]
    owner = rng.choice(user_ids) if rng.random() < 0.85 else None
    followers = sorted(rng.sample(user_ids, rng.randint(0, 3)))
    created = _moment(rng, listed)
    updated = (
        created + dt.timedelta(minutes=rng.randrange(60 * 24 * 30))
        if rng.random() < 0.4
        else created
    )
    return properties, owner, followers, created, updated


def _showing(rng: random.Random, user_ids: list[str]):
    visitor = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    day = LISTED_FROM + dt.timedelta(days=rng.randrange(LISTED_DAYS))
    properties: dict = {"visitor": visitor, "visit_date": day.isoformat()}
    if rng.random() < 0.8:
        properties["visitor_email"] = visitor.lower().replace(" ", ".") + "@example.net"
    if rng.random() < 0.6:
        properties["visitor_phone"] = _phone(rng, str(rng.randrange(201, 989)))
    if rng.random() < 0.7:
        properties["rating"] = rng.randint(1, 5)
        properties["outcome"] = rng.choice(OUTCOMES)["key"]
    if rng.random() < 0.4:
        properties["notes"] = rng.choice(
            ["Loved the kitchen.", "Worried about street noise.", "Asked about HOA fees."]
        )
    created = _moment(rng, day)
    return properties, rng.choice(user_ids), [], created, created
