"""The first hour with `python3 dev.py start`: static files collected only when they change, mail to a
folder when no server is configured, SIGTERM stopping everything as Ctrl-C does, and no missing icon."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

import dev
from helpdesk.staticfiles import StaticStorage

ROOT = Path(dev.__file__).resolve().parent


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """dev.py's paths moved to a scratch folder, and manage() recorded instead of run."""
    (tmp_path / "static" / "css").mkdir(parents=True)
    (tmp_path / "static" / "css" / "app.css").write_text("body { color: black; }")
    lock = tmp_path / "requirements.lock"
    lock.write_text("django==5.2\n")
    monkeypatch.setattr(dev, "ROOT", tmp_path)
    monkeypatch.setattr(dev, "LOCKS", [lock])
    monkeypatch.setattr(dev, "LOCAL", tmp_path / ".local")
    monkeypatch.setattr(dev, "STATIC_STAMP", tmp_path / ".local" / "static.sha256")
    manifest = tmp_path / "staticfiles" / "staticfiles.json"
    monkeypatch.setattr(dev, "STATIC_MANIFEST", manifest)
    calls: list[tuple[str, ...]] = []

    def fake_manage(*args: str, env: dict[str, str]) -> None:
        calls.append(args)
        manifest.parent.mkdir(exist_ok=True)
        manifest.write_text("{}")

    monkeypatch.setattr(dev, "manage", fake_manage)
    return tmp_path, calls


def test_collectstatic_runs_on_the_first_start_and_not_again_until_a_source_changes(sandbox):
    root, calls = sandbox
    assert dev.collect_static_if_changed({}) is True
    assert calls == [("collectstatic", "--no-input", "--clear", "-v0")]
    assert dev.collect_static_if_changed({}) is False
    assert dev.collect_static_if_changed({}) is False
    assert len(calls) == 1

    (root / "static" / "css" / "app.css").write_text("body { color: navy; }")
    assert dev.collect_static_if_changed({}) is True
    assert len(calls) == 2

    (root / "requirements.lock").write_text("django==5.2.1\n")
    assert dev.collect_static_if_changed({}) is True
    assert len(calls) == 3


def test_collectstatic_runs_again_when_the_collected_files_are_gone(sandbox):
    root, calls = sandbox
    dev.collect_static_if_changed({})
    (root / "staticfiles" / "staticfiles.json").unlink()
    assert dev.collect_static_if_changed({}) is True
    assert len(calls) == 2


def test_a_renamed_static_file_changes_the_digest(sandbox):
    root, _calls = sandbox
    before = dev.static_digest()
    (root / "static" / "css" / "app.css").rename(root / "static" / "css" / "site.css")
    assert dev.static_digest() != before


def test_quick_start_mail_goes_to_a_folder_when_no_server_is_configured(monkeypatch, tmp_path):
    monkeypatch.setattr(dev, "ROOT", tmp_path)
    monkeypatch.setattr(dev, "LOCAL", tmp_path / ".local")
    monkeypatch.setattr(dev, "MAIL_DIR", tmp_path / ".local" / "mail")
    for name in ("EMAIL_BACKEND", "EMAIL_HOST", "REDIS_URL", "CELERY_BROKER_URL"):
        monkeypatch.delenv(name, raising=False)
    env = dev.product_env(embedded_broker=True)
    assert env["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert env["EMAIL_FILE_PATH"] == str(tmp_path / ".local" / "mail")
    assert (tmp_path / ".local" / "mail").is_dir()


def test_quick_start_keeps_a_configured_mail_server(monkeypatch, tmp_path):
    monkeypatch.setattr(dev, "ROOT", tmp_path)
    monkeypatch.setattr(dev, "LOCAL", tmp_path / ".local")
    monkeypatch.delenv("EMAIL_BACKEND", raising=False)
    monkeypatch.setenv("EMAIL_HOST", "smtp.example.net")
    assert "EMAIL_BACKEND" not in dev.product_env(embedded_broker=True)

    monkeypatch.delenv("EMAIL_HOST")
    (tmp_path / ".env").write_text("SECRET_KEY=x\nEMAIL_HOST=mail.internal\n")
    assert "EMAIL_BACKEND" not in dev.product_env(embedded_broker=True)


def test_the_file_based_backend_writes_the_message_into_the_folder(settings, tmp_path):
    from django.core.mail import get_connection, send_mail

    connection = get_connection("django.core.mail.backends.filebased.EmailBackend", file_path=str(tmp_path))
    send_mail("Tiket 7KQ2-M9XD", "Halo", "desk@example.com", ["budi@example.com"], connection=connection)
    [written] = list(tmp_path.iterdir())
    assert "Subject: Tiket 7KQ2-M9XD" in written.read_text()


SUPERVISED = textwrap.dedent(
    """
    import signal, sys
    from pathlib import Path
    sys.path.insert(0, {root!r})
    import dev

    marker = Path({marker!r})
    dev.stop_embedded_database = lambda env: marker.write_text("database stopped")
    signal.signal(signal.SIGTERM, dev.raise_stop)
    child = "import os, time, pathlib; pathlib.Path({pids!r}, str(os.getpid())).touch(); time.sleep(120)"
    processes = {{name: [sys.executable, "-c", child] for name in ("web", "worker", "beat")}}
    sys.exit(dev.supervise(processes, env={{}}))
    """
)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_sigterm_stops_web_worker_beat_and_the_embedded_database(tmp_path):
    pids_dir = tmp_path / "pids"
    pids_dir.mkdir()
    marker = tmp_path / "stopped"
    script = SUPERVISED.format(root=str(ROOT), marker=str(marker), pids=str(pids_dir))
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)  # noqa: S603 (our own script)
    try:
        deadline = time.monotonic() + 30
        while len(list(pids_dir.iterdir())) < 3:
            assert time.monotonic() < deadline, "the three processes did not start"
            time.sleep(0.1)
        children = [int(path.name) for path in pids_dir.iterdir()]
        assert all(alive(pid) for pid in children)

        parent.send_signal(signal.SIGTERM)
        assert parent.wait(timeout=30) == 0
        assert not any(alive(pid) for pid in children)
        assert marker.read_text() == "database stopped"
    finally:
        if parent.poll() is None:
            parent.kill()


def test_source_maps_are_not_collected_and_their_references_not_followed():
    collected = {path for finder in finders.get_finders() for path, _storage in finder.list([])}
    assert "admin/css/base.css" in collected
    assert "vendor/bootstrap/css/bootstrap.min.css" in collected
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in collected
    assert [path for path in collected if path.endswith(".map")] == []
    for _extension, patterns in StaticStorage.patterns:
        for pattern in patterns:
            assert "sourceMappingURL" not in (pattern if isinstance(pattern, str) else pattern[0])
    # CSS url() references are still rewritten to hashed names.
    assert any(extension == "*.css" for extension, _patterns in StaticStorage.patterns)


def test_every_static_file_a_template_loads_exists():
    referenced = set()
    for template in (ROOT / "templates").rglob("*.html"):
        referenced |= set(re.findall(r"""{%\s*static\s+['"]([^'"]+)['"]""", template.read_text()))
    assert "vendor/bootstrap/css/bootstrap.min.css" in referenced
    missing = sorted(name for name in referenced if not finders.find(name))
    assert missing == []


def test_vendored_files_are_only_those_pages_load():
    vendored = {str(path.relative_to(ROOT / "static")) for path in (ROOT / "static" / "vendor").rglob("*")}
    assert not [name for name in vendored if name.endswith(".map")]
    assert "vendor/bootstrap/js/bootstrap.bundle.min.js" not in vendored


def test_favicon_is_served():
    response = Client().get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.ico"
    icon = finders.find("favicon.ico")
    assert icon and Path(icon).read_bytes()[:4] == b"\x00\x00\x01\x00"
