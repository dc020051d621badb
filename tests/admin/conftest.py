"""Fixtures for the admin's tests: the demo organisation and clients signed in as its users."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.admin.forms import ADMIN, SECRETARY, login


@pytest.fixture
def demo(demo_db: None, session: Session) -> Session:
    """The demo organisation (admin, secretary1, 60 members, the demo room and meetings), committed: a
    copy of the worker's seeded template (see tests/helpers/db.py)."""
    return session


@pytest.fixture
def as_admin(client: FlaskClient, demo: Session) -> FlaskClient:
    login(client, *ADMIN)
    return client


@pytest.fixture
def as_secretary(client: FlaskClient, demo: Session) -> FlaskClient:
    login(client, *SECRETARY)
    return client
