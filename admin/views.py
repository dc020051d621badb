"""The admin's pages. Each view parses the form, calls one service through ``run`` (one unit of work),
and renders or redirects; the signed-in user's role and branch scope every service call."""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)

from screen_server.announcements import services as announcements
from screen_server.audit.services import recent as recent_audit
from screen_server.devices import services as devices
from screen_server.errors import DomainError, Invalid
from screen_server.http.common import client_ip, current_user, db, run, runtime
from screen_server.i18n import _
from screen_server.meetings import ledger as ledgers
from screen_server.meetings import services as meetings
from screen_server.meetings.models import MEETING_TYPE_LABELS
from screen_server.org import services as org
from screen_server.org.importing import apply_member_import, prepare_member_import
from screen_server.org.models import Role, User

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates", static_folder="static")
LOCAL = ZoneInfo("Asia/Shanghai")
ROLE_LABELS = {Role.ADMIN: "系统管理员", Role.SECRETARY: "支部书记", Role.EDITOR: "内容编辑", Role.REVIEWER: "内容审核"}
F = TypeVar("F", bound=Callable[..., Any])


def install(app: Flask) -> None:
    app.register_blueprint(bp)
    app.add_url_rule("/", "root", lambda: redirect(url_for("admin.dashboard")))
    app.extensions["activity_room.html_errors"] = _html_error
    app.jinja_env.filters["local"] = _local
    app.jinja_env.filters["mask_phone"] = lambda p: (p[:3] + "****" + p[-4:]) if p and len(p) >= 7 else (p or "")


def _local(at: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return at.astimezone(LOCAL).strftime(fmt) if at else ""


def _html_error(exc: DomainError) -> Any:
    if exc.status == 401:
        return redirect(url_for("admin.login", next=request.path))
    if request.method == "POST" and request.referrer:
        flash(exc.message, "error")
        return redirect(request.referrer)
    return render_template("admin/error.html", message=exc.message), exc.status


def login_required(*roles: Role) -> Callable[[F], F]:
    """Let the view run only for a signed-in user (of one of ``roles``, when given)."""

    def wrap(view: F) -> F:
        @functools.wraps(view)
        def inner(*args: Any, **kwargs: Any) -> Any:
            if current_user(required=False) is None:
                return redirect(url_for("admin.login", next=request.path))
            g.user = current_user(roles=roles)
            return view(*args, **kwargs)

        return inner  # type: ignore[return-value]

    return wrap


def me() -> User:
    user: User = g.user
    return user


@bp.context_processor
def _globals() -> dict[str, Any]:
    user = g.get("user")
    return {"user": user, "role_label": ROLE_LABELS.get(user.role, "") if user else "", "Role": Role}


def parse_local(value: str, field: str, *, required: bool = True) -> dt.datetime | None:
    """A datetime-local field (Beijing time) as UTC-aware datetime."""
    value = (value or "").strip()
    if not value:
        if required:
            raise Invalid(_("请填写{f}。").format(f=field))
        return None
    try:
        return dt.datetime.fromisoformat(value).replace(tzinfo=LOCAL)
    except ValueError:
        raise Invalid(_("{f}格式不正确。").format(f=field)) from None


# --- sign in -------------------------------------------------------------------------------------
@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        return render_template("admin/login.html")
    try:
        user = run(org.authenticate_user, db(), request.form.get("username", ""), request.form.get("password", ""),
                   ip=client_ip())
    except DomainError as exc:
        run(org.record_failed_login, db(), request.form.get("username", ""), ip=client_ip())
        return render_template("admin/login.html", error=exc.message, username=request.form.get("username", "")), 401
    session.clear()  # a fresh session on sign-in: no fixation
    session["user_id"] = user.id
    target = request.args.get("next", "")
    return redirect(target if target.startswith("/admin") else url_for("admin.dashboard"))


@bp.post("/logout")
def logout() -> Any:
    session.clear()
    return redirect(url_for("admin.login"))


@bp.get("/")
@login_required()
def dashboard() -> Any:
    return render_template("admin/dashboard.html", **_dashboard_figures())


def _dashboard_figures() -> dict[str, Any]:
    s, user = db(), me()
    rt = runtime()
    figures: dict[str, Any] = {"branches": org.visible_branches(s, user)}
    if user.role in (Role.ADMIN, Role.SECRETARY):
        figures["member_total"] = org.list_members(s, user, limit=1)[1]
        figures["meetings"] = meetings.list_meetings(s, user)[:5]
    if user.role is Role.ADMIN:
        devs = devices.list_devices(s)
        figures["devices_online"] = sum(devices.is_online(d, rt.settings) for d in devs)
        figures["devices_total"] = len(devs)
        figures["announcements"] = announcements.active_for_room(s, None)[:5]
    return figures


# --- members -------------------------------------------------------------------------------------
@bp.get("/members")
@login_required(Role.ADMIN, Role.SECRETARY)
def members() -> Any:
    page = max(request.args.get("page", 1, type=int), 1)
    branch_id = request.args.get("branch_id", type=int)
    q = request.args.get("q", "")
    items, total = org.list_members(db(), me(), branch_id=branch_id, query=q, offset=(page - 1) * 50, limit=50)
    return render_template("admin/members.html", items=items, total=total, page=page, pages=max((total + 49) // 50, 1),
                           q=q, branch_id=branch_id, branches=org.visible_branches(db(), me()))


@bp.get("/members/<int:member_id>")
@login_required(Role.ADMIN, Role.SECRETARY)
def member(member_id: int) -> Any:
    return render_template("admin/member.html", m=org.get_member(db(), me(), member_id))


@bp.post("/members/<int:member_id>/pin")
@login_required(Role.ADMIN, Role.SECRETARY)
def member_pin(member_id: int) -> Any:
    run(org.set_member_pin, db(), me(), member_id, request.form.get("pin", ""))
    flash(_("签到密码已设置。"), "ok")
    return redirect(url_for("admin.member", member_id=member_id))


def _uploads() -> Path:
    path = runtime().settings.data_dir / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _import_scope(user: User) -> dict[str, Any]:
    scope = org.branch_scope(user)
    return {"allowed_branch_ids": None if scope is None else {scope}, "default_branch_id": scope}


@bp.route("/members/import", methods=["GET", "POST"])
@login_required(Role.ADMIN, Role.SECRETARY)
def members_import() -> Any:
    if request.method == "GET":
        return render_template("admin/import.html")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Invalid(_("请选择要导入的花名册文件（.xlsx 或 .csv）。"))
    data = upload.read()
    update = bool(request.form.get("update_existing"))
    report = prepare_member_import(db(), data, upload.filename, update_existing=update, **_import_scope(me()))
    upload_id = secrets.token_hex(16)
    (_uploads() / f"{upload_id}.bin").write_bytes(data)
    return render_template("admin/import.html", report=report, upload_id=upload_id, filename=upload.filename,
                           update_existing=update)


@bp.post("/members/import/confirm")
@login_required(Role.ADMIN, Role.SECRETARY)
def members_import_confirm() -> Any:
    upload_id = request.form.get("upload_id", "")
    if not (len(upload_id) == 32 and all(c in "0123456789abcdef" for c in upload_id)):
        abort(400)
    path = _uploads() / f"{upload_id}.bin"
    if not path.exists():
        raise Invalid(_("上传的文件已过期，请重新上传。"))
    try:
        report = prepare_member_import(db(), path.read_bytes(), request.form.get("filename", "roster.xlsx"),
                                       update_existing=bool(request.form.get("update_existing")),
                                       **_import_scope(me()))
        if not report.ok:
            return render_template("admin/import.html", report=report, upload_id=upload_id,
                                   filename=request.form.get("filename", ""))
        result = apply_member_import(db(), report, actor_user_id=me().id)
    finally:
        path.unlink(missing_ok=True)
    flash(_("导入完成：新增 {c} 人，更新 {u} 人。").format(c=result.created, u=result.updated), "ok")
    return redirect(url_for("admin.members"))


# --- devices and rooms ---------------------------------------------------------------------------
@bp.get("/devices")
@login_required(Role.ADMIN)
def devices_page() -> Any:
    rt = runtime()
    items = [(d, devices.is_online(d, rt.settings)) for d in devices.list_devices(db())]
    return render_template("admin/devices.html", items=items, rooms=devices.list_rooms(db()))


@bp.post("/devices/approve")
@login_required(Role.ADMIN)
def device_approve() -> Any:
    d = run(devices.approve_pairing, db(), actor_user_id=me().id, code=request.form.get("code", ""),
            room_id=request.form.get("room_id", 0, type=int), role=request.form.get("role", ""),
            name=request.form.get("name", ""))
    flash(_("设备“{n}”已通过审核。").format(n=d.name), "ok")
    return redirect(url_for("admin.devices_page"))


@bp.post("/devices/<int:device_id>")
@login_required(Role.ADMIN)
def device_update(device_id: int) -> Any:
    run(devices.update_device, db(), actor_user_id=me().id, device_id=device_id,
        room_id=request.form.get("room_id", 0, type=int), role=request.form.get("role", ""),
        name=request.form.get("name", ""))
    flash(_("设备信息已保存。"), "ok")
    return redirect(url_for("admin.devices_page"))


@bp.post("/devices/<int:device_id>/revoke")
@login_required(Role.ADMIN)
def device_revoke(device_id: int) -> Any:
    run(devices.revoke_device, db(), actor_user_id=me().id, device_id=device_id)
    flash(_("设备已停用，需重新配对才能使用。"), "ok")
    return redirect(url_for("admin.devices_page"))


@bp.post("/devices/<int:device_id>/refresh-preview")
@login_required(Role.ADMIN)
def device_refresh_preview(device_id: int) -> Any:
    run(devices.request_preview, db(), actor_user_id=me().id, device_id=device_id)
    flash(_("已请求设备发送最新画面，几秒后刷新页面即可看到。"), "ok")
    return redirect(url_for("admin.devices_page"))


@bp.get("/devices/<int:device_id>/preview.png")
@login_required(Role.ADMIN)
def device_preview(device_id: int) -> Response:
    path = devices.preview_path(runtime().settings, device_id)
    if not path.exists():
        abort(404)
    resp = send_file(path, mimetype="image/png", max_age=0)
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.post("/rooms")
@login_required(Role.ADMIN)
def room_create() -> Any:
    run(devices.create_room, db(), actor_user_id=me().id, name=request.form.get("name", ""),
        slug=request.form.get("slug", ""), location=request.form.get("location", ""))
    flash(_("活动室已添加。"), "ok")
    return redirect(url_for("admin.devices_page"))


# --- announcements -------------------------------------------------------------------------------
@bp.get("/announcements")
@login_required(Role.ADMIN)
def announcements_page() -> Any:
    return render_template("admin/announcements.html", items=announcements.list_announcements(db()),
                           rooms=devices.list_rooms(db()))


@bp.post("/announcements")
@login_required(Role.ADMIN)
def announcement_create() -> Any:
    f = request.form
    a = run(announcements.create_announcement, db(), actor_user_id=me().id, title=f.get("title", ""),
            body=f.get("body", ""), level=f.get("level", "normal"),
            room_ids=[int(r) for r in f.getlist("room_ids") if r.isdigit()],
            publish_at=parse_local(f.get("publish_at", ""), "发布时间", required=False),
            expires_at=parse_local(f.get("expires_at", ""), "截止时间", required=False))
    flash(_("公告“{t}”已{s}。").format(t=a.title, s="发布" if a.status.value == "published" else "排期"), "ok")
    return redirect(url_for("admin.announcements_page"))


@bp.post("/announcements/<int:announcement_id>/withdraw")
@login_required(Role.ADMIN)
def announcement_withdraw(announcement_id: int) -> Any:
    run(announcements.withdraw_announcement, db(), actor_user_id=me().id, announcement_id=announcement_id)
    flash(_("公告已撤回，各屏幕将立即不再显示。"), "ok")
    return redirect(url_for("admin.announcements_page"))


# --- meetings and the ledger ---------------------------------------------------------------------
@bp.get("/meetings")
@login_required(Role.ADMIN, Role.SECRETARY)
def meetings_page() -> Any:
    return render_template("admin/meetings.html", items=meetings.list_meetings(db(), me()),
                           branches=org.visible_branches(db(), me()), rooms=devices.list_rooms(db()),
                           types=MEETING_TYPE_LABELS, now=dt.datetime.now(LOCAL))


@bp.post("/meetings")
@login_required(Role.ADMIN, Role.SECRETARY)
def meeting_create() -> Any:
    f = request.form
    m = run(meetings.create_meeting, db(), runtime().settings, me(), title=f.get("title", ""),
            type=f.get("type", ""), branch_ids=[int(b) for b in f.getlist("branch_ids") if b.isdigit()],
            room_id=f.get("room_id", type=int) or None,
            starts_at=parse_local(f.get("starts_at", ""), "开始时间"),
            ends_at=parse_local(f.get("ends_at", ""), "结束时间"), host=f.get("host", ""),
            recorder=f.get("recorder", ""), agenda=f.get("agenda", ""))
    flash(_("会议已创建，应到 {n} 人。").format(n=len(m.expected)), "ok")
    return redirect(url_for("admin.meeting", meeting_id=m.id))


@bp.get("/meetings/<int:meeting_id>")
@login_required(Role.ADMIN, Role.SECRETARY)
def meeting(meeting_id: int) -> Any:
    m = meetings.get_meeting_for(db(), me(), meeting_id)
    return render_template("admin/meeting.html", m=m, sheet=meetings.attendance_sheet(db(), m),
                           type_label=MEETING_TYPE_LABELS[m.type], window=meetings.window_state(m, meetings.utcnow()))


@bp.post("/meetings/<int:meeting_id>/correct")
@login_required(Role.ADMIN, Role.SECRETARY)
def meeting_correct(meeting_id: int) -> Any:
    f = request.form
    member_id, reason = f.get("member_id", 0, type=int), f.get("reason", "")
    if f.get("action") == "leave":
        run(meetings.request_leave, db(), meeting_id=meeting_id, member_id=member_id, reason=reason, entered_by=me())
        flash(_("已登记请假。"), "ok")
    else:
        run(meetings.makeup_sign_in, db(), runtime().settings, me(), meeting_id=meeting_id, member_id=member_id,
            reason=reason)
        flash(_("已补签。"), "ok")
    return redirect(url_for("admin.meeting", meeting_id=meeting_id))


@bp.post("/meetings/<int:meeting_id>/cancel")
@login_required(Role.ADMIN, Role.SECRETARY)
def meeting_cancel(meeting_id: int) -> Any:
    run(meetings.cancel_meeting, db(), me(), meeting_id)
    flash(_("会议已取消。"), "ok")
    return redirect(url_for("admin.meetings_page"))


@bp.get("/ledger")
@login_required(Role.ADMIN, Role.SECRETARY)
def ledger_page() -> Any:
    today = dt.datetime.now(LOCAL).date()
    start = _date_arg("start", today.replace(month=1, day=1))
    end = _date_arg("end", today)
    branch_id = request.args.get("branch_id", type=int)
    rows = ledgers.ledger(db(), me(), branch_id=branch_id, start=start, end=end)
    return render_template("admin/ledger.html", rows=rows, start=start, end=end, branch_id=branch_id,
                           branches=org.visible_branches(db(), me()))


def _date_arg(name: str, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(request.args.get(name) or default.isoformat())
    except ValueError:
        raise Invalid(_("日期格式不正确。")) from None


# --- audit ---------------------------------------------------------------------------------------
@bp.get("/audit")
@login_required(Role.ADMIN)
def audit() -> Any:
    return render_template("admin/audit.html", items=recent_audit(db(), limit=300))
