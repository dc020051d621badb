"""Organisation units of work: signing in admins, members by number and PIN, and reading members
within the caller's scope (a branch secretary sees only their own branch)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from content.orm import ModelT, get_or_not_found
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
                        channel: str = "", initial_ok: bool = False) -> Member:
    """Return the member with this number and PIN, or raise.

    ``channel`` says where the PIN was typed (``phone:/s``, ``terminal``, …) for the audit log. Locks
    as ``authenticate_user`` does, per member number and per address. A member who left signs in
    nowhere. A member still holding an initial PIN from a slip gets ``PinChangeRequired`` (they must
    choose their own first) unless ``initial_ok`` (the change itself).

    Raises:
        NotAuthenticated: wrong number or PIN. TooManyAttempts: locked. PinChangeRequired.
    """
    number = unicodedata.normalize("NFKC", number or "").strip().upper()
    pin = unicodedata.normalize("NFKC", pin or "").strip()
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
    if member.pin_must_change and not initial_ok:
        from screen_server.org.pins import PinChangeRequired

        raise PinChangeRequired(member)
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
    must_change_password: bool = False,
) -> User:
    """Create a web account; the password follows ``org.passwords`` and a secretary needs an active branch."""
    from screen_server.org.passwords import check_password
    from screen_server.org.users import resolve_branch

    try:
        role = Role(role)
    except ValueError:
        raise Invalid(_("角色不正确。")) from None
    username = (username or "").strip()
    if not username or len(username) > 50 or any(c.isspace() for c in username):
        raise Invalid(_("用户名须为 1 到 50 个字符，不含空格。"))
    branch_id = resolve_branch(session, role, branch_id)
    check_password(password, username)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Invalid(_("用户名 {u} 已存在。").format(u=username))
    user = User(
        username=username,
        display_name=(display_name or "").strip()[:50] or username,
        password_hash=hash_secret(password),
        role=role,
        branch_id=branch_id,
        must_change_password=must_change_password,
    )
    session.add(user)
    session.flush()
    record(session, actor_user_id=actor_user_id, action="user.create", target_type="user", target_id=user.id,
           details={"username": username, "role": role.value, "branch_id": branch_id})
    return user


def branch_id_by_name(session: Session, name: str) -> int:
    """The id of the branch with this name or short name, or raise NotFound."""
    name = " ".join((name or "").split())
    branch = session.scalar(select(Branch).where(or_(Branch.name == name, Branch.short_name == name))
                            .order_by(Branch.active.desc(), Branch.id).limit(1))
    if branch is None:
        raise NotFound(_("没有名为“{n}”的支部。").format(n=name))
    return branch.id


def branch_scope(user: User) -> int | None:
    """The one branch a user is limited to, or None for committee-wide roles."""
    return user.branch_id if user.role is Role.SECRETARY else None


def get_in_scope(session: Session, actor: User, model: type[ModelT], ident: int, message: str) -> ModelT:
    """The row of ``model`` (which has a ``branch_id``) with primary key ``ident``, if ``actor`` may see
    it: any for an admin, only their branch's for a secretary. Another branch's row is NotFound with
    ``message``, exactly like a missing one, so ids say nothing about other branches."""
    row = get_or_not_found(session, model, ident, message)
    scope = branch_scope(actor)
    if scope is not None and getattr(row, "branch_id", None) != scope:
        raise NotFound(message)
    return row


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
    stmt = select(Branch).where(Branch.active.is_(True)).order_by(Branch.position, Branch.id)
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
