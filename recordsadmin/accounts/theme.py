"""The dashboard's colours: the system's (prefers-color-scheme), light or dark, chosen per user
and kept on the server with the other preferences (preferences.py), so every device and every
page starts in the right theme: base.html renders it on <html data-theme>, before any script.
The last choice made on a device is also kept in a cookie, for the pages seen signed out (the
sign-in page, after a sign-out or an expired session)."""

from django.conf import settings

from .preferences import preference_get, preference_set

SYSTEM = "system"
THEMES = (SYSTEM, "light", "dark")
PREFERENCE = "theme"
# The device's last choice, for signed-out pages: a year, like a setting of the browser's own.
COOKIE = "recordsadmin_theme"
COOKIE_SECONDS = 365 * 24 * 3600


def theme_get(*, user) -> str:
    """The user's theme; the system's for anonymous users and for a value this code no longer
    knows."""
    value = preference_get(user=user, name=PREFERENCE, default=SYSTEM)
    return value if value in THEMES else SYSTEM


def theme_set(*, user, theme: str) -> None:
    """Remember `theme` (one of THEMES) for the user; the system's is the default, so choosing
    it forgets the preference."""
    if theme not in THEMES:
        raise ValueError(f"Unknown theme {theme!r}: one of {', '.join(THEMES)}.")
    preference_set(user=user, name=PREFERENCE, value=None if theme == SYSTEM else theme)


def theme_of(request) -> str:
    """The theme of the page being made: the user's, or the device's last choice when no one
    is signed in."""
    if request.user.is_authenticated:
        return theme_get(user=request.user)
    value = request.COOKIES.get(COOKIE, SYSTEM)
    return value if value in THEMES else SYSTEM


def theme_remember(response, theme: str) -> None:
    """Keep `theme` on this device (the cookie theme_of reads when signed out)."""
    if theme == SYSTEM:
        response.delete_cookie(COOKIE, samesite="Lax")
        return
    response.set_cookie(
        COOKIE,
        theme,
        max_age=COOKIE_SECONDS,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
