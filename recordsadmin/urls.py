from django.urls import include, path

urlpatterns = [
    path("accounts/", include("recordsadmin.accounts.urls")),
    path("sandbox/", include("recordsadmin.sandbox.urls")),
    path("", include("recordsadmin.records.urls")),
]

handler404 = "recordsadmin.records.views.not_found"
