"""Routes of the embedded records API, mounted at /sandbox/ (records-api.md)."""

from django.urls import path

app_name = "sandbox"

urlpatterns: list = []
