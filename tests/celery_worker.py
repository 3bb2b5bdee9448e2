"""A real `celery -A helpdesk worker` (solo pool) in a child process, on the test run's own database,
started, stopped and killed by a test (the worker tests of the notifications and of incidents)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def worker_environment(*, settings_module: str, broker_url: str, **extra: str) -> dict[str, str]:
    """The child's environment: the given settings, the test database (its host may be a socket
    directory, the embedded PostgreSQL: quoted as a URL's host), the broker, no Redis cache."""
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{quote(str(database['HOST']), safe='')}:{database['PORT']}"
            f"/{database['NAME']}"
        ),
        "CELERY_BROKER_URL": broker_url,
        "REDIS_URL": "",
        **extra,
    }
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = str(database["PASSWORD"])
    return env


class CeleryWorkerProcess:
    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None

    def spawn(self, env: dict[str, str], *options: str) -> None:
        self.process = subprocess.Popen(  # noqa: S603 — a fixed command line of the test's own
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "helpdesk",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                *options,
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=WARNING",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
            self.process = None
