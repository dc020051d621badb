"""The setup checklist the admin dashboard shows until the room is ready: which of the first day's steps
are done, in the order they are best taken. Read-only; the admin maps each step to its page."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from content.models import Item, ReviewStatus
from screen_server.devices.models import Device, DeviceStatus, Room
from screen_server.org.models import Branch, Committee, Member, Role, User

STEPS = ("organisation", "rooms", "screens", "users", "members", "pins", "content")


@dataclass(frozen=True)
class Step:
    key: str  # one of STEPS
    done: bool


def _exists(session: Session, stmt: object) -> bool:
    return session.scalar(stmt.limit(1)) is not None  # type: ignore[attr-defined]


def setup_checklist(session: Session) -> list[Step]:
    """Every step in order with whether it is done (one small query each)."""
    committee = session.scalar(select(Committee).order_by(Committee.id).limit(1))
    done = {
        "organisation": committee is not None and bool(committee.name.strip())
        and _exists(session, select(Branch.id).where(Branch.active.is_(True))),
        "rooms": _exists(session, select(Room.id)),
        "screens": _exists(session, select(Device.id).where(Device.status == DeviceStatus.APPROVED)),
        "users": _exists(session, select(User.id).where(User.role == Role.SECRETARY, User.active.is_(True))),
        "members": _exists(session, select(Member.id).where(Member.active.is_(True))),
        "pins": _exists(session, select(Member.id).where(Member.active.is_(True), Member.pin_hash.is_not(None))),
        "content": _exists(session, select(Item.id).where(Item.status == ReviewStatus.PUBLISHED)),
    }
    return [Step(key, done[key]) for key in STEPS]
