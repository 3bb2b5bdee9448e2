"""Settings of the Celery worker that tests/escalation/test_worker_redis.py starts as a separate process:
the test settings, with the broker the test controls, emails written to files the test can read, and
short leases so a killed worker's claim expires within the test."""

import os

from helpdesk.settings.test import *  # noqa: F403
from helpdesk.settings.test import HELPDESK

CELERY_BROKER_URL = os.environ["CELERY_BROKER_URL"]
# Unacknowledged messages of a killed worker come back after this many seconds (Redis transport).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 5}
EMAIL_BACKEND = "tests.escalation.mail_backends.SlowFileBackend"
EMAIL_FILE_PATH = os.environ["HELPDESK_TEST_MAIL_DIR"]
HELPDESK = {**HELPDESK, "NOTIFICATION_LEASE_SECONDS": 3, "NOTIFICATION_FLUSH_AFTER_SECONDS": 0}
