"""What every view shares: the request's database session, running a service as one unit of work,
the signed-in user or device, and the one JSON error shape.

Services flush and never commit, so several can make one transaction (an import of 500 rows, a
sign-in with its points); ``run`` commits once, in this one place, and the bus publishes the
services' events after that commit.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from flask import Flask, current_app, g, jsonify, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from content.orm import MAX_ID
from screen_server.devices import services as devices
from screen_server.devices.models import Device
from screen_server.errors import DomainError, Forbidden, Invalid, NotAuthenticated, StorageFull, is_disk_full
from screen_server.i18n import _
from screen_server.identity import proxies, sessions, totp
from screen_server.identity.models import AdminSession
from screen_server.org import services as org
from screen_server.org.models import Member, Role, User
from screen_server.runtime import Runtime

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")


def runtime() -> Runtime:
    rt: Runtime = current_app.extensions["activity_room"]
    return rt


def db() -> Session:
    """The request's session, opened on first use and closed when the request ends."""
    if "db" not in g:
        g.db = runtime().session_factory()
    s: Session = g.db
    return s


def close_db(_exc: BaseException | None = None) -> None:
    s = g.pop("db", None)
    if s is not None:
        s.close()


def int_arg(name: str, default: int, low: int, high: int) -> int:
    """A whole-number query parameter within [low, high], or ``default`` when absent. Given twice, not a
    whole number, or out of range, it is refused with a message saying so (never silently replaced)."""
    values = request.args.getlist(name)
    if not values:
        return default
    if len(values) > 1:
        raise Invalid(_("参数 {name} 只能给一次。").format(name=name))
    try:
        value = int(values[0])
    except ValueError:
        raise Invalid(_("参数 {name} 必须是整数。").format(name=name)) from None
    if not low <= value <= high:
        raise Invalid(_("参数 {name} 应在 {low} 到 {high} 之间。").format(name=name, low=low, high=high))
    return value


def id_arg(name: str) -> int | None:
    """An optional id query parameter (a filter such as ``branch_id``): None when absent; given twice,
    not a whole number or out of range, refused like ``int_arg``."""
    return int_arg(name, 0, 0, MAX_ID) if name in request.args else None


def run(service: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run one service as a unit of work: commit on success, roll back on any error."""
    s = db()
    try:
        result = service(*args, **kwargs)
        s.commit()
    except BaseException:
        s.rollback()
        raise
    return result


def session_limits() -> sessions.Limits:
    s = runtime().settings
    return sessions.Limits(idle=dt.timedelta(minutes=s.session_idle_minutes),
                           absolute=dt.timedelta(hours=s.session_max_hours))


def current_session() -> AdminSession | None:
    """The request's live admin session (the ``ar_admin`` cookie), whole or still waiting for its TOTP."""
    if "admin_session" not in g:
        rt = runtime()
        g.admin_session = sessions.load(db(), rt.engine, request.cookies.get(sessions.COOKIE, ""),
                                        now=rt.clock(), limits=session_limits())
    found: AdminSession | None = g.admin_session
    return found


def current_user(*, required: bool = True, roles: tuple[Role, ...] = (), enrolling: bool = False) -> User | None:
    """The admin user of the request's server-side session (see ``identity.sessions``).

    A session still waiting for its second factor has no user yet. A system admin who must set up TOTP
    first (``admin_totp = required``) is refused everything but the enrolment pages (``enrolling``).
    """
    found = current_session()
    user = db().get(User, found.user_id) if found is not None and found.verified else None
    if user is not None and not user.active:
        user = None
    if user is None and required:
        raise NotAuthenticated(_("请先登录。"))
    if user is not None and user.must_change_password and request.path.startswith("/api/"):
        # The admin pages send such a user to the password page; the session JSON API refuses them.
        raise Forbidden(_("请先修改管理员发放的临时密码。"))
    if user is not None and not enrolling and totp.must_enrol(runtime().settings, user):
        raise Forbidden(_("系统管理员须先设置两步验证。"), code="totp_enrolment_required")
    if user is not None and roles and user.role not in roles:
        raise Forbidden(_("您没有进行此操作的权限。"))
    return user


class ReauthRequired(Forbidden):
    code = "reauth_required"


def require_recent_auth() -> None:
    """Refuse unless the password or a TOTP code was typed in this session within the last 5 minutes
    (exports of personal data, role changes)."""
    if not sessions.is_recent(current_session(), now=runtime().clock()):
        raise ReauthRequired(_("此操作涉及个人信息或权限，请先再次验证身份（输入密码或验证码）。"))


def identify_member(number: str, pin: str, channel: str, *, initial_ok: bool = False) -> Member:
    """A member typing number and PIN on a phone or a terminal: counted, locked and audited.
    ``initial_ok`` lets a member holding an initial PIN through (only to replace it)."""
    return org.authenticate_member(db(), number, pin, lockouts=runtime().lockouts, ip=client_ip(), channel=channel,
                                   initial_ok=initial_ok)


def current_device() -> Device:
    """The paired device whose token is in ``Authorization: Bearer``."""
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    device = devices.authenticate(db(), token)
    if device is None:
        raise NotAuthenticated(_("设备令牌无效，请重新配对。"), code="device_token_invalid")
    return device


def json_body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Invalid(_("请求内容必须是 JSON 对象。"))
    return data


def json_ids(body: dict[str, Any], name: str) -> list[int]:
    """The list of ids ``body[name]`` (missing or null: none); each as ``json_id`` reads one."""
    raw = body.get(name)
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise Invalid(_("字段 {name} 必须是编号列表。").format(name=name))
    return [json_id({name: value}, name) for value in raw]


def json_id(body: dict[str, Any], name: str) -> int:
    """The id ``body[name]`` (a whole number, or digits in a string); anything else (a list, a fraction,
    a missing field) is refused with a message naming the field, never a 500."""
    raw = body.get(name)
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise Invalid(_("字段 {name} 必须是整数编号。").format(name=name))
    try:
        value = int(raw)
    except ValueError:
        raise Invalid(_("字段 {name} 必须是整数编号。").format(name=name)) from None
    if not 0 <= value <= MAX_ID:  # no row has it, and the database driver would overflow on it
        raise Invalid(_("字段 {name} 超出范围。").format(name=name))
    return value


def client_ip() -> str:
    """The real client's address: the peer, or what a trusted proxy (``trusted_proxies``) says it was."""
    if "client_ip" not in g:
        g.client_ip = proxies.real_client(request.remote_addr or "", request.headers.get("X-Forwarded-For", ""),
                                          runtime().settings.trusted_proxies)
    found: str = g.client_ip
    return found


def is_https() -> bool:
    """Whether the browser reached us over TLS (directly, or at a trusted proxy that says so)."""
    if request.scheme == "https":
        return True
    peer_trusted = proxies.is_trusted(request.remote_addr or "", runtime().settings.trusted_proxies)
    return peer_trusted and request.headers.get("X-Forwarded-Proto", "").strip().lower() == "https"


def error_response(code: str, message: str, status: int, details: Any = None) -> Any:
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if details is not None:
        body["error"]["details"] = details
    return jsonify(body), status


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def install_error_handlers(app: Flask) -> None:
    """Map domain errors and HTTP errors to one JSON shape under /api (the admin renders its own pages)."""

    @app.errorhandler(DomainError)  # the one base: the server's errors and the library's
    def _domain(exc: DomainError) -> Any:
        handler = app.extensions.get("activity_room.html_errors")
        if handler is not None and not wants_json():
            return handler(exc)
        return error_response(exc.code, exc.message, exc.status, exc.details)

    @app.errorhandler(OperationalError)
    def _database(exc: OperationalError) -> Any:
        if not is_disk_full(exc):
            raise exc
        log.error("disk full: %s %s refused", request.method, request.path)
        return _domain(StorageFull())
    # A number from the request that reached the database out of its range (SQLite raises OverflowError
    # past 64 bits, PostgreSQL a DataError past its column's type): the request's fault, not the server's.
    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def _out_of_range(exc: Exception) -> Any:
        log.info("number out of range in %s %s: %s", request.method, request.path, exc)
        return _domain(Invalid(_("请求中的数字超出范围。")))

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> Any:
        message = _("页面已过期或来源不明，请刷新页面后重试。")
        handler = app.extensions.get("activity_room.html_errors")
        if not wants_json() and not request.path.startswith("/admin"):
            from screen_server.http.phone import phone_page  # a phone's form: answer with a phone page

            return phone_page("refused.html", 400, message=message, heading=_("请重新打开页面"))
        if handler is not None and not wants_json():
            return handler(Invalid(message, code="csrf"))
        return error_response("csrf", message, 400)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        if not wants_json():
            return exc
        messages = {404: _("找不到该资源。"), 405: _("不支持该请求方法。"), 413: _("上传的文件过大。")}
        status = exc.code or 500
        body, status = error_response(exc.name.lower().replace(" ", "_"), messages.get(status, exc.description or ""),
                                      status)
        # Keep what the HTTP error says in its headers (405's Allow, 416's Content-Range, …).
        extra = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        return body, status, extra
