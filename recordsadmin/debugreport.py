"""What Django's error pages and error mails may show of a failure: never the records API token.

Django's own filter hides settings and request headers whose names look secret, and the
variables of functions marked `sensitive_variables`. A failure while a call to the records API
is under way has the token in many frames' variables (the client's headers, the HTTP library's
prepared request), in its own code and in the libraries'; this filter hides, in every frame,
any variable whose text holds an Authorization header's Bearer value (a variable named like a
key, `object_key` say, is shown: most of this code's are the records API's names).
"""

from django.views.debug import SafeExceptionReporterFilter

BEARER = "bearer "


class SecretsFilter(SafeExceptionReporterFilter):
    def get_traceback_frame_variables(self, request, tb_frame):
        shown = []
        for name, value in super().get_traceback_frame_variables(request, tb_frame):
            try:
                text = repr(value)
            except Exception:
                text = BEARER
            shown.append((name, self.cleansed_substitute if BEARER in text.lower() else value))
        return shown
