"""The meetings API for the web admin's users: meetings of the branches they manage, attendance,
leave and make-up, and the ledger (JSON, .xlsx). A branch secretary sees only their own branch."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, jsonify, request

from screen_server.audit import services as audit
from screen_server.audit.services import record
from screen_server.errors import Invalid
from screen_server.http.common import (
    client_ip,
    current_user,
    db,
    id_arg,
    json_body,
    json_id,
    json_ids,
    require_recent_auth,
    run,
    runtime,
)
from screen_server.i18n import _
from screen_server.meetings import ledger as ledgers
from screen_server.meetings import services as meetings
from screen_server.meetings.models import Meeting
from screen_server.org.models import Role, User

bp = Blueprint("meetings_api", __name__, url_prefix="/api")
MANAGERS = (Role.ADMIN, Role.SECRETARY)


def _user() -> User:
    user = current_user(roles=MANAGERS)
    assert user is not None
    return user


def parse_local(value: Any, field: str) -> dt.datetime:
    """Parse an ISO date-time; one without a zone is Beijing time."""
    try:
        at = dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise Invalid(_("{f} 不是有效的时间，请使用 2026-11-22T15:00 的格式。").format(f=field)) from None
    return at if at.tzinfo else at.replace(tzinfo=meetings.LOCAL_TZ)


def parse_date(value: Any, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise Invalid(_("{f} 不是有效的日期，请使用 2026-11-22 的格式。").format(f=field)) from None


def meeting_json(m: Meeting) -> dict[str, Any]:
    return meetings.meeting_data(m) | {
        "room": {"id": m.room.id, "name": m.room.name} if m.room else None,
        "signin_opens_at": m.signin_opens_at.astimezone(dt.UTC).isoformat(), "cancelled": m.cancelled,
        "window": meetings.window_state(m, meetings.utcnow()), "recorder": m.recorder, "agenda": m.agenda,
        "branch_ids": [b.id for b in m.branches],
    }


@bp.get("/meetings")
def list_meetings() -> Any:
    user = _user()
    items = meetings.list_meetings(db(), user, branch_id=id_arg("branch_id"))
    return jsonify({"items": [meeting_json(m) for m in items]})


@bp.post("/meetings")
def create_meeting() -> Any:
    user, body = _user(), json_body()
    optional: dict[str, Any] = {k: parse_local(body[k], k) for k in ("signin_opens_at", "signin_closes_at")
                                if body.get(k)}
    meeting = run(
        meetings.create_meeting, db(), runtime().settings, user, title=str(body.get("title") or ""),
        type=str(body.get("type") or ""), branch_ids=json_ids(body, "branch_ids"),
        room_id=body.get("room_id"), starts_at=parse_local(body.get("starts_at"), "starts_at"),
        ends_at=parse_local(body.get("ends_at"), "ends_at"), host=str(body.get("host") or ""),
        recorder=str(body.get("recorder") or ""), agenda=str(body.get("agenda") or ""),
        expected_member_ids=body.get("expected_member_ids"), quorum_rule=body.get("quorum_rule") or None, **optional,
    )
    return jsonify(meeting_json(meeting)), 201


@bp.get("/meetings/<int:meeting_id>")
def get_meeting(meeting_id: int) -> Any:
    meeting = meetings.get_meeting_for(db(), _user(), meeting_id)
    return jsonify(meeting_json(meeting) | meetings.attendance_sheet(db(), meeting))


@bp.post("/meetings/<int:meeting_id>/cancel")
def cancel_meeting(meeting_id: int) -> Any:
    return jsonify(meeting_json(run(meetings.cancel_meeting, db(), _user(), meeting_id)))


@bp.post("/meetings/<int:meeting_id>/leaves")
def add_leave(meeting_id: int) -> Any:
    user, body = _user(), json_body()
    run(meetings.request_leave, db(), meeting_id=meeting_id, member_id=json_id(body, "member_id"),
        reason=str(body.get("reason") or ""), entered_by=user)
    return jsonify({"ok": True}), 201


@bp.post("/meetings/<int:meeting_id>/makeups")
def add_makeup(meeting_id: int) -> Any:
    user, body = _user(), json_body()
    run(meetings.makeup_sign_in, db(), runtime().settings, user, meeting_id=meeting_id,
        member_id=json_id(body, "member_id"), reason=str(body.get("reason") or ""),
        on_attended=runtime().attendance_hooks)
    return jsonify({"ok": True}), 201


def _ledger_args() -> tuple[User, int | None, dt.date, dt.date]:
    user = _user()
    today = dt.datetime.now(meetings.LOCAL_TZ).date()
    start = parse_date(request.args.get("start") or today.replace(month=1, day=1).isoformat(), "start")
    end = parse_date(request.args.get("end") or today.isoformat(), "end")
    if end < start:
        raise Invalid(_("结束日期不能早于开始日期。"))
    return user, id_arg("branch_id"), start, end


@bp.get("/ledger")
def ledger_json() -> Any:
    user, branch_id, start, end = _ledger_args()
    rows = ledgers.ledger(db(), user, branch_id=branch_id, start=start, end=end)
    return jsonify({"items": [vars(r) | {"present_count": r.present_count, "rate": r.rate} for r in rows]})


@bp.get("/ledger.xlsx")
def ledger_xlsx() -> Response:
    user, branch_id, start, end = _ledger_args()
    require_recent_auth()
    rows = ledgers.ledger(db(), user, branch_id=branch_id, start=start, end=end)
    run(audit.record_export, db(), actor_user_id=user.id, what="ledger", ip=client_ip(),
        details={"branch_id": branch_id, "start": start.isoformat(), "end": end.isoformat(), "rows": len(rows)})
    scope = ledgers.branch_name(db(), branch_id if branch_id else user.branch_id)
    title = f"{scope}会议台账（{start.isoformat()} 至 {end.isoformat()}）"
    data = ledgers.export_xlsx(rows, title=title, actor=user)
    run(record, db(), actor_user_id=user.id, action="ledger.exported", target_type="branch" if branch_id else "",
        target_id=branch_id, details={"start": start.isoformat(), "end": end.isoformat()}, ip=client_ip())
    filename = f"ledger-{start.isoformat()}-{end.isoformat()}.xlsx"
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})
