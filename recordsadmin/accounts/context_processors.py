from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from recordsadmin.accounts.theme import theme_get


def theme(request: HttpRequest) -> dict:
    """The user's theme for base.html's <html data-theme>. Lazy: an htmx partial, which has no
    <html>, costs no query."""
    return {"theme": SimpleLazyObject(lambda: theme_get(user=request.user))}
