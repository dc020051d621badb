"""Demo learning content: the six builtin categories, 25 published items (articles, two MP4 micro-lessons,
a PDF and two posters) and 100 published questions, each with its review history (written by the
author, submitted, approved by the reviewer).

Idempotent: items are recognised by title and questions by stem, media by content hash, so seeding
twice adds nothing. The texts live in ``demo_data``; the media files in ``demo_media``.

``SEARCH_TERMS`` and ``INITIALS_TERMS`` say exactly which demo items a search must find, so search
tests can assert exactness (a test checks these lists against the texts themselves).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from content.demo_data.items import ITEMS
from content.demo_data.questions import QUESTIONS
from content.media import MediaStore
from content.models import Item, ItemKind, MediaAsset, Question, QuestionKind
from content.orm import utcnow
from content.questions import create_question
from content.services import add_media, approve, create_item, ensure_builtin_categories, submit

DEMO_MEDIA = Path(__file__).resolve().parent / "demo_media"

# Which demo items (by title) contain each term in their title, summary or body.
SEARCH_TERMS: dict[str, list[str]] = {
    "党章": [
        "认真学习党章 自觉遵守党章",
        "党章中的党员义务与权利",
        "民主集中制与“四个服从”",
        "“两学一做”学习教育回顾",
        "“不忘初心、牢记使命”主题教育回顾",
        "《中国共产党章程》学习辅导（PDF）",
    ],
    "廉政": [
        "廉政教育：筑牢拒腐防变的思想防线",
        "中央八项规定精神学习要点",
        "节日廉洁提醒：过一个风清气正的节日",
        "《中国共产党纪律处分条例》要点解读",
        "微课：廉洁自律 警钟长鸣",
        "海报：廉洁从政 守住底线",
    ],
    "两学一做": [
        "“两学一做”学习教育回顾",
        "推进“两学一做”学习教育常态化制度化",
    ],
}

# Which demo items' title initials (Item.pinyin_initials) contain each typed string.
# Initials are coarser than characters: DZ also matches 党支部 (DZB), as a member typing DZ would expect.
INITIALS_TERMS: dict[str, list[str]] = {
    "DZ": [
        "认真学习党章 自觉遵守党章",
        "党章中的党员义务与权利",
        "行业案例：社区党支部的“红色物业”实践",
        "《中国共产党章程》学习辅导（PDF）",
    ],
    "LXYZ": [
        "“两学一做”学习教育回顾",
        "推进“两学一做”学习教育常态化制度化",
    ],
}


def seed_demo_content(
    session: Session, *, media_store: MediaStore, author_user_id: int, reviewer_user_id: int
) -> None:
    """Add the demo categories, items and questions that are missing, all published (flushes only)."""
    categories = {c.name: c.id for c in ensure_builtin_categories(session)}
    start = utcnow().replace(microsecond=0) - dt.timedelta(days=len(ITEMS) + 2)
    existing_titles = set(session.scalars(select(Item.title)))
    # The list is newest first: the first item is published last.
    for index, spec in reversed(list(enumerate(ITEMS))):
        if spec["title"] in existing_titles:
            continue
        written = start + dt.timedelta(days=len(ITEMS) - index)
        main = _store(session, media_store, spec.get("media"))
        cover = _store(session, media_store, spec.get("cover"))
        item = create_item(
            session,
            kind=ItemKind(spec["kind"]),
            title=spec["title"],
            author_user_id=author_user_id,
            body_markdown=spec["body"],
            summary=spec["summary"],
            category_id=categories[spec["category"]],
            tags=spec["tags"],
            source=spec["source"],
            author_name="学习编辑组",
            cover_media_id=cover.id if cover else None,
            main_media_id=main.id if main else None,
            now=written,
        )
        _publish(session, item, author_user_id, reviewer_user_id, written)

    existing_stems = set(session.scalars(select(Question.stem)))
    for index, spec in enumerate(QUESTIONS):
        if spec["stem"] in existing_stems:
            continue
        written = start + dt.timedelta(minutes=index)
        question = create_question(
            session,
            kind=QuestionKind(spec["kind"]),
            stem=spec["stem"],
            options=spec["options"],
            answer=spec["answer"],
            explanation=spec["explanation"],
            category_id=categories[spec["category"]],
            difficulty=spec["difficulty"],
            source="智慧党员活动室题库",
            author_user_id=author_user_id,
            now=written,
        )
        _publish(session, question, author_user_id, reviewer_user_id, written)
    session.flush()


def _store(session: Session, media_store: MediaStore, name: str | None) -> MediaAsset | None:
    if name is None:
        return None
    with (DEMO_MEDIA / name).open("rb") as f:
        return add_media(session, media_store, f, filename=name)


def _publish(
    session: Session, target: Item | Question, author_id: int, reviewer_id: int, written: dt.datetime
) -> None:
    submit(session, target, actor_user_id=author_id, now=written + dt.timedelta(hours=2))
    approve(
        session,
        target,
        reviewer_user_id=reviewer_id,
        comment="内容准确，同意发布。",
        now=written + dt.timedelta(hours=20),
    )
