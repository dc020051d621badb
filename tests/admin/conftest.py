"""Fixtures for the admin's tests: the demo organisation and clients signed in as its users."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from screen_server.config import Settings
from screen_server.demo import seed_demo
from tests.admin.forms import ADMIN, SECRETARY, login


@pytest.fixture
def demo(session: Session, settings: Settings) -> Session:
    """The demo organisation (admin, secretary1, 60 members, the demo room and meetings), committed."""
    seed_demo(session, settings)
    session.commit()
    return session


@pytest.fixture
def as_admin(client: FlaskClient, demo: Session) -> FlaskClient:
    login(client, *ADMIN)
    return client


@pytest.fixture
def as_secretary(client: FlaskClient, demo: Session) -> FlaskClient:
    login(client, *SECRETARY)
    return client
