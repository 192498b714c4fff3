from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from recordsadmin.accounts.theme import theme_of


def theme(request: HttpRequest) -> dict:
    """The user's theme (the device's when signed out) for base.html's <html data-theme>.
    Lazy: an htmx partial, which has no <html>, costs no query."""
    return {"theme": SimpleLazyObject(lambda: theme_of(request))}
