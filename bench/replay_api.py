"""A records API that answers at once, for the load benchmark (bench/people_during_job.py).

    .venv/bin/python bench/replay_api.py --upstream http://127.0.0.1:PORT/sandbox --port N
        [--delay MS]

A loopback proxy in front of the embedded API: the first time it sees a read (a search: a POST
to a path ending in /search; or a GET of a schema, the users, associations...) it passes it on
and keeps the answer; the same read again (same method, path, body and Authorization) is
answered from memory, without the embedded API. Writes, and reads of one record by id (an
edit checks the version it read), always pass on. So the dashboards being measured get their
searches answered at once, as from a service that runs elsewhere, and the CPU the machine
spends on them is this process's, not a search's. What it answers for a read is the first
answer's, however the records changed since: it measures speed, not what pages show.
With `--delay`, an answer from memory waits that long first, as from a service elsewhere that
takes its time without taking this machine's CPU (what passes on waits the embedded API's own
SANDBOX_LATENCY_MS).
"""

import argparse
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import requests
from table_partial import HOP_BY_HOP

# The answer's headers a client reads (the rate limit's included).
KEPT = ("content-type", "retry-after", "x-ratelimit-")


GATEWAY_ERROR = b'{"statusCode": 502, "message": "Bad gateway"}'


class Replay(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, port: int, upstream: str, delay: float = 0):
        super().__init__(("127.0.0.1", port), Answer)
        self.upstream = upstream.rstrip("/")
        self.delay = delay / 1000
        self.kept: dict[tuple, tuple[int, list[tuple[str, str]], bytes]] = {}
        self.local = threading.local()

    def session(self) -> requests.Session:
        session = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = requests.Session()
            session.trust_env = False  # loopback only
        return session


class Answer(BaseHTTPRequestHandler):
    server: Replay
    protocol_version = "HTTP/1.1"  # the dashboards keep their connections open

    def answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        # A record read by id passes on: an edit checks the version it read against the
        # record's (the checked update), and must see the current one.
        read = (self.command == "GET" and "/records/" not in path) or (
            self.command == "POST" and path.endswith("/search")
        )
        key = (self.command, self.path, body, self.headers.get("Authorization", ""))
        found = self.server.kept.get(key) if read else None
        if found is not None and self.server.delay:
            time.sleep(self.server.delay)
        if found is None:
            found = self.pass_on(body)
            if read and found[0] == 200:
                self.server.kept[key] = found
        status, headers, payload = found
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def pass_on(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        """The upstream's answer. A kept-alive connection the upstream closed meanwhile (its
        keep-alive ran out) is reset when reused: a call that changes nothing when sent twice
        (GET, HEAD, PUT, a search) is sent again once on a new connection; any other gets a
        502, as from a gateway."""
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        search = self.command == "POST" and urlsplit(self.path).path.endswith("/search")
        again = self.command in ("GET", "HEAD", "PUT") or search
        for last in (not again, True):
            try:
                upstream = self.server.session().request(
                    self.command,
                    self.server.upstream + self.path,
                    data=body or None,
                    headers=headers,
                    timeout=60,
                    allow_redirects=False,
                )
                break
            except requests.ConnectionError:
                self.server.session().close()
                self.server.local.session = None
                if last:
                    return 502, [("Content-Type", "application/json")], GATEWAY_ERROR
        kept = [(k, v) for k, v in upstream.headers.items() if k.lower().startswith(KEPT)]
        return upstream.status_code, kept, upstream.content

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = answer

    def log_message(self, *args) -> None:  # no line per call on stderr
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--upstream", required=True, help="the embedded API's base URL")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay", type=float, default=0, help="ms before an answer from memory")
    args = parser.parse_args()
    Replay(args.port, args.upstream, args.delay).serve_forever()


if __name__ == "__main__":
    main()
