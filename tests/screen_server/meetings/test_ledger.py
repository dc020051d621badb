from __future__ import annotations

import datetime as dt
import io

from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from screen_server.config import Settings
from screen_server.meetings import ledger as ledgers
from screen_server.meetings import services as meetings
from screen_server.meetings import signins
from screen_server.meetings.models import SignInMethod
from tests.screen_server.meetings.conftest import OpenMeeting


def test_ledger_rows_and_xlsx(session: Session, settings: Settings, open_meeting: OpenMeeting) -> None:
    om = open_meeting
    a, b, c, d, _e = om.members
    for m in (a, b):
        signins.record_sign_in(session, settings, meeting_id=om.meeting.id, member_id=m.id, method=SignInMethod.QR)
    signins.record_sign_in(session, settings, meeting_id=om.meeting.id, member_id=om.outsider.id,
                            method=SignInMethod.QR)
    meetings.request_leave(session, meeting_id=om.meeting.id, member_id=c.id, reason="病假")
    meetings.makeup_sign_in(session, settings, om.secretary, meeting_id=om.meeting.id, member_id=d.id,
                            reason="扫码失败")
    session.commit()
    today = dt.date.today()
    rows = ledgers.ledger(session, om.secretary, branch_id=None, start=today - dt.timedelta(days=1),
                          end=today + dt.timedelta(days=1))
    assert len(rows) == 1
    row = rows[0]
    assert row.expected == 5 and row.present_count == 3 and row.rate == 0.6
    assert f"{c.name}（请假：病假）" in row.absent and f"{_e.name}（未签到）" in row.absent  # the window is still open
    assert row.guests == [om.outsider.name]
    assert row.makeups == [f"{d.name}（补签：扫码失败）"]

    data = ledgers.export_xlsx(rows, title="测试支部会议台账")
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    assert ws["A1"].value == "测试支部会议台账"
    assert [cell.value for cell in ws[2]][:11] == ["日期时间", "会议类型", "会议主题", "主持人", "记录人", "参会支部",
                                                  "应到", "实到", "请假", "出席率", "法定人数"]
    assert ws.freeze_panes == "A3"
    assert ws["C3"].value == "支部党员大会" and ws["G3"].value == 5 and ws["H3"].value == 3
    assert ws["J3"].value == 0.6 and ws["J3"].number_format == "0.0%"
    assert ws["K3"].value.startswith("已达到")  # 3 of 5 with a vote: more than half
    assert ws.column_dimensions["L"].width == 40


def test_phone_pages_render_without_admin_plugin(client: FlaskClient) -> None:
    assert client.get("/phone/me").status_code == 200
