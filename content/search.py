"""Chinese full-text search over published items, on SQLite and PostgreSQL alike.

Chinese has no spaces between words, and the terms members look for are often two characters (党章,
廉政). So each item keeps a search document (``Item.search_doc``) in which every Han character is its
own token ("党 章 党 规"), and a query is a *phrase* of its characters: "党章" matches exactly the items
holding 党 followed by 章, at any length, through the index:

- SQLite: an FTS5 table (``content_search``, unicode61 tokens) kept in step with ``content_items`` by
  triggers; the query is ``MATCH '"党 章"'``.
- PostgreSQL: a GIN index on ``to_tsvector('simple', search_doc)``; the query is
  ``phraseto_tsquery('simple', '党 章')``.

Pinyin initials (``DZ`` for 党章) match ``Item.pinyin_initials``. Title hits come first, then the newest.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select, text
from sqlalchemy.orm import Session, defer, joinedload, selectinload

from content.models import Item, ReviewStatus
from content.searchdoc import document, spaced

MAX_QUERY = 50
_WORD = re.compile(r"[0-9A-Za-z]+|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def query_tokens(query: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", query or "").lower()[:MAX_QUERY]
    return _WORD.findall(folded)


def _matching_ids() -> Select[Any]:
    return select(Item.id).where(Item.status == ReviewStatus.PUBLISHED)


def _load(session: Session, ids: Sequence[int]) -> list[Item]:
    """The items of ``ids``, in that order, with what a result shows (category, tags, cover and main
    file) loaded in two statements. The body and the search document stay unloaded until read: a list
    of results never shows them."""
    if not ids:
        return []
    rows = session.scalars(
        select(Item).where(Item.id.in_(ids))
        .options(defer(Item.body_markdown), defer(Item.search_doc), selectinload(Item.tags),
                 joinedload(Item.category), joinedload(Item.cover_media), joinedload(Item.main_media))
    ).unique().all()
    by_id = {item.id: item for item in rows}
    return [by_id[i] for i in ids if i in by_id]


# Ranking and loading are two statements: the first orders only ids (thousands of matches of a common
# term sort as small rows, not as whole items with their bodies), the second loads the page of items.
def search(session: Session, query: str, *, limit: int = 50) -> Sequence[Item]:
    """Published items whose text holds ``query`` (its characters in that order)."""
    tokens = query_tokens(query)
    if not tokens:
        return []
    phrase = " ".join(tokens)
    stmt = _matching_ids()
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.where(func.to_tsvector(text("'simple'"), Item.search_doc)
                          .op("@@")(func.phraseto_tsquery(text("'simple'"), phrase)))
    else:
        matching = select(text("rowid")).select_from(text("content_search")).where(
            text("content_search MATCH :phrase")).scalar_subquery()
        stmt = stmt.where(Item.id.in_(matching)).params(phrase='"' + phrase.replace('"', " ") + '"')
    in_title = Item.title.contains("".join(tokens)) if all(len(t) == 1 for t in tokens) else Item.title.contains(query)
    stmt = stmt.order_by(in_title.desc(), Item.published_at.desc(), Item.id.desc()).limit(max(1, min(limit, 500)))
    return _load(session, session.scalars(stmt).all())


def search_initials(session: Session, letters: str, *, limit: int = 50) -> Sequence[Item]:
    """Published items whose title's pinyin initials contain ``letters`` (DZ finds 党章, 党支部…)."""
    typed = "".join(c for c in (letters or "").upper() if "A" <= c <= "Z")[:20]
    if not typed:
        return []
    stmt = _matching_ids().where(Item.pinyin_initials.contains(typed))
    stmt = stmt.order_by(Item.pinyin_initials.startswith(typed).desc(), Item.published_at.desc(),
                         Item.id.desc()).limit(max(1, min(limit, 500)))
    return _load(session, session.scalars(stmt).all())


def rebuild(session: Session) -> int:
    """Recompute every item's document (after an upgrade); return how many changed."""
    changed = 0
    for item in session.scalars(select(Item).options(selectinload(Item.tags))):
        doc = document(item)
        if item.search_doc != doc:
            item.search_doc = doc
            changed += 1
    session.flush()
    return changed


def matches(item_text: str, query: str) -> bool:
    """The same rule as the index, in Python (for tests and for a terminal's offline search)."""
    return " ".join(query_tokens(query)) in spaced(item_text)


__all__ = ["document", "matches", "rebuild", "search", "search_initials", "spaced"]
