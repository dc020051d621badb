"""The library's units of work: each checks the role, changes through content's rules, writes its audit
entry and raises ``content.changed`` only when what is published changes (after the commit), and a
refused step changes nothing."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from content.media import MediaStore
from content.models import QuestionKind, ReviewStatus
from screen_server import protocol
from screen_server.audit.models import AuditEntry
from screen_server.errors import Forbidden, Invalid, NotFound
from screen_server.library import reads
from screen_server.library import services as library
from screen_server.org.models import Role
from screen_server.runtime import Runtime
from tests.helpers.events import EventLog
from tests.helpers.factories import make_user


def _actions(session: Session) -> list[str]:
    return [a.action for a in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_an_item_from_draft_to_published_and_back(session: Session, runtime: Runtime, tmp_path) -> None:  # type: ignore[no-untyped-def]
    editor, reviewer = make_user(session, Role.EDITOR), make_user(session, Role.REVIEWER)
    events = EventLog(runtime.bus)
    store = MediaStore(tmp_path / "media")
    item = library.create_item(session, editor, kind="article", fields={"title": "学习新党章", "body_markdown": "正文"},
                               store=store, max_bytes=1024)
    library.move_item(session, editor, item.id, "submit")
    session.commit()
    assert events.of(protocol.CONTENT_CHANGED) == []  # nothing published yet
    library.move_item(session, reviewer, item.id, "approve", comment="好")
    session.commit()
    assert item.status == ReviewStatus.PUBLISHED
    assert events.of(protocol.CONTENT_CHANGED)[-1].payload == {"published": [item.id], "withdrawn": []}
    library.move_item(session, editor, item.id, "withdraw", comment="更新")
    session.commit()
    assert events.of(protocol.CONTENT_CHANGED)[-1].payload == {"published": [], "withdrawn": [item.id]}
    assert _actions(session) == ["content.created", "content.submit", "content.approve", "content.withdraw"]
    assert [s.to_status for s in reads.item_page(session, item.id).history][-1] == ReviewStatus.WITHDRAWN


def test_refused_steps_change_nothing(session: Session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    editor, reviewer = make_user(session, Role.EDITOR), make_user(session, Role.REVIEWER)
    store = MediaStore(tmp_path / "media")
    with pytest.raises(Forbidden):
        library.create_item(session, reviewer, kind="article", fields={"title": "无权"}, store=store, max_bytes=1)
    with pytest.raises(Invalid):
        library.create_item(session, editor, kind="sculpture", fields={"title": "x"}, store=store, max_bytes=1)
    item = library.create_item(session, editor, kind="article", fields={"title": "草稿"}, store=store, max_bytes=1)
    session.commit()
    with pytest.raises(Forbidden):
        library.move_item(session, editor, item.id, "approve")  # an editor does not review
    with pytest.raises(Invalid):
        library.move_item(session, reviewer, item.id, "teleport")
    with pytest.raises(NotFound):
        library.move_item(session, reviewer, 2**70, "approve")
    session.rollback()
    assert item.status == ReviewStatus.DRAFT and _actions(session) == ["content.created"]


def test_an_upload_is_stored_and_becomes_the_cover(session: Session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import base64

    png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg==")
    editor = make_user(session, Role.EDITOR)
    store = MediaStore(tmp_path / "media")
    item = library.create_item(session, editor, kind="poster", fields={"title": "海报"}, store=store, max_bytes=1024,
                               cover=library.Upload(io.BytesIO(png), "a.png"))
    assert item.cover_media_id is not None and any(store.root.rglob("*.png"))
    kept = library.update_item(session, editor, item.id, fields={"title": "海报（改）"}, store=store, max_bytes=1024)
    assert kept.cover_media_id == item.cover_media_id  # no new upload keeps the old file


def test_questions_are_created_reviewed_and_counted(session: Session) -> None:
    editor, reviewer = make_user(session, Role.EDITOR), make_user(session, Role.REVIEWER)
    fields = {"stem": "党的最高领导机关是？", "answer": "A", "options": {"A": "全国代表大会", "B": "中央委员会"},
              "explanation": "", "category_id": None, "difficulty": 2}
    first = library.create_question(session, editor, kind=QuestionKind.SINGLE.value, fields=fields, submit=True)
    second = library.create_question(session, editor, kind=QuestionKind.SINGLE.value, fields=fields, submit=True)
    with pytest.raises(Forbidden):
        library.review_questions(session, editor, [first.id], approve=True)
    assert library.review_questions(session, reviewer, [first.id, second.id, 999], approve=True) == 2
    assert reads.question_bank(session).counts == {"published": 2}
    assert _actions(session) == ["question.created", "question.created", "questions.approved"]
