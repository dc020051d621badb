"""Web accounts' units of work: the admin lists, creates, edits and deactivates users of every role and
issues temporary passwords; every user changes their own password.

Only a system admin manages users. A temporary password sets ``must_change_password``: the admin's
pages send that user to the change-password page before anything else. An installation always keeps
one active admin (the last one can neither be deactivated nor lose the role). Every change is audited;
passwords follow ``org.passwords``. Services flush; the caller commits.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from screen_server.audit.services import record
from screen_server.errors import Forbidden, Invalid, NotFound
from screen_server.i18n import _
from screen_server.org.models import Branch, Role, User
from screen_server.org.passwords import check_password
from screen_server.security import hash_secret, verify_secret

# No 0/O, 1/l/I: a temporary password is read off a screen and typed by someone else.
_TEMP_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
TEMP_LENGTH = 12


def password_stamp(user: User) -> str:
    """A short fingerprint of the user's password hash, kept in their admin session: a new password
    (their own or a temporary one) changes it, which signs out every other session of that user."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def _require_admin(actor: User) -> None:
    if actor.role is not Role.ADMIN:
        raise Forbidden(_("只有系统管理员可以管理用户。"))


def list_users(session: Session, actor: User) -> list[User]:
    """Every account, admins first, then by username."""
    _require_admin(actor)
    order = {Role.ADMIN: 0, Role.SECRETARY: 1, Role.EDITOR: 2, Role.REVIEWER: 3}
    users = list(session.scalars(select(User).options(selectinload(User.branch)).order_by(User.username)))
    return sorted(users, key=lambda u: (not u.active, order.get(u.role, 9), u.username))


def get_user(session: Session, actor: User, user_id: int) -> User:
    _require_admin(actor)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_("用户不存在。"))
    return user


def resolve_branch(session: Session, role: Role, branch_id: int | None) -> int | None:
    """The branch a user of ``role`` belongs to: required and active for a secretary, none for others."""
    if role is not Role.SECRETARY:
        return None
    if branch_id is None:
        raise Invalid(_("支部书记必须属于一个支部，请选择支部。"))
    branch = session.get(Branch, branch_id)
    if branch is None or not branch.active:
        raise Invalid(_("所选支部不存在或已停用。"))
    return branch.id


def _parse_role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise Invalid(_("角色不正确。")) from None


def _other_active_admins(session: Session, user: User) -> int:
    return session.scalar(select(func.count()).select_from(User).where(
        User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)) or 0


def update_user(
    session: Session, actor: User, user_id: int, *, display_name: str, role: Role | str, branch_id: int | None
) -> User:
    """Change a user's display name, role and (for secretaries) branch."""
    user = get_user(session, actor, user_id)
    new_role = _parse_role(role)
    new_branch = resolve_branch(session, new_role, branch_id)
    if user.role is Role.ADMIN and new_role is not Role.ADMIN and _other_active_admins(session, user) == 0:
        raise Invalid(_("这是唯一的系统管理员，不能改为其他角色。请先创建另一位系统管理员。"))
    before = {"display_name": user.display_name, "role": user.role.value, "branch_id": user.branch_id}
    user.display_name = " ".join((display_name or "").split())[:50] or user.username
    user.role, user.branch_id = new_role, new_branch
    session.flush()
    record(session, actor_user_id=actor.id, action="user.update", target_type="user", target_id=user.id,
           details={"username": user.username, "from": before,
                    "to": {"display_name": user.display_name, "role": new_role.value, "branch_id": new_branch}})
    return user


def set_user_active(session: Session, actor: User, user_id: int, active: bool) -> User:
    """Deactivate a user (they can no longer sign in; their history stays) or bring one back."""
    user = get_user(session, actor, user_id)
    if not active:
        if user.id == actor.id:
            raise Invalid(_("不能停用自己的账号。"))
        if user.role is Role.ADMIN and _other_active_admins(session, user) == 0:
            raise Invalid(_("这是唯一的系统管理员，不能停用。"))
    if user.active != active:
        user.active = active
        session.flush()
        record(session, actor_user_id=actor.id, action="user.activate" if active else "user.deactivate",
               target_type="user", target_id=user.id, details={"username": user.username})
    return user


def new_temporary_password() -> str:
    return "".join(secrets.choice(_TEMP_ALPHABET) for _ in range(TEMP_LENGTH))


def issue_temporary_password(session: Session, actor: User, user_id: int) -> str:
    """Give a user a new random password, shown once to the admin; the user must change it at next login."""
    user = get_user(session, actor, user_id)
    password = new_temporary_password()
    user.password_hash = hash_secret(password)
    user.must_change_password = True
    session.flush()
    record(session, actor_user_id=actor.id, action="user.password_reset", target_type="user", target_id=user.id,
           details={"username": user.username})
    return password


def change_own_password(session: Session, user: User, *, current: str, new: str, again: str) -> None:
    """Change the signed-in user's password: the current one is required, the new one follows the rule."""
    if not verify_secret(user.password_hash, current or ""):
        raise Invalid(_("当前密码不正确。"))
    check_password(new, user.username)
    if new != again:
        raise Invalid(_("两次输入的新密码不一致。"))
    if new == current:
        raise Invalid(_("新密码不能与当前密码相同。"))
    user.password_hash = hash_secret(new)
    user.must_change_password = False
    session.flush()
    record(session, actor_user_id=user.id, action="user.password_change", target_type="user", target_id=user.id)
