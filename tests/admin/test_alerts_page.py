"""健康预警 in the admin, from the demo data: the demo breaches thresholds, the alerts appear on the
dashboard with their figures; the secretary of 机关二支部's low attendance is put right by make-up
sign-ins through the admin, a re-check clears that alert and it moves to the history. Thresholds are
the admin's to change (audited; bad input refused); a branch secretary sees their own branch only."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from screen_server.alerts.models import Alert, AlertRule
from screen_server.audit.models import AuditEntry
from screen_server.meetings.models import Attendance, Meeting, meeting_expected
from screen_server.org.models import Branch
from tests.admin.forms import ADMIN, SECRETARY, login, post

PAGE = "/admin/alerts"


def _check(client: FlaskClient) -> str:
    r = post(client, f"{PAGE}/check", {}, page=PAGE, follow_redirects=True)
    assert r.status_code == 200
    return r.get_data(as_text=True)


def _dashboard_alerts(client: FlaskClient) -> str:
    html = client.get("/admin/").get_data(as_text=True)
    start = html.index('id="alerts"')
    return html[start:html.index("</section>", start)]


def test_demo_breach_raises_alerts_and_fixing_the_data_clears_one(client: FlaskClient, demo: Session) -> None:
    login(client, *ADMIN)
    page = _check(client)
    assert "新增预警 3 条" in page
    card = _dashboard_alerts(client)
    assert "机关二支部 · 组织生活出勤率" in card and "出勤率 77.1%（5 次会议，应到 48 人次，实到 37 人次），低于 80%" in card
    assert "生产支部 · 按期开展党课" in card and "已 130 天未开展党课" in card
    assert "离退休支部 · 人均学习时长" in card

    # the secretary's paper sheet shows five more were there: make-up sign-ins through the admin
    branch = demo.scalar(select(Branch).where(Branch.short_name == "机关二支部"))
    assert branch is not None
    lecture = demo.scalar(select(Meeting).where(Meeting.title == "机关二支部专题党课：以党的创新理论凝心铸魂"))
    assert lecture is not None
    present = set(demo.scalars(select(Attendance.member_id).where(Attendance.meeting_id == lecture.id)))
    absent = [m for m in demo.scalars(select(meeting_expected.c.member_id)
                                      .where(meeting_expected.c.meeting_id == lecture.id)) if m not in present]
    show = f"/admin/meetings/{lecture.id}"
    for member_id in absent[:5]:
        r = post(client, f"{show}/correct", {"member_id": str(member_id), "action": "makeup",
                                             "reason": "纸质签到表补录"}, page=show)
        assert r.status_code == 302
    assert "解除 1 条" in _check(client)
    card = _dashboard_alerts(client)
    assert "组织生活出勤率" not in card and "按期开展党课" in card
    page = client.get(PAGE).get_data(as_text=True)
    cleared = page[page.index('id="cleared-alerts"'):]
    assert "机关二支部" in cleared and "77.1%" in cleared
    demo.expire_all()
    alert = demo.scalar(select(Alert).where(Alert.branch_id == branch.id, Alert.indicator == "attendance"))
    assert alert is not None and alert.cleared_at is not None


def test_admin_sets_thresholds_and_bad_input_changes_nothing(client: FlaskClient, demo: Session) -> None:
    login(client, *ADMIN)
    r = post(client, f"{PAGE}/thresholds", {"indicator": "attendance", "branch_id": "", "threshold": "90",
                                            "days": "90", "enabled": "on"}, page=PAGE, follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "预警阈值已保存" in html and "近 90 天低于 90%" in html
    card = _dashboard_alerts(client)
    assert "机关二支部 · 组织生活出勤率" in card and "离退休支部 · 组织生活出勤率" in card  # 77.1% and 87.5% < 90%
    assert "机关一支部 · 组织生活出勤率" not in card  # its monthly 支委会 and 党小组会, all present, lift it over 90%
    assert demo.scalar(select(AuditEntry).where(AuditEntry.action == "alerts.threshold_set")) is not None

    for bad, message in (({"threshold": "abc"}, "“阈值”必须是数字"), ({"threshold": "150"}, "出勤率下限应在 1% 到 100% 之间"),
                         ({"days": "3"}, "统计天数应在 7 到 400 天之间")):
        form = {"indicator": "attendance", "branch_id": "", "threshold": "70", "days": "90", "enabled": "on"} | bad
        r = post(client, f"{PAGE}/thresholds", form, page=PAGE, follow_redirects=True)
        assert message in r.get_data(as_text=True)
    demo.expire_all()
    rule = demo.scalar(select(AlertRule).where(AlertRule.indicator == "attendance"))
    assert rule is not None and (rule.threshold, rule.days) == (0.9, 90)


def test_a_secretary_sees_their_own_branch_and_cannot_change_thresholds(client: FlaskClient, demo: Session) -> None:
    login(client, *SECRETARY)
    page = _check(client)
    assert "机关二支部" not in page and "生产支部" not in page and "各项指标正常" in page
    assert "修改阈值" not in page
    assert "各项指标正常" in _dashboard_alerts(client)
    r = post(client, f"{PAGE}/thresholds", {"indicator": "attendance", "threshold": "10", "days": "90"}, page=PAGE)
    assert r.status_code == 403
    assert demo.scalar(select(AlertRule)) is None
