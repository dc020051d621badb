"""Study over HTTP: terminals and phones report study spans; a member identifies at a terminal with
number and PIN, or by scanning the terminal's login QR with their remembered phone; members read
their own minutes and points.

A terminal is trusted to say which member studied: it is a paired device, and it only names a member
who has just typed their PIN or confirmed on their phone. A phone can only report for the member its
signed cookie names, and only from pages of this server (the Origin must be ours).
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, jsonify, request, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from screen_server import protocol
from screen_server.bus import emit
from screen_server.devices import logins
from screen_server.devices.models import Device, DeviceStatus
from screen_server.errors import DomainError, Forbidden, Invalid, NotAuthenticated
from screen_server.http.common import current_device, db, identify_member, json_body, run, runtime
from screen_server.http.phone import phone_page
from screen_server.http.signin import (
    remember_phone,
    remembered_member,
)
from screen_server.i18n import _
from screen_server.offline import services as offline
from screen_server.org.models import Member
from screen_server.study import services as study

bp = Blueprint("study", __name__)

LOGIN_QR_SECONDS = 180  # a terminal's login QR is good this long (the terminal asks for a new one)
LOGIN_SALT = "terminal-login"


def member_data(member: Member) -> dict[str, Any]:
    return {"id": member.id, "number": member.number, "name": member.name,
            "branch": member.branch.name if member.branch else ""}


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(runtime().settings.secret_key, salt=LOGIN_SALT)


def _spans(body: dict[str, Any]) -> list[Any]:
    spans = body.get("spans")
    if not isinstance(spans, list):
        raise Invalid(_("请求中缺少学习记录列表 spans。"))
    return spans


@bp.post("/api/study/spans")
def post_spans() -> Any:
    """Study spans from a terminal (device token; each span names its member) or a remembered phone."""
    body = json_body()
    if request.headers.get("Authorization"):
        device = current_device()
        logins.require_terminal(device)
        # A span refused here would leave the terminal's outbox: it is kept as an offline conflict.
        result = run(offline.record_terminal_spans, db(), _spans(body), device_id=device.id)
    else:
        _same_origin()
        member = _phone_member()
        result = run(study.record_spans, db(), _spans(body), source="phone", member_id=member.id)
    return jsonify(result.as_json())


def _phone_member() -> Member:
    """The member this phone remembers, or 401 with how to be remembered."""
    member = remembered_member()
    if member is None:
        raise NotAuthenticated(_("请先在手机上登记党员编号和密码。"))
    return member


def _same_origin() -> None:
    """A cookie-authenticated write must come from this server's own pages (no cross-site posting)."""
    origin = request.headers.get("Origin") or request.headers.get("Referer") or ""
    if origin and urlsplit(origin).netloc != request.host:
        raise Forbidden(_("请求来源不明。"))


@bp.get("/api/study/me")
def my_study() -> Any:
    member = _phone_member()
    return jsonify(study.summary(db(), member).as_json())


@bp.post("/api/device/members/login")
def member_login() -> Any:
    """A member identifies at a terminal with number and PIN; the answer is what the terminal shows.
    From now until logout the terminal may read this member (and no other)."""
    device = current_device()
    logins.require_terminal(device)
    body = json_body()
    member = identify_member(str(body.get("number") or ""), str(body.get("pin") or ""), "terminal")
    run(logins.start, db(), device, member)
    return jsonify(study.summary(db(), member).as_json())


@bp.post("/api/device/members/logout")
def member_logout() -> Any:
    """The member at this terminal logged out (or the terminal's idle timer did it)."""
    device = current_device()
    ended = run(logins.end, db(), device)
    return jsonify({"ended": ended})


def logged_in_member(member_id: int) -> Member:
    """The member ``member_id``, if they are logged in at the requesting terminal now."""
    device = current_device()
    return run(logins.member_at, db(), device, member_id)


def terminal_or_phone_member() -> Member:
    """The member a practice or formal-test call is for: at a terminal (device token) the one logged in
    there, named by ``member_id`` in the body or query; on a phone (no token) the one it remembers,
    same-origin requests only."""
    body = request.get_json(silent=True) or {}
    if request.headers.get("Authorization"):
        raw = body.get("member_id") if isinstance(body, dict) else None
        raw = raw if raw is not None else request.args.get("member_id")
        try:
            member_id = int(raw) if raw is not None else 0
        except (TypeError, ValueError):
            member_id = 0
        return logged_in_member(member_id)
    _same_origin()
    return _phone_member()


@bp.get("/api/device/members/<int:member_id>/summary")
def member_summary(member_id: int) -> Any:
    member = logged_in_member(member_id)
    return jsonify(study.summary(db(), member).as_json())


@bp.get("/api/device/members/<int:member_id>/recommendations")
def member_recommendations(member_id: int) -> Any:
    """为你推荐 for the member logged in at this terminal, each with its reasons."""
    from screen_server.http.content import summary as item_summary
    from screen_server.study.recommend import recommend

    member = logged_in_member(member_id)
    limit = max(1, min(request.args.get("limit", 8, type=int) or 8, 30))
    return jsonify({"items": [r.as_json(item_summary) for r in recommend(db(), member, limit=limit)]})


@bp.get("/api/device/members/<int:member_id>/assessment")
def member_assessment(member_id: int) -> Any:
    """量化考核 of this year for the member logged in at this terminal: four scores, total and ranks."""
    from screen_server.assessment import publication
    from screen_server.assessment.services import member_assessment as assessment

    member = logged_in_member(member_id)
    data = assessment(db(), member.id)
    data["criteria"] = publication.criteria(db(), data["year"])
    return jsonify(data)


@bp.get("/api/device/honour")
def honour_board() -> Any:
    """光荣榜 for a terminal or a wall: the entries whose period covers today, with signed photo addresses."""
    from screen_server.assessment import honour

    current_device()
    settings = runtime().settings
    return jsonify({"entries": [honour.as_json(settings, e) for e in honour.current(db())]})


@bp.get("/api/device/assessment/published")
def published_assessment() -> Any:
    """The assessment results being published now (公示), names masked, for the wall's loop; null when none."""
    from screen_server.assessment import publication

    current_device()
    return jsonify({"published": publication.wall_results(db())})


@bp.get("/honour-photos/<int:entry_id>/<sig>")
def honour_photo(entry_id: int, sig: str) -> Response:
    from flask import send_file

    from content.media import MediaStore
    from screen_server.assessment import honour

    entry = honour.get_photo(db(), runtime().settings, entry_id, sig)
    resp = send_file(MediaStore(runtime().settings.media_dir).path_for(entry.photo_path), mimetype=entry.photo_mime,
                     conditional=True, max_age=86400)
    resp.headers["Cache-Control"] = "private, max-age=86400"
    return resp


@bp.get("/api/device/members/<int:member_id>/plans")
def member_plans(member_id: int) -> Any:
    """The study plans (必学) binding the member logged in at this terminal: each item, done or not."""
    from screen_server.study.plans import member_plans as plans_of
    from screen_server.study.plans import today_local

    member = logged_in_member(member_id)
    today = today_local()
    return jsonify({"plans": [p.as_json(today) for p in plans_of(db(), member, today=today)]})


@bp.post("/api/device/login-qr")
def login_qr() -> Any:
    """A fresh login QR for this terminal: scanned by a remembered phone, it logs that member in here."""
    device = current_device()
    logins.require_terminal(device)
    token = _serializer().dumps({"d": device.id, "n": secrets.token_urlsafe(6)})
    base = (runtime().settings.public_url or request.host_url).rstrip("/")
    return jsonify({"url": f"{base}{url_for('study.terminal_login', token=token)}", "seconds": LOGIN_QR_SECONDS})


# --- the phone side of the terminal's login QR -------------------------------------------------------



def _terminal(token: str) -> Device:
    try:
        data = _serializer().loads(token, max_age=LOGIN_QR_SECONDS)
    except SignatureExpired:
        raise Invalid(_("二维码已过期，请在终端上重新点击“扫码登录”。"), code="expired") from None
    except BadSignature:
        raise Invalid(_("二维码无效，请扫描活动室终端上的登录二维码。"), code="forged") from None
    device = db().get(Device, data.get("d")) if isinstance(data, dict) else None
    if device is None or device.status != DeviceStatus.APPROVED:
        raise Invalid(_("该终端已停用。"), code="revoked")
    return device


@bp.get("/t/<token>")
def terminal_login(token: str) -> Response:
    try:
        device = _terminal(token)
    except DomainError as exc:
        return phone_page("refused.html", 403, message=exc.message, heading=_("无法登录"))
    return phone_page("terminal_login.html", device=device, member=remembered_member(), token=token)


@bp.post("/t/<token>")
def confirm_terminal_login(token: str) -> Response:
    try:
        device = _terminal(token)
    except DomainError as exc:
        return phone_page("refused.html", 403, message=exc.message, heading=_("无法登录"))
    member = remembered_member()
    fresh = member is None
    if member is None:
        try:
            member = identify_member(request.form.get("number", ""), request.form.get("pin", ""), "phone:/t")
        except DomainError as exc:  # a wrong PIN, too many, or an initial one that must be changed first
            return phone_page("terminal_login.html", exc.status, device=device, member=None, token=token,
                               error=exc.message, number=request.form.get("number", ""))
    run(_announce_login, device, member)
    resp = phone_page("terminal_login_done.html", device=device, member=member)
    if fresh:
        remember_phone(resp, member)
    return resp


def _announce_login(device: Device, member: Member) -> None:
    logins.start(db(), device, member)
    summary = study.summary(db(), member).as_json()
    emit(db(), protocol.Event(protocol.MEMBER_LOGIN, {"summary": summary}, device_id=device.id))
