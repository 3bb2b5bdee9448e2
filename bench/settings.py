"""Settings of the gunicorn that bench/pages.py and bench/mass_outage.py measure: the application's base
settings (what production runs, DEBUG off), plus the bench-only middleware that reports each request's SQL
(bench/middleware.py). The database is $DATABASE_URL, which pages.py points at its own bench database.

Only what the measurement needs differs from the base settings: the middleware; static files collected
into bench/results/static (git-ignored) so that the manifest storage finds them with DEBUG off; a cache
key prefix of the bench's own when Redis is used, so that the bench never reads or evicts another
process's keys."""

import os

from helpdesk.settings.base import *  # noqa: F403
from helpdesk.settings.base import BASE_DIR, CACHES, MIDDLEWARE, REDIS_URL

DEBUG = False
MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]
STATIC_ROOT = BASE_DIR / "bench" / "results" / "static"
if REDIS_URL:
    CACHES = {"default": {**CACHES["default"], "KEY_PREFIX": os.environ.get("BENCH_CACHE_PREFIX", "bench")}}

# bench/mass_outage.py gives its gunicorn, sweeper and worker a queue of their own on the shared Redis,
# and the emails owed another one that no worker drains (delivery is not what it measures).
if os.environ.get("BENCH_CELERY_QUEUE"):
    CELERY_TASK_DEFAULT_QUEUE = os.environ["BENCH_CELERY_QUEUE"]
if os.environ.get("BENCH_MAIL_QUEUE"):
    CELERY_TASK_ROUTES = {"notifications.tasks.*": {"queue": os.environ["BENCH_MAIL_QUEUE"]}}
