"""Benchmark: the records table partial beside the embedded-API search it is built from.

    .venv/bin/python bench/table_partial.py [--records 100000] [--runs 30]

It builds a throwaway SQLite database with the demo data (N Property records, in a temporary
RECORDSADMIN_DATA_DIR removed at the end), serves the dashboard with gunicorn on loopback (the
dashboard calls its own embedded API over HTTP, as in `make demo`) and signs in. The views are
the first page, a text search, a status filter, a sort on price, a deep page and 100 rows.

For each view it times three things against that same server:
- raw: the records search alone, `POST /sandbox/objects/custom_objects.property/records/search`
  with the token of `<data dir>/sandbox-credentials.json` (written by `manage.py sandbox_demo`);
- in a view: the same search made by a dashboard view that draws nothing (bench/floor_urls.py,
  served with bench/floor_settings.py): the signed-in user, the schema, the question read from
  the view's parameters, the search through the client, its answer read into records. It is
  the floor of any page built on that search; partial minus it is what drawing the table costs;
- partial: the htmx table request a browser sends for the view (`HX-Request: true`, and the
  state of the page's filter builder as `X-Filter-Builder`, read from the view's page), which
  makes that very search and renders the table from its answer.

The raw search is not written by hand: before timing, a second gunicorn of the dashboard is
started on the same data with GHL_API_URL pointing at a small recording proxy in this process,
which passes every call on to the first server. Each view is fetched once through it and the
search it sent (path, JSON body as bytes, Authorization, Version, Accept and Content-Type
headers) is what the raw calls replay, so they stay the dashboard's own search when its code
changes; the view without a table is checked to send the same search. The bodies are printed
before the table. (At the time of writing they are {locationId, page, pageLimit, query?,
filters?, sort: [...]}: createdAt desc by default, `f.status=Active` as {"field":
"properties.status", "operator": "eq", "value": "Active"}, `sort=-price` as {"field":
"properties.price", "direction": "desc"}, pageLimit 100 for per_page=100, the deep page as page
N with pageLimit 25.) The capture server is stopped before anything is timed.

Each view is warmed with 3 calls of each kind, then timed with the three kinds in turn (raw, in
a view, partial, raw, ...) so that machine noise hits them alike. It prints the median and p95
of raw and partial in milliseconds, the median in a view, and the ratios of the medians to
raw's.
A raw answer must be a 200 with a `records` list, a partial a table with its count (a problem
partial is a 200 too, and stops the run).
This is a benchmark, not a test: the figures depend on the machine.
"""

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
KEY = "custom_objects.property"
# bench/floor_urls.py: the table's search in a view that draws nothing.
FLOOR = f"/bench-floor/{KEY}/"
SEARCH_PATH = f"/sandbox/objects/{KEY}/records/search"
# The request headers the raw calls copy from the dashboard's search.
REPLAYED = ("Authorization", "Version", "Accept", "Content-Type")
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding"}
    | {"upgrade", "host", "content-length", "content-encoding"}
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(cmd: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode:
        sys.exit(f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def client() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # loopback only: no proxy from the environment
    return session


def demo_env(data_dir: str) -> dict[str, str]:
    """The environment of a benchmark's own demo: production settings on plain HTTP, its data
    in `data_dir`, and the embedded API on the same server (with the credentials sandbox_demo
    writes there), its rate limit off."""
    env = {
        **os.environ,
        "RECORDSADMIN_DATA_DIR": data_dir,
        "DJANGO_SECRET_KEY": "bench-only-" + "k" * 40,
        "DJANGO_DEBUG": "0",
        "DJANGO_HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SANDBOX_RATE_LIMIT": "off",
        "DEMO_PASSWORD": "bench-password",
        "LOG_LEVEL": "WARNING",
    }
    for name in ("GHL_TOKEN", "GHL_LOCATION_ID", "GHL_API_URL", "DATABASE_URL"):
        env.pop(name, None)
    for name in ("SANDBOX_LOCATION_ID", "SANDBOX_TOKEN", "SANDBOX_CREDENTIALS_FILE"):
        env.pop(name, None)
    return env


def with_floor(env: dict[str, str]) -> dict[str, str]:
    """`env` with the dashboard's settings and one URL more (bench/floor_urls.py)."""
    return {**env, "DJANGO_SETTINGS_MODULE": "floor_settings", "PYTHONPATH": str(ROOT / "bench")}


def serve(python: str, env: dict[str, str], port: int, threads: int = 8) -> subprocess.Popen:
    """The dashboard under gunicorn on 127.0.0.1:port, once it answers."""
    server = subprocess.Popen(
        [
            str(Path(python).parent / "gunicorn"),
            "recordsadmin.wsgi",
            "--workers=1",
            f"--threads={threads}",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env={**env, "PORT": str(port)},
    )
    with client() as session:
        for _ in range(300):
            try:
                # A first answer may be slow (Django starting); only a refused connection is
                # asked again at once.
                session.get(f"http://127.0.0.1:{port}/healthz", timeout=(2, 60))
                return server
            except (requests.ConnectionError, requests.Timeout):
                if server.poll() is not None:
                    break
                time.sleep(0.1)
    stop(server)
    sys.exit(f"gunicorn on port {port} did not start")


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def prepare_demo(python: str, env: dict[str, str], records: int, data_dir: str) -> None:
    """The demo's database in `data_dir`: migrated, its cache table, static files, `records`
    Property records in the embedded API and the demo users."""
    print(f"preparing {records:,} records in {data_dir} ...", flush=True)
    started = time.perf_counter()
    run([python, "manage.py", "migrate", "-v0"], env)
    run([python, "manage.py", "createcachetable"], env)
    run([python, "manage.py", "collectstatic", "--noinput", "-v0"], env)
    run([python, "manage.py", "sandbox_demo", "--records", str(records)], env)
    run([python, "manage.py", "demo_users"], env)
    print(f"  ready in {time.perf_counter() - started:.0f} s", flush=True)


def sign_in(base: str, username: str = "admin") -> requests.Session:
    """A session signed in as `username` (the demo's admin, or a user the benchmark made
    with the same password)."""
    session = client()
    page = session.get(f"{base}/accounts/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(
        f"{base}/accounts/login/",
        data={"username": username, "password": "bench-password", "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=30,
        allow_redirects=False,
    )
    if answer.status_code != 302:
        sys.exit(f"could not sign in: HTTP {answer.status_code}")
    return session


# -- the search the dashboard sends ----------------------------------------------------------


class Recorder(ThreadingHTTPServer):
    """A loopback proxy to `target` that keeps every records search passing through it."""

    daemon_threads = True

    def __init__(self, target: str):
        super().__init__(("127.0.0.1", 0), Forward)
        self.target = target
        self.searches: list[tuple[str, dict[str, str], bytes]] = []
        self.lock = threading.Lock()


class Forward(BaseHTTPRequestHandler):
    server: Recorder

    def forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.command == "POST" and urlsplit(self.path).path.endswith("/records/search"):
            with self.server.lock:
                self.server.searches.append((self.path, dict(self.headers.items()), body))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        with client() as session:
            answer = session.request(
                self.command,
                self.server.target + self.path,
                data=body or None,
                headers=headers,
                timeout=60,
                allow_redirects=False,
            )
        payload = answer.content
        self.send_response(answer.status_code)
        for name, value in answer.headers.items():
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = forward

    def log_message(self, *args) -> None:  # no line per call on stderr
        pass


def capture(
    python: str, env: dict[str, str], base: str, cases: dict[str, str], token: str
) -> dict[str, tuple[str, dict[str, str], bytes]]:
    """Per view, the search the dashboard sends for it: (path, headers to replay, body). The
    view without a table (bench/floor_urls.py) must send the same."""
    recorder = Recorder(base)
    threading.Thread(target=recorder.serve_forever, daemon=True).start()
    port = free_port()
    api_url = f"http://127.0.0.1:{recorder.server_address[1]}/sandbox"
    server = serve(python, {**env, "GHL_API_URL": api_url}, port)
    found = {}
    try:
        session = sign_in(f"http://127.0.0.1:{port}")
        for name, path in cases.items():
            with recorder.lock:
                recorder.searches.clear()
            url = f"http://127.0.0.1:{port}{path}"
            fetch_partial(session, url, builder_state(session, url))
            with recorder.lock:
                searches = list(recorder.searches)
                recorder.searches.clear()
            fetch_floor(session, f"http://127.0.0.1:{port}{floor_path(path)}")
            with recorder.lock:
                floor = list(recorder.searches)
            if [json.loads(b) for *_, b in floor] != [json.loads(b) for *_, b in searches[-1:]]:
                sys.exit(f"{name}: the view without a table did not send the partial's search")
            if not searches:
                sys.exit(f"{name}: the dashboard sent no records search for {path}")
            if len(searches) > 1:
                print(f"  note: {name} sent {len(searches)} searches; the last is timed")
            search_path, headers, body = searches[-1]
            if urlsplit(search_path).path != SEARCH_PATH:
                sys.exit(f"{name}: the dashboard searched {search_path}, not {SEARCH_PATH}")
            if headers.get("Authorization") != f"Bearer {token}":
                sys.exit(f"{name}: the dashboard did not send the credentials file's token")
            found[name] = (search_path, {h: headers[h] for h in REPLAYED if h in headers}, body)
    finally:
        stop(server)
        recorder.shutdown()
        recorder.server_close()
    return found


# -- one timed call of each kind -------------------------------------------------------------


# The filter builder's state on a page (templates/records/_filter_builder.html), which the
# browser sends with each table request (static/js/filters.js): the builder comes back out of
# band only when it is made of other rows.
BUILDER_STATE = re.compile(r'id="filter-builder"[^>]*\sdata-state="([^"]*)"')


def builder_state(session: requests.Session, url: str) -> str:
    """What a browser showing the page at `url` sends as X-Filter-Builder."""
    page = session.get(url, timeout=60).text
    found = BUILDER_STATE.search(page)
    if not found:
        sys.exit(f"{url}: no filter builder on the page")
    return found.group(1)


def partial_headers(url: str, state: str) -> dict[str, str]:
    """The headers htmx sends for a table at `url`, from a page whose builder is `state`."""
    return {"HX-Request": "true", "HX-Current-URL": url, "X-Filter-Builder": state}


def fetch_partial(session: requests.Session, url: str, state: str) -> float:
    headers = partial_headers(url, state)
    started = time.perf_counter()
    answer = session.get(url, headers=headers, timeout=60)
    ms = (time.perf_counter() - started) * 1000
    # A problem partial is a 200 too: only a table with its count is a measured answer.
    shown = 'id="records-count"' in answer.text and "problem--" not in answer.text
    if answer.status_code != 200 or not shown or "alert--warning" in answer.text:
        sys.exit(f"{url}: HTTP {answer.status_code}\n{answer.text[:500]}")
    return ms


def floor_path(path: str) -> str:
    """The view without a table (bench/floor_urls.py) for the table view at `path`."""
    return FLOOR + path.partition("?")[1] + path.partition("?")[2]


def fetch_floor(session: requests.Session, url: str) -> float:
    started = time.perf_counter()
    answer = session.get(url, timeout=60)
    ms = (time.perf_counter() - started) * 1000
    if answer.status_code != 200 or " of " not in answer.text:
        sys.exit(f"{url}: HTTP {answer.status_code}\n{answer.text[:500]}")
    return ms


def fetch_raw(session: requests.Session, url: str, headers: dict[str, str], body: bytes) -> float:
    started = time.perf_counter()
    answer = session.post(url, data=body, headers=headers, timeout=60)
    ms = (time.perf_counter() - started) * 1000
    try:
        records = answer.json().get("records")
    except ValueError:
        records = None
    if answer.status_code != 200 or not isinstance(records, list):
        sys.exit(f"POST {url} {body.decode()}: HTTP {answer.status_code}\n{answer.text[:500]}")
    return ms


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="recordsadmin-bench-")
    port = free_port()
    env = with_floor(demo_env(data_dir))
    python = sys.executable
    server = None
    try:
        prepare_demo(python, env, args.records, data_dir)
        credentials = json.loads((Path(data_dir) / "sandbox-credentials.json").read_text())
        token = credentials["token"]

        server = serve(python, env, port)
        base = f"http://127.0.0.1:{port}"
        table = f"/objects/{KEY}/"
        cases = {
            "first page (25 rows)": table,
            "text search": f"{table}?q=oak",
            "status filter": f"{table}?f.status=Active",
            "sort by price": f"{table}?sort=-price",
            "deep page": f"{table}?page={max(1, args.records // 25 - 1)}",
            "100 rows per page": f"{table}?per_page=100",
            # The filter builder (a condition and an OR group) and two sort columns, the search
            # text marked in the cells; the builder is drawn again (no X-Filter-Builder sent).
            "builder and 2 sorts": f"{table}?q=oak&c1.field=bedrooms&c1.op=gte&c1.value=3"
            "&g1.c1.field=status&g1.c1.value=Active&g1.c2.field=status&g1.c2.value=Pending"
            "&sort=status,-price",
        }
        searches = capture(python, env, base, cases, token)
        print("\nthe searches the dashboard sent (raw replays them; locationId left out here):")
        for name, (_, _, body) in searches.items():
            shown = {k: v for k, v in json.loads(body).items() if k != "locationId"}
            print(f"  {name:<22}{json.dumps(shown)}")

        session = sign_in(base)
        raw_session = client()
        print(f"\nraw search vs table partial with {args.records:,} records, {args.runs} runs each")
        print(
            f"{'view':<22}{'raw median':>12}{'raw p95':>10}{'in a view':>11}"
            f"{'partial median':>16}{'partial p95':>13}{'view/raw':>10}{'partial/raw':>13}"
        )
        for name, path in cases.items():
            search_path, headers, body = searches[name]
            url = base + path
            raw_url = base + search_path
            state = builder_state(session, url)
            floor_url = base + floor_path(path)
            for _ in range(3):  # warm all: schema and user caches, the database's pages
                fetch_raw(raw_session, raw_url, headers, body)
                fetch_floor(session, floor_url)
                fetch_partial(session, url, state)
            raw, floor, partial = [], [], []
            for _ in range(args.runs):
                raw.append(fetch_raw(raw_session, raw_url, headers, body))
                floor.append(fetch_floor(session, floor_url))
                partial.append(fetch_partial(session, url, state))
            raw_median, partial_median = statistics.median(raw), statistics.median(partial)
            floor_median = statistics.median(floor)
            print(
                f"{name:<22}{raw_median:>12.1f}{p95(raw):>10.1f}{floor_median:>11.1f}"
                f"{partial_median:>16.1f}{p95(partial):>13.1f}"
                f"{floor_median / raw_median:>10.2f}{partial_median / raw_median:>13.2f}",
                flush=True,
            )
        print(
            "\nin a view: the same search from a dashboard view that draws nothing"
            " (bench/floor_urls.py); partial minus it is the drawing of the table."
        )
    finally:
        if server is not None:
            stop(server)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
