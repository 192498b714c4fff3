from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "recordsadmin.accounts"
    label = "accounts"
