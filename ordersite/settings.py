"""ordersite settings: everything comes from the environment, with safe development defaults.

`.env.example` lists every variable. With DEBUG off, a missing secret or bucket stops start-up
with a one-line message instead of a half-configured site.
"""

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

# The Lambda's pure cleaning package lives in lambda/ (a keyword, so not importable as a package).
LAMBDA_DIR = BASE_DIR / "lambda"
if str(LAMBDA_DIR) not in sys.path:
    sys.path.insert(0, str(LAMBDA_DIR))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {value!r}") from None


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
PIPELINE_MODE = env_str("PIPELINE_MODE", "local")
if PIPELINE_MODE not in {"local", "aws"}:
    raise ImproperlyConfigured(f"PIPELINE_MODE must be 'local' or 'aws', got {PIPELINE_MODE!r}")

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is not set: set it in the environment (DEBUG is off)")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "ordersite",
    "pipeline_admin",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "ordersite.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "ordersite.login.LoginRequiredMiddleware",  # Django's, answering 401 JSON to API calls
    "axes.middleware.AxesMiddleware",  # last, as axes asks: turns a lockout into its response
]

ROOT_URLCONF = "ordersite.urls"
WSGI_APPLICATION = "ordersite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ordersite.context_processors.roles",
            ],
        },
    },
]

# Local state (SQLite, the twin's store, logs); one per checkout, so copies never share it.
VAR_DIR = Path(env_str("VAR_DIR") or BASE_DIR / "var")
if not env_str("DATABASE_URL"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'ordersite.sqlite3'}",
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes and threads write at once (web server, Celery workers, the tests' live
    # server and pipeline loop): a writer waits up to `timeout` seconds for the other instead of
    # failing with "database is locked". Write-ahead logging lets readers go on while one writes;
    # IMMEDIATE takes the write lock when a transaction begins, so a reading transaction never
    # has to upgrade (an upgrade that collides fails at once, whatever the timeout). See Django's
    # SQLite notes ("Database is locked errors", `transaction_mode`, `init_command`).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    } | DATABASES["default"].get("OPTIONS", {})
    # The test database is a file too: an in-memory one is shared between threads through SQLite's
    # shared cache, whose table locks fail at once ("database table is locked"), timeout or not.
    database_file = Path(DATABASES["default"]["NAME"])
    DATABASES["default"]["TEST"] = {"NAME": str(database_file.with_name(f"test-{database_file.name}"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
TEST_RUNNER = "ordersite.test_runner.PytestRunner"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# --- Login throttling (django-axes, counts in the database; see ordersite/login.py) ----------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out name or address
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "ordersite.login.LoginAttemptHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 20)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "ordersite.login.login_username"
AXES_CLIENT_IP_CALLABLE = "ordersite.login.client_address"
LOGIN_PROXY_ADDRESSES = env_list("LOGIN_PROXY_ADDRESSES", "127.0.0.1,::1")
AXES_LOCKOUT_CALLABLE = "ordersite.login.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # failures are what matter; successful logins are not logged forever
SESSION_ENGINE = "ordersite.sessions"  # Redis first, the database as the record
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "var" / "static")  # collectstatic writes here
if DEBUG:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing root
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Redis: cache and Celery broker -------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "ordersite",
        "TIMEOUT": None,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
    }
}
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Two queues, each served by its own worker (`make run`'s celery-worker and celery-pipeline, the
# template's ordersite-worker and ordersite-pipeline): report jobs (up to minutes each) on the
# default queue, the pipeline's tasks (status sync, crawls) on their own, so a burst of report
# jobs never holds back the sync that moves files along and bumps the data version.
CELERY_TASK_DEFAULT_QUEUE = "celery"
PIPELINE_QUEUE = "pipeline"
CELERY_TASK_ROUTES = {"pipeline_admin.tasks.*": {"queue": PIPELINE_QUEUE}}
UPLOAD_SYNC_SECONDS = env_int("UPLOAD_SYNC_SECONDS", 2)
CELERY_BEAT_SCHEDULE = {
    # Every few seconds: a processed file's numbers reach the dashboard right after this sync.
    # A sync not started within its interval is dropped (the next one does the same work), so
    # a worker that was down never replays a pile of them.
    "sync-upload-status": {
        "task": "pipeline_admin.tasks.uploads_sync",
        "schedule": float(UPLOAD_SYNC_SECONDS),
        "options": {"expires": float(UPLOAD_SYNC_SECONDS)},
    },
}

# --- AWS and the pipeline ----------------------------------------------------------------
AWS_REGION = env_str("AWS_REGION", env_str("AWS_DEFAULT_REGION", "us-east-1"))
# Only the local twin sets an endpoint; in AWS mode boto3 talks to the real services.
TWIN_PORT = env_int("TWIN_PORT", 5055)
WEB_PORT = env_int("WEB_PORT", 8000)  # make run's web server
AWS_ENDPOINT_URL = env_str("AWS_ENDPOINT_URL", f"http://127.0.0.1:{TWIN_PORT}" if PIPELINE_MODE == "local" else "")
# Where the twin keeps its buckets, queues and catalog between runs; empty = in memory only.
TWIN_STATE_DIR = env_str("TWIN_STATE_DIR", str(VAR_DIR / "twin"))
# How long a message the local runtime received stays hidden before SQS hands it out again.
TWIN_QUEUE_VISIBILITY_SECONDS = env_int("TWIN_QUEUE_VISIBILITY_SECONDS", 30)
# The local Lambda runtime runs each invocation in a child process held to this much memory,
# as Lambda does (the template's LambdaMemoryMb).
LAMBDA_MEMORY_MB = env_int("LAMBDA_MEMORY_MB", 1024)
if PIPELINE_MODE == "local":
    # moto accepts any credentials; set placeholders so no real AWS profile is ever used.
    for _name, _value in {"AWS_ACCESS_KEY_ID": "twin", "AWS_SECRET_ACCESS_KEY": "twin"}.items():
        os.environ.setdefault(_name, _value)

PIPELINE_BUCKET = env_str("PIPELINE_BUCKET", "ordersite-local" if DEBUG else "")
if not PIPELINE_BUCKET:
    raise ImproperlyConfigured("PIPELINE_BUCKET is not set: set it to the pipeline's S3 bucket")
RAW_PREFIX = env_str("RAW_PREFIX", "raw/")
PROCESSED_PREFIX = env_str("PROCESSED_PREFIX", "processed/orders/")
QUARANTINE_PREFIX = env_str("QUARANTINE_PREFIX", "quarantine/")
MANIFEST_PREFIX = env_str("MANIFEST_PREFIX", "manifests/")
ENRICHED_PREFIX = env_str("ENRICHED_PREFIX", "enriched/athena-results/")
ORDERS_QUEUE_NAME = env_str("ORDERS_QUEUE_NAME", "ordersite-raw-events")
ORDERS_DLQ_NAME = env_str("ORDERS_DLQ_NAME", "ordersite-raw-events-dlq")
GLUE_DATABASE = env_str("GLUE_DATABASE", "ordersite")
GLUE_TABLE = env_str("GLUE_TABLE", "orders")
GLUE_CRAWLER = env_str("GLUE_CRAWLER", "ordersite-processed-orders")
GLUE_CRAWLER_ROLE = env_str("GLUE_CRAWLER_ROLE", "arn:aws:iam::123456789012:role/ordersite-crawler")
ATHENA_WORKGROUP = env_str("ATHENA_WORKGROUP", "ordersite")
# Backends by dotted path (as SESSION_ENGINE): the report engine `run(sql, params, reuse=...)`
# and the crawler class (`start()` / `status()`). The mode only picks the defaults.
REPORT_ENGINE = env_str(
    "REPORT_ENGINE",
    "dashboard.engines.athena.athena_run" if PIPELINE_MODE == "aws" else "dashboard.engines.local.duckdb_run",
)
# Who uploaded the file an order came from, and whether a user may open its page: read by the
# dashboard's drill pages from the app that owns uploads, which it never imports.
ORDER_SOURCES = "pipeline_admin.selectors.order_sources"
# How many orders of earlier uploads a file's rows supersede, counted by the report engine: read
# by the file page of pipeline_admin from the app that owns the engine, which it never imports.
SUPERSEDED_ORDERS = "dashboard.supersession_jobs.superseded_orders"
CRAWLER_BACKEND = env_str(
    "CRAWLER_BACKEND",
    "pipeline_admin.crawler.GlueCrawler" if PIPELINE_MODE == "aws" else "pipeline_admin.crawler.LocalCrawler",
)

# The Lambda's business rule, shared with Django where it needs the same rules.
STALE_STATUSES = env_str("STALE_STATUSES", "pending,cancelled")
STALE_AFTER_DAYS = env_int("STALE_AFTER_DAYS", 30)

UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 1024**3)  # one file, whichever way it arrives
# Files the upload page and the no-JavaScript form take at once.
UPLOAD_MAX_FILES = env_int("UPLOAD_MAX_FILES", 100)
# One no-JavaScript form post, all files together: it passes through nginx and gunicorn, so it is
# kept to what a web worker stores in well under its timeout. The page with JavaScript sends files
# straight to S3 and the CLI has no web server in the way; both take UPLOAD_MAX_BYTES per file.
UPLOAD_FORM_MAX_BYTES = env_int("UPLOAD_FORM_MAX_BYTES", 100 * 1024**2)
UPLOAD_STALLED_MINUTES = env_int("UPLOAD_STALLED_MINUTES", 15)
# The upload page sends files straight to S3: into INCOMING_PREFIX as a presigned multipart upload
# of UPLOAD_PART_BYTES parts; the server checks the object there and moves it to raw/. An upload
# still under way after UPLOAD_RECEIVING_HOURS is aborted (a closed tab).
INCOMING_PREFIX = env_str("INCOMING_PREFIX", "incoming/")
UPLOAD_PART_BYTES = env_int("UPLOAD_PART_BYTES", 8 * 1024**2)
UPLOAD_RECEIVING_HOURS = env_int("UPLOAD_RECEIVING_HOURS", 24)
# The site's own origins, the only ones the bucket's CORS rule lets PUT parts (set on the twin at
# bootstrap; in AWS the template sets the same rule from SiteHostName / SiteAddress).
UPLOAD_CORS_ORIGINS = env_list(
    "UPLOAD_CORS_ORIGINS",
    ",".join(CSRF_TRUSTED_ORIGINS)
    or f"http://127.0.0.1:{env_int('WEB_PORT', 8000)},http://localhost:{env_int('WEB_PORT', 8000)}",
)
FILE_UPLOAD_HANDLERS = [
    "pipeline_admin.upload_handlers.SizeLimitUploadHandler",  # first: it sees every byte before it is kept
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # larger uploads spool to a temporary file
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = UPLOAD_MAX_FILES + 1  # the handler above refuses first, with a message

REPORT_QUERY_TIMEOUT_SECONDS = env_int("REPORT_QUERY_TIMEOUT_SECONDS", 120)
# --- Dashboard ------------------------------------------------------------------------------
ATHENA_POLL_SECONDS = float(env_str("ATHENA_POLL_SECONDS", "1") or 1)
DASHBOARD_REFRESH_INTERVAL_SECONDS = env_int("DASHBOARD_REFRESH_INTERVAL_SECONDS", 60)
DASHBOARD_DAILY_SCAN_BYTES_PER_USER = env_int("DASHBOARD_DAILY_SCAN_BYTES_PER_USER", 50 * 1024**3)
# ISO 4217 code of the orders' amounts: the dashboard shows money with its symbol.
DASHBOARD_CURRENCY = os.environ.get("DASHBOARD_CURRENCY", "USD")
DASHBOARD_WARM_ON_NEW_DATA = env_bool("DASHBOARD_WARM_ON_NEW_DATA", True)
if DASHBOARD_WARM_ON_NEW_DATA:  # catches up on data changes whose warm-up could not be queued
    CELERY_BEAT_SCHEDULE["dashboard-warm-missing"] = {
        "task": "dashboard.tasks.dashboard_warm_missing",
        "schedule": 60,
        "options": {"expires": 60},
    }

# --- Crawler control -----------------------------------------------------------------------
CRAWLER_POLL_SECONDS = env_int("CRAWLER_POLL_SECONDS", 10)
CRAWLER_TIMEOUT_SECONDS = env_int("CRAWLER_TIMEOUT_SECONDS", 1800)
# A running crawl whose worker has not checked in for this long is marked failed, so a dead
# worker cannot keep the button disabled forever.
CRAWLER_STALE_MINUTES = env_int("CRAWLER_STALE_MINUTES", 10)
CRAWLER_AUTO = env_bool("CRAWLER_AUTO", True)
CRAWLER_AUTO_DEBOUNCE_SECONDS = env_int("CRAWLER_AUTO_DEBOUNCE_SECONDS", 60)
CRAWLER_SCHEDULE = env_str("CRAWLER_SCHEDULE", "")  # cron "minute hour day month weekday"; empty = off
if CRAWLER_AUTO:
    CELERY_BEAT_SCHEDULE["crawl-after-new-data"] = {
        "task": "pipeline_admin.tasks.crawler_auto_check",
        "schedule": 15.0,
        "options": {"expires": 15.0},  # as the sync: a late check is dropped, the next one comes
    }
if CRAWLER_SCHEDULE:
    from celery.schedules import crontab

    _cron = CRAWLER_SCHEDULE.split()
    if len(_cron) != 5:
        raise ImproperlyConfigured(f"CRAWLER_SCHEDULE must be a 5-field cron expression, got {CRAWLER_SCHEDULE!r}")
    try:
        _crontab = crontab(**dict(zip(("minute", "hour", "day_of_month", "month_of_year", "day_of_week"), _cron)))
    except Exception as exc:  # celery raises ValueError or its own ParseException
        raise ImproperlyConfigured(f"CRAWLER_SCHEDULE {CRAWLER_SCHEDULE!r} is not valid cron: {exc}") from None
    CELERY_BEAT_SCHEDULE["crawl-on-schedule"] = {"task": "pipeline_admin.tasks.crawler_scheduled", "schedule": _crontab}

# --- Production hardening ------------------------------------------------------------------
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Libraries that say routine things at INFO on every start or call (Axes' banner, the AWS SDKs'
    # "Found credentials"): only their warnings reach the console and the logs.
    "loggers": {name: {"level": "WARNING"} for name in ("botocore", "boto3", "aiobotocore", "s3fs", "urllib3", "axes")},
}
