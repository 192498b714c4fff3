"""Failed-login throttling (docs/reliability.md item 9).

Failures are counted per (username, client address) in the database, so every process of the
dashboard sees the same count. Another username from the same address, or the same username
from another address, is not affected: one attacker cannot lock a colleague out everywhere.

An attempt is counted *before* its password is checked, in one locked row update: twenty
guesses sent at once get five tries between them, not twenty. A success clears the count.
"""

import hashlib
import time
import unicodedata

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest

from recordsadmin.accounts.models import LoginFailures


def client_address(request: HttpRequest) -> str:
    if getattr(settings, "BEHIND_PROXY", False):
        # Behind our own proxy the last hop it appended is the client; earlier hops are
        # whatever the client chose to send.
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def _key(username: str, address: str) -> str:
    # The sign-in form reads the username in NFKC (Django's UsernameField), so "ｓtaffer" and
    # "𝐬taffer" sign in as staffer: they are counted as staffer too.
    name = unicodedata.normalize("NFKC", username).strip().casefold()
    return hashlib.sha256(f"{name}\0{address}".encode()).hexdigest()


def attempt_start(username: str, address: str) -> int:
    """Count one attempt for this pair; 0 when it may go on, else the seconds to wait."""
    now = time.time()
    with transaction.atomic():
        # Pairs whose lockout ran out are forgotten: the table holds only live counts.
        LoginFailures.objects.filter(until__lt=now).delete()
        row, _ = LoginFailures.objects.select_for_update().get_or_create(
            key=_key(username, address)
        )
        if row.count >= settings.LOGIN_MAX_FAILURES:
            return max(1, int(row.until - now))
        row.count += 1
        row.until = now + settings.LOGIN_LOCKOUT_SECONDS
        row.save(update_fields=["count", "until"])
    return 0


def attempts_left(username: str, address: str) -> int:
    """How many more failures this pair may have before it is locked out."""
    row = LoginFailures.objects.filter(key=_key(username, address), until__gte=time.time())
    count = row.values_list("count", flat=True).first() or 0
    return max(0, settings.LOGIN_MAX_FAILURES - count)


def clear(username: str, address: str) -> None:
    LoginFailures.objects.filter(key=_key(username, address)).delete()
