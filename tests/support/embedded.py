"""The dashboard pointed at its own embedded API, holding a new demo location."""

import contextlib
from collections.abc import Iterator

from recordsadmin.sandbox.demo import create_demo_location

from .apis import use_records_api
from .proxy import Proxy
from .stub import Stub


def use_embedded_demo(settings, url: str, *, records: int, **more):
    """A new demo location in the embedded API, with the dashboard pointed at `url`."""
    location, token = create_demo_location(records=records, seed=1)
    use_records_api(settings, url=url, SANDBOX_LOCATION_ID=location.id, SANDBOX_TOKEN=token, **more)
    return location, token


# Settings under which a failing call answers at once: one quick retry, and timeouts of two
# seconds (a loaded machine's embedded API may take one to answer a setup call; the "timeout"
# fault of tests/editing/test_faults.py waits 2.5 s).
QUICK_FAILURES = {
    "GHL_CONNECT_TIMEOUT": 2,
    "GHL_READ_TIMEOUT": 2,
    "GHL_PAGE_DEADLINE": 3,
    "GHL_MAX_RETRIES": 1,
    "GHL_BACKOFF_BASE": 0.01,
    "GHL_BACKOFF_CAP": 0.02,
}


@contextlib.contextmanager
def proxied_demo(live_server, settings, *, records: int, **more) -> Iterator[Proxy]:
    """A new demo location of `records` properties in the live server's embedded API, which
    the dashboard reaches through a recording proxy (returned), with the settings `more`."""
    with Stub() as stub:
        use_embedded_demo(settings, stub.url, records=records, **more)
        proxy = Proxy(stub=stub, upstream=live_server.url + "/sandbox")
        stub.router = proxy.route
        yield proxy
    use_records_api(settings, url="")
