"""The dashboard's colours: the system's (prefers-color-scheme), light or dark, chosen per user
and kept on the server with the other preferences (preferences.py), so every device and every
page starts in the right theme: base.html renders it on <html data-theme>, before any script."""

from .preferences import preference_get, preference_set

SYSTEM = "system"
THEMES = (SYSTEM, "light", "dark")
PREFERENCE = "theme"


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
