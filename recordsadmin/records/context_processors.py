import json

from django.conf import settings
from django.http import HttpRequest

from recordsadmin.sandbox import credentials


def dashboard(request: HttpRequest) -> dict:
    """What the base layout shows on every page: the location in use and the htmx config."""
    if settings.GHL_TOKEN:
        api_label = "GoHighLevel"
        location_id = settings.GHL_LOCATION_ID
    else:
        api_label = "Embedded API"
        location_id = _sandbox_location_id()
    return {
        "api_label": api_label,
        "location_id": location_id,
        # RELIABILITY.md item 40: htmx gives up after the server's own deadline, evaluates no
        # strings as code, injects no inline styles (the CSP forbids them), and asks for the
        # whole page when it restores history from a miss.
        "htmx_config": json.dumps(
            {
                "timeout": settings.HTMX_TIMEOUT_MS,
                "allowEval": False,
                "allowScriptTags": False,
                "includeIndicatorStyles": False,
                "historyRestoreAsHxRequest": False,
                "selfRequestsOnly": True,
                "scrollIntoViewOnBoost": False,
            }
        ),
    }


def _sandbox_location_id() -> str:
    found = credentials.load()
    return found[0] if found else ""
