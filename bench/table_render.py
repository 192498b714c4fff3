"""Benchmark (docs/reliability.md item 35): the time to render the table partial when the records
API answers at once.

    .venv/bin/python bench/table_render.py [--rows 25 100] [--runs 50] [--params QUERY]

A local stub plays the records API (tests/support/fake_service.py: one Property object, answers in
well under a millisecond), so the figure is the dashboard's own cost: middleware, the search
call over loopback, building the django-tables2 table and rendering the partial. Target: a
median of 25 ms or less for 25 rows. `--params` adds a query string to the table's address, e.g.
`q=main&c1.field=price&c1.op=gt&c1.value=1&sort=status,-price` (the search text is marked in
every row's address, the builder's condition and two sort columns are sent). This prints
figures; it asserts nothing.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[25, 100])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--params", default="", help="more of the table's query string")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_databases

    from tests.support.fake_service import LOCATION, TOKEN, FakeService, record
    from tests.support.stub import Stub

    # Not setup_test_environment(): it wraps every template render to record its context for
    # the test client, a cost the dashboard does not have when it serves people.
    settings.ALLOWED_HOSTS = ["testserver"]
    setup_databases(verbosity=0, interactive=False)
    user = get_user_model().objects.create_superuser("bench", "bench@example.com", "x")
    with Stub() as stub:
        settings.GHL_API_URL = stub.url
        settings.GHL_TOKEN = TOKEN
        settings.GHL_LOCATION_ID = LOCATION
        service = FakeService(stub)
        client = Client()
        client.force_login(user)
        headers = {"HX-Request": "true"}
        print(f"{'rows':>6}{'median ms':>12}{'p95 ms':>10}")
        for rows in args.rows:
            service.records = [
                record(n, listed_on="2026-01-02", brochure=[{"url": "https://x.test/a.pdf"}])
                for n in range(rows)
            ]
            url = f"/objects/custom_objects.property/?per_page={rows}"
            url += f"&{args.params}" if args.params else ""
            for _ in range(5):
                client.get(url, headers=headers)
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                response = client.get(url, headers=headers)
                times.append((time.perf_counter() - started) * 1000)
                text = response.content.decode()
                assert response.status_code == 200 and "<tbody" in text, text[:500]
                assert "problem--" not in text, text[:500]
            times.sort()
            p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
            print(f"{rows:>6}{statistics.median(times):>12.1f}{p95:>10.1f}")


if __name__ == "__main__":
    main()
