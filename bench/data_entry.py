"""Benchmark: the keys it takes to enter records on the New form, by keyboard only.

    .venv/bin/python bench/data_entry.py [--records 10] [--chromium /usr/bin/chromium]

It builds a throwaway SQLite database with the demo data (a temporary RECORDSADMIN_DATA_DIR,
removed at the end), serves the dashboard with gunicorn on loopback calling its own embedded API
(as bench/table_partial.py does, whose helpers it uses), signs in as the demo admin in Debian's
Chromium (never a downloaded browser) and enters Property records with the keyboard alone:

- required only: `--records` records with just Address, Price and Status, each ended with
  "Save and add another" (Ctrl+Enter). After each save it checks that focus is back in Address
  without a key pressed ("focus lost" counts the times it is not);
- full: one record with every field that has an input (Photos is shown, not edited), one
  value each (the first room note's text in each of the three rooms), saved with Ctrl+S; the
  record page is then checked to show every value.

It counts the keys pressed that are not typing (Tab, Enter, arrows, Space, Ctrl+Enter,
Ctrl+S): typing the values (letters and digits, also to pick an option of a select) is not
counted. Before each record it checks that focus starts where typing can begin; a key that
lands elsewhere than planned stops the run (so a figure is never of a record not entered).
The targets: at most 4 keys a required-only record, at most 16 a full one, focus lost 0 times.
"""

import argparse
import shutil
import sys
import tempfile
import time

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, sync_playwright
from table_partial import demo_env, free_port, run, serve, stop

KEY = "custom_objects.property"
NEW = f"/objects/{KEY}/new/"


class Keyboard:
    """The page's keyboard, counting the keys that are not typing."""

    def __init__(self, page: Page):
        self.page = page
        self.keys = 0
        self.why: dict[str, int] = {}

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)

    def press(self, key: str, expect: str | None = None, why: str = "to the next input") -> None:
        """Press `key`; `expect` is the id the focus must have afterwards; `why` the key is
        pressed, for the breakdown."""
        self.keys += 1
        self.why[why] = self.why.get(why, 0) + 1
        self.page.keyboard.press(key)
        if expect is not None:
            self.check_focus(expect)

    def check_focus(self, expect: str) -> None:
        try:
            self.page.wait_for_function(
                "want => document.activeElement && document.activeElement.id === want",
                arg=expect,
                timeout=5000,
            )
        except PlaywrightError:
            sys.exit(f"focus is on {focused(self.page)!r}, not {expect!r} as planned")


def focused(page: Page) -> str:
    return page.evaluate("document.activeElement ? document.activeElement.id : ''")


def sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/accounts/login/?next={NEW}")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("bench-password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="New property").wait_for()


def required_only(page: Page, base: str, count: int) -> tuple[list[int], int]:
    """Keys per record and the times focus was not in Address after a save."""
    page.goto(base + NEW)
    page.get_by_role("heading", name="New property").wait_for()
    per_record, lost = [], 0
    for n in range(count):
        kb = Keyboard(page)
        if focused(page) != "id_address":
            lost += 1
            sys.exit(f"record {n + 1}: focus is on {focused(page)!r}, not Address")
        kb.type(f"{n + 1} Bench Street")
        kb.press("Tab", "id_price")
        kb.type("350000")
        kb.press("Tab", "id_status")
        kb.type("Active")
        with page.expect_navigation():
            kb.press("Control+Enter")
        page.get_by_role("status").filter(has_text=f"“{n + 1} Bench Street” created").wait_for()
        # Focus must be in Address with no key pressed: the next record starts by typing.
        time.sleep(0.2)
        if focused(page) != "id_address":
            lost += 1
        per_record.append(kb.keys)
    return per_record, lost


def full_record(page: Page, base: str) -> Keyboard:
    """The keys pressed for one record with every field."""
    page.goto(base + NEW)
    page.get_by_role("heading", name="New property").wait_for()
    kb = Keyboard(page)
    kb.check_focus("id_address")
    kb.type("1 Every Field Road")
    kb.press("Tab", "id_price")
    kb.type("425000")
    kb.press("Tab", "id_status")
    kb.type("Pending")
    # Tab lands on the checked radio, "No value" (the last); typing an option's name chooses
    # it, as in a select: Single family.
    kb.press("Tab", "id_property_type_4")
    kb.type("s")
    kb.check_focus("id_property_type_0")
    kb.press("Tab", "id_bedrooms")
    kb.type("3")
    kb.press("Tab", "id_square_feet")
    kb.type("1200")
    kb.press("Tab", "id_listed_on")
    kb.type("03/15/2026")  # typed as text; the calendar beside it is out of the Tab order
    kb.press("Tab", "id_agent_phone")
    kb.type("+1 555 010 0100")
    kb.press("Tab", "id_agent_email")
    kb.type("agent@example.com")
    # A group of checkboxes is one Tab stop; typing an option's name ticks it: Pool, then
    # Elevator.
    kb.press("Tab", "id_features_0")
    kb.type("p")
    kb.press("Tab", "id_amenities_0")
    kb.type("elev")
    kb.check_focus("id_amenities_2")
    kb.press("Tab", "id_rooms_kitchen")
    kb.type("Open plan")
    kb.press("Tab", "id_rooms_living_room")
    kb.type("South facing")
    kb.press("Tab", "id_rooms_primary_bedroom")
    kb.type("En suite")
    kb.press("Tab", "id_description")
    kb.type("Every field filled by keyboard.")
    kb.press("Tab", "id__owner")
    kb.type("Maya")
    with page.expect_navigation():
        kb.press("Control+s", why="to save")
    page.get_by_role("heading", name="1 Every Field Road").wait_for()
    shown = page.locator(".record-fields").inner_text()
    wanted = [
        "$425,000.00",
        "Pending",
        "Single family",
        "1,200",
        "Mar 15, 2026",
        "agent@example.com",
    ]
    wanted += ["Pool", "Elevator", "Open plan", "South facing", "En suite", "Every field", "Maya"]
    missing = [text for text in wanted if text not in shown]
    if missing:
        sys.exit(f"the full record does not show {missing}:\n{shown}")
    return kb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=10)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="recordsadmin-bench-")
    port = free_port()
    env = demo_env(data_dir)
    python = sys.executable
    server = None
    try:
        run([python, "manage.py", "migrate", "-v0"], env)
        run([python, "manage.py", "createcachetable"], env)
        run([python, "manage.py", "collectstatic", "--noinput", "-v0"], env)
        run([python, "manage.py", "sandbox_demo", "--records", "20"], env)
        run([python, "manage.py", "demo_users"], env)
        server = serve(python, env, port)
        base = f"http://127.0.0.1:{port}"
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=args.chromium,
                args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            )
            page = browser.new_context(locale="en-US").new_page()
            sign_in(page, base)
            per_record, lost = required_only(page, base, args.records)
            full = full_record(page, base)
            browser.close()
        print(f"required only ({args.records} records, Save and add another):")
        print(f"  non-typing keys per record: {max(per_record)} (each: {per_record}); target ≤ 4")
        print(f"  focus lost after a save: {lost} of {args.records}; target 0")
        print("full Property record (every field with an input, Ctrl+S):")
        print(f"  non-typing keys: {full.keys}; target ≤ 16")
        for why, keys in full.why.items():
            print(f"    {keys:>2} {why}")
    finally:
        if server is not None:
            stop(server)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
