"""The one-time setup links of an empty installation: tables only (the rules are in services.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from screen_server.db import Base, UTCDateTime, utcnow


class SetupToken(Base):
    """A setup link issued when a server started on an installation without users.

    Only the token's SHA-256 is kept (``security.token_digest``): the link itself was printed once, on
    the console and in the log of the process that issued it, and a copied database opens nothing. Rows
    live in the database, not in a process, so any server process of the installation accepts the link.
    Completing the setup deletes every row.
    """

    __tablename__ = "setup_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
