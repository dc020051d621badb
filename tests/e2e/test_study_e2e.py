"""Learning content end to end: an editor writes an article in the admin, a reviewer approves it, and
within a second a terminal (under Xvfb, on the demo server) shows it on its category's shelf; a member
logs in at the terminal, reads it for a simulated minute, and the study record and the point appear on
the server. Then, with the server stopped, the terminal still opens the cached article and records
study, and after a restart the records arrive exactly once.
Screenshots: test-artifacts/e2e/study-*.png."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from content.models import Category, Item
from screen_server.devices.models import DeviceLogin
from screen_server.org.models import Member
from screen_server.points.models import PointsEntry
from screen_server.runner import RoomServer
from screen_server.runtime import build_runtime
from screen_server.study.models import StudyRecord, StudySpan
from tests.admin.forms import login, post
from tests.helpers.terminal import type_number_and_pin

pytestmark = [pytest.mark.kiosk]
TITLE = "学习新修订的《中国共产党纪律处分条例》要点"
BODY = "## 总则\n\n党的纪律是党的各级组织和全体党员必须遵守的行为规则。\n\n- 坚持党要管党\n- 坚持全面从严治党\n"


def publish_through_the_admin(server: RoomServer, category_id: int) -> int:
    """editor1 writes and submits the article; reviewer1 approves it (the admin's content pages)."""
    editor = server.app.test_client()
    login(editor, "editor1", "demo-editor-2026")
    new = "/admin/content/items/new"
    r = post(editor, new, {"kind": "article", "title": TITLE, "category_id": str(category_id),
                           "summary": "新修订条例的学习要点", "body_markdown": BODY, "tags": "廉政,纪律"}, page=new)
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    with server.runtime.session_factory() as s:
        item_id = s.scalar(select(Item.id).where(Item.title == TITLE))
    assert item_id
    page = f"/admin/content/items/{item_id}"
    assert post(editor, f"{page}/submit", {}, page=page).status_code == 302
    reviewer = server.app.test_client()
    login(reviewer, "reviewer1", "demo-reviewer-2026")
    assert post(reviewer, f"{page}/approve", {"comment": "同意发布"}, page=page).status_code == 302
    return int(item_id)


def test_publish_study_and_study_offline(demo_server: RoomServer, kiosk: Any, artifacts_dir: Path,
                                         tmp_path: Path) -> None:
    shots = artifacts_dir / "e2e"
    shots.mkdir(exist_ok=True)
    with demo_server.runtime.session_factory() as s:
        category_id = s.scalar(select(Category.id).where(Category.name == "廉政教育"))
        member_id = s.scalar(select(Member.id).where(Member.number == "D0002"))
    state_dir = tmp_path / "terminal"
    t = kiosk(mode="terminal", server=demo_server.http_url, offline=False, size=(1280, 800), state_dir=state_dir)
    t.until(lambda: t.app.sm.current == "home" and t.app.library.items, timeout=20)

    item_id = publish_through_the_admin(demo_server, category_id)
    # Pushed, not polled: it arrives without a refresh (how fast is for make bench, not a test).
    t.until(lambda: any(i["id"] == item_id for i in t.app.library.in_category(category_id)), timeout=10)
    t.app.open_tile("study")
    t.app.study.pick_shelf(category_id)
    t.until(lambda: any(r["item_id"] == item_id for r in t.app.study.rows))
    t.frames(3)
    t.app.save_screenshot(shots / "study-1-shelf.png")

    t.app.study.open_login()
    t.until(lambda: t.app.sm.current == "study_login")
    type_number_and_pin(t, "D0002")
    # The reading below is a simulated minute, two minutes ago: the login it falls in began before it.
    with demo_server.runtime.session_factory() as s:
        s.execute(update(DeviceLogin).where(DeviceLogin.member_id == member_id, DeviceLogin.ended_at.is_(None))
                  .values(started_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)))
        s.commit()

    study = t.app.study
    made: list[dict[str, Any]] = []  # every span the terminal wrote to its outbox
    keep = t.app.outbox.add
    t.app.outbox.add = lambda span: (made.append(span), keep(span))[1]  # type: ignore[method-assign]
    study.open_item(item_id)
    t.until(lambda: t.app.sm.current == "reader" and not study.loading and study.item_title == TITLE, timeout=10)
    now = [1000.0]
    study.clock.monotonic = lambda: now[0]
    began = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)  # the wall clock moves with the fake one
    study.clock.wall = lambda: began + dt.timedelta(seconds=now[0] - 1000)
    study.clock.open(member_id, item_id)
    for _ in range(7):  # a simulated minute of reading, touching the page now and then
        now[0] += 10
        study.clock.touch()
    t.frames(3)
    t.app.save_screenshot(shots / "study-2-reading.png")
    study.close_item()

    def record() -> Any:
        with demo_server.runtime.session_factory() as s:
            return s.scalar(select(StudyRecord).where(StudyRecord.member_id == member_id,
                                                      StudyRecord.item_id == item_id))

    t.until(lambda: record() is not None and record().active_seconds >= 60, timeout=10)
    with demo_server.runtime.session_factory() as s:
        points = s.scalars(select(PointsEntry).where(PointsEntry.member_id == member_id,
                                                     PointsEntry.ref == f"item:{item_id}")).all()
        assert [(p.rule_key, p.points) for p in points] == [("article_read", 1)]
    t.until(lambda: "今日积分" in study.member_text and study.member.get("points", {}).get("today", 0) >= 1,
            timeout=10)
    # 我的学习: the member's minutes and points, and this year's 量化考核 from the server
    study.open_mine()
    t.until(lambda: t.app.sm.current == "my_study" and len(study.assessment_rows) == 4, timeout=10)
    assert [r["name"] for r in study.assessment_rows] == ["学习", "组织生活", "服务", "贡献"]
    assert "全体第" in study.assessment_text and "/60 名" in study.assessment_text
    t.frames(5)
    t.app.save_screenshot(shots / "study-4-mine.png")

    # --- the server goes away --------------------------------------------------------------------------
    demo_server.stop()
    t.until(lambda: t.app.offline, timeout=20)
    study.open_item(item_id)  # from the terminal's own library
    t.until(lambda: t.app.sm.current == "reader" and study.item_title == TITLE and not study.loading, timeout=10)
    study.clock.open(member_id, item_id)
    for _ in range(4):
        now[0] += 10
        study.clock.touch()
    t.frames(3)
    t.app.save_screenshot(shots / "study-3-offline.png")
    study.close_item()
    waiting = t.app.outbox.count()
    assert waiting >= 1

    settings = dataclasses.replace(demo_server.settings, port=demo_server.http_port, ws_port=demo_server.runtime.ws_port)
    again = RoomServer(settings, runtime=build_runtime(settings, apply_migrations=False)).start()
    try:
        t.until(lambda: t.app.outbox.count() == 0, timeout=30)
        with again.runtime.session_factory() as s:
            stored = dict(s.execute(select(StudySpan.id, StudySpan.active_seconds).where(
                StudySpan.member_id == member_id, StudySpan.item_id == item_id)).all())
            total = s.scalar(select(StudyRecord.active_seconds).where(StudyRecord.member_id == member_id,
                                                                      StudyRecord.item_id == item_id))
        assert set(stored) == {span["id"] for span in made}  # every span arrived, none twice
        assert total == sum(span["active_seconds"] for span in made) >= 100
    finally:
        again.stop()
