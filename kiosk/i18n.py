"""Translation for the kiosk: every user-facing string goes through ``_``.

Chinese (zh_CN) is the source language and needs no catalogue. Other languages come from a JSON
catalogue ``locale/<lang>.json`` mapping the Chinese source text to its translation (JSON so that it
ships as package data and needs no compile step). A string missing from a catalogue falls back to
Chinese. The language is chosen once, before any KV file is loaded.

No Kivy here: KV files use ``#:import _ kiosk.i18n._``.
"""

from __future__ import annotations

import json
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
SOURCE_LANGUAGE = "zh_CN"
_catalogue: dict[str, str] = {}
_language = SOURCE_LANGUAGE


def available_languages() -> list[str]:
    return [SOURCE_LANGUAGE, *sorted(p.stem for p in LOCALE_DIR.glob("*.json"))]


def set_language(lang: str) -> None:
    """Switch the process's language; an unknown language falls back to Chinese."""
    global _catalogue, _language
    path = LOCALE_DIR / f"{lang}.json"
    if lang == SOURCE_LANGUAGE or not path.is_file():
        _catalogue, _language = {}, SOURCE_LANGUAGE
        return
    _catalogue = json.loads(path.read_text("utf-8"))
    _language = lang


def language() -> str:
    return _language


def gettext(message: str) -> str:
    return _catalogue.get(message) or message


_ = gettext
