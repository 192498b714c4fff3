"""Where the dashboard finds the sandbox location's plaintext token.

The database keeps only the token's hash, so `sandbox_demo` writes the plaintext to the file
that settings.SANDBOX_CREDENTIALS_FILE names (by default DATA_DIR/sandbox-credentials.json,
next to the database), readable by the owner only, unless the settings already hold it
(SANDBOX_LOCATION_ID and SANDBOX_TOKEN).
"""

import json
import os
from pathlib import Path

from django.conf import settings


def path() -> Path:
    return Path(settings.SANDBOX_CREDENTIALS_FILE)


def save(location_id: str, token: str) -> Path:
    target = path()
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".tmp")
    # Created 0600 from the start: the token is never readable by others, not even briefly.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        json.dump({"locationId": location_id, "token": token}, file)
    os.chmod(temporary, 0o600)
    os.replace(temporary, target)
    return target


def load() -> tuple[str, str] | None:
    """(location id, token) from the settings when both are set, else from the file, else None."""
    location_id = getattr(settings, "SANDBOX_LOCATION_ID", "")
    token = getattr(settings, "SANDBOX_TOKEN", "")
    if location_id and token:
        return location_id, token
    try:
        data = json.loads(path().read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    location_id, token = data.get("locationId"), data.get("token")
    if isinstance(location_id, str) and isinstance(token, str) and location_id and token:
        return location_id, token
    return None
