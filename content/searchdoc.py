"""What an item is found by: its search document, every Han character a token of its own ("党 章 党 规").

Kept apart from ``content.search`` (the queries) so that ``content.models`` can keep ``Item.search_doc``
current with mapper events on ``Item`` without importing the search module: the import arrow goes
models → searchdoc, never back. No database here.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Any

from content.markdown import to_plain_text

if TYPE_CHECKING:
    from content.models import Item

_HAN = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])")


def spaced(text_: str) -> str:
    """Text with every Han character standing alone ("党章 ABC" → "党 章 ABC")."""
    folded = unicodedata.normalize("NFKC", text_ or "").lower()
    return " ".join(_HAN.sub(r" \1 ", folded).split())


def document(item: Item) -> str:
    """What an item is found by: its title, summary, body text and tag names."""
    parts = (item.title or "", item.summary or "", to_plain_text(item.body_markdown or ""),
             " ".join(t.name for t in item.tags))
    return spaced(" ".join(parts))


def keep_document(_mapper: Any, _connection: Any, item: Item) -> None:
    """``before_insert`` / ``before_update`` on Item: write the document of the row being written (a tag
    added or removed marks the item dirty, so it is rebuilt then too)."""
    doc = document(item)
    if item.search_doc != doc:
        item.search_doc = doc
