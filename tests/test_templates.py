"""The templates' own comments: Django's {# #} ends on its line, so one that runs on would be
shown on the page as text. Longer comments use {% comment %}."""

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def test_every_short_comment_closes_on_its_line():
    unclosed = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "{#" in line and "#}" not in line.split("{#", 1)[1]
    ]
    assert not unclosed, "comments shown as text: " + ", ".join(unclosed)
