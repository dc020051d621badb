"""Members logged in at terminals: the only members a device may read or report for.

A terminal names a member in its requests (``/api/device/members/<id>/…``, study spans, practice, a
contest join). It may do so only inside a login the server itself saw happen: the member's PIN typed
at that terminal, or the terminal's login QR confirmed on the member's phone. One member at a time per
terminal; a login ends at logout, at the next login there, or after ``IDLE`` without a request. Walls
never log members in. Services flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from screen_server.db import utcnow
from screen_server.devices.models import Device, DeviceLogin, DeviceRole
from screen_server.errors import Forbidden, NotAuthenticated
from screen_server.i18n import _
from screen_server.org.models import Member

IDLE = dt.timedelta(minutes=30)  # the kiosk logs out after minutes of no touch; a playing video reports spans
TOUCH_EVERY = dt.timedelta(seconds=60)  # reads refresh ``last_seen_at`` at most this often
SPAN_SLACK = dt.timedelta(minutes=2)  # a terminal's clock may be a little off the server's


def require_terminal(device: Device) -> None:
    if device.role is not DeviceRole.TERMINAL:
        raise Forbidden(_("只有活动室终端可以办理党员登录。"))


def start(session: Session, device: Device, member: Member, *, now: dt.datetime | None = None) -> DeviceLogin:
    """Record that ``member`` logged in at ``device``; whoever was logged in there is logged out."""
    require_terminal(device)
    now = now or utcnow()
    session.execute(update(DeviceLogin).where(DeviceLogin.device_id == device.id, DeviceLogin.ended_at.is_(None))
                    .values(ended_at=now))
    login = DeviceLogin(device_id=device.id, member_id=member.id, started_at=now, last_seen_at=now)
    session.add(login)
    session.flush()
    return login


def end(session: Session, device: Device, *, now: dt.datetime | None = None) -> int:
    """Log out whoever is logged in at ``device``; returns how many logins ended (0 or 1)."""
    result = session.execute(update(DeviceLogin).where(DeviceLogin.device_id == device.id,
                                                       DeviceLogin.ended_at.is_(None)).values(ended_at=now or utcnow()))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def current(session: Session, device: Device, *, now: dt.datetime | None = None) -> DeviceLogin | None:
    """The live login at ``device``, if any."""
    now = now or utcnow()
    login = session.scalar(select(DeviceLogin).where(DeviceLogin.device_id == device.id,
                                                     DeviceLogin.ended_at.is_(None))
                           .order_by(DeviceLogin.id.desc()).limit(1))
    if login is None or login.last_seen_at < now - IDLE:
        return None
    return login


def member_at(session: Session, device: Device, member_id: int, *, now: dt.datetime | None = None) -> Member:
    """The member ``member_id`` if they are logged in at ``device`` now (and active); else refuse.

    The answer is the same whether the member exists or not, so a device cannot probe for ids.
    """
    require_terminal(device)
    now = now or utcnow()
    login = current(session, device, now=now)
    member = session.get(Member, member_id) if login is not None and login.member_id == member_id else None
    if login is None or member is None or not member.active:
        raise NotAuthenticated(_("该党员未在本终端登录，请重新登录。"), code="member_not_logged_in")
    if now - login.last_seen_at >= TOUCH_EVERY:
        login.last_seen_at = now
        session.flush()
    return member


def covered(session: Session, device_id: int, member_id: int, started_at: dt.datetime, ended_at: dt.datetime,
            *, now: dt.datetime | None = None) -> bool:
    """Whether a span of study at ``device_id`` lies inside one of the member's logins there (an outbox
    may send it long after the logout, so ended logins count)."""
    now = now or utcnow()
    logins = session.scalars(select(DeviceLogin).where(
        DeviceLogin.device_id == device_id, DeviceLogin.member_id == member_id,
        DeviceLogin.started_at <= started_at + SPAN_SLACK))
    for login in logins:
        live = login.ended_at is None and login.last_seen_at >= now - IDLE
        until = login.ended_at or (now if live else login.last_seen_at + IDLE)
        if ended_at <= until + SPAN_SLACK:
            if live and now - login.last_seen_at >= TOUCH_EVERY:
                login.last_seen_at = now  # a video playing for an hour reports spans and stays logged in
            return True
    return False
