"""The one-time setup link: issued only while there are no users, kept as a digest, valid across
processes, dead once used or expired; the server prints it once per start on an empty installation."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from screen_server.audit.models import AuditEntry
from screen_server.config import Settings
from screen_server.db import utcnow
from screen_server.errors import DomainError, Invalid
from screen_server.org.models import Committee, Role, User
from screen_server.runner import RoomServer
from screen_server.runtime import build_runtime
from screen_server.security import token_digest
from screen_server.setup import services as setup
from screen_server.setup.models import SetupToken
from tests.helpers.factories import make_user

GOOD = {"username": "zhangwei", "password": "Lake-window-7781", "password_again": "Lake-window-7781",
        "committee_name": "中共某某公司委员会"}


def _complete(session: Session, token: str, **overrides: str) -> User:
    return setup.complete_setup(session, token, **(GOOD | overrides))  # type: ignore[arg-type]


def test_the_database_keeps_only_the_digest(session: Session) -> None:
    token = setup.issue_setup_token(session)
    assert token is not None
    session.commit()
    row = session.scalar(select(SetupToken))
    assert row is not None and row.digest == token_digest(token) and token not in row.digest


def test_no_link_once_there_are_users(session: Session) -> None:
    make_user(session)
    assert setup.issue_setup_token(session) is None
    assert session.scalar(select(func.count()).select_from(SetupToken)) == 0


def test_completing_creates_the_admin_names_the_committee_and_kills_every_link(session: Session) -> None:
    token = setup.issue_setup_token(session)
    other = setup.issue_setup_token(session)  # a second process's link
    assert token and other
    user = _complete(session, token)
    session.commit()
    assert user.role is Role.ADMIN and not user.must_change_password
    assert session.scalar(select(Committee.name)) == GOOD["committee_name"]
    assert session.scalar(select(func.count()).select_from(SetupToken)) == 0
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "setup.complete")) is not None
    for used in (token, other):
        with pytest.raises(setup.SetupDone) as exc:
            setup.check_setup_token(session, used)
        assert "已完成初始设置" in exc.value.message


def test_an_expired_link_is_refused_and_changes_nothing(session: Session) -> None:
    long_ago = utcnow() - dt.timedelta(hours=setup.LINK_HOURS + 1)
    token = setup.issue_setup_token(session, now=long_ago)
    assert token
    with pytest.raises(setup.SetupLinkExpired) as exc:
        _complete(session, token)
    assert "已过期" in exc.value.message
    assert session.scalar(select(func.count()).select_from(User)) == 0


def test_an_unknown_link_is_refused(session: Session) -> None:
    setup.issue_setup_token(session)
    with pytest.raises(DomainError) as exc:
        _complete(session, "not-the-token")
    assert "设置链接无效" in exc.value.message


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password": "short", "password_again": "short"}, "至少需要"),
        ({"password": "ZhangWei2026", "password_again": "ZhangWei2026", "username": "zhangwei2026"}, "不能与用户名相同"),
        ({"password": "qwertyuiop123", "password_again": "qwertyuiop123"}, "太常见"),
        ({"password_again": "Lake-window-7782"}, "不一致"),
        ({"committee_name": "  "}, "党委名称"),
        ({"username": ""}, "用户名"),
    ],
)
def test_bad_input_changes_nothing(session: Session, overrides: dict[str, str], message: str) -> None:
    token = setup.issue_setup_token(session)
    assert token
    session.commit()
    with pytest.raises(Invalid) as exc:
        _complete(session, token, **overrides)
    session.rollback()
    assert message in exc.value.message
    assert session.scalar(select(func.count()).select_from(User)) == 0
    setup.check_setup_token(session, token)  # the link still works


def test_a_link_issued_by_one_process_works_in_another(settings: Settings) -> None:
    first = build_runtime(settings, apply_migrations=False)
    try:
        with first.session_factory() as s:
            token = setup.issue_setup_token(s)
            s.commit()
    finally:
        first.close()
    second = build_runtime(settings, apply_migrations=False)
    try:
        with second.session_factory() as s:
            assert token
            _complete(s, token)
            s.commit()
            assert s.scalar(select(User.username)) == GOOD["username"]
    finally:
        second.close()


def test_the_server_prints_the_link_on_an_empty_install_and_not_when_it_has_users(
    settings: Settings, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    server = RoomServer(settings, runtime=build_runtime(settings, apply_migrations=False), jobs=False).start()
    try:
        link = server.setup_link
        assert link and link.startswith(server.http_url + "/admin/setup/")
        assert link in capsys.readouterr().out
        assert any(link in r.getMessage() for r in caplog.records)
        with server.runtime.session_factory() as s:
            _complete(s, link.rsplit("/", 1)[1])
            s.commit()
    finally:
        server.stop()
    again = RoomServer(settings, runtime=build_runtime(settings, apply_migrations=False), jobs=False).start()
    try:
        assert again.setup_link is None
        assert "/admin/setup/" not in capsys.readouterr().out
    finally:
        again.stop()
