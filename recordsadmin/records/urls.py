from django.urls import path

from recordsadmin.records import editing, views

app_name = "records"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("objects/<str:key>/new/", editing.record_create, name="record_create"),
    path("objects/<str:key>/<str:record_id>/edit/", editing.record_edit, name="record_edit"),
    path("objects/<str:key>/<str:record_id>/delete/", editing.record_delete, name="record_delete"),
    path(
        "objects/<str:key>/<str:record_id>/restore/", editing.record_restore, name="record_restore"
    ),
    path("objects/<str:key>/", views.record_list, name="record_list"),
    path("objects/<str:key>/<str:record_id>/", views.record_detail, name="record_detail"),
]
