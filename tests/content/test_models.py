from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from content.models import (
    Category,
    Item,
    ItemKind,
    ItemStateChange,
    Question,
    QuestionKind,
    QuestionOption,
    ReviewStatus,
    Tag,
)
from screen_server.org.models import User


def test_enums_are_stored_by_name_like_the_rest_of_the_project(session: Session, author: User) -> None:
    session.add(
        Item(kind=ItemKind.VIDEO, title="微课", author_user_id=author.id, status=ReviewStatus.SUBMITTED)
    )
    session.flush()
    row = session.execute(text("SELECT kind, status FROM content_items")).one()
    assert tuple(row) == ("VIDEO", "SUBMITTED")


def test_initials_follow_the_title(session: Session) -> None:
    item = Item(kind=ItemKind.ARTICLE, title="党章党规")
    session.add(item)
    session.flush()
    assert item.pinyin_initials == "DZDG"
    item.title = "两学一做"
    session.flush()
    assert session.scalar(select(Item.pinyin_initials).where(Item.id == item.id)) == "LXYZ"


def test_category_names_are_unique(session: Session) -> None:
    session.add_all([Category(name="党史学习"), Category(name="党史学习")])
    with pytest.raises(IntegrityError):
        session.flush()


def test_author_must_be_a_user(session: Session) -> None:
    session.add(Item(kind=ItemKind.ARTICLE, title="无主", author_user_id=999))
    with pytest.raises(IntegrityError):
        session.flush()


def test_tags_and_history_belong_to_the_item(session: Session, author: User) -> None:
    item = Item(kind=ItemKind.ARTICLE, title="学习", tags=[Tag(name="党课"), Tag(name="党史")])
    item.history.append(
        ItemStateChange(from_status=None, to_status=ReviewStatus.DRAFT, actor_user_id=author.id)
    )
    session.add(item)
    session.flush()
    assert {t.name for t in item.tags} == {"党课", "党史"}
    session.delete(item)
    session.flush()
    assert session.scalar(select(ItemStateChange.id)) is None
    assert len(session.scalars(select(Tag)).all()) == 2  # tags outlive the items that used them


@pytest.mark.parametrize("difficulty", [0, 6])
def test_difficulty_is_one_to_five(session: Session, difficulty: int) -> None:
    session.add(Question(kind=QuestionKind.TRUE_FALSE, stem="题", answer="正确", difficulty=difficulty))
    with pytest.raises(IntegrityError):
        session.flush()


def test_option_labels_are_a_to_f(session: Session) -> None:
    q = Question(
        kind=QuestionKind.SINGLE, stem="题", answer="A", options=[QuestionOption(label="G", text="x")]
    )
    session.add(q)
    with pytest.raises(IntegrityError):
        session.flush()


def test_options_come_in_label_order(session: Session) -> None:
    q = Question(
        kind=QuestionKind.SINGLE,
        stem="题",
        answer="B",
        options=[QuestionOption(label="B", text="乙"), QuestionOption(label="A", text="甲")],
    )
    session.add(q)
    session.flush()
    session.expire_all()
    assert [o.label for o in session.get(Question, q.id).options] == ["A", "B"]  # type: ignore[union-attr]


def test_the_search_document_follows_a_tag_only_change(session) -> None:  # type: ignore[no-untyped-def]
    """Mapper events on Item (not a session-wide hook) rebuild the document; a change of tags alone
    marks the item dirty and rebuilds it too."""
    from content.categories import get_or_create_tags
    from content.models import Item, ItemKind, ReviewStatus

    item = Item(kind=ItemKind.ARTICLE, title="党章", status=ReviewStatus.DRAFT)
    session.add(item)
    session.flush()
    assert item.search_doc == "党 章"
    item.tags = get_or_create_tags(session, ["廉政"])
    session.flush()
    assert item.search_doc == "党 章 廉 政"
