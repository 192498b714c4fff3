"""WSGI entry point: `gunicorn recordsadmin.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recordsadmin.settings")

application = get_wsgi_application()
