"""The embedded PostgreSQL of the quick start and of test runs without DATABASE_URL: a real PostgreSQL 16
from the `pgserver` wheel, kept in .local/pgdata, reached over a Unix socket. Same database engine as
production, so history triggers, SKIP LOCKED and partial indexes behave the same."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(os.environ.get("EMBEDDED_PGDATA", BASE_DIR / ".local" / "pgdata"))


def embedded_database(name: str = "helpdesk") -> dict[str, Any]:
    """Start (or reuse) the embedded server and return a Django DATABASES entry for database `name`."""
    import pgserver

    DATA_DIR.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process, so web, worker and beat share it.
    server = pgserver.get_server(DATA_DIR, cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{name}";')
    info = server.get_postmaster_info()
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(info.socket_dir) if info.socket_dir else "127.0.0.1",
        "PORT": str(info.port or ""),
    }
