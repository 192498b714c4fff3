"""The dashboard's settings with one URL more, for bench/table_partial.py (bench/floor_urls.py).
Only that benchmark's own server uses them."""

from recordsadmin.settings import *  # noqa: F403

ROOT_URLCONF = "floor_urls"
