"""The one password rule for web accounts, used wherever a password is chosen: the first-start setup
page, ``activity-room create-user``, the users page and a user's own password change.

A password must have at least ``MIN_LENGTH`` characters, must not be the username, and must not be on
the common-password list that ships beside this module (``common_passwords.txt``). Nothing here touches
the database.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib.resources import files

from screen_server.errors import Invalid
from screen_server.i18n import _

MIN_LENGTH = 10


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower case (read once per process)."""
    text = files("screen_server.org").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def _plain(value: str) -> str:
    # Full-width letters and digits typed on a Chinese keyboard are the same password to a guesser.
    return unicodedata.normalize("NFKC", value).strip().lower()


def check_password(password: str, username: str = "") -> None:
    """Raise Invalid with a Chinese sentence if ``password`` breaks the rule; return None if it is fine."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        raise Invalid(_("密码至少需要 {n} 个字符。").format(n=MIN_LENGTH))
    plain = _plain(password)
    name = _plain(username or "")
    if name and plain in (name, name[::-1]):
        raise Invalid(_("密码不能与用户名相同。"))
    if plain in common_passwords() or len(set(plain)) <= 2:
        raise Invalid(_("这个密码太常见，容易被猜中，请换一个。"))
