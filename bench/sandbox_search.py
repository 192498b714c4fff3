"""How fast the embedded API's search answers, at 10,000 and 100,000 records.

    .venv/bin/python bench/sandbox_search.py [--records 10000 100000] [--runs 30] [--held 20]

Each size gets a fresh temporary SQLite file (the default database), migrated (so with the
text index), with one object of N property records written by bulk_create. Each search is timed
calling `run_search` directly (parsing included) and through the whole Django stack with the
test client (middleware, token, JSON; no socket; the rate limit off), then directly again after
`ensure_property_indexes` made an index per sortable property. Prints the median and the
95th percentile in milliseconds. A search that fails over HTTP stops the run with its answer.
With --held K, search lags behind writes (SANDBOX_SEARCH_LAG) and K random records were
written a moment ago: search answers from their snapshots (their price before the write).

With DATABASE_URL=postgres://... it runs on PostgreSQL instead, in a database of its own that
it creates on that server beside the one named (the role needs CREATEDB) and drops at the end.
"""

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "custom_objects.listing."
STREETS = ["Maple", "Oak", "Cedar", "Willow", "Birch", "Elm", "Pine", "Aspen", "Spruce", "Hazel"]
SUFFIXES = ["Street", "Avenue", "Court", "Lane", "Road", "Drive", "Way", "Place"]
CITIES = ["Springfield", "Riverton", "Lakeside", "Hillcrest", "Fairview", "Brookfield"]
NOTES = "bright spacious quiet renovated corner garden view close to schools and shops new roof"
WORDS = NOTES.split(" ")
STATUSES = ["active"] * 10 + ["pending"] * 4 + ["sold"] * 5 + ["withdrawn"]
TAGS = ["pool", "garden", "garage", "fireplace", "solar"]
FIELDS = [
    ("name", "TEXT", []),
    ("address", "TEXT", []),
    ("city", "SINGLE_OPTIONS", CITIES),
    ("price", "MONETORY", []),
    ("bedrooms", "NUMERICAL", []),
    ("status", "SINGLE_OPTIONS", sorted(set(STATUSES))),
    ("tags", "MULTIPLE_OPTIONS", TAGS),
    ("listed", "DATE", []),
    ("email", "EMAIL", []),
    ("notes", "LARGE_TEXT", []),
]


def setup_django(data_dir: str) -> None:
    os.environ["RECORDSADMIN_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    os.environ["SANDBOX_RATE_LIMIT"] = "off"  # it times searches, not the emulated limit
    url = os.environ.pop("DATABASE_URL", "")  # the temporary SQLite file, unless PostgreSQL
    if url.startswith(("postgres://", "postgresql://")):
        os.environ["DATABASE_URL"] = postgres_scratch(url)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


SCRATCH = f"recordsadmin_bench_{os.getpid()}"


def _admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def postgres_scratch(url: str) -> str:
    """Creates a scratch database on the server of `url`; returns its URL."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    _admin(url, f'CREATE DATABASE "{SCRATCH}"')
    return parts._replace(path="/" + SCRATCH).geturl()


def drop_postgres_scratch() -> None:
    from django.db import connections

    url = os.environ.get("DATABASE_URL", "")
    if SCRATCH in url:
        connections.close_all()
        _admin(url.replace("/" + SCRATCH, "/postgres"), f'DROP DATABASE IF EXISTS "{SCRATCH}"')


def load(n: int, rng: random.Random):
    """One location, token and object, and n records spread like a real listing."""
    from recordsadmin.sandbox.models import ApiToken, Field, Location, ObjectSchema, Record
    from recordsadmin.sandbox.search import build_search_text

    location = Location.objects.create(name="Bench")
    token = ApiToken.issue(location, label="bench")
    obj = ObjectSchema.objects.create(
        location=location,
        key="custom_objects.listing",
        singular="Listing",
        plural="Listings",
        primary_display_property=PREFIX + "name",
        searchable_properties=[PREFIX + k for k in ("name", "address", "city", "notes")],
    )
    for position, (key, data_type, options) in enumerate(FIELDS):
        Field.objects.create(
            location=location,
            object=obj,
            name=key.title(),
            field_key=PREFIX + key,
            data_type=data_type,
            options=[{"key": o.lower(), "label": o} for o in options],
            position=position,
        )
    obj = ObjectSchema.objects.prefetch_related("fields").get(pk=obj.pk)
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    two_years = 2 * 365 * 24 * 3600
    owners = ["user-ann", "user-bob", "user-cy", "user-dee", None]
    batch = []
    for i in range(n):
        street = rng.choice(STREETS)
        props = {
            "name": f"{street} {rng.choice(SUFFIXES)} #{i}",
            "address": f"{rng.randint(1, 9999)} {street} {rng.choice(SUFFIXES)}",
            "city": rng.choice(CITIES).lower(),
            "price": round(rng.lognormvariate(12.8, 0.5), -2) if rng.random() > 0.05 else None,
            "bedrooms": rng.randint(1, 6),
            "status": rng.choice(STATUSES) if rng.random() > 0.05 else None,
            "tags": rng.sample(TAGS, rng.randint(0, 3)),
            "listed": (start + dt.timedelta(days=rng.randint(0, 729))).date().isoformat(),
            "email": f"agent{rng.randint(1, 300)}@example.com",
            "notes": " ".join(rng.sample(WORDS, rng.randint(3, 8))),
        }
        props = {k: v for k, v in props.items() if v is not None}
        created = start + dt.timedelta(seconds=rng.randint(0, two_years))
        batch.append(
            Record(
                location=location,
                object=obj,
                properties=props,
                search_text=build_search_text(obj, props),
                owner=rng.choice(owners),
                created_at=created,
                updated_at=created + dt.timedelta(seconds=rng.randint(0, 90 * 24 * 3600)),
            )
        )
        if len(batch) == 5000:
            Record.objects.bulk_create(batch)
            batch = []
    Record.objects.bulk_create(batch)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return obj, token


def hold_back(obj, k: int) -> None:
    """k random records written a moment ago: search still shows them as their snapshots do,
    with the price they had before (recordsadmin/sandbox/lag.py)."""
    from django.conf import settings
    from django.utils import timezone

    from recordsadmin.sandbox.models import Record, SearchSnapshot

    settings.SANDBOX_SEARCH_LAG = 3600
    now = timezone.now()
    snapshots = [
        SearchSnapshot(
            id=record.id,
            location_id=record.location_id,
            object=obj,
            existed=True,
            properties={**record.properties, "price": 100_000 + i},
            search_text=record.search_text,
            owner=record.owner,
            followers=record.followers,
            version=record.version,
            created_at=record.created_at,
            updated_at=record.updated_at,
            written_at=now,
        )
        for i, record in enumerate(Record.objects.filter(object=obj).order_by("?")[:k])
    ]
    SearchSnapshot.objects.bulk_create(snapshots)


def scenarios(n: int, obj) -> dict[str, dict]:
    """name -> GET parameters (or a POST body under "post")."""
    from recordsadmin.sandbox.models import Record
    from recordsadmin.sandbox.search import search_after_of

    order = Record.objects.filter(object=obj).order_by("-created_at", "-id")
    near_end = order[n - 21]
    rare = Record.objects.filter(object=obj).order_by("id")[n // 2].properties["name"]
    return {
        "first page, default sort": {},
        "text query, common word": {"query": "maple"},
        "text query, one record": {"query": rare},
        "scoped query, common word (address:maple)": {"query": "address:maple"},
        "scoped query, one record (name:...)": {"query": f"name:{rare}"},
        "filter status=active + price range": {
            "properties.status": "active",
            "properties.price[gte]": "300000",
            "properties.price[lte]": "450000",
        },
        "filter tags has pool + owner": {"properties.tags": "pool", "owner": "user-ann"},
        "sort by price (MONETORY) asc": {"sortBy": "properties.price", "sortOrder": "asc"},
        "sort by name (TEXT) desc": {"sortBy": "properties.name", "sortOrder": "desc"},
        "deep page offset=N-20, default sort": {"offset": n - 20},
        "deep page offset=N-20, sort by price": {
            "sortBy": "properties.price",
            "offset": n - 20,
        },
        "searchAfter near the end (POST)": {
            "post": {"pageLimit": 20, "searchAfter": search_after_of(near_end)}
        },
    }


def timed(call: Callable[[], object], runs: int) -> tuple[float, float]:
    for _ in range(2):
        call()
    samples = []
    for _ in range(runs):
        begin = time.perf_counter()
        call()
        samples.append((time.perf_counter() - begin) * 1000)
    return statistics.median(samples), statistics.quantiles(samples, n=20)[18]


def direct(obj, spec: dict) -> Callable[[], object]:
    from django.http import QueryDict

    from recordsadmin.sandbox.search import parse_get, parse_post, run_search

    if "post" in spec:
        return lambda: run_search(obj, parse_post(obj, spec["post"]))
    query = QueryDict(urlencode(spec))
    return lambda: run_search(obj, parse_get(obj, query))


def over_http(client, obj, token: str, spec: dict, name: str) -> Callable[[], object]:
    path = f"/sandbox/objects/{obj.key}/records/search"
    headers = {"Authorization": f"Bearer {token}", "Version": "2021-07-28"}

    def call():
        if "post" in spec:
            body = {"locationId": obj.location_id, **spec["post"]}
            response = client.post(path, body, content_type="application/json", headers=headers)
        else:
            params = {"locationId": obj.location_id, **spec}
            response = client.get(path, params, headers=headers)
        if response.status_code != 200:
            raise SystemExit(
                f"bench: {name!r} over HTTP answered {response.status_code}: "
                f"{response.content[:300]!r}"
            )
        return response

    return call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--held", type=int, default=0, help="records written within the lag")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="recordsadmin-bench-")
    try:
        setup_django(data_dir)
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client

        from recordsadmin.sandbox.indexing import ensure_property_indexes, property_indexes

        call_command("migrate", verbosity=0)
        if connection.vendor == "postgresql":
            server = f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000}"
        else:
            server = f"SQLite {connection.Database.sqlite_version}"
        print(f"{server}, {args.runs} runs per search\n")
        for n in args.records:
            from recordsadmin.sandbox.models import Location

            Location.objects.all().delete()
            began = time.perf_counter()
            obj, token = load(n, random.Random(n))
            print(f"N = {n:,} records (loaded in {time.perf_counter() - began:.1f} s)")
            if args.held:
                hold_back(obj, args.held)
                print(f"  {args.held} of them written within the search lag")
            if connection.vendor == "postgresql":
                # What autovacuum does soon after a bulk load; without a visibility map
                # PostgreSQL cannot count from an index alone.
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE sandbox_record")
            print(f"  {'search':38} {'direct':>16} {'HTTP':>16} {'direct, indexed':>16}")
            client, results = Client(), {}
            for name, spec in scenarios(n, obj).items():
                # A failed call ends the run: a figure must never stand for an error page.
                results[name] = [
                    "{:6.1f} / {:6.1f}".format(*timed(direct(obj, spec), args.runs)),
                    "{:6.1f} / {:6.1f}".format(
                        *timed(over_http(client, obj, token, spec, name), args.runs)
                    ),
                ]
            ensure_property_indexes(obj)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            for name, spec in scenarios(n, obj).items():
                indexed = "{:6.1f} / {:6.1f}".format(*timed(direct(obj, spec), args.runs))
                print(f"  {name:38} {results[name][0]:>16} {results[name][1]:>16} {indexed:>16}")
            with connection.cursor() as cursor:  # the next size starts without them
                for index in property_indexes(obj):
                    cursor.execute(f'DROP INDEX "{index.name}"')
            print()
    finally:
        drop_postgres_scratch()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
