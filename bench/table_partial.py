"""Benchmark: how long the records table partial takes with N records in the embedded API.

    .venv/bin/python bench/table_partial.py [--records 100000] [--runs 30]

It builds a throwaway SQLite database with the demo data (N Property records), serves the
dashboard with gunicorn on loopback (the dashboard calls its own embedded API over HTTP, as in
`make demo`), signs in, and times htmx table requests as a browser would send them: the first
page, a text search, a status filter, a sort on price, a deep page and 100 rows. It prints
the median and p95 of each in milliseconds.
This is a benchmark, not a test: the figures depend on the machine.
"""

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
KEY = "custom_objects.property"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(cmd: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode:
        sys.exit(f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def sign_in(base: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(
        f"{base}/accounts/login/",
        data={"username": "admin", "password": "bench-password", "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=30,
        allow_redirects=False,
    )
    if answer.status_code != 302:
        sys.exit(f"could not sign in: HTTP {answer.status_code}")
    return session


def measure(session: requests.Session, url: str, runs: int) -> list[float]:
    times = []
    headers = {"HX-Request": "true", "HX-Current-URL": url}
    for _ in range(runs):
        started = time.perf_counter()
        answer = session.get(url, headers=headers, timeout=60)
        times.append((time.perf_counter() - started) * 1000)
        # A problem partial is a 200 too: only a table with its count is a measured answer.
        shown = 'id="records-count"' in answer.text and "problem--" not in answer.text
        if answer.status_code != 200 or not shown or "alert--warning" in answer.text:
            sys.exit(f"{url}: HTTP {answer.status_code}\n{answer.text[:500]}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="recordsadmin-bench-")
    port = free_port()
    env = {
        **os.environ,
        "RECORDSADMIN_DATA_DIR": data_dir,
        "DJANGO_SECRET_KEY": "bench-only-" + "k" * 40,
        "DJANGO_DEBUG": "0",
        "DJANGO_HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "PORT": str(port),
        "SANDBOX_RATE_LIMIT": "off",
        "DEMO_PASSWORD": "bench-password",
        "LOG_LEVEL": "WARNING",
    }
    for name in ("GHL_TOKEN", "GHL_LOCATION_ID", "GHL_API_URL", "DATABASE_URL"):
        env.pop(name, None)
    python = sys.executable
    print(f"preparing {args.records:,} records in {data_dir} ...", flush=True)
    started = time.perf_counter()
    run([python, "manage.py", "migrate", "-v0"], env)
    run([python, "manage.py", "createcachetable"], env)
    run([python, "manage.py", "collectstatic", "--noinput", "-v0"], env)
    run([python, "manage.py", "sandbox_demo", "--records", str(args.records)], env)
    run([python, "manage.py", "demo_users"], env)
    print(f"  ready in {time.perf_counter() - started:.0f} s", flush=True)

    server = subprocess.Popen(
        [
            str(Path(python).parent / "gunicorn"),
            "recordsadmin.wsgi",
            "--workers=1",
            "--threads=8",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(f"{base}/healthz", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        session = sign_in(base)
        table = f"{base}/objects/{KEY}/"
        cases = {
            "first page (25 rows)": table,
            "text search": f"{table}?q=oak",
            "status filter": f"{table}?f.status=Active",
            "sort by price": f"{table}?sort=-price",
            "deep page": f"{table}?page={max(1, args.records // 25 - 1)}",
            "100 rows per page": f"{table}?per_page=100",
        }
        measure(session, table, 3)  # warm the schema and user caches
        print(f"\ntable partial with {args.records:,} records, {args.runs} runs each")
        print(f"{'view':<24}{'median ms':>12}{'p95 ms':>10}")
        for name, url in cases.items():
            times = sorted(measure(session, url, args.runs))
            p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
            print(f"{name:<24}{statistics.median(times):>12.1f}{p95:>10.1f}")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
