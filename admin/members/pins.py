"""Initial PINs for many members: choose a branch (or take an import batch), issue, and get the printable
slips and the .xlsx at once. The PINs are on that one answer only (no-store, never kept); issuing again
makes new ones. Routes on the members blueprint; ``screen_server.org.pins`` checks scope and audits."""

from __future__ import annotations

import base64
from typing import Any

from flask import Response, make_response, render_template, request

from admin.members.views import bp
from admin.web import me
from screen_server.db import utcnow
from screen_server.http.common import db, run, runtime
from screen_server.org import exports, pins
from screen_server.org import services as org
from screen_server.org.pins import IssuedPin

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/pins")
def pins_form() -> Any:
    branches = org.visible_branches(db(), me())
    return render_template("admin/members/pins.html", branches=branches,
                           branch_id=org.branch_scope(me()) or request.args.get("branch_id", type=int))


@bp.post("/pins/issue")
def issue_pins() -> Response:
    f = request.form
    ids = [int(x) for x in f.get("member_ids", "").split(",") if x.strip().isdigit()]
    if ids:
        issued = run(pins.issue_pins, db(), me(), member_ids=ids)
    else:
        issued = run(pins.issue_pins, db(), me(), branch_id=f.get("branch_id", type=int) or None)
    return _slips(issued)


@bp.post("/<int:member_id>/pin/reset")
def reset_pin(member_id: int) -> Response:
    return _slips([run(pins.reset_pin, db(), me(), member_id)])


def _slips(issued: list[IssuedPin]) -> Response:
    """The slips page, with the same PINs as an .xlsx inside it: the only time they are shown."""
    settings = runtime().settings
    phone_url = (settings.public_url or request.host_url).rstrip("/") + "/phone"
    instruction = pins.slip_instruction(db(), phone_url)
    made_at = utcnow()
    sheet = exports.pins_xlsx(issued, made_by=me().display_name or me().username, made_at=made_at,
                              instruction=instruction)
    resp = make_response(render_template(
        "admin/members/slips.html", issued=issued, instruction=instruction, made_at=made_at,
        xlsx_href=f"data:{XLSX};base64,{base64.b64encode(sheet).decode()}",
        xlsx_name=f"初始密码-{made_at.strftime('%Y%m%d-%H%M')}.xlsx"))
    resp.headers["Cache-Control"] = "no-store"
    return resp
