"""Pinyin initials for search: ``initials("党章党规") == "DZDG"``, so a member can type DZ to find 党章.

Phrases are looked up whole (pypinyin's phrase dictionary), which reads polyphones the way people do:
重庆 → CQ, 行长 → HZ. Latin letters and digits are kept (upper-cased), punctuation and spaces dropped.
"""

from __future__ import annotations

import unicodedata

from pypinyin import Style, lazy_pinyin


def initials(text: str) -> str:
    """Return the upper-case pinyin initials of ``text``; letters and digits pass through."""
    normalised = unicodedata.normalize("NFKC", text)
    chunks = lazy_pinyin(normalised, style=Style.FIRST_LETTER, errors="default", strict=False)
    return "".join(ch for chunk in chunks for ch in chunk.upper() if ch.isascii() and ch.isalnum())
