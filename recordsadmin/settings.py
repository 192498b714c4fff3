"""Settings for recordsadmin, all taken from the environment.

The defaults suit the demo on a developer's machine; production sets DJANGO_SECRET_KEY,
ALLOWED_HOSTS and leaves DJANGO_DEBUG unset. Every variable is listed in the README.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from recordsadmin.contract import limits

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}.") from None


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set DJANGO_SECRET_KEY (a long random string): it is required when DJANGO_DEBUG is off."
        )
    SECRET_KEY = "django-insecure-recordsadmin-demo-only-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# HTTPS-only cookies, redirects and HSTS. On by default whenever DEBUG is off; the test
# settings and a plain-HTTP demo turn it off.
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tables2",
    "django_tasks_db",
    "recordsadmin.windows",
    "recordsadmin.accounts",
    "recordsadmin.records",
    "recordsadmin.sandbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Above whitenoise, which answers static files without going further down: they get the
    # same X-Frame-Options and CSP as pages (SecurityMiddleware adds the other headers).
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF, which reads the posted form first: a form too large gets our 413 page.
    "recordsadmin.middleware.RequestTooLargeMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "recordsadmin.accounts.middleware.SessionTimeoutMiddleware",
    "recordsadmin.accounts.middleware.StaffRequiredMiddleware",
    "recordsadmin.records.middleware.PageDeadlineMiddleware",
    "recordsadmin.middleware.NotFoundPageMiddleware",
    "recordsadmin.middleware.MethodNotAllowedPageMiddleware",
]

ROOT_URLCONF = "recordsadmin.urls"
WSGI_APPLICATION = "recordsadmin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "recordsadmin.records.context_processors.dashboard",
                "recordsadmin.accounts.context_processors.theme",
            ],
        },
    },
]

# The project's own data (the SQLite file by default) lives in var/, which git ignores.
DATA_DIR = Path(os.environ.get("RECORDSADMIN_DATA_DIR", BASE_DIR / "var"))

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'recordsadmin.sqlite3'}"),
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and a writer work at once; IMMEDIATE takes the write lock at BEGIN so two
    # writers queue on the busy timeout instead of failing with "database is locked".
    # Connections are kept between requests (conn_max_age above), as on PostgreSQL: opening
    # one with its pragmas cost a table view about a tenth of its time (bench/table_partial.py).
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis, when set, holds what every process and machine must share at once and that may be
# lost: the cache (schemas, users, counts) and the windows that count calls to the
# records API (recordsadmin/windows). Without it both live in the database.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()

# One cache shared by every process: sessions and the schema cache must agree across
# gunicorn workers and machines.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "recordsadmin.rediscache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "recordsadmin",
            # A stopped Redis costs a page nothing: the cache answers as an empty one
            # (recordsadmin/rediscache.py), after a connect timeout this short.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 2.0},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "recordsadmin_cache",
            # Past this many entries Django drops the expired ones, then a third of the rest:
            # room for the counts of many searches (RECORDS_FACET_*) beside schemas and users.
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }
# Sessions are read from the cache and written to both it and the database: a cache that
# loses them (a Redis restart, the table's culling) signs nobody out. Read from the cache
# table, a session costs a request a tenth of its read through the ORM (about 0.1 ms, not 1).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# This process's own memory, for what is drawn the same way again and again and depends on
# nothing another process could change (the column chooser, keyed by the layout it shows).
CACHES["local"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "recordsadmin-local",
    "OPTIONS": {"MAX_ENTRIES": 2000},
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "records:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Error pages (DEBUG) and error mails hide the records API token wherever a frame holds it.
DEFAULT_EXCEPTION_REPORTER_FILTER = "recordsadmin.debugreport.SecretsFilter"

# The largest request body a person signed in may send (recordsadmin/middleware.py): an import's
# CSV (5 MB, recordsadmin/records/transfer/csvfiles.py) with its form's text, and room for the
# multipart framing. Anyone else may send DATA_UPLOAD_MAX_MEMORY_SIZE (the sign-in form).
MAX_REQUEST_BYTES = 8 * 1024 * 1024

# Failed-login throttling: after LOGIN_MAX_FAILURES failures for one username from one address,
# that pair is refused for LOGIN_LOCKOUT_SECONDS.
LOGIN_MAX_FAILURES = int(env_float("LOGIN_MAX_FAILURES", 5))
LOGIN_LOCKOUT_SECONDS = int(env_float("LOGIN_LOCKOUT_SECONDS", 900))

# Sessions end after SESSION_IDLE_SECONDS without a request, and after SESSION_COOKIE_AGE
# whatever happens.
SESSION_COOKIE_AGE = int(env_float("SESSION_MAX_AGE_SECONDS", 12 * 3600))
SESSION_IDLE_SECONDS = int(env_float("SESSION_IDLE_SECONDS", 2 * 3600))

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
# The dashboard speaks one language and has no translations. With the translation machinery on,
# every number a template shows and every URL reversed asked for the active language, a
# per-thread lookup (asgiref.local). Such lookups took about 4% of the dashboards' CPU under
# the load benchmark (bench/people_during_job.py); a table partial made 139, now 53. Dates and
# numbers are still formatted as LANGUAGE_CODE's.
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Serve static files straight from the app folders when they have not been collected, so that
# tests and the demo work without a collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Security headers (docs/reliability.md items 2, 3, 4).
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Behind our own reverse proxy: its X-Forwarded-For last hop is the client's address (login
# throttling) and, with HTTPS, its X-Forwarded-Proto says the request came in over TLS.
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", False)
if HTTPS:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", True)
    # Load balancers probe over plain HTTP and do not follow redirects.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    if BEHIND_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Bulk jobs run on Django's task framework, queued in the database; `manage.py jobs_worker` (its
# db_worker, which also takes over the jobs of stopped workers) runs them (`make demo` starts one).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# How many calls a bulk job keeps in flight at once, and how many of the rate limit's requests it
# leaves free for people browsing the dashboard meanwhile.
BULK_CONCURRENCY = int(env_float("BULK_CONCURRENCY", 4))
# A running job whose heartbeat is older than this lost its worker (killed, or its machine
# gone): `manage.py jobs_worker` queues it again for any worker to take over.
BULK_STALE_SECONDS = env_float("BULK_STALE_SECONDS", 120)
# One rate budget per location for every process (recordsadmin/records/services/budget.py):
# people's calls may fill the window to the limit less RECORDS_BUDGET_SAFETY; background work
# (bulk jobs, imports, exports) leaves RECORDS_BUDGET_RESERVE of the limit to people on top;
# without the shared store (Redis stopped) each process paces at 1/RECORDS_BUDGET_PROCESSES.
RECORDS_BUDGET_SAFETY = int(env_float("RECORDS_BUDGET_SAFETY", 1))
RECORDS_BUDGET_RESERVE = env_float("RECORDS_BUDGET_RESERVE", 0.05)
RECORDS_BUDGET_PROCESSES = int(env_float("RECORDS_BUDGET_PROCESSES", 4))
# One circuit breaker per location for every process (recordsadmin/records/services/breaker.py):
# after RECORDS_BREAKER_FAILURES failures in a row (5xx, timeouts, refused connections) calls
# fail at once for RECORDS_BREAKER_RESET_SECONDS, then one probe call goes. 0 turns it off.
RECORDS_BREAKER_FAILURES = int(env_float("RECORDS_BREAKER_FAILURES", 5))
RECORDS_BREAKER_RESET_SECONDS = env_float("RECORDS_BREAKER_RESET_SECONDS", 30)
# Saved views' tabs show record counts (recordsadmin/records/services/saved_views.py): at most
# RECORDS_VIEW_COUNT_CALLS searches per page, each count kept for everyone this many seconds.
RECORDS_VIEW_COUNT_CALLS = int(env_float("RECORDS_VIEW_COUNT_CALLS", 10))
RECORDS_VIEW_COUNT_CACHE_SECONDS = int(env_float("RECORDS_VIEW_COUNT_CACHE_SECONDS", 60))
# Counts beside the table's filter options and in its charts
# (recordsadmin/records/services/counts.py): each is a search read for its total, cached this
# long for every user; one request makes at most RECORDS_FACET_MAX_CALLS of them (the rest on
# demand); each waits at most RECORDS_COUNT_WAIT seconds for a place in the rate budget (more than
# the tenth of its interval over which background calls are spread), else the counts are skipped.
RECORDS_FACET_CACHE_SECONDS = int(env_float("RECORDS_FACET_CACHE_SECONDS", 60))
RECORDS_FACET_MAX_CALLS = int(env_float("RECORDS_FACET_MAX_CALLS", 24))
RECORDS_COUNT_WAIT = env_float("RECORDS_COUNT_WAIT", 1.5)
# How many of one request's calls are asked at once, each waiting for the API's answer: its
# counts, the link cells, a record page's related sections (records/services/parallel.py).
RECORDS_COUNT_CONCURRENCY = int(env_float("RECORDS_COUNT_CONCURRENCY", 4))
# The table's association columns (recordsadmin/records/services/links.py): one request for a
# page's cells makes at most this many calls (a row's relations, a linked record's name), cached
# like the counts; the page asks again for the cells left.
RECORDS_LINKS_MAX_CALLS = int(env_float("RECORDS_LINKS_MAX_CALLS", 30))

# The records API. With GHL_TOKEN unset the dashboard talks to its own embedded API under
# /sandbox/ (on this server unless GHL_API_URL says where), with the sandbox location's token.
GHL_TOKEN = os.environ.get("GHL_TOKEN", "")
GHL_LOCATION_ID = os.environ.get("GHL_LOCATION_ID", "")


def _embedded_api_url() -> str:
    """Where the dashboard reaches its own embedded API: over HTTPS at its own public name when
    it serves HTTPS only (a plain-HTTP call to itself would be redirected), else on loopback."""
    if HTTPS:
        host = next((h for h in ALLOWED_HOSTS if h and h != "*" and not h.startswith(".")), "")
        if host:
            return f"https://{host}/sandbox"
    return f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/sandbox"


GHL_API_URL = os.environ.get(
    "GHL_API_URL",
    "https://services.leadconnectorhq.com" if GHL_TOKEN else _embedded_api_url(),
).rstrip("/")
if GHL_TOKEN and not GHL_LOCATION_ID:
    raise ImproperlyConfigured("GHL_TOKEN is set but GHL_LOCATION_ID is not: set both.")
GHL_CONNECT_TIMEOUT = env_float("GHL_CONNECT_TIMEOUT", 3.05)
GHL_READ_TIMEOUT = env_float("GHL_READ_TIMEOUT", 10.0)
# No page view waits for the records API longer than this, retries included.
GHL_PAGE_DEADLINE = env_float("GHL_PAGE_DEADLINE", 15.0)
GHL_SCHEMA_CACHE_SECONDS = int(env_float("GHL_SCHEMA_CACHE_SECONDS", 300))
# Reads, updates, deletes and searches are retried this many times on 429, 502, 503, 504 and
# connection errors, waiting base * 2**attempt seconds (capped, with full jitter) unless the
# service says how long; never past GHL_PAGE_DEADLINE. A create is never sent twice.
GHL_MAX_RETRIES = int(env_float("GHL_MAX_RETRIES", 3))
GHL_BACKOFF_BASE = env_float("GHL_BACKOFF_BASE", 0.25)
GHL_BACKOFF_CAP = env_float("GHL_BACKOFF_CAP", 4.0)
# The currency of MONETORY values that say "default" (the location's own currency).
RECORDS_CURRENCY = os.environ.get("RECORDS_CURRENCY", "USD").strip().upper() or "USD"
# How long the records API's search may lag behind a write (seconds): for this long after a
# person's own write the table shows it as written, marked, until search shows it too
# (services/catching_up.py). The real service is reported to take a few seconds; 0 turns the
# marks off.
RECORDS_SEARCH_LAG_SECONDS = env_float("RECORDS_SEARCH_LAG_SECONDS", 5)

# The embedded records API (recordsadmin/sandbox).
SANDBOX_LOCATION_ID = os.environ.get("SANDBOX_LOCATION_ID", "")
SANDBOX_TOKEN = os.environ.get("SANDBOX_TOKEN", "")
# Where `sandbox_demo` keeps the demo location's id and token (mode 600) unless both settings
# above hold them; the dashboard reads them from there to call its embedded API.
SANDBOX_CREDENTIALS_FILE = Path(
    os.environ.get("SANDBOX_CREDENTIALS_FILE", DATA_DIR / "sandbox-credentials.json")
)
# "100/10s" is the real service's burst limit; "off" turns the emulation off.
SANDBOX_RATE_LIMIT = os.environ.get(
    "SANDBOX_RATE_LIMIT", f"{limits.RATE_LIMIT_CALLS}/{limits.RATE_LIMIT_SECONDS}s"
)
# Milliseconds the embedded API waits before each answer: the real service's answer time, for
# benchmarks (bench/people_during_job.py --api-delay); 0 answers at once.
SANDBOX_LATENCY_MS = env_float("SANDBOX_LATENCY_MS", 0)
# Seconds for which the embedded API's search still shows a record as it was before a write
# (create: not found yet; update: old values; delete: still found), while a read by id is
# current, as the real service's search lags (docs/records-api.md); 0 answers at once.
SANDBOX_SEARCH_LAG = env_float("SANDBOX_SEARCH_LAG", 2)

# htmx waits a little longer than the server's own deadline, so the server's answer (a page
# that says what went wrong) always arrives before htmx gives up (docs/reliability.md item 40).
HTMX_TIMEOUT_MS = int((GHL_PAGE_DEADLINE + 5) * 1000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
