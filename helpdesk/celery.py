"""The Celery application. Periodic jobs live in beat's database schedule (django-celery-beat);
`helpdesk/schedule.py` seeds the defaults so they are editable in the admin."""

import os

from celery import Celery

# Production unless told otherwise, as for the web (helpdesk/wsgi.py); dev.py names the base settings.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings.production")

app = Celery("helpdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
