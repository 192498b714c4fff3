"""Benchmark: bulk edit throughput against the embedded API with the real rate limit on.

    .venv/bin/python bench/bulk_throughput.py [--records 600] [--rate 100/10s]

It builds a throwaway SQLite database with the demo data, serves the dashboard and its embedded
API with gunicorn on loopback with SANDBOX_RATE_LIMIT at the real service's 100 requests per
10 s, starts the task worker (`manage.py jobs_worker`, as `make demo` does), queues a bulk job that
sets a field on every record, and waits for it. It prints records per second and that figure as
a fraction of the ceiling (10 per second for 100/10s):

- sustained: the rate the job keeps up over whole windows after the first (the API lets the
  first `limit` calls through at once, so a short job looks faster than the limit; and a
  sliding window lets calls go in bursts as the old ones leave it, so a span that does not end
  on a window's edge would count one burst too many);
- overall: every record, from the job's start to its end.

It also counts the calls the API refused with 429 (the job paces itself to get none).
This is a benchmark, not a test: the figures depend on the machine.
"""

import argparse
import os
import re
import socket
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=600)
    parser.add_argument("--rate", default="100/10s")
    args = parser.parse_args()
    limit, window = re.fullmatch(r"(\d+)/(\d+(?:\.\d+)?)s", args.rate).groups()
    limit = int(limit)

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
        "SANDBOX_RATE_LIMIT": args.rate,
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "recordsadmin.settings",
    }
    for name in ("GHL_TOKEN", "GHL_LOCATION_ID", "GHL_API_URL", "DATABASE_URL"):
        env.pop(name, None)
    python = sys.executable
    print(f"preparing {args.records:,} records in {data_dir} ...", flush=True)
    run([python, "manage.py", "migrate", "-v0"], env)
    run([python, "manage.py", "createcachetable"], env)
    run([python, "manage.py", "sandbox_demo", "--records", str(args.records)], env)

    # gunicorn's access log counts the 429s the embedded API answered.
    access_log = Path(data_dir) / "access.log"
    server = subprocess.Popen(
        [
            str(Path(python).parent / "gunicorn"),
            "recordsadmin.wsgi",
            "--workers=1",
            "--threads=8",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
            f"--access-logfile={access_log}",
        ],
        cwd=ROOT,
        env=env,
    )
    worker = subprocess.Popen(
        [python, "manage.py", "jobs_worker", "--interval", "0.2"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(f"{base}/healthz", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        time.sleep(float(window))  # the health check's calls leave the rate-limit window
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        report(args.records, limit, float(window), access_log)
    finally:
        worker.terminate()
        server.terminate()
        worker.wait(timeout=15)
        server.wait(timeout=10)


def report(records: int, limit: int, window: float, access_log: Path) -> None:
    from django.conf import settings

    from recordsadmin.records import bulk, services
    from recordsadmin.records.models import BulkJob

    schema = services.schema_get(key=KEY)
    job = bulk.job_create(
        user=None,
        schema=schema,
        kind=BulkJob.Kind.UPDATE,
        selection=bulk.Selection(query="?", all_matching=True),
        params={"field": "description", "value": "Set by the bulk benchmark"},
        summary="benchmark",
    )
    print(f"job {job.pk} queued; the worker runs it ...", flush=True)
    while not job.is_finished:
        time.sleep(0.5)
        job.refresh_from_db()
    counts = bulk.job_counts(job=job)
    times = sorted(t.timestamp() for t in job.items.values_list("finished_at", flat=True) if t)
    started = job.started_at.timestamp()
    ceiling = limit / window
    overall = len(times) / (times[-1] - started)
    skip = min(len(times) - 2, limit)  # the first window's worth: the API's burst
    windows = int((times[-1] - started) // window)
    if windows >= 2:
        low, high = started + window, started + windows * window
        sustained = sum(low <= t < high for t in times) / (high - low)
        span = f"{windows - 1} whole windows of {window:g} s after the first"
    else:  # too short a job for whole windows
        sustained = (len(times) - 1 - skip) / (times[-1] - times[skip])
        span = f"after the first {skip} records"
    refused = sum(1 for line in access_log.read_text().splitlines() if '" 429 ' in line)
    calls = sum(1 for line in access_log.read_text().splitlines() if "/sandbox/" in line)
    print(
        f"\n{records:,} records: {counts['done']} done, {counts['failed']} failed, "
        f"{counts['skipped']} skipped; status {job.status}"
    )
    print(f"API calls {calls}, refused with 429: {refused}")
    print(
        f"sustained: {sustained:.2f} records/s = {sustained / ceiling:.2f} of the "
        f"{ceiling:g}/s ceiling ({span})"
    )
    print(
        f"overall:   {overall:.2f} records/s = {overall / ceiling:.2f} of the ceiling "
        f"({times[-1] - started:.1f} s, the first {skip} in the API's initial burst)"
    )
    safety = int(getattr(settings, "RECORDS_BUDGET_SAFETY", 1))
    print(
        f"the budget's own ceiling with no one browsing: {(limit - safety) / limit:.2f} of the "
        f"limit (it leaves {safety} of each {limit} calls unused; people browsing get a reserve)"
    )


if __name__ == "__main__":
    main()
