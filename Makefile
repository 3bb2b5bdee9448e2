# Developer shortcuts; README's two commands (python3 dev.py start / test) need nothing but Python.
PY := .venv/bin/python
export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/helpdesk
export REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: setup start test lint typecheck migrations-check messages check ci

setup:
	python3 dev.py setup

start:
	python3 dev.py start

test:
	python3 dev.py test

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# The domain core (services, selectors, the clock): pyproject's [tool.mypy] files. Views, serializers and
# admin are not clean yet (`mypy helpdesk tickets sla escalation reports` lists them).
typecheck: setup
	$(PY) -m mypy

migrations-check: setup
	$(PY) manage.py makemigrations --check --dry-run

messages: setup
	$(PY) manage.py makemessages -l id --ignore=.venv --ignore=.local --ignore=tests --ignore=bench
	$(PY) manage.py makemessages -d djangojs -l id --ignore=.venv --ignore=.local --ignore=staticfiles
	$(PY) manage.py compilemessages --ignore=.venv

check: lint migrations-check test

ci:
	.ci/run
