"""Factories for test data: ``make_member(session, **overrides)`` and friends. They flush, not commit."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from screen_server.devices.models import Device, DeviceRole, DeviceStatus, Room
from screen_server.org.models import Branch, Committee, Member, Role, User
from screen_server.security import hash_secret, new_token, token_digest

_seq = itertools.count(1)
PASSWORD = "test-password-1"
PIN = "135790"
_PIN_HASH: list[str] = []


def _pin_hash() -> str:
    if not _PIN_HASH:
        _PIN_HASH.append(hash_secret(PIN))
    return _PIN_HASH[0]


def make_committee(session: Session, **kw: Any) -> Committee:
    c = Committee(**({"name": "测试党委"} | kw))
    session.add(c)
    session.flush()
    return c


def make_branch(session: Session, **kw: Any) -> Branch:
    if "committee_id" not in kw:
        existing = session.query(Committee).first()
        kw["committee_id"] = (existing or make_committee(session)).id
    n = next(_seq)
    b = Branch(**({"name": f"测试第{n}党支部", "short_name": f"测试{n}支部", "position": n} | kw))
    session.add(b)
    session.flush()
    return b


def make_member(session: Session, **kw: Any) -> Member:
    if "branch_id" not in kw:
        kw["branch_id"] = make_branch(session).id
    n = next(_seq)
    m = Member(**({"number": f"T{n:05d}", "name": f"测试{n}", "pin_hash": _pin_hash()} | kw))
    session.add(m)
    session.flush()
    return m


def make_user(session: Session, role: Role = Role.ADMIN, **kw: Any) -> User:
    n = next(_seq)
    if role is Role.SECRETARY and "branch_id" not in kw:
        kw["branch_id"] = make_branch(session).id
    u = User(**({"username": f"user{n}", "display_name": f"用户{n}", "password_hash": hash_secret(PASSWORD),
                 "role": role} | kw))
    session.add(u)
    session.flush()
    return u


def make_room(session: Session, **kw: Any) -> Room:
    n = next(_seq)
    r = Room(**({"name": f"活动室{n}", "slug": f"room-{n}"} | kw))
    session.add(r)
    session.flush()
    return r


def make_device(session: Session, role: DeviceRole = DeviceRole.TERMINAL, **kw: Any) -> tuple[Device, str]:
    """An approved device and its token."""
    token = new_token()
    if "room_id" not in kw:
        kw["room_id"] = make_room(session).id
    d = Device(**({"name": "测试设备", "role": role, "status": DeviceStatus.APPROVED,
                   "token_digest": token_digest(token)} | kw))
    session.add(d)
    session.flush()
    return d, token


def log_in_at(session: Session, device: Device, member: Member) -> None:
    """Log ``member`` in at the terminal ``device``, as their PIN or the login QR would (flushes)."""
    from screen_server.devices import logins

    logins.start(session, device, member)
