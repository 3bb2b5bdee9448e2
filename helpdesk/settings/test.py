"""Settings for the test run: the same PostgreSQL (and, where a test needs it, Redis) as production.

The database is DATABASE_URL when set, otherwise the embedded PostgreSQL (pgserver) in .local/ —
never SQLite, whose missing triggers would make the history tests lie."""

import os

from helpdesk.settings.base import *  # noqa: F403
from helpdesk.settings.base import BASE_DIR, DATABASES, HELPDESK, MIDDLEWARE

if not os.environ.get("DATABASE_URL"):
    from helpdesk.lib.embedded import embedded_database

    DATABASES = {"default": embedded_database()}
DATABASES["default"]["CONN_MAX_AGE"] = 0

DEBUG = False
SECRET_KEY = "test-only-secret-key-" + "x" * 40
TICKET_NUMBER_KEY = "test-only-ticket-number-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / ".local" / "test-media"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Each test process keeps its own cache so that rate limits never leak between tests.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
AXES_ENABLED = False
MIDDLEWARE = [m for m in MIDDLEWARE if m != "axes.middleware.AxesMiddleware"]
CELERY_BROKER_URL = "memory://"
HELPDESK = {**HELPDESK}
LANGUAGE_CODE = "en"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"null": {"class": "logging.NullHandler"}},
    "root": {"handlers": ["null"], "level": "WARNING"},
}
WHITENOISE_AUTOREFRESH = True
