"""量化考核 in the admin, on the demo organisation: branch and member scores; the admin's weights (bad
ones refused, nothing changed); a secretary records volunteer hours for their own members only; the
member sees the same year at a terminal (device API) and on their phone."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from screen_server.assessment import services as assessment
from screen_server.assessment.models import AssessmentConfig, AssessmentRecord
from screen_server.config import Settings
from screen_server.demo import MEMBER_PIN
from screen_server.devices.models import DeviceRole
from screen_server.http.signin import PHONE_COOKIE, phone_cookie_value
from screen_server.org.models import Member
from tests.admin.forms import ADMIN, SECRETARY, login, post
from tests.helpers.factories import make_device

PAGE = "/admin/assessment"


def _member(session: Session, number: str) -> Member:
    member = session.scalar(select(Member).where(Member.number == number))
    assert member is not None
    return member


def test_admin_sees_scores_and_sets_weights(client: FlaskClient, demo: Session) -> None:
    login(client, *ADMIN)
    page = client.get(PAGE).get_data(as_text=True)
    branches = page[page.index('id="branch-scores"'):page.index('id="member-scores"')]
    for name in ("机关一支部", "机关二支部", "生产支部", "离退休支部"):
        assert name in branches
    assert "共 60 人" in page and "权重与目标" in page
    bad = post(client, f"{PAGE}/config", {"w_study": "50", "w_life": "30", "w_service": "15", "w_contribution": "15",
                                          "t_courses": "12", "t_service_hours": "20", "t_contribution": "10",
                                          "t_meetings": "16"}, page=PAGE, follow_redirects=True)
    assert "四项权重之和应为 100（现在是 110）" in bad.get_data(as_text=True)
    assert demo.scalar(select(AssessmentConfig)) is None
    good = post(client, f"{PAGE}/config", {"w_study": "25", "w_life": "25", "w_service": "25", "w_contribution": "25",
                                           "t_courses": "10", "t_service_hours": "20", "t_contribution": "10",
                                           "t_meetings": "16"}, page=PAGE, follow_redirects=True)
    assert "考核权重和目标已保存" in good.get_data(as_text=True)
    demo.expire_all()
    config = assessment.get_config(demo, assessment.this_year())
    assert config.weights == {"study": 25, "life": 25, "service": 25, "contribution": 25}
    assert config.targets["courses"] == 10


def test_secretary_records_hours_for_own_members_only(client: FlaskClient, demo: Session) -> None:
    login(client, *SECRETARY)
    page = client.get(PAGE).get_data(as_text=True)
    members = page[page.index('id="member-scores"'):]
    assert "机关一支部" in members and "生产支部" not in members and "权重与目标" not in page
    own, other = _member(demo, "D0001"), _member(demo, "D0030")
    assert own.branch_id != other.branch_id
    before = next(s for s in assessment.member_scores(demo, assessment.this_year()) if s.id == own.id)
    form = {"number": "D0001", "kind": "service", "day": dt.date.today().isoformat(), "amount": "4", "note": "社区防汛志愿服务"}
    done = post(client, f"{PAGE}/records", form, page=PAGE, follow_redirects=True).get_data(as_text=True)
    assert f"已为 {own.name} 登记志愿服务" in done and "社区防汛志愿服务" in done
    demo.expire_all()
    after = next(s for s in assessment.member_scores(demo, assessment.this_year()) if s.id == own.id)
    assert after.service_hours == before.service_hours + 4
    refused = post(client, f"{PAGE}/records", form | {"number": "D0030"}, page=PAGE, follow_redirects=True)
    assert "您只能登记本支部党员的记录" in refused.get_data(as_text=True)
    assert demo.scalar(select(AssessmentRecord).where(AssessmentRecord.member_id == other.id,
                                                      AssessmentRecord.note == "社区防汛志愿服务")) is None


def test_member_sees_their_year_at_a_terminal_and_on_the_phone(client: FlaskClient, demo: Session,
                                                               settings: Settings) -> None:
    member = _member(demo, "D0010")
    _device, token = make_device(demo, DeviceRole.TERMINAL)
    demo.commit()
    auth = {"Authorization": f"Bearer {token}"}
    # a terminal reads a member only while that member is logged in at it, as a real terminal does first
    assert client.get(f"/api/device/members/{member.id}/assessment", headers=auth).status_code == 401
    login_at = client.post("/api/device/members/login", json={"number": member.number, "pin": MEMBER_PIN},
                           headers=auth)
    assert login_at.status_code == 200, login_at.get_data(as_text=True)
    seen = client.get(f"/api/device/members/{member.id}/assessment", headers=auth)
    assert seen.status_code == 200
    data = seen.get_json()
    assert [d["name"] for d in data["dimensions"]] == ["学习", "组织生活", "服务", "贡献"]
    assert data["of"] == 60 and 1 <= data["rank"] <= 60 and data["branch"]["of"] == 4
    assert client.get(f"/api/device/members/{member.id}/assessment").status_code == 401
    client.set_cookie(PHONE_COOKIE, phone_cookie_value(settings.secret_key, member))
    page = client.get("/m/me").get_data(as_text=True)
    assert "年度量化考核" in page and "综合得分" in page and f"{data['rank']}<small>/60</small>" in page


def test_the_year_exports_to_excel_audited(client: FlaskClient, demo: Session) -> None:
    import io

    from openpyxl import load_workbook

    from screen_server.audit.models import AuditEntry

    login(client, *SECRETARY)
    r = client.get(f"{PAGE}/export.xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    wb = load_workbook(io.BytesIO(r.data))
    assert wb.sheetnames == ["支部排名", "党员得分"]
    stamp = "导出人：机关一支部书记（secretary1）；导出时间："
    for ws in wb.worksheets:  # each sheet says who exported it and when, under a blank row
        last = [c.value for c in ws[ws.max_row]]
        assert str(last[0]).startswith(stamp) and str(last[0]).endswith("（北京时间）") and not any(last[1:])
        assert not any(c.value for c in ws[ws.max_row - 1])
    branches = [[c.value for c in row] for row in wb["支部排名"].iter_rows(min_row=3, max_row=wb["支部排名"].max_row - 2)]
    assert len(branches) == 4 and [b[0] for b in branches] == [1, 2, 3, 4]
    members = [[c.value for c in row] for row in wb["党员得分"].iter_rows(min_row=3, max_row=wb["党员得分"].max_row - 2)]
    assert len(members) == 15 and {m[2] for m in members} == {"机关一支部"}  # the secretary's branch only
    assert wb["党员得分"].freeze_panes == "A3" and "年度量化考核" in str(wb["党员得分"]["A1"].value)
    entry = demo.scalar(select(AuditEntry).where(AuditEntry.action == "assessment.exported"))
    assert entry is not None and entry.details["members"] == 15
