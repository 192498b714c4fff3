from django.apps import apps
from django.urls import include, path

urlpatterns = [
    path("accounts/", include("recordsadmin.accounts.urls")),
    path("", include("recordsadmin.records.urls")),
]

# The embedded records API, when it is installed: the dashboard calls it over HTTP like any
# records API, and runs without it against GoHighLevel.
if apps.is_installed("recordsadmin.sandbox"):
    urlpatterns.insert(1, path("sandbox/", include("recordsadmin.sandbox.urls")))

handler404 = "recordsadmin.records.views.browse.not_found"
handler500 = "recordsadmin.records.views.browse.server_error"
