# The production image: one image, three roles (web, worker, beat) chosen by the compose command.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=helpdesk.settings.production

# Pango and fonts for the PDF reports (WeasyPrint); gettext for compilemessages.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

COPY . .
# The settings need a SECRET_KEY to load (production refuses a short one): a random one, for this step only.
RUN export SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    && python manage.py compilemessages --ignore=.venv \
    && python manage.py collectstatic --noinput

RUN useradd --system --create-home helpdesk && mkdir -p /app/media && chown helpdesk /app/media
USER helpdesk
EXPOSE 8000
CMD ["gunicorn", "helpdesk.wsgi:application", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-"]
