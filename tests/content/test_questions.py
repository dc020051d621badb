from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from content import questions, services
from content.errors import InvalidContent, InvalidTransition, SelfReviewForbidden
from content.models import QuestionKind, ReviewStatus
from screen_server.org.models import User

K = QuestionKind


def make(
    session: Session, author: User, kind: K, answer: str, options: list[str] | dict[str, str] | None = None
):
    return questions.create_question(
        session,
        kind=kind,
        stem="题干",
        answer=answer,
        options=options
        if options is not None
        else (["甲", "乙", "丙", "丁"] if kind in (K.SINGLE, K.MULTIPLE) else []),
        explanation="解析",
        author_user_id=author.id,
    )


@pytest.mark.parametrize(
    ("kind", "given", "stored"),
    [
        (K.SINGLE, " b ", "B"),
        (K.MULTIPLE, "D,a,C", "ACD"),
        (K.TRUE_FALSE, "对", "正确"),
        (K.TRUE_FALSE, "错误", "错误"),
        (K.FILL_BLANK, " 1921 | 上海/上海市 ", "1921|上海/上海市"),
    ],
)
def test_answers_are_stored_in_one_form(
    session: Session, author: User, kind: K, given: str, stored: str
) -> None:
    assert make(session, author, kind, given).answer == stored


@pytest.mark.parametrize(
    ("kind", "answer", "options"),
    [
        (K.SINGLE, "AB", None),
        (K.SINGLE, "E", None),
        (K.MULTIPLE, "A", None),
        (K.SINGLE, "A", ["只有一个"]),
        (K.TRUE_FALSE, "也许", None),
        (K.FILL_BLANK, "1921||", None),
        (K.FILL_BLANK, "", None),
        (K.TRUE_FALSE, "正确", ["甲", "乙"]),
        (K.SINGLE, "A", {"A": "甲", "C": "丙"}),
        (K.SINGLE, "A", ["甲", " "]),
        (K.SINGLE, "A", list("ABCDEFG")),
    ],
)
def test_answers_must_fit(
    session: Session, author: User, kind: K, answer: str, options: list[str] | None
) -> None:
    with pytest.raises(InvalidContent):
        make(session, author, kind, answer, options)


def test_options_are_labelled_and_replaced(session: Session, author: User) -> None:
    q = make(session, author, K.SINGLE, "C")
    assert [(o.label, o.text) for o in q.options] == [("A", "甲"), ("B", "乙"), ("C", "丙"), ("D", "丁")]
    questions.update_question(
        session, q, stem="新题干", answer="A", options={"A": "一", "B": "二"}, difficulty=4
    )
    session.expire_all()
    q = questions.get_question(session, q.id)
    assert [(o.label, o.text) for o in q.options] == [("A", "一"), ("B", "二")]
    assert (q.stem, q.answer, q.difficulty) == ("新题干", "A", 4)


def test_difficulty_range(session: Session, author: User) -> None:
    with pytest.raises(InvalidContent):
        questions.create_question(
            session, kind=K.TRUE_FALSE, stem="题", answer="正确", difficulty=6, author_user_id=author.id
        )


def test_is_correct(session: Session, author: User) -> None:
    multi = make(session, author, K.MULTIPLE, "ACD")
    assert questions.is_correct(multi, "dca") and not questions.is_correct(multi, "AC")
    assert not questions.is_correct(multi, "XYZ")
    blank = make(session, author, K.FILL_BLANK, "1921|上海/上海市")
    assert questions.is_correct(blank, "１９２１ | 上海市")
    assert not questions.is_correct(blank, "1921")
    assert not questions.is_correct(blank, "1922|上海")
    tf = make(session, author, K.TRUE_FALSE, "错误")
    assert questions.is_correct(tf, "×") and not questions.is_correct(tf, "正确")


def test_questions_share_the_review(session: Session, author: User, reviewer: User) -> None:
    q = make(session, author, K.SINGLE, "A")
    services.submit(session, q, actor_user_id=author.id)
    with pytest.raises(SelfReviewForbidden):
        services.approve(session, q, reviewer_user_id=author.id)
    with pytest.raises(InvalidTransition):
        questions.update_question(session, q, stem="改", answer="A", options=["甲", "乙"])
    assert questions.list_published_questions(session) == []
    services.approve(session, q, reviewer_user_id=reviewer.id)
    assert q.status == ReviewStatus.PUBLISHED
    assert [h.to_status for h in q.history] == [
        ReviewStatus.DRAFT,
        ReviewStatus.SUBMITTED,
        ReviewStatus.PUBLISHED,
    ]
    assert questions.list_published_questions(session) == [q]
    assert questions.list_published_questions(session, kind=K.TRUE_FALSE) == []
