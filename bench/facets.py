"""Benchmark: the counts beside the demo Property's filter options, raw and through the dashboard.

    .venv/bin/python bench/facets.py [--records 100000] [--runs 5] [--rate off]

It builds a throwaway demo of N Property records (bench/table_partial.py's demo_env: a
temporary RECORDSADMIN_DATA_DIR, removed at the end), serves the dashboard with gunicorn on
loopback and signs in. The counts are those of every option filter of the Property (Status 3,
Property type 4, Features 6, Amenities 5) and of its 6 owners: 24 counts, as many as
RECORDS_FACET_MAX_CALLS allows by default, for each of these searches: all records, a status
filter, a text search.

For each search it times, against that same server:
- raw: the 24 count searches alone, one after the other, as the dashboard sends them
  (`POST /sandbox/objects/custom_objects.property/records/search`, pageLimit 1), with the
  token of `<data dir>/sandbox-credentials.json`;
- partial, cold: the htmx request the filter panel sends for the counts
  (`GET /objects/custom_objects.property/facets/?...`), its counts just dropped from the cache
  (the rows of `records:count:` keys deleted from the cache table): 24 count calls, then the
  rendering;
- partial, warm: the same request again, every count from the cache: no call.

The searches are not written by hand: before timing, a second gunicorn of the dashboard is
started on the same data with GHL_API_URL pointing at a recording proxy in this process
(table_partial.Recorder). The facets partial of each search is fetched through it twice: the
first time's searches are what the raw calls replay, and the second time must send none. The
capture server is stopped before anything is timed, and its cache keys (they name its own API
address) are not the timed server's.

Runs alternate (raw, partial cold, partial warm, raw, ...) so that machine noise hits all
alike; medians in milliseconds are printed, with the count calls each kind makes. A partial
must hold all 24 counts, equal to the raw answers' totals, and no "Counts skipped".
The dashboard asks the first count alone, then RECORDS_COUNT_CONCURRENCY (4) at a time; the raw
calls go one after the other. `--api-delay 200` makes the embedded API answer after 200 ms,
as the real service does over the internet (SANDBOX_LATENCY_MS). `--rate 100/10s` turns the
embedded API's emulated limit on: the dashboard then paces its
counts as background work (at most a tenth of its share in each tenth of the interval), which
is what a real location sees. This is a benchmark, not a test: the figures depend on the
machine.
"""

import argparse
import json
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from table_partial import (
    Recorder,
    client,
    demo_env,
    free_port,
    prepare_demo,
    serve,
    sign_in,
    stop,
)

KEY = "custom_objects.property"
FACETS = f"/objects/{KEY}/facets/"
SEARCH_PATH = f"/sandbox/objects/{KEY}/records/search"
REPLAYED = ("Authorization", "Version", "Accept", "Content-Type")
COUNTS = 24
CASES = {
    "all records": "",
    "status filter": "?f.status=Active",
    "text search": "?q=oak",
}
HTMX = {"HX-Request": "true"}
COUNT_IN_PARTIAL = re.compile(
    r'<span id="facet-[\w-]+-\d+" class="facet-count[^"]*" hx-swap-oob="true">([\d,]+)</span>'
    r'|<option id="facet-owner-\d+"[^>]*>[^<(]*\(([\d,]+)\)</option>'
)


def partial_counts(text: str) -> list[int]:
    return [int((a or b).replace(",", "")) for a, b in COUNT_IN_PARTIAL.findall(text)]


def fetch_partial(session, url: str) -> tuple[float, list[int]]:
    started = time.perf_counter()
    answer = session.get(url, headers=HTMX, timeout=120)
    ms = (time.perf_counter() - started) * 1000
    counts = partial_counts(answer.text)
    if answer.status_code != 200 or len(counts) != COUNTS or "Counts " in answer.text:
        sys.exit(f"{url}: HTTP {answer.status_code}, {len(counts)} counts\n{answer.text[:800]}")
    return ms, counts


def fetch_raw(session, base: str, searches) -> tuple[float, list[int]]:
    totals = []
    started = time.perf_counter()
    for path, headers, body in searches:
        answer = session.post(base + path, data=body, headers=headers, timeout=120)
        if answer.status_code != 200 or "total" not in answer.json():
            sys.exit(f"POST {path} {body.decode()}: HTTP {answer.status_code}\n{answer.text[:500]}")
        totals.append(answer.json()["total"])
    return (time.perf_counter() - started) * 1000, totals


def capture(
    python: str, env: dict[str, str], base: str, token: str, database: Path
) -> dict[str, list]:
    """Per search, the count searches the dashboard sends for its facets partial."""
    recorder = Recorder(base)
    threading.Thread(target=recorder.serve_forever, daemon=True).start()
    port = free_port()
    api_url = f"http://127.0.0.1:{recorder.server_address[1]}/sandbox"
    server = serve(python, {**env, "GHL_API_URL": api_url}, port)
    found = {}
    try:
        session = sign_in(f"http://127.0.0.1:{port}")
        # The schema and the users, cached before counting what the facets send.
        session.get(f"http://127.0.0.1:{port}/objects/{KEY}/", timeout=120)
        for name, params in CASES.items():
            forget_counts(database)  # the searches before share some counts with this one
            with recorder.lock:
                recorder.searches.clear()
            fetch_partial(session, f"http://127.0.0.1:{port}{FACETS}{params}")
            with recorder.lock:
                searches = list(recorder.searches)
                recorder.searches.clear()
            fetch_partial(session, f"http://127.0.0.1:{port}{FACETS}{params}")
            with recorder.lock:
                again = len(recorder.searches)
            if len(searches) != COUNTS or again:
                sys.exit(f"{name}: {len(searches)} count searches, then {again} (want 24, 0)")
            for path, headers, _ in searches:
                if urlsplit(path).path != SEARCH_PATH:
                    sys.exit(f"{name}: the dashboard searched {path}, not {SEARCH_PATH}")
                if headers.get("Authorization") != f"Bearer {token}":
                    sys.exit(f"{name}: the dashboard did not send the credentials file's token")
            found[name] = [
                (path, {h: headers[h] for h in REPLAYED if h in headers}, body)
                for path, headers, body in searches
            ]
    finally:
        stop(server)
        recorder.shutdown()
        recorder.server_close()
    return found


def forget_counts(database: Path) -> None:
    """Drop every cached count (the cache is a table of the demo's SQLite database)."""
    with sqlite3.connect(database, timeout=30) as db:
        db.execute("DELETE FROM recordsadmin_cache WHERE cache_key LIKE '%records:count:%'")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rate", default="off", help="the embedded API's limit: off, 100/10s")
    parser.add_argument(
        "--api-delay", type=float, default=0, help="ms the embedded API waits before answering"
    )
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="recordsadmin-bench-")
    port = free_port()
    env = {
        **demo_env(data_dir),
        "SANDBOX_RATE_LIMIT": args.rate,
        "SANDBOX_LATENCY_MS": str(args.api_delay),
    }
    python = sys.executable
    server = None
    try:
        prepare_demo(python, env, args.records, data_dir)
        credentials = json.loads((Path(data_dir) / "sandbox-credentials.json").read_text())
        database = Path(data_dir) / "recordsadmin.sqlite3"

        server = serve(python, env, port)
        base = f"http://127.0.0.1:{port}"
        searches = capture(python, env, base, credentials["token"], database)
        first = json.loads(searches["status filter"][0][2])
        shown = {k: v for k, v in first.items() if k != "locationId"}
        print(f"\na count search the dashboard sent (status filter, first): {json.dumps(shown)}")

        session = sign_in(base)
        session.get(f"{base}/objects/{KEY}/", timeout=120)  # schema and users cached
        raw_session = client()
        print(
            f"\nthe {COUNTS} counts of the Property's option filters and owners, "
            f"{args.records:,} records, {args.runs} runs each, emulated limit {args.rate}, "
            f"API answering after {args.api_delay:g} ms, RECORDS_COUNT_CONCURRENCY "
            f"{env.get('RECORDS_COUNT_CONCURRENCY', 4)}"
        )
        print(
            f"{'search':<16}{'raw 24 calls':>14}{'partial cold':>14}{'partial warm':>14}"
            f"{'cold/raw':>10}{'calls cold/warm':>17}"
        )
        for name, params in CASES.items():
            url = f"{base}{FACETS}{params}"
            fetch_raw(raw_session, base, searches[name])  # the database's pages, warmed
            raw, cold, warm = [], [], []
            for _ in range(args.runs):
                ms, totals = fetch_raw(raw_session, base, searches[name])
                raw.append(ms)
                forget_counts(database)
                ms, counts = fetch_partial(session, url)
                cold.append(ms)
                if sorted(counts) != sorted(totals):
                    sys.exit(f"{name}: the partial's counts are not the raw totals")
                warm.append(fetch_partial(session, url)[0])
            raw_ms, cold_ms, warm_ms = map(statistics.median, (raw, cold, warm))
            print(
                f"{name:<16}{raw_ms:>14.0f}{cold_ms:>14.0f}{warm_ms:>14.1f}"
                f"{cold_ms / raw_ms:>10.2f}{f'{COUNTS} / 0':>17}",
                flush=True,
            )
    finally:
        if server is not None:
            stop(server)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
