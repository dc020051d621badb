"""Two-factor sign-in for admin users: TOTP (RFC 6238, any authenticator app) and ten recovery codes.

Enrolment stores a new secret and shows it as a QR; the factor is in force only once the user has
typed a code from their app (``confirm``), which also makes the ten recovery codes, shown once and
kept argon2-hashed; each works once. A code is accepted for the current 30-second step and one either
side (clocks drift), never twice. Wrong codes count in the lockout store like wrong passwords.
"""

from __future__ import annotations

import datetime as dt
import io
import secrets

import pyotp
import qrcode
import qrcode.image.svg
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from screen_server.audit.services import record
from screen_server.config import Settings
from screen_server.errors import Invalid, NotAuthenticated
from screen_server.i18n import _
from screen_server.identity.lockouts import Lockouts
from screen_server.identity.models import RecoveryCode
from screen_server.org.models import Role, User
from screen_server.security import hash_secret, verify_secret

ISSUER = "智慧党员活动室"
RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def is_enrolled(user: User) -> bool:
    return user.totp_enabled_at is not None and bool(user.totp_secret)


def must_enrol(settings: Settings, user: User) -> bool:
    """Whether this user has to set up TOTP before anything else (system admins, when required)."""
    return settings.admin_totp == "required" and user.role is Role.ADMIN and not is_enrolled(user)


def begin_enrolment(session: Session, user: User) -> str:
    """Give the user a new (not yet active) secret; return it. A running enrolment keeps its secret."""
    if is_enrolled(user):
        raise Invalid(_("两步验证已经启用。"))
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32()
    return user.totp_secret


def provisioning_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret or "").provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The enrolment QR as inline SVG (no script, no image file, nothing from outside)."""
    img = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buf = io.BytesIO()
    img.save(buf)
    return buf.getvalue().decode("utf-8").split("?>", 1)[-1]


def _step_of(user: User, code: str, now: dt.datetime) -> int | None:
    """The time step ``code`` matches (current ±1), or None; a step already used does not match."""
    code = "".join(ch for ch in code or "" if ch.isdigit())
    if len(code) != 6 or not user.totp_secret:
        return None
    totp = pyotp.TOTP(user.totp_secret)
    step = int(now.timestamp()) // totp.interval
    for candidate in (step, step - 1, step + 1):
        if secrets.compare_digest(totp.at(candidate * totp.interval), code):
            if user.totp_last_step is not None and candidate <= user.totp_last_step:
                return None
            return candidate
    return None


def new_recovery_codes(session: Session, user: User) -> list[str]:
    """Replace the user's recovery codes with ten new ones; return them (shown once)."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["-".join("".join(secrets.choice(_ALPHABET) for _ in range(5)) for _ in range(2))
             for _ in range(RECOVERY_CODES)]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=hash_secret(c)) for c in codes)
    return codes


def confirm(session: Session, user: User, code: str, *, now: dt.datetime, ip: str = "") -> list[str]:
    """Turn TOTP on with a first code from the app; return the ten recovery codes."""
    if is_enrolled(user):
        raise Invalid(_("两步验证已经启用。"))
    step = _step_of(user, code, now)
    if step is None:
        raise Invalid(_("验证码不正确，请看验证器应用中的 6 位数字（注意手机时间是否准确）。"))
    user.totp_enabled_at = now
    user.totp_last_step = step
    record(session, actor_user_id=user.id, action="user.totp_enabled", target_type="user", target_id=user.id, ip=ip)
    return new_recovery_codes(session, user)


def disable(session: Session, user: User, *, ip: str = "") -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    record(session, actor_user_id=user.id, action="user.totp_disabled", target_type="user", target_id=user.id, ip=ip)


def remaining_codes(session: Session, user: User) -> int:
    return len(session.scalars(select(RecoveryCode.id).where(RecoveryCode.user_id == user.id,
                                                             RecoveryCode.used_at.is_(None))).all())


def check(session: Session, user: User, code: str, *, lockouts: Lockouts, now: dt.datetime, ip: str = "") -> str:
    """Accept a TOTP code or an unused recovery code for ``user``; return "totp" or "recovery".

    Raises:
        NotAuthenticated: wrong (counted like a wrong password). TooManyAttempts: locked.
    """
    audit = {"action": "user.second_factor", "actor_user_id": user.id, "actor_name": user.username, "ip": ip,
             "target_type": "user", "target_id": user.id}
    attempt = lockouts.begin("totp", user.username.lower(), ip, audit=audit)
    kind = ""
    step = _step_of(user, code, now)
    if step is not None:
        user.totp_last_step = step
        kind = "totp"
    else:
        typed = (code or "").strip().lower().replace(" ", "")
        if "-" in typed:
            for row in session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                                  RecoveryCode.used_at.is_(None))):
                if verify_secret(row.code_hash, typed):
                    row.used_at = now
                    kind = "recovery"
                    break
    if not kind:
        lockouts.failed(attempt, audit=audit)
        raise NotAuthenticated(_("验证码不正确。"))
    lockouts.succeeded(attempt, audit=audit | {"details": {"by": kind}})
    return kind
