"""Settings of the Celery worker that tests/tickets/test_incident_resolve_worker.py starts as a separate
process: the test settings (the same test database, through DATABASE_URL), the broker REDIS_URL names,
a queue of the test's own (so that no other worker on that Redis takes its tasks, and it takes nobody
else's), and resolution batches small enough that 300 tickets need several."""

import os

from helpdesk.settings.test import *  # noqa: F403
from helpdesk.settings.test import HELPDESK

CELERY_BROKER_URL = os.environ["CELERY_BROKER_URL"]
CELERY_TASK_DEFAULT_QUEUE = os.environ["HELPDESK_TEST_QUEUE"]
HELPDESK = {**HELPDESK, "INCIDENT_RESOLVE_BATCH_SIZE": int(os.environ["INCIDENT_RESOLVE_BATCH_SIZE"])}
