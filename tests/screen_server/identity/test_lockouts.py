"""Lockouts across two server processes' worth of runtimes on one database: a thousand wrong PINs through
the phone form, wrong admin passwords and wrong contest codes each get five answers per fifteen minutes
(a room of phones joining with the right code is never held up), then even the right one is refused
until the lock ends; every try is audited."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from content.models import Question, QuestionKind, QuestionOption, ReviewStatus
from screen_server.audit.models import AuditEntry
from screen_server.config import Settings
from screen_server.contests import services as contests
from screen_server.runner import RoomServer
from screen_server.runtime import build_runtime
from tests.helpers.clock import Clock
from tests.helpers.factories import PASSWORD, PIN, make_member, make_user

WRONG = 1000
TIMEOUT = 30


@pytest.fixture
def two_servers(settings: Settings) -> Iterator[tuple[list[RoomServer], Clock]]:
    """Two servers, each with its own runtime (engine, lockout store, caches), on one database and one clock."""
    settings = dataclasses.replace(settings, run_jobs=False)
    clock = Clock()
    servers = []
    try:
        for _ in range(2):
            rt = build_runtime(settings, apply_migrations=False)
            rt.clock = clock
            servers.append(RoomServer(settings, runtime=rt, jobs=False).start())
        yield servers, clock
    finally:
        for srv in servers:
            srv.stop()


def _spread(servers: list[RoomServer], n: int, attempt: Callable[[str, int], int]) -> Counter[int]:
    """Send ``n`` tries alternately to the two servers, 16 at a time; count the answers' status codes."""
    with ThreadPoolExecutor(16) as pool:
        codes = pool.map(lambda i: attempt(servers[i % 2].http_url, i), range(n))
        return Counter(codes)


def _actions(session: Session, prefix: str) -> Counter[str]:
    session.expire_all()
    return Counter(session.scalars(select(AuditEntry.action).where(AuditEntry.action.startswith(prefix))))


def test_a_thousand_wrong_pins_over_two_servers_get_five_checks(two_servers: Any, session: Session) -> None:
    servers, clock = two_servers
    member = make_member(session)
    session.commit()

    # A phone that loaded the form once: its cookie and the page's CSRF token go with every post, to
    # either server (they share the secret key).
    browser, token = _form(servers[0].http_url, "/m/challenge")
    cookies = browser.cookies.get_dict()

    def phone(base: str, i: int, pin: str = "000000") -> int:
        r = requests.post(f"{base}/m/challenge", data={"number": member.number, "pin": pin, "csrf_token": token},
                          cookies=cookies, timeout=TIMEOUT)
        return r.status_code

    answers = _spread(servers, WRONG, phone)
    assert answers[401] == 5 and answers[429] == WRONG - 5, answers
    tries = _actions(session, "member.pin")
    assert tries["member.pin_failed"] == 5 and tries["member.pin_locked_out"] == 1
    assert tries["member.pin_refused"] == WRONG - 5 and sum(tries.values()) == WRONG + 1
    for srv in servers:  # now even the right PIN is refused, with when to try again
        r = requests.post(f"{srv.http_url}/m/challenge", data={"number": member.number, "pin": PIN, "csrf_token": token},
                          cookies=cookies, timeout=TIMEOUT)
        assert r.status_code == 429 and re.search(r"错误次数过多，已暂时锁定。请在 \d\d:\d\d 之后再试", r.text)
    clock.advance(minutes=14, seconds=59)
    assert phone(servers[1].http_url, 0, PIN) == 429
    clock.advance(seconds=2)
    assert phone(servers[0].http_url, 0, PIN) == 200  # the lock has ended
    assert _actions(session, "member.pin")["member.pin"] == 1  # the success, audited too


def _form(base: str, path: str) -> tuple[requests.Session, str]:
    """A browser session that loaded the form at ``path``, and that form's CSRF token."""
    web = requests.Session()
    page = web.get(f"{base}{path}", timeout=TIMEOUT).text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    return web, match.group(1)


def _login_form(base: str) -> tuple[requests.Session, str]:
    return _form(base, "/admin/login")


def test_wrong_admin_passwords_over_two_servers_get_five_checks(two_servers: Any, session: Session) -> None:
    servers, clock = two_servers
    user = make_user(session)
    session.commit()
    forms = [_login_form(srv.http_url) for srv in servers]

    def login(base: str, i: int, password: str = "wrong-password") -> int:
        web, token = forms[i % 2]
        r = requests.post(f"{base}/admin/login", data={"username": user.username, "password": password,
                                                       "csrf_token": token}, cookies=web.cookies,
                          allow_redirects=False, timeout=TIMEOUT)
        return r.status_code

    answers = _spread(servers, 300, login)
    assert answers[401] == 5 and answers[429] == 295, answers
    tries = _actions(session, "user.login")
    assert tries["user.login_failed"] == 5 and tries["user.login_locked_out"] == 1 and tries["user.login_refused"] == 295
    assert login(servers[0].http_url, 0, PASSWORD) == 429  # the right password, too
    clock.advance(minutes=15, seconds=1)
    assert login(servers[1].http_url, 1, PASSWORD) == 302


def test_wrong_contest_codes_over_two_servers_lock_the_address_and_right_ones_pass(two_servers: Any, session: Session) -> None:
    servers, clock = two_servers
    q = Question(kind=QuestionKind.SINGLE, stem="党的最高理想", answer="A", status=ReviewStatus.PUBLISHED,
                 difficulty=1, options=[QuestionOption(label=lb, text=f"选项{lb}") for lb in "AB"])
    session.add(q)
    session.flush()
    contest = contests.create_contest(session, title="党史知识竞赛", room_id=None, questions=1, seconds=20,
                                      question_ids=[q.id])
    session.commit()
    wrong = "000000" if contest.code != "000000" else "111111"

    def join_page(base: str, i: int, code: str = wrong) -> int:
        return requests.get(f"{base}/c/{code}", timeout=TIMEOUT).status_code

    # A room of phones behind one address joins the real contest at once: none is held up as "too many"
    # (a code is no account's secret, and lookups cost nothing: only wrong ones count).
    right = _spread(servers, 64, lambda base, i: join_page(base, i, contest.code))
    assert right == Counter({200: 64}), right

    answers = _spread(servers, 300, join_page)
    # Exactly five wrong codes are told "wrong" (those in flight when the lock starts are answered as
    # locked); then every try is refused, across both servers.
    assert answers[404] == 5 and answers[429] == 295, answers
    tries = _actions(session, "contest.code")
    assert tries["contest.code_failed"] == 5 and tries["contest.code_locked_out"] == 1
    assert tries["contest.code_refused"] == 295
    assert join_page(servers[0].http_url, 0, contest.code) == 429  # the right code, too
    clock.advance(minutes=15, seconds=1)
    assert join_page(servers[1].http_url, 0, contest.code) == 200
