from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content import demo
from content.markdown import render_markdown
from content.media import MediaStore, check_type
from content.models import Item, ItemKind, ItemStateChange, MediaAsset, Question, QuestionKind, ReviewStatus
from content.questions import normalise_answer
from screen_server.org.models import User

S = ReviewStatus


@pytest.fixture
def seeded(session: Session, store: MediaStore, author: User, reviewer: User) -> Session:
    demo.seed_demo_content(session, media_store=store, author_user_id=author.id, reviewer_user_id=reviewer.id)
    return session


def counts(session: Session) -> tuple[int, ...]:
    return tuple(
        session.scalar(select(func.count()).select_from(model))  # type: ignore[misc]
        for model in (Item, Question, ItemStateChange, MediaAsset)
    )


def test_seeding_twice_adds_nothing(seeded: Session, store: MediaStore, author: User, reviewer: User) -> None:
    before = counts(seeded)
    files = sorted(p for p in store.root.rglob("*") if p.is_file())
    demo.seed_demo_content(seeded, media_store=store, author_user_id=author.id, reviewer_user_id=reviewer.id)
    assert counts(seeded) == before
    assert sorted(p for p in store.root.rglob("*") if p.is_file()) == files


def test_what_the_demo_holds(seeded: Session) -> None:
    items = seeded.scalars(select(Item)).all()
    assert len(items) >= 20 and all(i.status == S.PUBLISHED for i in items)
    kinds = Counter(i.kind for i in items)
    assert kinds[ItemKind.VIDEO] >= 2 and kinds[ItemKind.PDF] >= 1 and kinds[ItemKind.POSTER] >= 2
    for item in items:
        assert item.category is not None and item.category.builtin
        assert item.summary and item.source
        if item.kind == ItemKind.ARTICLE:
            assert len(item.body_markdown) >= 300, item.title
            assert "<h2>" in render_markdown(item.body_markdown)
        else:
            assert item.main_media is not None
    assert len({i.title for i in items}) == len(items)
    questions = seeded.scalars(select(Question)).all()
    assert len(questions) == 100 and all(q.status == S.PUBLISHED for q in questions)
    assert set(Counter(q.kind for q in questions)) == set(QuestionKind)
    assert len({q.stem for q in questions}) == 100


def test_every_piece_was_reviewed_by_someone_else(seeded: Session, author: User, reviewer: User) -> None:
    for target in [*seeded.scalars(select(Item)), *seeded.scalars(select(Question))]:
        assert [(h.from_status, h.to_status, h.actor_user_id) for h in target.history] == [
            (None, S.DRAFT, author.id),
            (S.DRAFT, S.SUBMITTED, author.id),
            (S.SUBMITTED, S.PUBLISHED, reviewer.id),
        ]
        assert target.history[0].at < target.history[1].at < target.history[2].at == target.published_at


def test_media_files_exist_and_are_small(seeded: Session, store: MediaStore) -> None:
    for asset in seeded.scalars(select(MediaAsset)):
        path = store.path_for(asset.path)
        assert path.stat().st_size == asset.size <= 300 * 1024
    videos = [i.main_media for i in seeded.scalars(select(Item).where(Item.kind == ItemKind.VIDEO))]
    assert all(
        v is not None and v.mime == "video/mp4" and v.width == 320 and v.duration_seconds for v in videos
    )


def test_demo_media_folder_holds_only_small_checked_files() -> None:
    for path in demo.DEMO_MEDIA.iterdir():
        if path.suffix == ".py" or path.name == "__pycache__":
            continue
        assert path.stat().st_size <= 300 * 1024, path.name
        check_type(path.name, path.read_bytes()[:64])


@pytest.mark.parametrize("term", sorted(demo.SEARCH_TERMS))
def test_search_terms_list_is_exact(seeded: Session, term: str) -> None:
    """The lists later search tests rely on: exactly the items whose text (or tags) hold the term."""
    found = set()
    for item in seeded.scalars(select(Item)):
        text = " ".join([item.title, item.summary, item.body_markdown, *[t.name for t in item.tags]])
        if term in text:
            found.add(item.title)
    assert found == set(demo.SEARCH_TERMS[term])
    assert len(found) >= 2


@pytest.mark.parametrize("typed", sorted(demo.INITIALS_TERMS))
def test_initials_list_is_exact(seeded: Session, typed: str) -> None:
    found = seeded.scalars(select(Item.title).where(Item.pinyin_initials.contains(typed))).all()
    assert set(found) == set(demo.INITIALS_TERMS[typed])


def test_question_bank_is_well_formed(seeded: Session) -> None:
    for q in seeded.scalars(select(Question)):
        labels = [o.label for o in q.options]
        assert normalise_answer(q.kind, q.answer, labels) == q.answer
        assert q.explanation and 1 <= q.difficulty <= 5
        if q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            assert len(labels) >= 3
            assert len({o.text for o in q.options}) == len(labels), q.stem
        else:
            assert labels == []
        if q.kind == QuestionKind.FILL_BLANK:
            assert q.stem.count("____") == len(q.answer.split("|")), q.stem
