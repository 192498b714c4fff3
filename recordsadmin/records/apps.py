from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "recordsadmin.records"
    label = "records"
