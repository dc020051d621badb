"""PINs (签到密码) for many members at once, and the member's own choice of PIN.

A secretary (own branch) or the admin issues *initial* PINs for a branch, a list of members (an import
batch) or one member (a reset): 6 random digits each from ``secrets``, of which the database keeps only
the argon2 hash. The caller gets the digits back once, to print as slips or to export; they are never
stored or shown again. A member holding an initial PIN (``pin_must_change``) is refused everywhere
with ``PinChangeRequired`` until they choose their own, which must not be trivially guessable.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from screen_server.audit.services import record
from screen_server.errors import Forbidden, Invalid, NotAuthenticated
from screen_server.i18n import _
from screen_server.org.members import check_branch, managed_member
from screen_server.org.models import Branch, Member, User
from screen_server.security import hash_secret, verify_secret

PIN_LENGTH = 6
MAX_BATCH = 2000


class PinChangeRequired(Forbidden):
    """The member signed in with an initial PIN and must choose their own before doing anything else."""

    code = "pin_change_required"

    def __init__(self, member: Member) -> None:
        super().__init__(_("您正在使用初始密码，请先设置您自己的 6 位数字密码（手机上打开 /phone/pin）。"))
        self.member_id = member.id
        self.number = member.number


@dataclass(frozen=True, slots=True)
class IssuedPin:
    """One member's new initial PIN, for the slip; never stored."""

    member_id: int
    number: str
    name: str
    branch: str
    pin: str


def new_pin() -> str:
    """Six random digits that the member would be refused as their own choice (so a slip is never weak)."""
    while True:
        pin = "".join(secrets.choice("0123456789") for _ in range(PIN_LENGTH))
        if weakness(pin) is None:
            return pin


def issue_pins(session: Session, actor: User, *, branch_id: int | None = None,
               member_ids: Iterable[int] | None = None) -> list[IssuedPin]:
    """Give every active member of a branch (or the listed members) a new initial PIN. Audited (numbers,
    never PINs). A secretary may issue only for their own branch; nothing changes on a refusal.

    Raises:
        Forbidden: a secretary naming another branch or another branch's member.
        Invalid: nobody to issue for.
    """
    stmt = select(Member).options(selectinload(Member.branch)).where(Member.active.is_(True))
    if member_ids is not None:
        ids = sorted(set(member_ids))
        stmt = stmt.where(Member.id.in_(ids))
    elif branch_id is not None:
        check_branch(actor, branch_id)
        if session.get(Branch, branch_id) is None:
            raise Invalid(_("所选支部不存在。"))
        stmt = stmt.where(Member.branch_id == branch_id)
    else:
        raise Invalid(_("请选择要发放密码的支部。"))
    members = list(session.scalars(stmt.order_by(Member.number)))
    for m in members:
        check_branch(actor, m.branch_id)
    if not members:
        raise Invalid(_("没有可以发放密码的在册党员。"))
    if len(members) > MAX_BATCH:
        raise Invalid(_("一次最多为 {n} 人发放密码，请按支部分批发放。").format(n=MAX_BATCH))
    issued = []
    for m in members:
        pin = new_pin()
        m.pin_hash, m.pin_must_change = hash_secret(pin), True
        issued.append(IssuedPin(m.id, m.number, m.name, m.branch.name, pin))
    record(session, actor_user_id=actor.id, action="member.pins_issue", target_type="branch",
           target_id=branch_id, details={"count": len(issued), "numbers": [p.number for p in issued]})
    session.flush()
    return issued


def reset_pin(session: Session, actor: User, member_id: int) -> IssuedPin:
    """A new initial PIN for one member (they choose their own at the next sign-in). Audited."""
    member = managed_member(session, actor, member_id)
    if not member.active:
        raise Invalid(_("该党员已登记为离开，不能设置密码。"))
    pin = new_pin()
    member.pin_hash, member.pin_must_change = hash_secret(pin), True
    record(session, actor_user_id=actor.id, action="member.pin_reset", target_type="member", target_id=member.id,
           details={"number": member.number})
    session.flush()
    return IssuedPin(member.id, member.number, member.name, member.branch.name, pin)


def weakness(pin: str, birth_date: dt.date | None = None) -> str | None:
    """Why ``pin`` is too easy to guess, or None when it will do."""
    if not re.fullmatch(r"\d{6}", pin):
        return _("密码须为 6 位数字。")
    if len(set(pin)) <= 2:
        return _("密码不能是重复的数字（如 111111、121212）。")
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:], strict=False)}
    if steps in ({1}, {-1}, {9, -1}, {-9, 1}):
        return _("密码不能是连续的数字（如 123456、654321）。")
    if pin[:3] == pin[3:]:
        return _("密码不能是两段相同的数字（如 135135）。")
    if birth_date is not None and any(form in pin or pin in form for form in _birth_forms(birth_date)):
        return _("密码不能使用您的出生日期。")
    return None


def _birth_forms(day: dt.date) -> set[str]:
    y, m, d = f"{day.year:04d}", f"{day.month:02d}", f"{day.day:02d}"
    full = {y + m + d, y[2:] + m + d, m + d + y[2:], d + m + y[2:], d + m + y, m + d + y}
    # Six-digit windows of the eight-digit forms (19850312 → 198503, 985031, 850312).
    windows = {f[i:i + 6] for f in full if len(f) == 8 for i in range(3)}
    return {f for f in full if len(f) == 6} | windows | {y + m}


def change_own_pin(session: Session, member: Member, current_pin: str, new_pin_text: str, repeat: str) -> Member:
    """The member chooses their own PIN (from an initial one, or any time). Audited under their number.

    Raises:
        NotAuthenticated: the current PIN is wrong.
        Invalid: the new PIN is weak or the two entries differ (nothing changes).
    """
    if not member.active or not verify_secret(member.pin_hash, _digits(current_pin)):
        raise NotAuthenticated(_("党员编号或密码不正确。"))
    return choose_pin(session, member, new_pin_text, repeat)


def choose_pin(session: Session, member: Member, new_pin_text: str, repeat: str) -> Member:
    """Set the PIN the member chose, once the caller has proven who they are (their current PIN, or a
    signed note that they just typed it). Refuses weak PINs and a mismatch; audited under their number."""
    if not member.active:
        raise NotAuthenticated(_("党员编号或密码不正确。"))
    pin = _digits(new_pin_text)
    if pin != _digits(repeat):
        raise Invalid(_("两次输入的新密码不一致。"))
    problem = weakness(pin, member.birth_date)
    if problem:
        raise Invalid(problem)
    if verify_secret(member.pin_hash, pin):
        raise Invalid(_("新密码不能与原密码相同。"))
    member.pin_hash, member.pin_must_change = hash_secret(pin), False
    record(session, actor_user_id=None, actor_name=member.number, action="member.pin_change",
           target_type="member", target_id=member.id)
    session.flush()
    return member


def _digits(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


def slip_instruction(session: Session, phone_url: str) -> str:
    """What each slip and the spreadsheet tell the member: where the room is and how to start."""
    from screen_server.devices.models import Room

    rooms = list(session.scalars(select(Room).order_by(Room.id)))
    where = "；".join(f"{r.name}（{r.location}）" if r.location else r.name for r in rooms)
    text = _("在活动室的触摸屏上，或用手机打开 {url}（扫大屏上的签到二维码也可），输入党员编号和这个初始密码；"
             "第一次登录时须设置您自己的 6 位数字密码（不能是 123456、重复数字或生日）。").format(url=phone_url)
    return (_("活动室：{where}。").format(where=where) if where else "") + text
