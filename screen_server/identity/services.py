"""Identity units of work the admin's pages call: signing in (password, then TOTP when the user has
it), signing out, re-authenticating before sensitive actions, and a member's "sign out all phones".

Each flushes and never commits (``http.common.run`` does); tries and their audit are committed apart
by the lockout store, so a refused sign-in is recorded even though its unit of work rolls back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from screen_server.audit.services import record
from screen_server.config import Settings
from screen_server.errors import NotAuthenticated
from screen_server.i18n import _
from screen_server.identity import sessions, totp
from screen_server.identity.lockouts import Lockouts
from screen_server.identity.models import AdminSession
from screen_server.org import services as org
from screen_server.org.models import Member, User
from screen_server.security import token_digest, verify_secret


@dataclass(frozen=True)
class SignedIn:
    user: User
    token: str  # the new session's cookie value
    next_step: str  # "" (done), "totp" (type a code) or "enrol" (set TOTP up first)


def sign_in(session: Session, *, settings: Settings, lockouts: Lockouts, username: str, password: str,
            now: dt.datetime, ip: str = "", user_agent: str = "", old_token: str = "") -> SignedIn:
    """Check the password (counted and audited) and open a new session, ending the one it replaces."""
    user = org.authenticate_user(session, username, password, lockouts=lockouts, ip=ip)
    if old_token:
        old = session.scalar(select(AdminSession).where(AdminSession.token_digest == token_digest(old_token)))
        if old is not None and old.ended_at is None:
            old.ended_at, old.end_reason = now, "replaced"
    second = totp.is_enrolled(user)
    _row, token = sessions.start(session, user, now=now, ip=ip, user_agent=user_agent, verified=not second)
    step = "totp" if second else ("enrol" if totp.must_enrol(settings, user) else "")
    return SignedIn(user, token, step)


def give_second_factor(session: Session, row: AdminSession, code: str, *, lockouts: Lockouts, now: dt.datetime,
                       ip: str = "") -> User:
    """Complete a session that waits for its TOTP (or a recovery code)."""
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise NotAuthenticated(_("请先登录。"))
    totp.check(session, user, code, lockouts=lockouts, now=now, ip=ip)
    sessions.verify_second_factor(session, row, now=now)
    return user


def reauthenticate(session: Session, row: AdminSession, user: User, secret: str, *, lockouts: Lockouts,
                   now: dt.datetime, ip: str = "") -> None:
    """Type the password (or, with TOTP, a code) again; sensitive actions are allowed for 5 minutes."""
    secret = (secret or "").strip()
    if totp.is_enrolled(user) and secret.replace(" ", "").isdigit() and len(secret.replace(" ", "")) == 6:
        totp.check(session, user, secret, lockouts=lockouts, now=now, ip=ip)
    else:
        audit = {"action": "user.reauth", "actor_user_id": user.id, "actor_name": user.username, "ip": ip,
                 "target_type": "user", "target_id": user.id}
        attempt = lockouts.begin("login", user.username.lower(), ip, audit=audit)
        if not verify_secret(user.password_hash, secret):
            lockouts.failed(attempt, audit=audit)
            raise NotAuthenticated(_("密码不正确。"))
        lockouts.succeeded(attempt, audit=audit)
    sessions.mark_reauth(session, row, now=now)


def sign_out(session: Session, row: AdminSession | None, *, now: dt.datetime, ip: str = "") -> None:
    if row is not None:
        sessions.end(session, row, now=now, reason="logout", ip=ip)


def sign_out_all_phones(session: Session, member: Member, *, ip: str = "") -> None:
    """End every remembered phone of this member (their cookies carry the old generation)."""
    member.phone_generation = (member.phone_generation or 0) + 1
    record(session, actor_user_id=None, actor_name=member.number, action="member.phones_signed_out",
           target_type="member", target_id=member.id, ip=ip)
