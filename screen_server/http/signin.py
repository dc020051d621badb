"""Meeting sign-in over HTTP: the phone pages a scanned QR opens, and the JSON endpoints of phones and
terminals.

Phone flow: the QR opens ``GET /s/<meeting>?t=<token>``. A genuine, current token earns a *scan
pass* (a signed note valid for two minutes) embedded in the page, so a member who takes a minute to
find their PIN is not refused, while a forwarded photo of the QR is. The first time, the member types
number and PIN; the phone is then remembered by a signed cookie bound to that member (and to their
PIN: a new PIN signs every phone out) until they sign out of it, and the next scans need one tap.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from flask import Blueprint, Response, jsonify, make_response, redirect, render_template, request, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.wrappers import Response as WerkzeugResponse

from screen_server.db import utcnow
from screen_server.devices import logins
from screen_server.errors import DomainError, Forbidden, Invalid, NotAuthenticated
from screen_server.http.common import client_ip, current_device, db, identify_member, json_body, run, runtime
from screen_server.i18n import _
from screen_server.identity import services as identity
from screen_server.meetings import qr
from screen_server.meetings import services as meetings
from screen_server.meetings.models import SignInMethod
from screen_server.meetings.writer import SignInAnswer, SignInWriter
from screen_server.org.models import Member
from screen_server.org.pins import PinChangeRequired

bp = Blueprint("signin", __name__)

PHONE_COOKIE = "ar_phone"
PHONE_COOKIE_DAYS = 365
SCAN_PASS_SECONDS = 120
REFUSALS = {
    "malformed": _("二维码内容不完整，请重新扫描大屏上的二维码。"),
    "forged": _("二维码无效，请扫描活动室大屏上的二维码。"),
    "expired": _("二维码已过期（二维码每隔几秒更新一次，转发的截图无法签到）。请在现场重新扫描大屏上的二维码。"),
}


def writer() -> SignInWriter:
    return runtime().signin_writer


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return _serializer_for(runtime().settings.secret_key, salt)


@lru_cache(maxsize=16)
def _serializer_for(secret_key: str, salt: str) -> URLSafeTimedSerializer:
    """Built once per key and salt: every phone request checks a cookie or a pass with one."""
    return URLSafeTimedSerializer(secret_key, salt=salt)


def _pin_fingerprint(member: Member) -> str:
    return meetings.pin_fingerprint(member)


def phone_cookie_value(secret_key: str, member: Member) -> str:
    """The remembered-phone cookie for ``member`` (also used by tests and benchmarks to act as a phone)."""
    return _serializer_for(secret_key, "phone-member").dumps({"m": member.id, "p": _pin_fingerprint(member)})


def phone_claim() -> tuple[int, str] | None:
    """The (member id, PIN fingerprint) a genuine cookie claims, without reading the database."""
    raw = request.cookies.get(PHONE_COOKIE)
    if not raw:
        return None
    try:
        data = _serializer("phone-member").loads(raw, max_age=PHONE_COOKIE_DAYS * 86400)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("m"), int):
        return None
    return int(data["m"]), str(data.get("p") or "")


def remembered_member() -> Member | None:
    """The member this phone is remembered for, if the cookie is genuine and their PIN unchanged."""
    claim = phone_claim()
    member = db().get(Member, claim[0]) if claim else None
    if member is None or claim is None or not member.active or claim[1] != _pin_fingerprint(member):
        return None
    return member


def phone_identified(channel: str) -> tuple[Member, Member | None]:
    """A phone form's member: the one this phone remembers, or the one whose number and PIN the form
    carries (then second too: the caller remembers the phone on its answer). Raises the refusal
    (wrong PIN, lockout) as a DomainError."""
    member = remembered_member()
    if member is not None:
        return member, None
    member = identify_member(request.form.get("number", ""), request.form.get("pin", ""), channel)
    return member, member


def identify_and_show(channel: str, show: Callable[..., Response]) -> Response:
    """POST of a phone page's number-and-PIN form: ``show(member)`` for the member (remembering the phone
    when they just identified), or ``show(None, status, error=message)`` for a refusal."""
    try:
        member, identified = phone_identified(channel)
    except DomainError as exc:
        return show(None, exc.status, error=exc.message)
    resp = show(member)
    if identified is not None:
        remember_phone(resp, identified)
    return resp


def remember_phone(resp: WerkzeugResponse, member: Member) -> None:
    """Make this phone remember ``member`` (a signed cookie bound to their PIN) for the next scans."""
    value = phone_cookie_value(runtime().settings.secret_key, member)
    resp.set_cookie(PHONE_COOKIE, value, max_age=PHONE_COOKIE_DAYS * 86400, httponly=True, samesite="Lax",
                    path="/")


def _page(template: str, status: int = 200, **ctx: Any) -> Response:
    resp = make_response(render_template(f"phone/{template}", **ctx), status)
    # Plain pages: no scripts at all, nothing from other hosts, never framed.
    resp.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'"
    )
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp


def _refused(reason: str, status: int = 403) -> Response:
    return _page("refused.html", status, message=REFUSALS.get(reason, reason))


@bp.get("/s/<int:meeting_id>")
def scan(meeting_id: int) -> Response:
    settings = runtime().settings
    try:
        window = qr.check(settings.secret_key, meeting_id, request.args.get("t", ""), utcnow(),
                          settings.qr_rotate_seconds)
    except qr.TokenRefused as refusal:
        return _refused(refusal.reason)
    try:
        meeting = meetings.get_meeting(db(), meeting_id)
    except DomainError:
        return _refused("forged")
    scan_pass = _serializer("scan-pass").dumps({"m": meeting_id, "w": window})
    return _page("signin.html", meeting=meeting, member=remembered_member(), scan_pass=scan_pass,
                 type_label=meetings.MEETING_TYPE_LABELS[meeting.type], starts=meetings.local_text(meeting.starts_at),
                 client_id=uuid.uuid4().hex)


def _check_pass(meeting_id: int) -> None:
    try:
        data = _serializer("scan-pass").loads(request.form.get("pass", ""), max_age=SCAN_PASS_SECONDS)
    except SignatureExpired:
        raise Invalid(REFUSALS["expired"], code="expired") from None
    except BadSignature:
        raise Invalid(REFUSALS["forged"], code="forged") from None
    if not isinstance(data, dict) or data.get("m") != meeting_id:
        raise Invalid(REFUSALS["forged"], code="forged")


@bp.post("/s/<int:meeting_id>")
def sign_in(meeting_id: int) -> Response:
    try:
        _check_pass(meeting_id)
    except Invalid as exc:
        return _page("refused.html", 403, message=exc.message)
    member = remembered_member()
    fresh_login = member is None
    try:
        if member is None:
            member = identify_member(request.form.get("number", ""), request.form.get("pin", ""), "phone:/s")
        answer = writer().sign_in(meeting_id=meeting_id, member_id=member.id, method=SignInMethod.QR,
                                  client_id=(request.form.get("client_id") or None))
    except PinChangeRequired as exc:  # an initial PIN from a slip: choose one's own first, then signed in
        from screen_server.http.phone_pin import choose_page

        chosen = db().get(Member, exc.member_id)
        assert chosen is not None
        return choose_page(chosen, meeting_id, request.form.get("client_id") or uuid.uuid4().hex)
    except NotAuthenticated as exc:
        return _retry(meeting_id, exc.message, exc.status)
    except DomainError as exc:
        return _page("refused.html", 409, message=exc.message)
    resp = _page("done.html", answer=answer, member_name=member.name)
    if fresh_login:
        remember_phone(resp, member)
    return resp


def _retry(meeting_id: int, message: str, status: int = 401) -> Response:
    meeting = meetings.get_meeting(db(), meeting_id)
    return _page("signin.html", status, meeting=meeting, member=None, scan_pass=request.form.get("pass", ""),
                 type_label=meetings.MEETING_TYPE_LABELS[meeting.type], starts=meetings.local_text(meeting.starts_at),
                 client_id=request.form.get("client_id") or uuid.uuid4().hex, error=message,
                 number=request.form.get("number", ""))


@bp.post("/s/<int:meeting_id>/leave")
def leave(meeting_id: int) -> Response:
    try:
        _check_pass(meeting_id)
        member = remembered_member() or identify_member(
            request.form.get("number", ""), request.form.get("pin", ""), "phone:/s/leave")
        run(meetings.request_leave, db(), meeting_id=meeting_id, member_id=member.id,
            reason=request.form.get("reason", ""))
    except DomainError as exc:
        return _page("refused.html", 400, message=exc.message)
    return _page("leave_done.html", member_name=member.name)


@bp.post("/phone/forget")
def forget_phone() -> Response:
    resp = _page("forgotten.html")
    resp.delete_cookie(PHONE_COOKIE, path="/")
    return resp


@bp.post("/phone/forget-all")
def forget_all_phones() -> Response:
    """Sign this member out on every phone that remembers them (a lost phone, a shared one)."""
    member = remembered_member()
    if member is not None:
        run(identity.sign_out_all_phones, db(), member, ip=client_ip())
    resp = _page("forgotten.html", everywhere=member is not None)
    resp.delete_cookie(PHONE_COOKIE, path="/")
    return resp


@bp.get("/phone")
def phone_home() -> Any:
    return redirect(url_for("signin.phone_me"))


@bp.get("/phone/me")
def phone_me() -> Response:
    return _page("me.html", member=remembered_member())


# --- JSON: phones that script the sign-in, and terminals ------------------------------------------
def _answer_json(answer: SignInAnswer) -> Any:
    body = {"created": answer.created, "message": answer.message, "meeting_id": answer.meeting_id,
            "member": {"id": answer.member_id, "name": answer.member_name}, "signed_at": answer.signed_at,
            "late": answer.late, "guest": answer.guest}
    return jsonify(body), 201 if answer.created else 200


@bp.post("/api/meetings/<int:meeting_id>/signins")
def api_sign_in(meeting_id: int) -> Any:
    """Sign in the remembered member with a current QR token (JSON; the phone cookie identifies)."""
    body = json_body()
    settings = runtime().settings
    try:
        qr.check(settings.secret_key, meeting_id, str(body.get("token") or ""), utcnow(),
                 settings.qr_rotate_seconds)
    except qr.TokenRefused as refusal:
        raise Invalid(REFUSALS[refusal.reason], code=f"token_{refusal.reason}") from None
    claim = phone_claim()  # checked against the member's row by the writer, with the rest of its batch
    if claim is None:
        raise NotAuthenticated(_("请先用党员编号和密码登录。"))
    client_id = str(body.get("client_id") or "")[:64] or None
    return _answer_json(writer().sign_in(meeting_id=meeting_id, member_id=claim[0], method=SignInMethod.QR,
                                         client_id=client_id, pin_fingerprint=claim[1]))


@bp.get("/api/device/roster")
def device_roster() -> Any:
    """Branches and members a terminal offers as tiles for the sign-in of its room's open meeting."""
    device = current_device()
    logins.require_terminal(device)
    meeting = meetings.open_meeting_for_room(db(), device.room_id)
    if meeting is None:
        return jsonify({"meeting": None, "branches": []})
    return jsonify({"meeting": meetings.meeting_data(meeting), "branches": meetings.roster(db(), meeting)})


@bp.post("/api/device/signins")
def device_sign_in() -> Any:
    """A member signs in at a terminal: name picked from tiles, PIN typed on the keypad."""
    device = current_device()
    body = json_body()
    try:
        member_id = int(body.get("member_id"))  # type: ignore[arg-type]
        meeting_id = int(body.get("meeting_id"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise Invalid(_("请选择会议和党员。")) from None
    logins.require_terminal(device)
    meeting = meetings.open_meeting_for_room(db(), device.room_id)
    if meeting is None or meeting.id != meeting_id:
        raise Forbidden(_("本终端只能办理本活动室当前会议的签到。"), code="wrong_room")
    member = db().get(Member, member_id)
    if member is None:
        raise NotAuthenticated(_("党员编号或密码不正确。"))
    identify_member(member.number, str(body.get("pin") or ""), "terminal:signin")
    client_id = str(body.get("client_id") or "")[:64] or None
    return _answer_json(writer().sign_in(meeting_id=meeting_id, member_id=member.id,
                                         method=SignInMethod.TERMINAL, client_id=client_id, device_id=device.id))


# Choosing one's own PIN adds its routes to ``bp`` (imported last: it imports from here).
from screen_server.http import phone_pin  # noqa: E402,F401
