"""One proxy in front of the embedded API: it records what crosses the wire and can break
chosen calls, before they reach the API or after the API carried them out."""

import re
from dataclasses import dataclass, field

import requests

from recordsadmin.client import transport

from .stub import Reply, Seen, Stub

# Headers the client sends that the embedded API reads.
FORWARDED = ("authorization", "version", "content-type", "accept")


@dataclass
class Proxy:
    """A stub that forwards to the embedded API at `upstream` and records every call. A call
    that `fail` names gets the scripted reply instead of the API's answer: before it reaches
    the API, or with `applied` after the API carried it out (its answer lost on the way)."""

    stub: Stub
    upstream: str
    faults: list = field(default_factory=list)

    def fail(self, method: str, path: str, reply: Reply, *, applied: bool = False) -> None:
        self.faults.append((method, re.compile(path), reply, applied))

    def heal(self) -> None:
        self.faults.clear()

    def refuse(self) -> None:
        """From now on nobody listens at this address: every call is a refused connection,
        at the same URL, so what the dashboard cached for it stays usable."""
        self.stub.stop()
        transport.close_pool()  # the pooled keep-alive connections would still be answered

    def route(self, seen: Seen) -> Reply:
        fault = next(
            (f for f in self.faults if f[0] == seen.method and f[1].search(seen.path)), None
        )
        if fault is not None and not fault[3]:
            return fault[2]
        response = requests.request(
            seen.method,
            self.upstream + seen.path,
            params=seen.query,
            data=seen.body or None,
            headers={k: v for k, v in seen.headers.items() if k.lower() in FORWARDED},
            timeout=10,
        )
        return fault[2] if fault is not None else Reply(response.status_code, body=response.content)

    def calls(self, method: str, path: str = "") -> list[Seen]:
        return [s for s in self.stub.requests if s.method == method and re.search(path, s.path)]

    @property
    def writes(self) -> list[Seen]:
        return [
            s
            for s in self.stub.requests
            if s.method in ("PUT", "DELETE") or (s.method == "POST" and "search" not in s.path)
        ]
