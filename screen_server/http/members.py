"""The members API for the web admin's users (session cookie); a branch secretary sees only their branch."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from screen_server.http.common import current_user, db, id_arg, int_arg
from screen_server.org import services as org
from screen_server.org.models import Member

bp = Blueprint("members_api", __name__, url_prefix="/api")


def member_json(m: Member) -> dict[str, Any]:
    return {
        "id": m.id,
        "number": m.number,
        "name": m.name,
        "gender": m.gender.value if m.gender else None,
        "birth_date": m.birth_date.isoformat() if m.birth_date else None,
        "joined_party_on": m.joined_party_on.isoformat() if m.joined_party_on else None,
        "branch": {"id": m.branch.id, "name": m.branch.name},
        "group": m.group.name if m.group else None,
        "education": m.education,
        "title": m.title,
        "employment_type": m.employment_type,
        "phone": m.phone,
        "party_status": m.party_status.value,
        "active": m.active,
        "left": {"reason": m.left_reason.value, "on": m.left_on.isoformat() if m.left_on else None,
                 "note": m.left_note} if m.left_reason else None,
        "pin_must_change": m.pin_must_change,
    }


@bp.get("/members")
def list_members() -> Any:
    user = current_user()
    assert user is not None
    branch_id = id_arg("branch_id")
    page, total = org.list_members(
        db(),
        user,
        branch_id=branch_id,
        query=request.args.get("q", ""),
        offset=int_arg("offset", 0, 0, 2**63 - 1),
        limit=int_arg("limit", 50, 1, 500),
    )
    return jsonify({"total": total, "items": [member_json(m) for m in page]})


@bp.get("/members/<int:member_id>")
def get_member(member_id: int) -> Any:
    user = current_user()
    assert user is not None
    return jsonify(member_json(org.get_member(db(), user, member_id)))


@bp.get("/branches")
def list_branches() -> Any:
    user = current_user()
    assert user is not None
    return jsonify({"items": [{"id": b.id, "name": b.name} for b in org.visible_branches(db(), user)]})
