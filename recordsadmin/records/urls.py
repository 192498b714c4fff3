from django.urls import path

from recordsadmin.records import views

app_name = "records"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
]
