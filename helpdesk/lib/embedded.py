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


def stop_embedded_database() -> bool:
    """Stop the embedded server if it runs (`dev.py start` calls this when web, worker and beat have
    stopped). True if it was running."""
    from pgserver._commands import pg_ctl  # type: ignore[attr-defined]  # made at import, as pgserver runs it

    if not (DATA_DIR / "postmaster.pid").exists():
        return False
    # As root, pgserver runs the server as its own system user, which pg_ctl must run as too.
    user = "pgserver" if hasattr(os, "geteuid") and os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=DATA_DIR, user=user)
    return True
