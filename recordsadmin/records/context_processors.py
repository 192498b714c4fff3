import json

from django.conf import settings
from django.http import HttpRequest

from recordsadmin.client import config
from recordsadmin.contract.limits import MAX_QUERY_LENGTH


def dashboard(request: HttpRequest) -> dict:
    """What the base layout shows on every page: the location in use and the htmx config."""
    return {
        "api_label": "GoHighLevel" if settings.GHL_TOKEN else "Embedded API",
        "location_id": config.location_id(),
        # The records API's longest search text, for every search box and its hint.
        "max_query_length": MAX_QUERY_LENGTH,
        # htmx gives up after the server's own deadline, evaluates no strings as code, injects
        # no inline styles and copies no style attribute from an element to its new copy while
        # it settles (the CSP forbids setting one; a script's element.style makes one), and
        # asks for the whole page when it restores history from a miss.
        "htmx_config": json.dumps(
            {
                "timeout": settings.HTMX_TIMEOUT_MS,
                "allowEval": False,
                "allowScriptTags": False,
                "includeIndicatorStyles": False,
                "attributesToSettle": ["class", "width", "height"],
                "historyRestoreAsHxRequest": False,
                "selfRequestsOnly": True,
                "scrollIntoViewOnBoost": False,
            }
        ),
    }
