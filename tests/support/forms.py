"""Forms as a browser sends them: what a page's form carries besides what a person types."""

import html
import re

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def hidden_inputs(page: str) -> dict[str, str]:
    """The page's hidden inputs by name (a form's submission token, the version it read)."""
    return {name: html.unescape(value) for name, value in HIDDEN.findall(page)}
