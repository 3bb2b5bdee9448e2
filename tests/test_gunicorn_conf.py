"""gunicorn.conf.py: each web worker freezes what is alive once the application is loaded and again after
its first requests, so that full collections stop walking the worker's permanent objects (the p95 of the
queue pages was that pause)."""

from __future__ import annotations

import gc
import os
import runpy
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

CONFIG = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


@pytest.fixture
def conf() -> Iterator[dict[str, Any]]:
    gc.unfreeze()
    yield runpy.run_path(str(CONFIG))
    gc.unfreeze()


def test_the_worker_freezes_what_the_application_loaded(conf: dict[str, Any]) -> None:
    assert gc.get_freeze_count() == 0
    conf["post_worker_init"](SimpleNamespace(nr=0))
    assert gc.get_freeze_count() > 1000


@pytest.mark.parametrize(
    ("handled", "freezes"), [(1, True), (2, False), (20, True), (21, False), (200, True)]
)
def test_and_again_after_its_first_requests_only(conf: dict[str, Any], handled: int, freezes: bool) -> None:
    conf["post_request"](SimpleNamespace(nr=handled), None, {}, None)
    assert (gc.get_freeze_count() > 0) is freezes


def test_gunicorn_reads_it_from_the_project_root() -> None:
    from gunicorn.config import get_default_config_file

    previous = os.getcwd()
    os.chdir(CONFIG.parent)
    try:
        assert Path(get_default_config_file() or "") == CONFIG
    finally:
        os.chdir(previous)
