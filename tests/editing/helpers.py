import html
import re

from django.urls import reverse


def hidden(content: bytes | str, name: str) -> str:
    text = content.decode() if isinstance(content, bytes) else content
    match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', text)
    assert match, f"no hidden input {name}"
    return html.unescape(match.group(1))


def url(name: str, *args) -> str:
    return reverse(f"records:{name}", args=args)


# Valid input for the demo's Property object (address, price and status are required).
PROPERTY_INPUT = {
    "address": "1 Test Lane",
    "price": "350000",
    "status": "Active",
    "property_type": "condo",
    "bedrooms": "3",
    "agent_email": "agent@example.com",
    "features": ["pool", "garage"],
    "rooms_kitchen": "Open plan",
}
