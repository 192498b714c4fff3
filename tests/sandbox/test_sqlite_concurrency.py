"""SQLite in WAL mode with IMMEDIATE transactions under 8 writers: no lock error, no lost write.

The test suite's database is a SQLite file too, but the other tests' transactions hold it; this
test opens a fresh file database of its own with exactly the project's settings (OPTIONS from
recordsadmin/settings.py) under an extra alias. Eight threads, each with its own connection,
do what a record update does: read the record inside a transaction, then write version + 1.
With WAL and IMMEDIATE none of them may see "database is locked" and no increment may be lost.
Then eight clients do it through the embedded API's own PUT over HTTP (docs/reliability.md
item 38), on the test database. SANDBOX_WAL_TEST_SECONDS shortens the run when needed.
"""

import os
import threading
import time

import pytest
import requests
from django.core.management import call_command
from django.db import OperationalError, connections, transaction

from recordsadmin.sandbox.demo import PROPERTY_KEY
from recordsadmin.sandbox.models import Location, ObjectSchema, Record

WRITERS = 8
SECONDS = float(os.environ.get("SANDBOX_WAL_TEST_SECONDS", "10"))
ALIAS = "sqlite_concurrency"


@pytest.fixture
def file_database(tmp_path, django_db_blocker):
    default = connections.settings["default"]
    if default["ENGINE"] != "django.db.backends.sqlite3":
        # WAL, IMMEDIATE transactions and the busy timeout are SQLite's own: on PostgreSQL
        # there is nothing of them to test (its row locks are not this file's question).
        pytest.skip(f"SQLite's WAL mode only; the tests run on {default['ENGINE']}.")
    connections.settings[ALIAS] = {**default, "NAME": str(tmp_path / "concurrency.sqlite3")}
    with django_db_blocker.unblock():
        call_command("migrate", "sandbox", database=ALIAS, verbosity=0)
        yield ALIAS
        connections[ALIAS].close()
    # The handler keeps this thread's wrapper (with the old NAME) unless it is dropped too.
    del connections[ALIAS]
    del connections.settings[ALIAS]


def test_the_file_database_runs_in_wal_mode(file_database):
    with connections[file_database].cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    assert connections[file_database].settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_eight_writers_lose_no_increment_and_never_see_a_lock(file_database):
    location = Location.objects.using(file_database).create(name="Concurrency")
    obj = ObjectSchema.objects.using(file_database).create(
        location=location, key="custom_objects.counter", singular="C", plural="Cs"
    )
    record = Record.objects.using(file_database).create(location=location, object=obj)
    done: list[int] = []
    errors: list[str] = []
    start = threading.Barrier(WRITERS)

    def writer() -> None:
        count = 0
        try:
            start.wait()
            stop = time.monotonic() + SECONDS
            while time.monotonic() < stop:
                try:
                    with transaction.atomic(using=file_database):
                        row = (
                            Record.objects.using(file_database)
                            .select_for_update()
                            .get(pk=record.pk)
                        )
                        row.version += 1
                        row.save(using=file_database, update_fields=["version"])
                    count += 1
                except OperationalError as exc:
                    errors.append(str(exc))
        finally:
            done.append(count)
            connections[file_database].close()

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(done) == WRITERS and all(done)
    final = Record.objects.using(file_database).get(pk=record.pk).version
    assert final == 1 + sum(done)


def test_eight_clients_updating_one_record_through_the_api_lose_no_version(sandbox):
    """The same through the embedded API's own PUT (its transaction, its row lock), eight
    clients at once over HTTP against the live server's threads: every update answered 200
    counts once in the record's version, and none is refused for a locked database."""
    record = Record.objects.filter(location=sandbox.location, object__key=PROPERTY_KEY).first()
    path = f"/objects/{record.object.key}/records/{record.id}"
    before = record.version
    answered: list[int] = []
    start = threading.Barrier(WRITERS)
    seconds = min(SECONDS, 3)

    def client(n: int) -> None:
        with requests.Session() as session:
            start.wait()
            stop = time.monotonic() + seconds
            price = 100_000 + n
            while time.monotonic() < stop:
                price += WRITERS
                answer = session.put(
                    sandbox.url + path,
                    json={"properties": {"price": price}},
                    headers=sandbox.headers,
                    params={"locationId": sandbox.location_id},
                    timeout=30,
                )
                answered.append(answer.status_code)
                if answer.status_code != 200:
                    errors.append(answer.text[:200])

    errors: list[str] = []
    threads = [threading.Thread(target=client, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(answered) >= WRITERS
    record.refresh_from_db()
    assert record.version == before + len(answered)
