"""The meetings API: create, attendance sheet, leave and make-up, ledger export; scoped by branch."""

from __future__ import annotations

import io

from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from screen_server.org.models import Role, User
from screen_server.points.models import PointsEntry
from tests.helpers.auth import sign_in_as
from tests.helpers.factories import make_branch, make_member, make_room, make_user


def _login(client: FlaskClient, user: User) -> dict[str, str]:
    sign_in_as(client, user)
    with client.session_transaction() as s:
        s["csrf_token"] = "t"
    return {}


def test_meeting_lifecycle_and_ledger(app, client: FlaskClient, session: Session) -> None:  # type: ignore[no-untyped-def]
    app.config["WTF_CSRF_ENABLED"] = False  # CSRF itself is tested with the tickets endpoint
    branch, other = make_branch(session), make_branch(session)
    members = [make_member(session, branch_id=branch.id) for _ in range(3)]
    room = make_room(session)
    secretary = make_user(session, Role.SECRETARY, branch_id=branch.id)
    session.commit()
    _login(client, secretary)

    bad = client.post("/api/meetings", json={"title": "支委会", "type": "branch_committee", "branch_ids": [branch.id],
                                             "starts_at": "明天下午", "ends_at": "2026-11-23T17:00"})
    assert bad.status_code == 400 and "不是有效的时间" in bad.get_json()["error"]["message"]
    foreign = client.post("/api/meetings", json={"title": "越权", "type": "group", "branch_ids": [other.id],
                                                 "starts_at": "2026-11-23T15:00", "ends_at": "2026-11-23T17:00"})
    assert foreign.status_code == 403

    r = client.post("/api/meetings", json={"title": "支委会", "type": "branch_committee", "branch_ids": [branch.id],
                                           "room_id": room.id, "starts_at": "2026-01-05T15:00",
                                           "ends_at": "2026-01-05T17:00", "host": "书记"})
    assert r.status_code == 201
    meeting = r.get_json()
    assert meeting["window"] == "closed" and meeting["type_label"] == "支部委员会"
    mid = meeting["id"]
    assert client.post(f"/api/meetings/{mid}/makeups", json={"member_id": members[0].id, "reason": ""}).status_code == 400
    assert client.post(f"/api/meetings/{mid}/makeups",
                       json={"member_id": members[0].id, "reason": "会后补签"}).status_code == 201
    # a make-up after the meeting earns what a sign-in earns, once
    assert session.scalars(select(PointsEntry.points).where(PointsEntry.member_id == members[0].id,
                                                           PointsEntry.ref == f"meeting:{mid}")).all() == [2]
    assert client.post(f"/api/meetings/{mid}/leaves",
                       json={"member_id": members[1].id, "reason": "出差"}).status_code == 201
    sheet = client.get(f"/api/meetings/{mid}").get_json()
    assert [p["status"] for p in sheet["attendees"]] == ["present", "leave", "absent"]
    assert sheet["counts"]["signed"] == 1 and sheet["counts"]["on_leave"] == 1

    xlsx = client.get("/api/ledger.xlsx?start=2026-01-01&end=2026-01-31")
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    ws = load_workbook(io.BytesIO(xlsx.data)).active
    assert ws is not None
    headings = [c.value for c in ws[2]]
    assert headings[:10] == ["日期时间", "会议类型", "会议主题", "主持人", "记录人", "参会支部", "应到", "实到", "请假",
                             "出席率"]
    line = dict(zip(headings, [c.value for c in ws[3]], strict=True))
    assert line["会议主题"] == "支委会" and (line["应到"], line["实到"], line["请假"]) == (3, 1, 1)
    assert str(ws.cell(row=ws.max_row, column=1).value).startswith("导出人：")  # who exported it, and when
    assert "会议台账" in str(ws["A1"].value)
    assert client.get("/api/ledger?start=2026-02-01&end=2026-01-01").status_code == 400


def test_other_branch_meeting_is_invisible(app, client: FlaskClient, session: Session) -> None:  # type: ignore[no-untyped-def]
    app.config["WTF_CSRF_ENABLED"] = False
    a, b = make_branch(session), make_branch(session)
    admin = make_user(session, Role.ADMIN)
    sec_b = make_user(session, Role.SECRETARY, branch_id=b.id)
    session.commit()
    _login(client, admin)
    mid = client.post("/api/meetings", json={"title": "A支部党课", "type": "party_lecture", "branch_ids": [a.id],
                                             "starts_at": "2026-03-01T09:00", "ends_at": "2026-03-01T10:00"}
                      ).get_json()["id"]
    _login(client, sec_b)
    assert client.get(f"/api/meetings/{mid}").status_code == 404
    assert client.get("/api/meetings").get_json()["items"] == []
    assert client.post(f"/api/meetings/{mid}/cancel").status_code == 404
