"""积分规则 page: an admin edits a rule (audited, applied from then on); bad input changes nothing;
a member's page shows their study and points."""

from __future__ import annotations

import datetime as dt
import uuid

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from content.models import Item, ReviewStatus
from screen_server.audit.models import AuditEntry
from screen_server.org.models import Member
from screen_server.points.models import PointsRule
from screen_server.study import services as study
from tests.admin.forms import post

PAGE = "/admin/points"


def test_admin_edits_a_rule_and_it_is_audited(as_admin: FlaskClient, demo: Session) -> None:
    page = as_admin.get(PAGE).get_data(as_text=True)
    assert "阅读文章" in page and "视听学习" in page and "参加组织生活" in page
    r = post(as_admin, f"{PAGE}/article_read", {"points": "2", "threshold_minutes": "2", "daily_cap": "10",
                                                 "enabled": "on"}, page=PAGE)
    assert r.status_code == 302
    demo.expire_all()
    rule = demo.get(PointsRule, "article_read")
    assert rule is not None and (rule.points, rule.threshold_seconds, rule.daily_cap) == (2, 120, 10)
    entry = demo.scalar(select(AuditEntry).where(AuditEntry.action == "points.rule_updated"))
    assert entry is not None and entry.details["before"]["points"] == 1 and entry.details["after"]["points"] == 2


def test_bad_values_are_refused_with_a_message_and_change_nothing(as_admin: FlaskClient, demo: Session) -> None:
    as_admin.get(PAGE)
    r = post(as_admin, f"{PAGE}/article_read", {"points": "500", "threshold_minutes": "1", "daily_cap": "6",
                                                 "enabled": "on"}, page=PAGE)
    assert "分值必须在 0 到 100 之间" in r.get_data(as_text=True)
    r = post(as_admin, f"{PAGE}/article_read", {"points": "abc", "threshold_minutes": "1", "daily_cap": "6"},
             page=PAGE)
    assert "必须是整数" in r.get_data(as_text=True)
    demo.expire_all()
    rule = demo.get(PointsRule, "article_read")
    assert rule is not None and rule.points == 1 and rule.enabled


def test_secretary_cannot_edit_rules(as_secretary: FlaskClient) -> None:
    assert as_secretary.get(PAGE).status_code == 403


def test_member_page_shows_study_and_points(as_admin: FlaskClient, demo: Session) -> None:
    member = demo.scalar(select(Member).where(Member.number == "D0002"))
    item = demo.scalar(select(Item).where(Item.status == ReviewStatus.PUBLISHED, Item.kind == "article"))
    assert member is not None and item is not None
    now = dt.datetime.now(dt.UTC)
    study.record_spans(demo, [{"id": uuid.uuid4().hex, "member_id": member.id, "item_id": item.id,
                               "started_at": (now - dt.timedelta(minutes=3)).isoformat(),
                               "ended_at": (now - dt.timedelta(minutes=1)).isoformat(), "active_seconds": 120}],
                       source="terminal")
    demo.commit()
    page = as_admin.get(f"/admin/members/{member.id}").get_data(as_text=True)
    assert "学习与积分" in page and item.title in page and f"阅读《{item.title}》" in page
