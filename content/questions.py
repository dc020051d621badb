"""The question bank: creating and editing questions with their options, checking that each answer fits
its kind, and listing the published ones. Review steps are the shared ones in ``services.py``
(``submit``, ``approve``, … accept a Question as well as an Item).

Answers: single choice "B"; multiple choice two or more labels in order, "ACD"; true/false "正确" or
"错误"; fill-in-the-blank one answer per blank separated by "|", each may list alternatives with "/"
("1921|7月1日/七月一日"). Services flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from content.errors import ContentNotFound, InvalidContent, InvalidTransition
from content.i18n import _
from content.models import Category, Question, QuestionKind, QuestionOption, ReviewStatus
from content.orm import get_or_not_found, utcnow
from content.services import SUBMIT_FROM, record_state_change

LABELS = "ABCDEF"
TRUE, FALSE = "正确", "错误"


def normalise_answer(kind: QuestionKind, answer: str, labels: Sequence[str]) -> str:
    """Return ``answer`` in its stored form, or raise InvalidContent when it does not fit the question."""
    answer = answer.strip()
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        chosen = "".join(sorted(set(answer.upper().replace(",", "").replace(" ", ""))))
        if not chosen or any(c not in labels for c in chosen):
            raise InvalidContent(_("答案必须是选项中的字母。"))
        if kind == QuestionKind.SINGLE and len(chosen) != 1:
            raise InvalidContent(_("单选题只能有一个正确答案。"))
        if kind == QuestionKind.MULTIPLE and len(chosen) < 2:
            raise InvalidContent(_("多选题至少要有两个正确答案。"))
        return chosen
    if kind == QuestionKind.TRUE_FALSE:
        aliases = {
            "正确": TRUE,
            "对": TRUE,
            "√": TRUE,
            "TRUE": TRUE,
            "错误": FALSE,
            "错": FALSE,
            "×": FALSE,
            "FALSE": FALSE,
        }
        if answer.upper() not in aliases:
            raise InvalidContent(_("判断题的答案只能是“正确”或“错误”。"))
        return aliases[answer.upper()]
    blanks = [b.strip() for b in answer.split("|")]
    if not blanks or any(not b or any(not alt.strip() for alt in b.split("/")) for b in blanks):
        raise InvalidContent(_("填空题每个空都要有答案，多个空用“|”分隔。"))
    return "|".join(blanks)


def is_correct(question: Question, given: str) -> bool:
    """Tell whether ``given`` answers ``question`` (blanks compare ignoring spaces and full/half width)."""
    import unicodedata

    labels = [o.label for o in question.options]
    try:
        normalised = normalise_answer(question.kind, given, labels)
    except InvalidContent:
        return False
    if question.kind != QuestionKind.FILL_BLANK:
        return normalised == question.answer

    def fold(text: str) -> str:
        return "".join(unicodedata.normalize("NFKC", text).split()).lower()

    expected = question.answer.split("|")
    got = normalised.split("|")
    return len(got) == len(expected) and all(
        fold(g) in {fold(alt) for alt in e.split("/")} for g, e in zip(got, expected, strict=True)
    )


def create_question(
    session: Session,
    *,
    kind: QuestionKind,
    stem: str,
    answer: str,
    options: Mapping[str, str] | Sequence[str] = (),
    explanation: str = "",
    category_id: int | None = None,
    difficulty: int = 2,
    source: str = "",
    author_user_id: int | None,
    now: dt.datetime | None = None,
) -> Question:
    """Create a draft question; ``options`` is a list (labelled A, B, … in order) or a label→text map."""
    now = now or utcnow()
    question = Question(
        kind=QuestionKind(kind),
        status=ReviewStatus.DRAFT,
        author_user_id=author_user_id,
        created_at=now,
        updated_at=now,
    )
    update_question(
        session,
        question,
        stem=stem,
        answer=answer,
        options=options,
        explanation=explanation,
        category_id=category_id,
        difficulty=difficulty,
        source=source,
    )
    session.add(question)  # only now, so a half-filled question is never autoflushed
    record_state_change(session, question, None, ReviewStatus.DRAFT, author_user_id, "", now)
    session.flush()
    return question


def update_question(
    session: Session,
    question: Question,
    *,
    stem: str,
    answer: str,
    options: Mapping[str, str] | Sequence[str] = (),
    explanation: str = "",
    category_id: int | None = None,
    difficulty: int = 2,
    source: str = "",
) -> Question:
    """Replace a question's content; only drafts, returned and withdrawn questions may be edited."""
    if question.id is not None and question.status not in SUBMIT_FROM:
        raise InvalidTransition(_("已提交或已发布的题目不能修改，请先撤回。"))
    stem = stem.strip()
    if not stem:
        raise InvalidContent(_("题干不能为空。"))
    if not 1 <= difficulty <= 5:
        raise InvalidContent(_("难度必须在 1 到 5 之间。"))
    labelled = dict(options) if isinstance(options, Mapping) else dict(zip(LABELS, options, strict=False))
    if not isinstance(options, Mapping) and len(options) > len(LABELS):
        raise InvalidContent(_("选项最多 6 个（A–F）。"))
    labelled = {k.strip().upper(): v.strip() for k, v in labelled.items()}
    kind = question.kind
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        if sorted(labelled) != list(LABELS[: len(labelled)]) or len(labelled) < 2:
            raise InvalidContent(_("选择题至少两个选项，依次标为 A、B、C……（最多到 F）。"))
        if any(not text for text in labelled.values()):
            raise InvalidContent(_("选项内容不能为空。"))
    elif labelled:
        raise InvalidContent(_("判断题和填空题没有选项。"))
    if category_id is not None and session.get(Category, category_id) is None:
        raise ContentNotFound(_("所选分类不存在。"))
    question.answer = normalise_answer(kind, answer, sorted(labelled))
    question.stem = stem
    question.explanation = explanation.strip()
    question.category_id = category_id
    question.difficulty = difficulty
    question.source = source.strip()
    question.options = [QuestionOption(label=k, text=v) for k, v in sorted(labelled.items())]
    session.flush()
    return question


def get_question(session: Session, question_id: int) -> Question:
    return get_or_not_found(session, Question, question_id, _("题目不存在。"), ContentNotFound)


def list_published_questions(
    session: Session,
    *,
    category_id: int | None = None,
    kind: QuestionKind | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[Question]:
    """Return published questions in bank order, with their options loaded."""
    query = (
        select(Question)
        .where(Question.status == ReviewStatus.PUBLISHED)
        .options(selectinload(Question.options))
        .order_by(Question.id)
        .limit(max(0, min(limit, 1000)))
        .offset(max(0, offset))
    )
    if category_id is not None:
        query = query.where(Question.category_id == category_id)
    if kind is not None:
        query = query.where(Question.kind == QuestionKind(kind))
    return session.scalars(query).all()
