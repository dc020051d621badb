"""Persistence primitives shared by every domain: the declarative base, its naming convention, and a
UTC datetime column type.

They live in the lowest layer (content) so that content's models and screen_server's models share one
metadata — foreign keys across areas, one Alembic history — while imports still point one way
(screen_server → content). Nothing here opens a database.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from sqlalchemy import DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


ModelT = TypeVar("ModelT", bound=Base)
# The largest id an INTEGER primary key holds on PostgreSQL (32 bits; SQLite's are 64, but a room never
# counts past two billion rows): a larger id names nothing, and handing it to the driver would fail
# with an overflow instead of "not found".
MAX_ID = 2**31 - 1


def get_or_not_found(
    session: Session, model: type[ModelT], ident: int, message: str, error: type[Exception] | None = None,
) -> ModelT:
    """Return the row of ``model`` with primary key ``ident``, or raise ``error`` (a NotFound by default)
    with ``message``."""
    from content.errors import NotFound

    row = session.get(model, ident) if isinstance(ident, int) and 0 <= ident <= MAX_ID else None
    if row is None:
        raise (error or NotFound)(message)
    return row


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
