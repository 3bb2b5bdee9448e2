"""The Celery application. Periodic jobs live in beat's database schedule (django-celery-beat);
`helpdesk/schedule.py` seeds the defaults so they are editable in the admin."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings.base")

app = Celery("helpdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
