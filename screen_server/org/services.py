"""Organisation units of work: signing in admins, members by number and PIN, and reading members
within the caller's scope (a branch secretary sees only their own branch)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from screen_server.audit.services import record
from screen_server.errors import Forbidden, Invalid, NotAuthenticated, NotFound
from screen_server.i18n import _
from screen_server.org.models import Branch, Committee, Member, Role, User
from screen_server.security import hash_secret, verify_secret


def authenticate_user(session: Session, username: str, password: str, *, ip: str = "") -> User:
    """Return the active user with these credentials, or raise NotAuthenticated.

    A refusal changes nothing here (its transaction is rolled back); the caller records it with
    ``record_failed_login`` in a unit of work of its own.
    """
    user = session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None or not user.active or not verify_secret(user.password_hash, password or ""):
        raise NotAuthenticated(_("用户名或密码不正确。"))
    record(session, actor_user_id=user.id, action="user.login", target_type="user", target_id=user.id, ip=ip)
    return user


def record_failed_login(session: Session, username: str, *, ip: str = "") -> None:
    record(session, actor_user_id=None, actor_name=(username or "")[:50], action="user.login_failed", ip=ip)


def authenticate_member(session: Session, number: str, pin: str) -> Member:
    """Return the member with this number and PIN, or raise NotAuthenticated."""
    number = unicodedata.normalize("NFKC", number or "").strip().upper()
    member = session.scalar(select(Member).where(Member.number == number))
    if member is None or not member.active or not verify_secret(member.pin_hash, pin or ""):
        raise NotAuthenticated(_("党员编号或密码不正确。"))
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


def branch_scope(user: User) -> int | None:
    """The one branch a user is limited to, or None for committee-wide roles."""
    return user.branch_id if user.role is Role.SECRETARY else None


def require_members_in_scope(session: Session, user: User, member_ids: Iterable[int]) -> list[Member]:
    """The members ``member_ids``, all of whom ``user`` may manage; refuse if any is unknown or out of scope.

    A secretary gets the same answer for another branch's member as for one that does not exist.
    """
    ids = set(member_ids)
    members = list(session.scalars(select(Member).where(Member.id.in_(ids)))) if ids else []
    scope = branch_scope(user)
    if len(members) != len(ids) or (scope is not None and any(m.branch_id != scope for m in members)):
        raise NotFound(_("党员不存在或不在您的管理范围内。"))
    return members


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
        stmt = stmt.where(or_(Member.name.like(like), Member.number.like(like)))  # phones are encrypted
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    page = session.scalars(stmt.order_by(Member.number).offset(offset).limit(min(limit, 500))).all()
    return page, total


def get_member(session: Session, user: User, member_id: int) -> Member:
    """One member, if the user may see them: admins all, a secretary their branch's (another branch's
    gets NotFound), content editors and reviewers none."""
    if user.role not in (Role.ADMIN, Role.SECRETARY):
        raise Forbidden(_("您没有查看党员信息的权限。"))
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
