#!/usr/bin/env python3
"""Quick start for a fresh machine with only Python 3.11 (standard library only until the venv exists).

    python3 dev.py start     # the whole product with demo data: web, worker and beat
    python3 dev.py test      # the test suite (extra arguments go to pytest)

Each command sets itself up: a virtual environment in .venv with the pinned packages of
requirements-dev.lock (installed again only when a lock file changes). Without DATABASE_URL, an embedded
PostgreSQL (pgserver) runs in .local/pgdata; without REDIS_URL, `start` uses a broker in a folder
(.local/broker) and the database as cache, so nothing needs a server install.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
LOCKS = [ROOT / "requirements.lock", ROOT / "requirements-dev.lock"]
STAMP = VENV / ".requirements.sha256"
LOCAL = ROOT / ".local"
STATIC_STAMP = LOCAL / "static.sha256"
STATIC_MANIFEST = ROOT / "staticfiles" / "staticfiles.json"
# Where the quick start's outgoing mail lands when no mail server is configured: one .log file per
# message, readable with any text editor (Django's file-based email backend).
MAIL_DIR = LOCAL / "mail"
MAIL_BACKEND_FILE = "django.core.mail.backends.filebased.EmailBackend"


def venv_python() -> Path:
    return VENV / "bin" / "python"


def ensure_venv() -> None:
    """Create .venv and install the locked requirements if they changed since the last install."""
    if sys.version_info[:2] != (3, 11):
        print(f"warning: Python 3.11 is expected, this is {sys.version.split()[0]}", file=sys.stderr)
    if not venv_python().exists():
        print("Creating the virtual environment in .venv …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    digest = hashlib.sha256(b"".join(lock.read_bytes() for lock in LOCKS)).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == digest:
        return
    print("Installing the pinned packages (requirements-dev.lock) …", flush=True)
    pip = [str(venv_python()), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "install", "-r", str(LOCKS[1])], cwd=ROOT, check=True)
    STAMP.write_text(digest)


def mail_configured(env: dict[str, str]) -> bool:
    """Whether the person gave a mail server or backend, in the environment or in the .env file."""
    if any(env.get(name) for name in ("EMAIL_BACKEND", "EMAIL_HOST")):
        return True
    dotenv = ROOT / ".env"
    if not dotenv.exists():
        return False
    lines = dotenv.read_text(errors="replace").splitlines()
    return any(line.strip().startswith(("EMAIL_BACKEND=", "EMAIL_HOST=")) for line in lines)


def product_env(*, embedded_broker: bool) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings.base")
    if not env.get("DATABASE_URL"):
        env["EMBEDDED_DATABASE"] = "1"
    if embedded_broker and not mail_configured(env):
        # No mail server on a laptop: without this, the worker retries every email against localhost:25.
        env["EMAIL_BACKEND"] = MAIL_BACKEND_FILE
        env["EMAIL_FILE_PATH"] = str(MAIL_DIR)
        MAIL_DIR.mkdir(parents=True, exist_ok=True)
    if embedded_broker and not env.get("REDIS_URL") and not env.get("CELERY_BROKER_URL"):
        env["CELERY_BROKER_URL"] = "filesystem://"
        env["CELERY_BROKER_DIR"] = str(LOCAL / "broker")
        for sub in ("", "processed"):
            (LOCAL / "broker" / sub).mkdir(parents=True, exist_ok=True)
    return env


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([str(venv_python()), "manage.py", *args], cwd=ROOT, env=env, check=True)


def static_digest() -> str:
    """A hash of everything collectstatic reads: our static/ tree (names and contents), the locked
    package versions (the admin's, DRF's and the API docs' files come from them) and the settings that
    choose what is collected and how."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "static").rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    for path in [*LOCKS, ROOT / "helpdesk" / "settings" / "base.py", ROOT / "helpdesk" / "staticfiles.py"]:
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def collect_static_if_changed(env: dict[str, str]) -> bool:
    """Run collectstatic (minutes: it hashes and compresses every file) only when the sources changed
    since the last run or the collected files are gone. True if it ran."""
    digest = static_digest()
    if STATIC_MANIFEST.exists() and STATIC_STAMP.exists() and STATIC_STAMP.read_text().strip() == digest:
        return False
    print("Collecting the static files (only when they change) …", flush=True)
    manage("collectstatic", "--no-input", "--clear", "-v0", env=env)
    LOCAL.mkdir(parents=True, exist_ok=True)
    STATIC_STAMP.write_text(digest)
    return True


class Stop(Exception):
    """SIGTERM received: unwind as Ctrl-C does, so that everything started is stopped."""


def raise_stop(signum: int, frame: object) -> None:
    raise Stop


def supervise(processes: dict[str, list[str]], *, env: dict[str, str], banner: str = "") -> int:
    """Run the processes until one ends, Ctrl-C or SIGTERM; then stop them all (SIGTERM, then kill
    after 20 s) and, on the embedded quick start, the embedded PostgreSQL. 1 if one failed."""
    running: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, command in processes.items():
            running[name] = subprocess.Popen(command, cwd=ROOT, env=env)
        if banner:
            print(banner, flush=True)
        while all(p.poll() is None for p in running.values()):
            time.sleep(1)
    except (KeyboardInterrupt, Stop):
        pass
    finally:
        # A second SIGTERM or Ctrl-C while stopping must not cut the stopping short.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for p in running.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in running.values():
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        stop_embedded_database(env)
    failed = [name for name, p in running.items() if p.returncode not in (0, -signal.SIGTERM, None)]
    return 1 if failed else 0


def stop_embedded_database(env: dict[str, str]) -> None:
    if env.get("EMBEDDED_DATABASE"):
        # The embedded PostgreSQL outlives the processes that shared it: stop it with them.
        stop = "from helpdesk.lib.embedded import stop_embedded_database as s; s() and print('stopped')"
        subprocess.run([str(venv_python()), "-c", stop], cwd=ROOT, env=env, check=False)


def start() -> int:
    # SIGTERM (a service manager, `kill`, a closed terminal's parent) stops everything as Ctrl-C does.
    signal.signal(signal.SIGTERM, raise_stop)
    ensure_venv()
    env = product_env(embedded_broker=True)
    env.setdefault("DEBUG", "false")
    port = env.get("PORT", "8000")
    try:
        manage("migrate", "--no-input", env=env)
        if env.get("REDIS_URL", "") == "":
            manage("createcachetable", env=env)
        manage("seed_demo", env=env)
        collect_static_if_changed(env)
    except (KeyboardInterrupt, Stop):
        stop_embedded_database(env)
        return 1
    bin_dir = VENV / "bin"
    processes = {
        "web": [
            str(bin_dir / "gunicorn"),
            "helpdesk.wsgi",
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--access-logfile",
            "-",
        ],
        "worker": [
            str(bin_dir / "celery"),
            "-A",
            "helpdesk",
            "worker",
            "--loglevel",
            "info",
            "--concurrency",
            "2",
        ],
        "beat": [
            str(bin_dir / "celery"),
            "-A",
            "helpdesk",
            "beat",
            "--loglevel",
            "info",
            "--schedule",
            str(LOCAL / "celerybeat-schedule"),
        ],
    }
    mail_folder = env.get("EMAIL_BACKEND") == MAIL_BACKEND_FILE
    mail = f"Outgoing mail is written to {MAIL_DIR}/\n" if mail_folder else ""
    banner = (
        f"\nHelpdesk running on http://127.0.0.1:{port}/  (portal: /portal/, console: /console/, "
        f"admin: /admin/, API docs: /api/docs/)\n"
        f"Demo users: agent, support, supervisor, technician, manager, director, analyst, admin — "
        f"password: {env.get('DEMO_PASSWORD', 'demo12345')}\n{mail}"
        "Ctrl-C (or SIGTERM) stops everything, the embedded database included.\n"
    )
    return supervise(processes, env=env, banner=banner)


def test(args: list[str]) -> int:
    ensure_venv()
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "helpdesk.settings.test"
    # Two workers by default (the machines have two cores); `-n 0` or any -n/-p given runs as asked.
    parallel = [] if any(a.startswith(("-n", "--numprocesses")) for a in args) else ["-n", "2"]
    command = [str(venv_python()), "-m", "pytest", *parallel, *args]
    return subprocess.run(command, cwd=ROOT, env=env).returncode


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in ("start", "test", "setup"):
        print(__doc__)
        return 2
    if sys.argv[1] == "start":
        return start()
    if sys.argv[1] == "setup":
        ensure_venv()
        return 0
    return test(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
