"""Benchmark: people browsing the records table while a bulk job runs, all on one rate limit.

    .venv/bin/python bench/people_during_job.py [--people 20] [--seconds 60] [--processes 2]
        [--records 3000] [--think 3-9] [--redis redis://127.0.0.1:6379/0]
        [--people-as owner|other] [--rate 100/10s|off] [--api-delay MS] [--api-at-once]

It builds a throwaway SQLite database with the demo data (a temporary RECORDSADMIN_DATA_DIR,
removed at the end), serves the embedded API from a gunicorn process of its own with
SANDBOX_RATE_LIMIT at the real service's 100 calls per 10 s, and the dashboard from
`--processes` gunicorn processes on loopback that call it (as a deployment calls GoHighLevel),
and starts a task worker (`manage.py jobs_worker`). Signed in as the demo admin, it starts a
bulk job that sets the description of every record (one call per record: it lasts longer than
the run), then `--people` people browse, spread over the processes, for `--seconds`: each
turn is one of the table's partials (the first page, a text search, a status filter, a sort on
price, a later page), a word typed into the search box (a partial per letter), a record's page
or an inline edit of a record's bedrooms (its cell's editor, then the save), followed by a
pause drawn from `--think` seconds (a person reading).

It prints, per kind of request and for all, the count, p50, p95 and p99 in milliseconds;
requests and table partials per second, and those that failed (not a 200, or a problem shown);
how many showed a rate-limit message (the target is none); and the job's progress over the same
time, and the calls the embedded API answered meanwhile by method (PUT: the job's updates; POST:
searches, the people's table views) as a share of the limit's ceiling; and the CPU time each
part used meanwhile (the embedded API, the dashboards, the task worker, the simulated people
in this process): on a small machine they share its cores, and the requests per second are
bounded by the CPU a request costs in all of them.
By default the people sign in as the demo admin too, the job's owner, so that each table
view lays the job's latest writes over its page (the table's catching-up with search,
recordsadmin/records/services/catching_up.py): the costliest case. With `--people-as other`
they sign in as another staff user with the same permissions, made for the run, as most
people browsing during someone's job would.
With --redis the processes share the budget and the emulated limit in that Redis instead of
the database. This is a benchmark, not a test: the figures depend on the machine.
"""

import argparse
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

import requests
from table_partial import (
    BUILDER_STATE,
    builder_state,
    client,
    free_port,
    partial_headers,
    run,
    serve,
    sign_in,
    stop,
)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from recordsadmin.client import ratelimit  # noqa: E402 (neither needs Django set up)
from recordsadmin.contract.limits import API_VERSION  # noqa: E402

KEY = "custom_objects.property"
TABLE = f"/objects/{KEY}/"
# The table's views; a record's page ("record page") is opened from the last table now and then.
VIEWS = {
    "first page": TABLE,
    "text search": TABLE + "?q={word}",
    "status filter": TABLE + "?f.status=Active",
    "sort by price": TABLE + "?sort=-price",
    "later page": TABLE + "?page={page}",
}
# What people do besides VIEWS (Person.run): letters typed into the search box, a record's
# page, a cell's editor and its save.
EXTRA_KINDS = ["typing", "record page", "cell editor", "inline edit"]
PARTIALS = {*VIEWS, "typing"}
WORDS = ["oak", "maple", "river", "hill", "park", "lake", "pine", "main", "elm", "view"]
# What the dashboard says when the rate limit stops a page (recordsadmin/client/errors.py and
# recordsadmin/client/call.py).
LIMITED = re.compile(r"rate limit", re.IGNORECASE)
RECORD_LINK = re.compile(rf'href="(/objects/{re.escape(KEY)}/[0-9a-f]{{24}}/)"')
# A gunicorn access log line: [02/Dec/2026:13:40:00 +0000] "PUT /sandbox/... HTTP/1.1" 200
ACCESS = re.compile(r'\[([^\]]+)\] "(\w+) /sandbox/\S* [^"]*" (\d{3})')


def announced_ceiling(api_url: str, data_dir: str) -> float | None:
    """The calls per second the embedded API's answers announce (X-RateLimit-*, read as the
    dashboard's client reads them); None when they announce none (its limit off)."""
    credentials = json.loads((Path(data_dir) / "sandbox-credentials.json").read_text())
    headers = {"Authorization": f"Bearer {credentials['token']}", "Version": API_VERSION}
    params = {"locationId": credentials["locationId"]}
    with client() as session:
        answer = session.get(f"{api_url}/objects/", params=params, headers=headers, timeout=60)
    seen = ratelimit.announced(answer.headers)
    return seen.max / (seen.interval_ms / 1000) if seen else None


def wait_for_port(port: int, process: subprocess.Popen) -> None:
    """Returns once something accepts connections on 127.0.0.1:port."""
    for _ in range(100):
        if process.poll() is not None:
            sys.exit(f"the process for port {port} ended")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"nothing answers on port {port}")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def start_job(session, base: str) -> str:
    """A bulk job over every record; the path of its page."""
    token = session.cookies["csrftoken"]
    headers = {"X-CSRFToken": token, "Referer": base + "/"}
    form = {"all": "1", "query": "?", "action": "update", "field": "description"}
    form["value"] = "Set while people browse"
    preview = session.post(
        f"{base}{TABLE}bulk/", data={**form, "step": "preview"}, headers=headers, timeout=60
    )
    once = re.search(r'name="submission" value="([0-9a-f-]{36})"', preview.text)
    if not once:
        sys.exit(f"no bulk preview:\n{preview.text[:800]}")
    started = session.post(
        f"{base}{TABLE}bulk/start/",
        data={**form, "submission": once.group(1)},
        headers=headers,
        timeout=60,
        allow_redirects=False,
    )
    if started.status_code != 302:
        sys.exit(f"the job did not start: HTTP {started.status_code}\n{started.text[:800]}")
    return started.headers["Location"]


def api_calls(log: Path, start: float, end: float) -> dict[str, int]:
    """The embedded API's calls answered between two times, by method and status."""
    found: dict[str, int] = {}
    for when, method, status in ACCESS.findall(log.read_text(errors="replace")):
        moment = datetime.strptime(when, "%d/%b/%Y:%H:%M:%S %z").timestamp()
        if start <= moment < end:
            kind = f"{method} {status}"
            found[kind] = found.get(kind, 0) + 1
    return found


def job_done(session, base: str, path: str) -> int:
    page = session.get(base + path, headers={"HX-Request": "true"}, timeout=60).text
    found = re.search(r"([\d,]+) done", page)
    return int(found.group(1).replace(",", "")) if found else 0


class Person(threading.Thread):
    """Table views (partials, as htmx asks for them): one of VIEWS, or a word typed into the
    search box (a partial per letter from the second, as search-as-you-type sends them); now
    and then a record's page, or an inline edit of a record's bedrooms (its cell's editor,
    then the save), picked from the last table shown."""

    def __init__(
        self, base: str, until: float, think: tuple[float, float], seed: int, username: str
    ):
        super().__init__(daemon=True)
        self.base, self.until, self.think = base, until, think
        self.rng = random.Random(seed)
        # (kind, ms, showed a rate-limit message, failed: not a 200 or no answer)
        self.seen: list[tuple[str, float, bool, bool]] = []
        self.session = sign_in(base, username)
        self.records: list[str] = []
        # The page's filter builder, sent with each table request as a browser sends it, and
        # replaced by the one a partial brings (static/js/filters.js).
        self.state = builder_state(self.session, base + TABLE)

    def run(self) -> None:
        while time.monotonic() < self.until:
            chance = self.rng.random()
            if self.records and chance < 0.04:
                self.edit(self.rng.choice(self.records))
            elif self.records and chance < 0.15:
                self.get("record page", self.rng.choice(self.records), partial=False)
            elif chance < 0.3:
                word = self.rng.choice(WORDS)
                for end in range(2, len(word) + 1):
                    self.get("typing", TABLE + f"?q={word[:end]}", partial=True)
            else:
                kind = self.rng.choice(list(VIEWS))
                path = VIEWS[kind].format(word=self.rng.choice(WORDS), page=self.rng.randint(2, 40))
                self.get(kind, path, partial=True)
            time.sleep(self.rng.uniform(*self.think))

    def get(self, kind: str, path: str, *, partial: bool) -> str:
        url = self.base + path
        headers = partial_headers(url, self.state) if partial else {}
        text = self.timed(kind, lambda: self.session.get(url, headers=headers, timeout=60))
        if partial:
            self.records = RECORD_LINK.findall(text)[:25] or self.records
            if builder := BUILDER_STATE.search(text):
                self.state = builder.group(1)
        return text

    def edit(self, record: str) -> None:
        """Open the bedrooms cell's editor and save a new number in it, as a person does with
        the keyboard on the table (static/js/table.js)."""
        cell = f"{self.base}{record}cell/bedrooms/"
        headers = {"HX-Request": "true", "HX-Current-URL": self.base + TABLE}
        editor = self.timed("cell editor", lambda: self.session.get(cell, headers=headers))
        version = re.search(r'name="_version" value="([^"]+)"', editor)
        if not version:
            return
        form = {"_version": version.group(1), "bedrooms": str(self.rng.randint(1, 6))}
        headers |= {"X-CSRFToken": self.session.cookies.get("csrftoken", "")}
        self.timed("inline edit", lambda: self.session.post(cell, data=form, headers=headers))

    def timed(self, kind: str, send) -> str:
        """Send one request; its time and outcome go to `seen`; its text is returned."""
        started = time.perf_counter()
        try:
            answer = send()
            text, status = answer.text, answer.status_code
        except requests.RequestException:
            text, status = "", 0
        ms = (time.perf_counter() - started) * 1000
        failed = status != 200 or "problem--" in text
        self.seen.append((kind, ms, bool(LIMITED.search(text)), failed))
        return text


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) of process `pid` and its children (a gunicorn arbiter's
    workers), from /proc; 0 where it cannot be read (not Linux, already gone)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command: state, ppid, ... utime and stime are the 12th and 13th.
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def cpu_split(groups: dict[str, list[int]]) -> dict[str, float]:
    """CPU seconds used so far by each named group of processes; "clients" is this process
    (the simulated people's threads)."""
    times = os.times()
    used = {name: sum(cpu_seconds(pid) for pid in pids) for name, pids in groups.items()}
    return used | {"clients": times.user + times.system}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--records", type=int, default=3000)
    parser.add_argument("--think", default="3-9", help="seconds between views, as low-high")
    parser.add_argument("--redis", default="", help="a Redis URL to share the budget in")
    parser.add_argument("--rate", default="100/10s", help="the embedded API's limit, or off")
    parser.add_argument("--api-delay", type=float, default=0, help="ms before each API answer")
    parser.add_argument(
        "--api-at-once",
        action="store_true",
        help="the dashboards' searches and schema reads answered from memory (bench/replay_api.py)",
    )
    parser.add_argument(
        "--people-as",
        choices=("owner", "other"),
        default="owner",
        help="the people sign in as the job's owner (the demo admin), or as another staff user",
    )
    args = parser.parse_args()
    think = tuple(float(x) for x in args.think.split("-"))

    data_dir = tempfile.mkdtemp(prefix="recordsadmin-bench-")
    env = {
        **os.environ,
        "RECORDSADMIN_DATA_DIR": data_dir,
        "DJANGO_SECRET_KEY": "bench-only-" + "k" * 40,
        "DJANGO_DEBUG": "0",
        "DJANGO_HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SANDBOX_RATE_LIMIT": args.rate,
        "SANDBOX_LATENCY_MS": str(args.api_delay),
        "DEMO_PASSWORD": "bench-password",
        "LOG_LEVEL": "WARNING",
        "REDIS_URL": args.redis,
    }
    for name in ("GHL_TOKEN", "GHL_LOCATION_ID", "GHL_API_URL", "DATABASE_URL"):
        env.pop(name, None)
    for name in ("SANDBOX_LOCATION_ID", "SANDBOX_TOKEN", "SANDBOX_CREDENTIALS_FILE"):
        env.pop(name, None)
    python = sys.executable
    servers, worker, replay = [], None, None
    try:
        print(f"preparing {args.records:,} records in {data_dir} ...", flush=True)
        run([python, "manage.py", "migrate", "-v0"], env)
        run([python, "manage.py", "createcachetable"], env)
        run([python, "manage.py", "collectstatic", "--noinput", "-v0"], env)
        run([python, "manage.py", "sandbox_demo", "--records", str(args.records)], env)
        run([python, "manage.py", "demo_users"], env)
        people_user = "admin"
        if args.people_as == "other":
            # A second staff user with every permission, who did not start the job.
            people_user = "bench-staff"
            made = {**env, "DJANGO_SUPERUSER_PASSWORD": env["DEMO_PASSWORD"]}
            run(
                [
                    python,
                    "manage.py",
                    "createsuperuser",
                    "--noinput",
                    "--username",
                    people_user,
                    "--email",
                    "bench-staff@example.com",
                ],
                made,
            )
        api_port = free_port()
        access_log = Path(data_dir) / "api-access.log"
        api_env = {**env, "GUNICORN_CMD_ARGS": f"--access-logfile {access_log}"}
        # As many threads as callers can wait on it: the real service answers many at once.
        servers.append(serve(python, api_env, api_port, threads=64))
        env["GHL_API_URL"] = f"http://127.0.0.1:{api_port}/sandbox"
        per_second = announced_ceiling(env["GHL_API_URL"], data_dir)
        dashboard_env = env
        if args.api_at_once:
            replay_port = free_port()
            script = str(ROOT / "bench" / "replay_api.py")
            upstream = env["GHL_API_URL"]
            command = [python, script, "--port", str(replay_port), "--upstream", upstream]
            # With --api-delay, answers from memory take as long as the embedded API's.
            replay = subprocess.Popen([*command, "--delay", str(args.api_delay)], cwd=ROOT)
            wait_for_port(replay_port, replay)
            # The task worker's job keeps the embedded API itself: it reads what it writes.
            dashboard_env = {**env, "GHL_API_URL": f"http://127.0.0.1:{replay_port}"}
        bases = []
        for _ in range(args.processes):
            port = free_port()
            servers.append(serve(python, dashboard_env, port))
            bases.append(f"http://127.0.0.1:{port}")
        worker = subprocess.Popen(
            [python, "manage.py", "jobs_worker", "--interval", "0.2", "--no-reload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        admin = sign_in(bases[0])
        job = start_job(admin, bases[0])
        time.sleep(5)  # the job collects its records and starts sending
        store = "Redis" if args.redis else "the database"
        answering = (
            f"from bench/replay_api.py's memory (searches and schemas) after {args.api_delay:g} ms"
            if args.api_at_once
            else f"after {args.api_delay:g} ms"
        )
        print(
            f"{args.people} people for {args.seconds:.0f} s over {args.processes} processes, "
            f"{think[0]:g}-{think[1]:g} s between views, while a bulk job runs; limit "
            f"{args.rate} counted in {store}; the API answering {answering}; the people "
            f"signed in as {'the job owner' if people_user == 'admin' else people_user}",
            flush=True,
        )
        # Everyone signs in first (a password hash each), then the clock starts.
        people = [
            Person(bases[i % len(bases)], 0.0, think, seed=i, username=people_user)
            for i in range(args.people)
        ]
        done_before = job_done(admin, bases[0], job)
        groups = {
            "embedded API": [servers[0].pid],
            **({"API stand-in": [replay.pid]} if replay else {}),
            "dashboards": [server.pid for server in servers[1:]],
            "task worker": [worker.pid],
        }
        cpu_before = cpu_split(groups)
        started, wall_started = time.monotonic(), time.time()
        for person in people:
            person.until = started + args.seconds
            person.start()
        for person in people:
            person.join(timeout=args.seconds + 120)
        elapsed = time.monotonic() - started
        wall_ended = time.time()
        cpu_after = cpu_split(groups)
        done_after = job_done(admin, bases[0], job)
        seen = [view for person in people for view in person.seen]
        print(f"\n{'request':<16}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
        for kind in [*VIEWS, *EXTRA_KINDS, "all"]:
            times = [ms for k, ms, _, _ in seen if kind in (k, "all")]
            if times:
                print(
                    f"{kind:<16}{len(times):>7}{statistics.median(times):>9.0f}"
                    f"{percentile(times, 0.95):>9.0f}{percentile(times, 0.99):>9.0f}"
                )
        limited = sum(1 for _, _, was, _ in seen if was)
        failed = sum(1 for _, _, _, was in seen if was)
        job_rate = (done_after - done_before) / elapsed
        people_rate = len(seen) / elapsed
        partials = sum(1 for kind, *_ in seen if kind in PARTIALS)
        print(
            f"\n{len(seen) / elapsed:.1f} requests per second, of which {partials / elapsed:.1f} "
            f"table partials; {failed} failed (not a 200, or a problem shown)"
        )
        print(f"requests that showed a rate-limit message: {limited} (target 0)")
        print(
            f"the job's page: {done_after - done_before} more records done in {elapsed:.0f} s = "
            f"{job_rate:.1f}/s; people: {people_rate:.1f} requests/s"
        )
        calls = api_calls(access_log, wall_started, wall_ended)
        seconds = max(1.0, wall_ended - wall_started)
        answered = sum(calls.values())
        share = (
            f"{answered / seconds / per_second:.2f} of the {per_second:g}/s ceiling"
            if per_second
            else f"{answered / seconds:.1f}/s, the limit off"
        )
        print(
            f"the API answered {answered} calls in those {seconds:.0f} s = {share} "
            f"({', '.join(f'{n} {kind}' for kind, n in sorted(calls.items()))})"
        )
        used = {name: cpu_after[name] - cpu_before[name] for name in cpu_after}
        cores = os.cpu_count() or 1
        print(
            f"CPU used in those {elapsed:.0f} s (the machine has {cores} cores, "
            f"{cores * elapsed:.0f} CPU-s): "
            + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in used.items())
            + f"; {sum(used.values()) / len(seen) * 1000:.0f} ms of CPU per request"
        )
        with client() as session:
            session.cookies.update(admin.cookies)
            session.post(
                bases[0] + job + "cancel/",
                headers={"X-CSRFToken": admin.cookies["csrftoken"], "Referer": bases[0] + "/"},
                timeout=30,
            )
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        for server in [*servers, *([replay] if replay else [])]:
            stop(server)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
