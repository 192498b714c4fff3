"""The schema editor's browser tests: a demo location whose objects a staff user may shape."""

import contextlib
from collections.abc import Iterator

from playwright.sync_api import Page

from tests.conftest import RECORD_PERMISSIONS, make_staff
from tests.support.apis import use_records_api
from tests.support.embedded import use_embedded_demo

SCHEMER = "schemer"


@contextlib.contextmanager
def schema_demo(live_server, settings, *, records: int) -> Iterator[str]:
    """The embedded API's demo location with `records` properties, and SCHEMER, a staff user
    who may manage the schema; gives the Property object's key."""
    from recordsadmin.sandbox.demo import PROPERTY_KEY

    use_embedded_demo(settings, live_server.url + "/sandbox", records=records)
    make_staff(SCHEMER, *RECORD_PERMISSIONS, "manage_schema")
    try:
        yield PROPERTY_KEY
    finally:
        use_records_api(settings, url="")


def type_into(page: Page, text: str) -> None:
    """`text` typed into the focused box, then Tab to the next."""
    page.keyboard.type(text)
    page.keyboard.press("Tab")
