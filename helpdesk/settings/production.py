"""Production: secrets and hosts must come from the environment; secure cookies and headers."""

from helpdesk.settings.base import *  # noqa: F403
from helpdesk.settings.base import env, ticket_number_key

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
TICKET_NUMBER_KEY = env("TICKET_NUMBER_KEY", default="") or ticket_number_key(SECRET_KEY)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
