"""What Django's error pages and error mails may show of a failure: never the records API token.

Django's own filter hides settings and request headers whose names look secret, and the
variables of functions marked `sensitive_variables`. A failure while a call to the records API
is under way has the token in many frames' variables (the client's headers, the HTTP library's
prepared request), in its own code and in the libraries'; this filter hides, in every frame,
any variable whose text holds an Authorization header's Bearer value, or the token itself (the
configured one, the demo's from its credentials file): a variable named like a key,
`object_key` say, is shown, since most of this code's are the records API's names.
"""

from django.conf import settings
from django.views.debug import SafeExceptionReporterFilter

from recordsadmin.client.config import embedded_credentials

BEARER = "bearer "


def tokens() -> list[str]:
    """The records API tokens this process may hold: none of them is ever shown."""
    found = [getattr(settings, "GHL_TOKEN", ""), getattr(settings, "SANDBOX_TOKEN", "")]
    found.append((embedded_credentials() or ("", ""))[1])
    return [token for token in found if isinstance(token, str) and token]


class SecretsFilter(SafeExceptionReporterFilter):
    def get_traceback_frame_variables(self, request, tb_frame):
        secrets = tokens()
        shown = []
        for name, value in super().get_traceback_frame_variables(request, tb_frame):
            try:
                text = repr(value)
            except Exception:
                text = BEARER
            hidden = BEARER in text.lower() or any(token in text for token in secrets)
            shown.append((name, self.cleansed_substitute if hidden else value))
        return shown
