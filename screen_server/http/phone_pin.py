"""Choosing one's own PIN: on the phone (the sign-in flow and a page of its own) and at a terminal.

A member who types an initial PIN from a slip is stopped with ``PinChangeRequired`` wherever they
identify. In the sign-in flow the page then asks for the new PIN at once, carrying a signed ten-minute
note (member, PIN fingerprint, meeting) instead of the initial PIN, and signs them in once it is set.
``/phone/pin`` does the same for every other phone form; a terminal calls
``POST /api/device/members/pin``. Routes on the sign-in blueprint (imported by ``signin``).
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, jsonify, request
from itsdangerous import BadSignature, SignatureExpired

from screen_server.devices import logins
from screen_server.errors import DomainError, Invalid, NotAuthenticated
from screen_server.http.common import current_device, db, identify_member, json_body, run
from screen_server.http.signin import _page, _serializer, bp, remember_phone, writer
from screen_server.i18n import _
from screen_server.meetings import services as meetings
from screen_server.meetings.models import SignInMethod
from screen_server.org import pins
from screen_server.org.models import Member

TICKET_SECONDS = 600


def ticket_for(member: Member, meeting_id: int, client_id: str) -> str:
    """The signed note that this member just typed their initial PIN on a genuine scan of this meeting."""
    return _serializer("pin-change").dumps({"m": member.id, "f": meetings.pin_fingerprint(member),
                                            "mt": meeting_id, "c": client_id})


def choose_page(member: Member, meeting_id: int, client_id: str, *, error: str = "", status: int = 200) -> Response:
    meeting = meetings.get_meeting(db(), meeting_id)
    return _page("choose_pin.html", status, member=member, meeting=meeting, error=error,
                 ticket=ticket_for(member, meeting_id, client_id))


@bp.post("/s/<int:meeting_id>/pin")
def choose_and_sign_in(meeting_id: int) -> Response:
    """The new PIN, chosen in the middle of signing in: set it, then sign the member in."""
    try:
        data = _serializer("pin-change").loads(request.form.get("ticket", ""), max_age=TICKET_SECONDS)
    except SignatureExpired:
        return _page("refused.html", 403, message=_("设置密码超时，请重新扫描大屏上的二维码。"))
    except BadSignature:
        return _page("refused.html", 403, message=_("页面无效，请重新扫描大屏上的二维码。"))
    member = db().get(Member, int(data.get("m") or 0)) if isinstance(data, dict) else None
    if (member is None or data.get("mt") != meeting_id or not member.active
            or data.get("f") != meetings.pin_fingerprint(member)):
        return _page("refused.html", 403, message=_("页面已失效（密码可能已被修改），请重新扫描大屏上的二维码。"))
    client_id = str(data.get("c") or "") or uuid.uuid4().hex
    try:
        run(pins.choose_pin, db(), member, request.form.get("new_pin", ""), request.form.get("repeat", ""))
    except DomainError as exc:
        db().refresh(member)
        return choose_page(member, meeting_id, client_id, error=exc.message, status=400)
    try:
        answer = writer().sign_in(meeting_id=meeting_id, member_id=member.id, method=SignInMethod.QR,
                                  client_id=client_id)
    except DomainError as exc:
        resp = _page("refused.html", 409, message=_("新密码已设置。") + exc.message)
        remember_phone(resp, member)
        return resp
    resp = _page("done.html", answer=answer, member_name=member.name, pin_changed=True)
    remember_phone(resp, member)
    return resp


@bp.get("/phone/pin")
def pin_form() -> Response:
    return _page("change_pin.html")


@bp.post("/phone/pin")
def change_pin() -> Response:
    """Any member changes their PIN (the way out of an initial PIN for every phone form)."""
    f = request.form
    try:
        member = identify_member(f.get("number", ""), f.get("pin", ""), "phone:/phone/pin", initial_ok=True)
        run(pins.change_own_pin, db(), member, f.get("pin", ""), f.get("new_pin", ""), f.get("repeat", ""))
    except NotAuthenticated as exc:
        return _page("change_pin.html", 401, error=exc.message, number=f.get("number", ""))
    except DomainError as exc:
        return _page("change_pin.html", 400, error=exc.message, number=f.get("number", ""))
    resp = _page("pin_changed.html", member=member)
    remember_phone(resp, member)
    return resp


@bp.post("/api/device/members/pin")
def device_change_pin() -> Any:
    """At a terminal: a member with an initial PIN (or any member) sets their own. JSON
    ``{"number" or "member_id", "pin", "new_pin", "repeat"}``; answers ``{"ok": true, "member": …}``."""
    logins.require_terminal(current_device())  # a wall has no keypad: its token never changes a PIN
    body = json_body()
    number = str(body.get("number") or "")
    if not number and body.get("member_id") is not None:
        try:
            found = db().get(Member, int(body.get("member_id")))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            found = None
        if found is None:
            raise NotAuthenticated(_("党员编号或密码不正确。"))
        number = found.number
    pin = str(body.get("pin") or "")
    member = identify_member(number, pin, "terminal:pin", initial_ok=True)
    new = str(body.get("new_pin") or "")
    repeat = str(body.get("repeat") if body.get("repeat") is not None else new)
    if not new:
        raise Invalid(_("请输入新密码。"))
    run(pins.change_own_pin, db(), member, pin, new, repeat)
    return jsonify({"ok": True, "member": {"id": member.id, "name": member.name, "number": member.number}})
