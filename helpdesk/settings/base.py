"""Settings shared by every environment. Everything that differs between machines comes from the
environment (twelve-factor), read once here with django-environ."""

import hashlib
import hmac
from pathlib import Path
from typing import Any

import environ
import pghistory
import structlog
import structlog.tracebacks
from celery.schedules import crontab
from csp import constants as csp_constants
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["localhost", "127.0.0.1", "[::1]"]),
    CSRF_TRUSTED_ORIGINS=(list, []),
    TIME_ZONE=(str, "UTC"),
)

# A .env file beside manage.py (as docker compose uses) is read too; real environment variables win.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env("DEBUG")
# Good for a laptop only: production.py refuses to start with it.
DEVELOPMENT_SECRET_KEY = "insecure-development-key-change-me-" + "x" * 20
SECRET_KEY = env("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)


def ticket_number_key(secret_key: str) -> str:
    """TICKET_NUMBER_KEY when the environment gives none: derived from SECRET_KEY (an HMAC of a fixed
    label, so the secret itself is not reused as the key), which keeps existing deployments issuing
    numbers with no new setting. Set TICKET_NUMBER_KEY explicitly before ever rotating SECRET_KEY."""
    return hmac.new(secret_key.encode(), b"helpdesk.ticket_numbers", hashlib.sha256).hexdigest()


# The key of the ticket-number scramble (helpdesk.lib.ticket_numbers): without it the next number
# cannot be computed. Changing it changes future numbers only; stored numbers keep validating.
TICKET_NUMBER_KEY = env("TICKET_NUMBER_KEY", default="") or ticket_number_key(SECRET_KEY)
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "helpdesk.admin_site.HelpdeskAdminConfig",  # django.contrib.admin with a grouped index
    "csp",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    # Third party
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "django_htmx",
    "template_partials",
    "axes",
    "health_check",
    # Ours (helpdesk/ at the bottom; see pyproject's import-linter contract for who may call whom)
    "notifications",
    "escalation",
    "sla",
    "tickets",
    "reports",
    "messaging",
    "portal",
    "console",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Refuses a body larger than any upload may be before anything reads it (helpdesk.lib.uploads).
    "helpdesk.lib.uploads.RequestSizeLimitMiddleware",
    # The database away: a 503 with Retry-After, not a 500 (helpdesk.lib.unavailable).
    "helpdesk.lib.unavailable.DatabaseUnavailableMiddleware",
    # The SLA configuration's shared version read once per request, not at each read (sla.config).
    "sla.middleware.ConfigVersionMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The viewer's display zone, from the session (console.preferences).
    "console.middleware.ViewerTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
    # Last, as django-axes asks, so that it sees the final authentication result.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "helpdesk.urls"
WSGI_APPLICATION = "helpdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "console.context_processors.navigation",
                "portal.context_processors.desk_contact",
            ],
        },
    },
]

# PostgreSQL only: history triggers, SKIP LOCKED and partial indexes are PostgreSQL features.
# The quick start (dev.py) points this at an embedded PostgreSQL it starts itself.
if env("DATABASE_URL", default="") == "" and env.bool("EMBEDDED_DATABASE", default=False):
    from helpdesk.lib.embedded import embedded_database

    DATABASES = {"default": embedded_database()}
else:
    DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/helpdesk")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "helpdesk.lib.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Shared between processes (web, worker) without any server: the database itself.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "helpdesk_cache",
        }
    }

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Internationalisation: Indonesian first, English second. Everything is stored in UTC; times are shown
# in the viewer's zone and SLA clocks run in the zone of the service's region.
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env("TIME_ZONE")
USE_TZ = True
# The operator's head office: times are shown in it to a viewer with no zone of their own, and the monthly
# reports count its days and months.
DISPLAY_TIME_ZONE = env.str("DISPLAY_TIME_ZONE", default="Asia/Jakarta")

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Django's two finders, leaving source maps out of collectstatic (helpdesk.staticfiles).
STATICFILES_FINDERS = ["helpdesk.staticfiles.FileSystemFinder", "helpdesk.staticfiles.AppDirectoriesFinder"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "helpdesk.staticfiles.StaticStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / ".local" / "media"))
MEDIA_URL = "/media/"

# Upload limits (SPEC §4): attachments have size and type limits; request bodies are bounded so that a
# 2 MB description is refused before it is parsed into memory twice.
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# The first handler stops a body without a Content-Length once it passes the limit (helpdesk.lib.uploads).
FILE_UPLOAD_HANDLERS = [
    "helpdesk.lib.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "helpdesk.lib.api.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["helpdesk.lib.api.IsStaffMember"],
    # DRF's three, the JSON one refusing bodies nested deeper than any request needs (a 400, not a 500).
    "DEFAULT_PARSER_CLASSES": [
        "helpdesk.lib.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "helpdesk.lib.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "helpdesk.lib.api_errors.exception_handler",
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
    # Per client address (helpdesk.lib.clients), shared by the portal's pages and its API (portal.limits).
    "DEFAULT_THROTTLE_RATES": {
        "portal": env.str("PORTAL_RATE", default="30/minute"),
        "portal_track": env.str("PORTAL_TRACK_RATE", default="60/minute"),
    },
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Nusantara Telekomindo Helpdesk API",
    "DESCRIPTION": "Complaint tickets, SLA, escalation and reports. Times are ISO 8601; responses are UTC.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets used under one field name by several components ("kind", "status", "reason") get
    # names of their own instead of a hash; CloseReason has one name wherever it appears.
    "ENUM_NAME_OVERRIDES": {
        "ServiceKindEnum": "tickets.models.ServiceKind",
        "ServiceStatusEnum": "tickets.models.ServiceStatus",
        "CloseReasonEnum": "tickets.models.CloseReason",
    },
}

# Celery: Redis in production and tests; a broker with no server (a folder) for the quick start.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = Path(env.str("CELERY_BROKER_DIR", default=str(BASE_DIR / ".local" / "broker")))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
# A request that creates a ticket must not hang when the broker is away: publishing fails fast and the
# outbox in the database (notifications.Notification) is swept again by beat.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = DISPLAY_TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = False
# Periodic jobs (crontab times are Asia/Jakarta, CELERY_TIMEZONE). The DatabaseScheduler copies these
# into django-celery-beat's tables at start, where the admin can see and pause them. A job that could
# not run within its period expires instead of piling up behind a stopped worker.
CELERY_BEAT_SCHEDULE = {
    "sla-sweep": {
        "task": "sla.tasks.sla_sweep",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "notifications-flush": {
        "task": "notifications.tasks.notifications_flush",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Resolved incidents whose linked tickets are not all resolved yet (the worker died, the broker was away).
    "incidents-finish": {
        "task": "tickets.tasks.incidents_finish",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # The complaints mailbox (HELPDESK["INBOUND_EMAIL"]); does nothing until one is configured.
    "inbound-email-fetch": {
        "task": "tickets.tasks.inbound_email_fetch",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # The managers' dashboard reads its figures from one stored row (reports.models.DashboardFigures).
    "dashboard-figures": {
        "task": "reports.tasks.dashboard_figures_refresh",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "holidays-refresh": {
        "task": "sla.tasks.holidays_refresh",
        "schedule": crontab(minute=30, hour=0, day_of_month=1),
    },
    "capa-remind-overdue": {
        "task": "reports.tasks.capa_remind_overdue",
        "schedule": crontab(minute=0, hour=8),
    },
    "monthly-report": {
        "task": "reports.tasks.monthly_report_previous_month",
        "schedule": crontab(minute=0, hour=1, day_of_month=1),
    },
    # The Customer Satisfaction Index survey, twice a year (SPEC §9).
    "csi-campaign-half-year": {
        "task": "reports.tasks.csi_campaign_half_year",
        "schedule": crontab(minute=0, hour=2, day_of_month=1, month_of_year="1,7"),
    },
}

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
# The folder of the file-based backend, which `dev.py start` uses when no mail server is configured.
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(BASE_DIR / ".local" / "mail"))
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
# A mail server that hangs must not hold a worker for ever (every outgoing connection has a timeout).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=15)
DEFAULT_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", default="Nusantara Telekomindo <support@nusantaratelekomindo.co.id>"
)

# django-axes: lock an account/IP pair out after repeated failed logins.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The client's address as every rate limit sees it (NUM_PROXIES): behind a proxy, REMOTE_ADDR is the proxy's,
# and a lock-out per username and proxy would let anyone lock anyone out.
AXES_CLIENT_IP_CALLABLE = "helpdesk.lib.clients.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# pghistory: history rows are append-only; the database refuses UPDATE and DELETE on them.
PGHISTORY_APPEND_ONLY = True
# History rows carry the moment of each change, not the start of its transaction.
PGHISTORY_CREATED_AT_FUNCTION = "clock_timestamp()"
PGHISTORY_DEFAULT_TRACKERS = None
# History is read per ticket (by pgh_obj_id). Its copies of the ticket's foreign keys need no index of
# their own, and each index would be written for every history row (the SLA watcher writes thousands).
PGHISTORY_FOREIGN_KEY_FIELD = pghistory.ForeignKey(db_index=False)
PGHISTORY_OBJ_FIELD = pghistory.ObjForeignKey(db_index=True)

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp) on every response: scripts only from our own static files (no
# inline script, no handler attributes, no eval), nothing from another origin (every asset is vendored),
# no framing, forms posting only here. Styles allow inline ones: Django's admin and htmx's indicator
# style set them, and a style cannot run code. The API documentation pages get their own (helpdesk.urls).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp_constants.SELF],
        "script-src": [csp_constants.SELF],
        "style-src": [csp_constants.SELF, csp_constants.UNSAFE_INLINE],
        "img-src": [csp_constants.SELF, "data:"],
        "font-src": [csp_constants.SELF, "data:"],
        "connect-src": [csp_constants.SELF],
        "object-src": [csp_constants.NONE],
        "base-uri": [csp_constants.SELF],
        "form-action": [csp_constants.SELF],
        "frame-ancestors": [csp_constants.NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True

# Logs are JSON, one line per event, on stdout (twelve-factor). A failure's traceback is a structured
# list of frames — file, line, function — without the frames' local variables: locals hold passwords,
# reset tokens and customers' data, and a log is read by more people than the database.
LOG_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.processors.StackInfoRenderer(),
    structlog.processors.ExceptionRenderer(
        structlog.tracebacks.ExceptionDictTransformer(show_locals=False, max_frames=20, use_rich=False)
    ),
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": structlog.stdlib.ProcessorFormatter,
            "processors": [
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.JSONRenderer(),
            ],
            "foreign_pre_chain": LOG_PROCESSORS,
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django_structlog": {"level": "WARNING"},
        "django.db.backends": {"level": "INFO"},
    },
}

structlog.configure(
    processors=[
        structlog.stdlib.filter_by_level,
        *LOG_PROCESSORS,
        structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
    ],
    logger_factory=structlog.stdlib.LoggerFactory(),
    wrapper_class=structlog.stdlib.BoundLogger,
    cache_logger_on_first_use=True,
)

# Product settings
HELPDESK = {
    # Share of a target's time after which a ticket is "at risk" and its owner is warned (SPEC §6).
    "AT_RISK_FRACTION": env.float("SLA_AT_RISK_FRACTION", default=0.75),
    # Where customers reach the product: links in emails (survey invitations, ticket status).
    "PUBLIC_BASE_URL": env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/"),
    # Time the customer has to confirm a fix before an agent may close with "no response" (SPEC §5).
    "CONFIRMATION_WINDOW_HOURS": env.int("CONFIRMATION_WINDOW_HOURS", default=24),
    # An owed email claimed by a worker that died is claimed again after this lease; beat's flush resends
    # emails owed for longer than the flush age (the broker was away when they were written).
    "NOTIFICATION_LEASE_SECONDS": env.int("NOTIFICATION_LEASE_SECONDS", default=120),
    "NOTIFICATION_FLUSH_AFTER_SECONDS": env.int("NOTIFICATION_FLUSH_AFTER_SECONDS", default=30),
    "SWEEP_BATCH_SIZE": env.int("SLA_SWEEP_BATCH_SIZE", default=5000),
    # Linked tickets a resolved incident moves to resolved per statement (one short transaction each).
    "INCIDENT_RESOLVE_BATCH_SIZE": env.int("INCIDENT_RESOLVE_BATCH_SIZE", default=2000),
    # The zone of a complaint whose service and customer have no region.
    "DEFAULT_REGION_TIME_ZONE": env.str("DEFAULT_REGION_TIME_ZONE", default="Asia/Jakarta"),
    # The language staff read the desk's messages in (emails and the inbox), until each person sets theirs.
    "STAFF_LANGUAGE": env.str("STAFF_LANGUAGE", default="id"),
    # How many password-reset mails one address, and one client, may ask for (django-ratelimit's form).
    "PASSWORD_RESET_RATE": env.str("PASSWORD_RESET_RATE", default="5/h"),
    "DEFAULT_PHONE_REGION": "ID",
    # The desk's phone line and opening hours, in every portal page's footer (empty hours: round the clock).
    "DESK_PHONE": env.str("DESK_PHONE", default="(021) 500 188"),
    "DESK_HOURS": env.str("DESK_HOURS", default=""),
    "DESCRIPTION_MAX_LENGTH": 10_000,
    "MESSAGE_MAX_LENGTH": 10_000,
    # The complaints mailbox (SPEC §3), read every minute by beat when IMAP_HOST is set (tickets.inbound).
    # Mail to it has no category: new tickets take CATEGORY, which verification corrects if need be.
    "INBOUND_EMAIL": {
        "IMAP_HOST": env.str("INBOUND_IMAP_HOST", default=""),
        "IMAP_PORT": env.int("INBOUND_IMAP_PORT", default=993),
        "IMAP_USER": env.str("INBOUND_IMAP_USER", default=""),
        "IMAP_PASSWORD": env.str("INBOUND_IMAP_PASSWORD", default=""),
        "IMAP_FOLDER": env.str("INBOUND_IMAP_FOLDER", default="INBOX"),
        # Seconds before a mailbox that does not answer is given up on (the next run tries again).
        "IMAP_TIMEOUT": env.int("INBOUND_IMAP_TIMEOUT", default=30),
        "BATCH": env.int("INBOUND_IMAP_BATCH", default=200),
        "CATEGORY": env.str("INBOUND_EMAIL_CATEGORY", default="network"),
    },
    "ATTACHMENT_ALLOWED_TYPES": {
        "application/pdf": [".pdf"],
        "image/png": [".png"],
        "image/jpeg": [".jpg", ".jpeg"],
        "text/plain": [".txt", ".log"],
        "text/csv": [".csv"],
    },
}

# Omnichannel (messaging/, issue 19): each channel is on when its credentials are set, off otherwise (its
# webhook answers 404, the admin says so). Providers are only ever called by the worker, with this timeout.
CHANNELS = {
    "HTTP_TIMEOUT_SECONDS": env.float("CHANNEL_HTTP_TIMEOUT", default=10.0),
    "GRAPH_API_URL": env.str("GRAPH_API_URL", default="https://graph.facebook.com/v21.0").rstrip("/"),
    "WHATSAPP_TOKEN": env.str("WHATSAPP_TOKEN", default=""),
    "WHATSAPP_APP_SECRET": env.str("WHATSAPP_APP_SECRET", default=""),
    "WHATSAPP_PHONE_NUMBER_ID": env.str("WHATSAPP_PHONE_NUMBER_ID", default=""),
    "WHATSAPP_VERIFY_TOKEN": env.str("WHATSAPP_VERIFY_TOKEN", default=""),
    # The approved template sent outside the 24-hour service window; its body takes the ticket number.
    "WHATSAPP_TEMPLATE": env.str("WHATSAPP_TEMPLATE", default="ticket_update"),
    "WHATSAPP_TEMPLATE_LANGUAGE": env.str("WHATSAPP_TEMPLATE_LANGUAGE", default="id"),
    "META_APP_SECRET": env.str("META_APP_SECRET", default=""),
    "META_VERIFY_TOKEN": env.str("META_VERIFY_TOKEN", default=""),
    "META_PAGE_TOKEN": env.str("META_PAGE_TOKEN", default=""),
    "SMS_GATEWAY_URL": env.str("SMS_GATEWAY_URL", default=""),
    "SMS_GATEWAY_TOKEN": env.str("SMS_GATEWAY_TOKEN", default=""),
    "CHANNEL_WEBHOOK_SECRET": env.str("CHANNEL_WEBHOOK_SECRET", default=""),
    # New complaints from a message have no category: they take this one, which verification corrects.
    "CATEGORY": env.str("CHANNEL_CATEGORY", default="network"),
}
# How the outbox sends each channel (notifications.services): a dotted path per channel, so that the
# notifications app, low in the layers, sends WhatsApp and SMS without importing the app that speaks to them.
NOTIFICATION_SENDERS = {
    "whatsapp": "messaging.senders.send_whatsapp",
    "sms": "messaging.senders.send_sms",
}
