"""Production: secrets and hosts must come from the environment; secure cookies and headers, HTTPS only.

`manage.py check --deploy --fail-level WARNING` passes with these defaults (CI runs it)."""

import os

from django.core.exceptions import ImproperlyConfigured

from helpdesk.settings.base import *  # noqa: F403
from helpdesk.settings.base import DEVELOPMENT_SECRET_KEY, env, ticket_number_key

DEBUG = False

# The key signs sessions, password-reset links and CSRF tokens: a guessable one lets anyone forge them.
# The same rules as Django's security.W009, plus the development default of base.py, refused at start.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    _key_problem = "SECRET_KEY is not set"
elif SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    _key_problem = "SECRET_KEY is the development key of helpdesk/settings/base.py"
elif len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    _key_problem = "SECRET_KEY is shorter than 50 characters or has fewer than 5 different ones"
elif SECRET_KEY.startswith("django-insecure-"):
    _key_problem = "SECRET_KEY is one that django-admin startproject made for development"
else:
    _key_problem = ""
if _key_problem:
    raise ImproperlyConfigured(
        f"{_key_problem}. Set SECRET_KEY in the environment to a random string of at least 50 characters, "
        "for example the output of: python3 -c 'import secrets; print(secrets.token_urlsafe(64))'"
    )

TICKET_NUMBER_KEY = env("TICKET_NUMBER_KEY", default="") or ticket_number_key(SECRET_KEY)

# How many proxies of ours stand in front (each appends the address it saw to X-Forwarded-For). Every
# rate limit and the login lock-out count per client address: with a proxy in front and this left at 0,
# every customer would be the proxy (one bucket for all, a lock-out per username); with it set and no
# proxy, a client could pick its own address. There is no safe default: the deployment says.
if "NUM_PROXIES" not in os.environ:
    raise ImproperlyConfigured(
        "NUM_PROXIES is not set. Set it to the number of proxies in front of the web servers "
        "(0 when clients reach gunicorn directly, 1 behind one load balancer or nginx)."
    )

SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
# The proxy in front terminates TLS and says so in this header (it must overwrite a client's own).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Plain HTTP is answered with a redirect to HTTPS. Turn it off only where the proxy in front already
# redirects (then Django's reminder to redirect, security.W008, does not apply).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
if not SECURE_SSL_REDIRECT:
    SILENCED_SYSTEM_CHECKS = ["security.W008"]
# The load balancer's health check comes over plain HTTP from inside the network, straight to gunicorn.
# (The patterns match the path without its leading slash.)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]

# HSTS: browsers that have seen the site once refuse plain HTTP to it for a year. Subdomains are included
# and the header consents to browsers' preload lists (which needs a submission at hstspreload.org to take
# effect); turn either off if a subdomain of this host must stay reachable over HTTP.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
