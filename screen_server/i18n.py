"""Translation: every user-facing string goes through ``_``. Chinese (zh_CN) is the source language;
other languages come from gettext catalogues under ``locale/`` when present."""

from __future__ import annotations

import gettext as _gettext
from pathlib import Path

_LOCALE_DIR = Path(__file__).parent / "locale"
_translation: _gettext.NullTranslations = _gettext.NullTranslations()


def set_language(lang: str) -> None:
    """Switch the process's language (``zh_CN`` needs no catalogue); content's messages follow."""
    global _translation
    _translation = _gettext.translation("activity_room", _LOCALE_DIR, languages=[lang], fallback=True)
    from content.i18n import set_translator

    set_translator(gettext)


def gettext(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


_ = gettext
