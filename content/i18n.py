"""Translation hook for content's user-facing strings.

content sits below screen_server and may not import its ``i18n``; strings are marked with ``_`` here and
the server installs its translator once at start-up with :func:`set_translator`. Until then (tests, CLI
tools) the Chinese source text is returned unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

_translate: Callable[[str], str] = str


def set_translator(translate: Callable[[str], str]) -> None:
    """Route every content message through ``translate`` (e.g. ``screen_server.i18n.gettext``)."""
    global _translate
    _translate = translate


def gettext(message: str) -> str:
    return _translate(message)


_ = gettext
