"""The WSGI entry point: what servers load. It defaults to the production settings, which refuse to start
without a strong SECRET_KEY (and the other things a deployment must give them): a server started with
DJANGO_SETTINGS_MODULE left unset must not run on the development key. The quick start (dev.py) and the
benches name their settings."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings.production")

application = get_wsgi_application()
