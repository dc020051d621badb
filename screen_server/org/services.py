"""Organisation units of work: signing in admins, members by number and PIN, and reading members
within the caller's scope (a branch secretary sees only their own branch)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from screen_server.audit.services import record
from screen_server.errors import Forbidden, Invalid, NotAuthenticated, NotFound
from screen_server.i18n import _
from screen_server.identity.lockouts import Lockouts
from screen_server.org.models import Branch, Committee, Member, Role, User
from screen_server.security import hash_secret, verify_secret

_DUMMY_HASH: list[str] = []


def _dummy_hash() -> str:
    """A hash to check against when the account does not exist, so the answer takes as long either way."""
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(hash_secret("no-such-account-" + "0" * 8))
    return _DUMMY_HASH[0]


def authenticate_user(session: Session, username: str, password: str, *, lockouts: Lockouts,
                      ip: str = "") -> User:
    """Return the active user with these credentials, or raise.

    Five wrong passwords for one username, or from one address, lock both for 15 minutes (then even
    the right password is refused). Every try is audited in a transaction of its own.

    Raises:
        NotAuthenticated: wrong name or password. TooManyAttempts: locked.
    """
    username = (username or "").strip()
    audit = {"action": "user.login", "actor_user_id": None, "actor_name": username, "ip": ip,
             "target_type": "user"}
    attempt = lockouts.begin("login", username.lower(), ip, audit=audit)
    user = session.scalar(select(User).where(User.username == username))
    good = verify_secret(user.password_hash if user is not None else _dummy_hash(), password or "")
    if user is None or not user.active or not good:
        lockouts.failed(attempt, audit=audit)
        raise NotAuthenticated(_("用户名或密码不正确。"))
    lockouts.succeeded(attempt, audit=audit | {"actor_user_id": user.id, "target_id": user.id})
    return user


def authenticate_member(session: Session, number: str, pin: str, *, lockouts: Lockouts, ip: str = "",
                        channel: str = "") -> Member:
    """Return the member with this number and PIN, or raise.

    ``channel`` says where the PIN was typed (``phone:/s``, ``terminal``, …) for the audit log. Locks
    as ``authenticate_user`` does, per member number and per address.

    Raises:
        NotAuthenticated: wrong number or PIN. TooManyAttempts: locked.
    """
    number = unicodedata.normalize("NFKC", number or "").strip().upper()
    audit = {"action": "member.pin", "actor_user_id": None, "actor_name": number[:50], "ip": ip,
             "target_type": "member", "details": {"channel": channel}}
    attempt = lockouts.begin("pin", number, ip, audit=audit)
    member = session.scalar(select(Member).where(Member.number == number))
    stored = member.pin_hash if member is not None and member.pin_hash else None
    good = verify_secret(stored or _dummy_hash(), pin or "")
    if member is None or stored is None or not member.active or not good:
        lockouts.failed(attempt, audit=audit | ({"target_id": member.id} if member else {}))
        raise NotAuthenticated(_("党员编号或密码不正确。"))
    lockouts.succeeded(attempt, audit=audit | {"target_id": member.id})
    return member


def create_user(
    session: Session,
    *,
    actor_user_id: int | None,
    username: str,
    password: str,
    role: Role | str,
    display_name: str = "",
    branch_id: int | None = None,
) -> User:
    role = Role(role)
    if role is Role.SECRETARY and branch_id is None:
        raise Invalid(_("支部书记必须属于一个支部。"))
    if len(password or "") < 8:
        raise Invalid(_("密码至少 8 位。"))
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Invalid(_("用户名 {u} 已存在。").format(u=username))
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_secret(password),
        role=role,
        branch_id=branch_id,
    )
    session.add(user)
    session.flush()
    record(session, actor_user_id=actor_user_id, action="user.create", target_type="user", target_id=user.id,
           details={"username": username, "role": role.value})
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).options(selectinload(User.branch)).order_by(User.role, User.username)))


def set_user_role(session: Session, actor: User, user_id: int, role: Role | str, *, branch_id: int | None = None,
                  ip: str = "", now: dt.datetime | None = None) -> User:
    """Change a user's role (system admins only; the caller has re-authenticated); their sessions end so
    the new role applies from their next sign-in. Audited with the old and the new role."""
    from screen_server.identity.sessions import end_all

    if actor.role is not Role.ADMIN:
        raise Forbidden(_("只有系统管理员可以更改用户角色。"))
    try:
        role = Role(role)
    except ValueError:
        raise Invalid(_("未知的角色。")) from None
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_("用户不存在。"))
    if user.id == actor.id:
        raise Invalid(_("不能更改自己的角色，请让另一位系统管理员操作。"))
    if role is Role.SECRETARY and (branch_id is None or session.get(Branch, branch_id) is None):
        raise Invalid(_("支部书记必须属于一个支部，请选择支部。"))
    before = (user.role.value, user.branch_id)
    user.role = role
    user.branch_id = branch_id if role is Role.SECRETARY else None
    if before == (user.role.value, user.branch_id):
        return user
    end_all(session, user.id, now=now or dt.datetime.now(dt.UTC), reason="role_changed")
    record(session, actor_user_id=actor.id, action="user.role_changed", target_type="user", target_id=user.id, ip=ip,
           details={"username": user.username, "from": before[0], "role": role.value, "branch_id": user.branch_id})
    return user


def branch_scope(user: User) -> int | None:
    """The one branch a user is limited to, or None for committee-wide roles."""
    return user.branch_id if user.role is Role.SECRETARY else None


def visible_branches(session: Session, user: User) -> list[Branch]:
    stmt = select(Branch).order_by(Branch.position, Branch.id)
    scope = branch_scope(user)
    if scope is not None:
        stmt = stmt.where(Branch.id == scope)
    return list(session.scalars(stmt))


def _members_query(user: User) -> Select[Member]:
    stmt = select(Member).options(selectinload(Member.branch), selectinload(Member.group))
    scope = branch_scope(user)
    if scope is not None:
        stmt = stmt.where(Member.branch_id == scope)
    return stmt


def list_members(
    session: Session,
    user: User,
    *,
    branch_id: int | None = None,
    query: str = "",
    offset: int = 0,
    limit: int = 50,
) -> tuple[Sequence[Member], int]:
    """Members the user may see, filtered; returns (page, total)."""
    if user.role not in (Role.ADMIN, Role.SECRETARY):
        raise Forbidden(_("您没有查看党员信息的权限。"))
    stmt = _members_query(user)
    if branch_id is not None:
        scope = branch_scope(user)
        if scope is not None and branch_id != scope:
            raise Forbidden(_("您只能查看本支部的党员。"))
        stmt = stmt.where(Member.branch_id == branch_id)
    q = unicodedata.normalize("NFKC", query or "").strip()
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(Member.name.like(like), Member.number.like(like), Member.phone.like(like)))
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    page = session.scalars(stmt.order_by(Member.number).offset(offset).limit(min(limit, 500))).all()
    return page, total


def get_member(session: Session, user: User, member_id: int) -> Member:
    """One member, if the user may see them (a secretary of another branch gets NotFound)."""
    member = session.scalar(_members_query(user).where(Member.id == member_id))
    if member is None:
        raise NotFound(_("党员不存在或不在您的管理范围内。"))
    return member


def set_member_pin(session: Session, user: User, member_id: int, pin: str) -> None:
    member = get_member(session, user, member_id)
    pin = unicodedata.normalize("NFKC", pin or "").strip()
    if not (pin.isdigit() and 4 <= len(pin) <= 8):
        raise Invalid(_("密码须为 4 到 8 位数字。"))
    member.pin_hash = hash_secret(pin)
    member.phone_generation = (member.phone_generation or 0) + 1  # every remembered phone signs in again
    record(session, actor_user_id=user.id, action="member.set_pin", target_type="member", target_id=member.id)


def committee(session: Session) -> Committee | None:
    return session.scalar(select(Committee).order_by(Committee.id).limit(1))


def mask_name(name: str) -> str:
    """Mask a name for public screens: 张三 → 张*, 张小明 → 张*明, 欧阳小明 → 欧**明."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
