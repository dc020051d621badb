"""First-start units of work: issuing the one-time setup link of an empty installation, reading it, and
completing the setup (the first system admin and the Party committee's name).

An installation is *empty* while it has no web user. Every start of an empty installation issues a new
link (valid ``LINK_HOURS``; earlier links stay valid until they expire, so two server processes started
together each print a working one). Completing the setup deletes every link, so a used, copied or
forwarded link afterwards only says that the setup is done. Services flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from screen_server.audit.services import record
from screen_server.db import utcnow
from screen_server.errors import Invalid, NotFound
from screen_server.i18n import _
from screen_server.org.models import Committee, Role, User
from screen_server.org.passwords import check_password
from screen_server.security import hash_secret, new_token, token_digest
from screen_server.setup.models import SetupToken

LINK_HOURS = 24
SETUP_PATH = "/admin/setup/"


class SetupDone(NotFound):
    """The installation has its users already: the setup link is dead."""

    code = "setup_done"


class SetupLinkExpired(NotFound):
    code = "setup_link_expired"


def has_users(session: Session) -> bool:
    return session.scalar(select(User.id).limit(1)) is not None


def issue_setup_token(session: Session, *, now: dt.datetime | None = None) -> str | None:
    """Return a new setup token if the installation has no users yet, else None (nothing is written)."""
    if has_users(session):
        return None
    token = new_token()
    now = now or utcnow()
    session.add(SetupToken(digest=token_digest(token), created_at=now, expires_at=now + dt.timedelta(hours=LINK_HOURS)))
    session.flush()
    return token


def check_setup_token(session: Session, token: str, *, now: dt.datetime | None = None) -> SetupToken:
    """The setup link's row if the link may still be used; otherwise raise with a Chinese sentence."""
    if has_users(session):
        raise SetupDone(_("已完成初始设置，此链接已失效。请使用管理员账号登录。"))
    row = session.scalar(select(SetupToken).where(SetupToken.digest == token_digest(token or "")))
    if row is None:
        raise NotFound(_("设置链接无效。请核对链接，或重启服务器获取新的设置链接。"))
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=dt.UTC)
    if expires <= (now or utcnow()):
        raise SetupLinkExpired(_("设置链接已过期（有效期 {h} 小时）。请重启服务器，控制台和日志中会给出新的链接。")
                               .format(h=LINK_HOURS))
    return row


def complete_setup(
    session: Session,
    token: str,
    *,
    username: str,
    password: str,
    password_again: str,
    display_name: str = "",
    committee_name: str,
    ip: str = "",
    now: dt.datetime | None = None,
) -> User:
    """Create the first system admin and name the Party committee; the setup link dies with it.

    Raises:
        SetupDone / SetupLinkExpired / NotFound: the link cannot be used (nothing changes).
        Invalid: a field is missing or the password breaks the rule (nothing changes).
    """
    check_setup_token(session, token, now=now)
    username = (username or "").strip()
    committee_name = (committee_name or "").strip()
    if not username or len(username) > 50:
        raise Invalid(_("请填写用户名（不超过 50 个字符）。"))
    if not committee_name or len(committee_name) > 100:
        raise Invalid(_("请填写党委名称（不超过 100 个字符）。"))
    check_password(password, username)
    if password != password_again:
        raise Invalid(_("两次输入的密码不一致。"))
    # Deleting every link first makes a second, concurrent submission of the same link find none.
    gone = session.execute(delete(SetupToken).where(SetupToken.digest == token_digest(token)))
    if getattr(gone, "rowcount", 1) == 0:
        raise SetupDone(_("已完成初始设置，此链接已失效。请使用管理员账号登录。"))
    session.execute(delete(SetupToken))
    committee = session.scalar(select(Committee).order_by(Committee.id).limit(1))
    if committee is None:
        committee = Committee(name=committee_name)
        session.add(committee)
    else:
        committee.name = committee_name
    user = User(username=username, display_name=(display_name or "").strip()[:50] or username,
                password_hash=hash_secret(password), role=Role.ADMIN)
    session.add(user)
    session.flush()
    record(session, actor_user_id=user.id, action="setup.complete", target_type="user", target_id=user.id,
           details={"username": username, "committee": committee_name}, ip=ip)
    return user
