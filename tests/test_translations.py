"""Every user-facing string has its Indonesian translation: the catalogue is complete, covers every
translatable string in the source, is compiled, and the pages really speak Indonesian."""

from __future__ import annotations

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import translation

from tickets.models import Stage

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "id" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
SOURCE_DIRS = ["helpdesk", "tickets", "sla", "escalation", "reports", "templates"]


def entries(path: Path) -> list[dict[str, object]]:
    """The catalogue's entries: msgid, translation(s) and flags (a small reader of the .po format)."""
    import ast

    result: list[dict[str, object]] = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry: dict[str, object] = {"flags": "", "msgid": None, "msgstr": []}
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] = line
            elif line.startswith("#"):
                continue
            elif line.startswith(("msgid ", "msgid_plural ", "msgstr")):
                key, _, literal = line.partition(" ")
                value = ast.literal_eval(literal)
                if key.startswith("msgstr"):
                    entry["msgstr"].append(value)  # type: ignore[union-attr]
                else:
                    entry[key] = value
            elif line.startswith('"') and key:
                value = ast.literal_eval(line)
                if key.startswith("msgstr"):
                    entry["msgstr"][-1] += value  # type: ignore[index]
                else:
                    entry[key] += value  # type: ignore[operator]
        if entry["msgid"]:
            result.append(entry)
    return result


def test_every_entry_is_translated_and_none_is_fuzzy() -> None:
    catalogue = entries(PO)
    assert len(catalogue) > 500
    untranslated = [e["msgid"] for e in catalogue if not all(e["msgstr"])]  # type: ignore[arg-type]
    fuzzy = [e["msgid"] for e in catalogue if "fuzzy" in str(e["flags"])]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (xgettext) installed")
def test_the_catalogue_covers_every_translatable_string_in_the_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # makemessages writes into any `locale` folder it meets while walking the current directory, so it
    # walks a folder of links to the source instead, and writes into a copy of the catalogue.
    copy = tmp_path / "locale"
    shutil.copytree(ROOT / "locale", copy)
    source = tmp_path / "source"
    source.mkdir()
    for name in SOURCE_DIRS:
        (source / name).symlink_to(ROOT / name)
    monkeypatch.chdir(source)
    with override_settings(LOCALE_PATHS=[copy]):
        call_command("makemessages", locale=["id"], symlinks=True, no_obsolete=True, verbosity=0)
    fresh = entries(copy / "id" / "LC_MESSAGES" / "django.po")
    missing = [e["msgid"] for e in fresh if not all(e["msgstr"]) or "fuzzy" in str(e["flags"])]
    assert missing == [], "run `make messages` and translate these"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs GNU gettext (msgfmt) installed")
def test_the_compiled_catalogue_is_up_to_date(tmp_path: Path) -> None:
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(compiled), str(PO)], check=True)  # noqa: S603, S607
    with compiled.open("rb") as fresh, MO.open("rb") as committed:
        assert gettext.GNUTranslations(committed)._catalog == gettext.GNUTranslations(fresh)._catalog  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_the_pages_and_labels_speak_indonesian() -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="id").get("/portal/")
    html = response.content.decode()
    assert '<html lang="id">' in html
    assert "Apa yang dapat kami bantu?" in html
    with translation.override("id"):
        assert str(Stage.RECEIVED.label) == "Diterima"
        assert str(Stage.CLOSED.label) == "Ditutup"
    login = Client(HTTP_ACCEPT_LANGUAGE="id").get("/accounts/login/").content.decode()
    assert "Kata sandi" in login
