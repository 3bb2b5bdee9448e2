# Developer shortcuts; README's two commands (python3 dev.py start / test) need nothing but Python.
# The gates are .ci/checks, which CI (.ci/run) runs before the tests: these targets run the same commands.
PY := .venv/bin/python
export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/helpdesk
export REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: setup start test lint typecheck imports migrations-check schema-check deploy-check messages check ci

setup:
	python3 dev.py setup

start:
	python3 dev.py start

test:
	python3 dev.py test

# ruff check and ruff format --check.
lint: setup
	.ci/checks lint format

# mypy over every app (pyproject's [tool.mypy]).
typecheck: setup
	.ci/checks typecheck

# The import-linter contract: who may call whom.
imports: setup
	.ci/checks imports

migrations-check: setup
	.ci/checks migrations

# drf-spectacular's schema with no warning.
schema-check: setup
	.ci/checks schema

# check --deploy with the production settings (a throwaway strong SECRET_KEY and ALLOWED_HOSTS).
deploy-check: setup
	.ci/checks deploy

messages: setup
	$(PY) manage.py makemessages -l id --ignore=.venv --ignore=.local --ignore=tests --ignore=bench
	$(PY) manage.py makemessages -d djangojs -l id --ignore=.venv --ignore=.local --ignore=staticfiles
	$(PY) manage.py compilemessages --ignore=.venv

# Every gate, then the tests: what CI runs, without installing system packages or starting services.
check: setup
	.ci/checks
	python3 dev.py test

ci:
	.ci/run
