"""Fixtures for the content domain: an in-memory database with every table, two web users (an author
and a reviewer), and a media store in a temporary directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

import content.models  # noqa: F401  (registers the tables)
import screen_server.org.models  # noqa: F401  (users: the authors' and reviewers' table)
from content.media import MediaStore
from content.orm import Base
from screen_server.db import make_engine
from screen_server.org.models import Role, User


@pytest.fixture
def session() -> Iterator[Session]:
    engine = make_engine("sqlite://")  # foreign keys on, like the real database
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        yield s
    engine.dispose()


def _user(session: Session, username: str, role: Role) -> User:
    user = User(username=username, display_name=username, password_hash="-", role=role)
    session.add(user)
    session.flush()
    return user


@pytest.fixture
def author(session: Session) -> User:
    return _user(session, "editor1", Role.EDITOR)


@pytest.fixture
def reviewer(session: Session) -> User:
    return _user(session, "reviewer1", Role.REVIEWER)


@pytest.fixture
def store(tmp_path: Path) -> MediaStore:
    return MediaStore(tmp_path / "media")
