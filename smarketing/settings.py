"""Smarketing settings, read from the environment (twelve-factor).

With nothing set, the portal runs as the embedded demo: SQLite under ``var/``, Celery tasks
executed in-process, DEBUG on and a development secret generated once. ``.env.example`` lists
every variable; the README explains the three set-ups (demo, PostgreSQL + Redis, production).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

VAR_DIR = Path(env.str("SMARKETING_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _required_in_production(name: str) -> str:
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(
            f"{name} must be set when DEBUG is off (production). See .env.example."
        )
    return value


def _development_secret_key() -> str:
    """A secret generated on first start and kept in var/, so sessions survive restarts."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(get_random_secret_key())
        path.chmod(0o600)
    return path.read_text().strip()


# ---------------------------------------------------------------------------------------------
# Core
# ---------------------------------------------------------------------------------------------

DEBUG = env.bool("DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="") or _development_secret_key()
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
else:
    SECRET_KEY = _required_in_production("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
    if not ALLOWED_HOSTS:
        _required_in_production("ALLOWED_HOSTS")

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "smarketing.apps.SmarketingAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "template_partials",
    "django_htmx",
    "django_filters",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_countries",
    "axes",
    "csp",
    "simple_history",
    "smarketing.apps.SmarketingConfig",
    "personas.apps.PersonasConfig",
    "journeys.apps.JourneysConfig",
    "leads.apps.LeadsConfig",
    "sla.apps.SlaConfig",
    "reports.apps.ReportsConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "smarketing.middleware.PermissionsPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Names the user in the history of a change saved without one (the services name theirs).
    "simple_history.middleware.HistoryRequestMiddleware",
    "smarketing.api.middleware.api_query_check",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "smarketing.urls"
WSGI_APPLICATION = "smarketing.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "smarketing.navigation.navigation",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]

# ---------------------------------------------------------------------------------------------
# E-mail (notifications to reps): SMTP from EMAIL_URL, e.g. smtp+tls://user:pass@host:587;
# without it the messages are written to the console (the demo).
# ---------------------------------------------------------------------------------------------

if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Smarketing <smarketing@localhost>")
# Links in e-mails point here (the portal's address as people reach it).
PORTAL_URL = env.str("PORTAL_URL", default="http://localhost:8000")

# ---------------------------------------------------------------------------------------------
# Database
# ---------------------------------------------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'smarketing.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
USING_POSTGRESQL = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if USING_POSTGRESQL:
    # No compiling of queries to machine code: the estimates of some short ones pass the JIT
    # threshold (a rescore chunk's qualification, the lab's), and compiling them took 0.3–1.6 s,
    # more than running them.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
else:
    # The events' index carries the columns the scoring rules read on PostgreSQL; elsewhere
    # (the SQLite demo) it is built on its key columns alone, as the check warns.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]

# Cached board counts and other shared short-lived values. Use Redis when more than one
# process serves the portal (CACHE_URL=redis://…/1), so every process sees the same values.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # Every cached value can be computed from the database: with Redis down, pages compute it
    # rather than fail (``smarketing.cache``).
    CACHES["default"]["BACKEND"] = "smarketing.cache.RedisCache"

# ---------------------------------------------------------------------------------------------
# The lifecycle
# ---------------------------------------------------------------------------------------------

# What runs after every committed batch of stage changes, each called with the changes made
# (``leads.lifecycle.stage_changes_write``): whatever reacts to a lead changing stage, however
# it changed (a move, an import, the MQL criteria in bulk), subscribes here and nowhere else.
LEADS_STAGE_CHANGE_SUBSCRIBERS = [
    "leads.selectors.stage_counts_changed",
    # Routing first: an MQL's clocks start with the rep it was given.
    "sla.routing.stage_changes_written",
    "sla.clocks.stage_changes_written",
]
# Told of each touch logged on a lead, after commit: the SLA clocks count them.
LEADS_TOUCH_SUBSCRIBERS = ["sla.clocks.touches_logged"]
# Told of each change of a lead's owner, after commit: open SLA clocks follow their lead.
LEADS_OWNER_CHANGE_SUBSCRIBERS = ["sla.clocks.owners_changed"]

# Persona matching rules and the journey mapping are written in the leads' words, and a change
# to them re-matches every lead; personas and journeys sit left of leads, so leads is named here
# (``personas.vocabulary``).
MATCHING_VOCABULARY = "leads.scoring.matching.matching_vocabulary"
MATCHING_CHANGE_SUBSCRIBERS = ["leads.scoring.matching.matching_changed"]

# ---------------------------------------------------------------------------------------------
# Personas
# ---------------------------------------------------------------------------------------------

# A persona last reviewed this many days ago or more is flagged "needs review".
PERSONA_REVIEW_DAYS = env.int("PERSONA_REVIEW_DAYS", default=90)
if PERSONA_REVIEW_DAYS < 1:
    raise ImproperlyConfigured("PERSONA_REVIEW_DAYS must be a whole number of days, 1 or more.")
# The history of a persona is read, never rolled back from the admin: a change goes through
# the personas' services, like every other.
SIMPLE_HISTORY_REVERT_DISABLED = True

# ---------------------------------------------------------------------------------------------
# Lead imports
# ---------------------------------------------------------------------------------------------

LEADS_IMPORT_MAX_BYTES = env.int("LEADS_IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
LEADS_IMPORT_MAX_ROWS = env.int("LEADS_IMPORT_MAX_ROWS", default=200_000)
# The largest file a content asset may carry (a long product guide or a training deck).
CONTENT_UPLOAD_MAX_BYTES = env.int("CONTENT_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
# A full rescore writes and commits this many lead ids at a time (its progress steps).
SCORING_RUN_CHUNK = env.int("SCORING_RUN_CHUNK", default=20_000)
# How many worker processes share a full rescore's chunks (the scoring worker's concurrency).
SCORING_RUN_WORKERS = env.int("SCORING_RUN_WORKERS", default=2)
# A rescore that changes at least this share of the leads' scores (estimated on a random
# sample before it starts) drops the indexes over the scores and builds them again after: each
# changed lead would otherwise take a new entry in every index of the leads. A model's first
# rescore changes every lead's version and always does. 1 leaves the indexes in place.
SCORING_REBUILD_SHARE = env.float("SCORING_REBUILD_SHARE", default=0.1)
# A rescore that could not rewrite at least this share of the leads in place (each gave every
# index a new entry) has their indexes rebuilt afterwards, concurrently (0 never rebuilds them).
SCORING_COMPACT_SHARE = env.float("SCORING_COMPACT_SHARE", default=0.33)
# A rescore or an import whose worker has not committed a chunk for this long has stopped (its
# worker died): beat resumes it, and its page says so. Well above the longest step between two
# heartbeats: at a million leads a chunk takes about 0.3 s and the index build about 10 s.
STALLED_AFTER_SECONDS = env.int("STALLED_AFTER_SECONDS", default=60)

# ---------------------------------------------------------------------------------------------
# Accounts
# ---------------------------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# The demo users (one per role, password "demo") exist only in the embedded demo.
DEMO_USERS_ALLOWED = DEBUG

# Failed logins are throttled per username (from any address) and per address (whatever the
# usernames tried): after LOGIN_FAILURE_LIMIT failures within the cool-off, that username or
# address is refused until LOGIN_COOLOFF_MINUTES have passed since its last failure. An admin
# lifts a lockout early in the admin's "Access attempts" or with `manage.py axes_reset`.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "smarketing.accounts.login_locked_out"
AXES_CLIENT_IP_CALLABLE = "smarketing.accounts.client_address"
# Behind a reverse proxy every request comes from the proxy's address: set how many proxies
# stand in front, and the client's address is read from their X-Forwarded-For instead.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# ---------------------------------------------------------------------------------------------
# Internationalisation
# ---------------------------------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
# One way to write dates on every page: "3 Dec 2026" and "3 Dec 2026, 14:05", day first and the
# month in letters, so no reader mistakes the order. The locale's own formats come before these
# settings in Django, so the format module below hands these on to the "en" locale.
DATE_FORMAT = SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = SHORT_DATETIME_FORMAT = "j M Y, H:i"
FORMAT_MODULE_PATH = ["smarketing.formats"]

# ---------------------------------------------------------------------------------------------
# Static files
# ---------------------------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "staticfiles")
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")

# ---------------------------------------------------------------------------------------------
# Security (strict unless DEBUG is on; behind a TLS proxy set SECURE_PROXY_SSL_HEADER)
# ---------------------------------------------------------------------------------------------

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers and container health checks probe over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Pages run only the portal's own scripts and styles, in every set-up: no inline script, style
# or event handler, nothing from another host. The API's Redoc page widens it for itself alone
# (smarketing/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
# Browser features the portal never uses, refused to every page and anything it might embed.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=14 * 24 * 3600)

# ---------------------------------------------------------------------------------------------
# Celery (no broker configured: tasks run in-process, the embedded demo)
# ---------------------------------------------------------------------------------------------

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
# A task is acknowledged only once it has finished, and a task whose worker died is given
# to another worker: every task is idempotent, so running one twice is harmless.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=540)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=600)
# Redis redelivers an unacknowledged task after this long; it must exceed the hard limit.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 300}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "default"
# One queue per kind of work, so one kind never waits behind another (an import behind a rescore).
CELERY_TASK_QUEUES = [
    Queue(name, routing_key=name) for name in ("default", "scoring", "sla", "reports", "imports")
]
CELERY_TASK_ROUTES = {
    "leads.scoring.*": {"queue": "scoring"},
    "leads.imports.*": {"queue": "imports"},
    "sla.*": {"queue": "sla"},
    "reports.*": {"queue": "reports"},
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
# Every periodic task, with why it runs at that cadence. django-celery-beat copies these into
# the database on start, where the admin can pause or retime them.
CELERY_BEAT_SCHEDULE = {
    # Expired sessions only take space; once a day keeps the table small at no cost.
    "sessions-clear-expired": {
        "task": "smarketing.tasks.sessions_clear_expired",
        "schedule": timedelta(days=1),
    },
    # Events written while Redis or every worker was down are in the database; the sweep scores
    # their leads within minutes of the service coming back.
    "scoring-sweep": {
        "task": "leads.scoring.tasks.scoring_sweep_task",
        "schedule": timedelta(minutes=5),
    },
    # A scoring model or criteria set scheduled for a moment is activated within a minute of
    # it: people schedule to the minute, and the check is one query on two small tables.
    "scoring-versions-activate-due": {
        "task": "leads.scoring.tasks.versions_activate_due_task",
        "schedule": timedelta(minutes=1),
    },
    # A rescore or an import whose worker died is resumed from its last committed chunk: every
    # minute, so work is stuck for at most STALLED_AFTER_SECONDS and a minute more, instead of
    # the broker's visibility timeout. The check is one query on two small tables.
    "scoring-runs-resume-stalled": {
        "task": "leads.scoring.tasks.scoring_runs_resume_stalled_task",
        "schedule": timedelta(minutes=1),
    },
    # SLA clocks are due to the minute: each minute the sweep marks the clocks whose due time
    # passed (each once) and repairs any a hook missed. Its queries read partial indexes.
    "sla-clocks-sweep": {
        "task": "sla.tasks.clocks_sweep_task",
        "schedule": timedelta(minutes=1),
    },
    # A routed rep's e-mail is sent after the routing commits; one whose task was lost (Redis
    # down) is sent by this within the minute. The check reads a small table.
    "sla-notifications-email": {
        "task": "sla.tasks.notifications_email_task",
        "schedule": timedelta(minutes=1),
    },
    # Breaches' webhook deliveries are sent after the sweep commits; retries (backoff) and
    # any a lost task left are sent by this. The check reads a partial index of pending ones.
    "sla-webhooks-deliver": {
        "task": "sla.tasks.webhooks_deliver_task",
        "schedule": timedelta(minutes=1),
    },
    "imports-resume-stalled": {
        "task": "leads.imports.tasks.import_jobs_resume_stalled_task",
        "schedule": timedelta(minutes=1),
    },
    # Scores fade with time alone (half-lives, windows): every lead is rescored at night, when
    # the database is quiet, and only the leads whose scores changed are written.
    "scoring-nightly-decay": {
        "task": "leads.scoring.tasks.scoring_decay_task",
        "schedule": crontab(hour=2, minute=30),
    },
    # The lead page shows 90 days of score history; older days only take space.
    "scoring-history-prune": {
        "task": "leads.scoring.tasks.score_history_prune_task",
        "schedule": crontab(hour=4, minute=0),
    },
    # The current day's entries into each stage are frozen every ten minutes (up to five
    # minutes ago), so the reports read live only the last quarter hour; the run also freezes
    # the rest of the day just over, and any day of the last two years a stopped scheduler
    # missed, and costs two queries when nothing is due.
    "reports-days-freeze": {
        "task": "reports.tasks.days_freeze_task",
        "schedule": crontab(minute="*/10"),
    },
    # The grades report's grid of every lead reads the whole table: counted each minute here,
    # read by the pages from the shared cache.
    "reports-grade-counts": {
        "task": "reports.tasks.grade_counts_task",
        "schedule": timedelta(minutes=1),
    },
    # A week's figures, and the theme of the meeting that reviews it, are frozen once it is
    # over, early on Monday (CELERY_TIMEZONE), before the digest and the meeting read them; the
    # run also freezes any of the last quarter a stopped scheduler missed, so a daily run costs
    # two queries when nothing is due.
    "reports-snapshots-freeze": {
        "task": "reports.tasks.snapshots_freeze_task",
        "schedule": crontab(hour=0, minute=30),
    },
    # The weekly digest reaches both teams at 07:00 on Monday (CELERY_TIMEZONE), before the
    # day's work and the meeting. Re-runs each quarter hour of that day send only what the mail
    # server refused or a lost task left (each user's row is claimed once), then stop: by Tuesday
    # the numbers are stale.
    "reports-digest-send": {
        "task": "reports.tasks.digest_send_task",
        "schedule": crontab(day_of_week="mon", hour="7-20", minute="*/15"),
    },
}

# ---------------------------------------------------------------------------------------------
# REST API
# ---------------------------------------------------------------------------------------------

# The largest request body read, in bytes (Django's default, 2.5 MiB): a batch of 1,000 events
# takes about a tenth of it. Larger bodies answer 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["smarketing.access.HasRole"],
    "DEFAULT_PAGINATION_CLASS": "smarketing.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "smarketing.api.errors.exception_handler",
    # JSON only, also for a browser (the documentation pages are /api/docs/ and /api/redoc/).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "smarketing.api.negotiation.JSONWhateverTheAccept",
    "DEFAULT_PARSER_CLASSES": [
        "smarketing.api.parsers.JSONParser",
        "smarketing.api.parsers.FormParser",
        "smarketing.api.parsers.MultiPartParser",
    ],
    "DEFAULT_METADATA_CLASS": "smarketing.api.metadata.SchemaMetadata",
}
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=90)),
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": 20,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Smarketing API",
    "DESCRIPTION": (
        "Leads, companies, behaviour events and the shared pipeline of the Smarketing portal. "
        "Authenticate with a token from your account page: `Authorization: Token <token>`. "
        'Every error has one shape: `{"errors": {"field": ["message"]}}`.'
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Touches and content assets both have a "kind": each its own enum in the schema.
    "ENUM_NAME_OVERRIDES": {
        "ContentKindEnum": "journeys.models.ContentKind.choices",
        "ContentStatusEnum": "journeys.models.ContentStatus.choices",
        "InsightStatusEnum": "personas.models.InsightStatus.choices",
        "ClockStatusEnum": "sla.models.ClockStatus.choices",
        "StageEnum": "leads.models.Stage.choices",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "smarketing.api.schema.document_error_responses",
    ],
}

# ---------------------------------------------------------------------------------------------
# Logging
# ---------------------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
