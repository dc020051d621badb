"""Two-factor sign-in: with ``admin_totp = required`` a system admin must enrol before anything else;
enrolment by QR secret and a first code; sign-in asks for the code; each of the ten recovery codes
works once; a secretary is not forced. Re-authentication guards exports after five minutes."""

from __future__ import annotations

import dataclasses
import re

import pyotp
import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from screen_server.config import Settings
from screen_server.runtime import Runtime
from tests.admin.forms import ADMIN, SECRETARY, csrf_of, login, post
from tests.helpers.clock import Clock


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, admin_totp="required")


def _enrol(client: FlaskClient, runtime: Runtime) -> tuple[str, list[str]]:
    page = client.get("/admin/account/totp").get_data(as_text=True)
    assert "<svg" in page and "系统管理员必须先设置两步验证" in page
    match = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page)
    assert match
    secret = match.group(1)
    code = pyotp.TOTP(secret).at(runtime.clock())
    done = client.post("/admin/account/totp", data={"code": code, "csrf_token": csrf_of(page)})
    codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", done.get_data(as_text=True))
    assert done.status_code == 200 and len(codes) == 10
    return secret, codes


def _second_step(client: FlaskClient, code: str) -> int:
    page = client.get("/admin/login/totp").get_data(as_text=True)
    return client.post("/admin/login/totp", data={"code": code, "csrf_token": csrf_of(page)}).status_code


def test_a_system_admin_must_enrol_first_and_recovery_codes_work_once(client: FlaskClient, demo: Session,
                                                                      runtime: Runtime) -> None:
    clock = Clock()
    runtime.clock = clock
    r = login(client, *ADMIN)
    assert r.headers["Location"] == "/admin/account/totp"
    assert client.get("/admin/members").headers["Location"] == "/admin/account/totp"
    refused = client.get("/api/members")
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "totp_enrolment_required"
    secret, codes = _enrol(client, runtime)
    assert client.get("/admin/members").status_code == 200

    post(client, "/admin/logout", {})
    r = login(client, *ADMIN)  # the password alone is no longer enough
    assert r.headers["Location"].startswith("/admin/login/totp")
    assert client.get("/admin/members").headers["Location"].startswith("/admin/login/totp")
    assert client.get("/api/members").status_code == 401
    assert _second_step(client, "123-456") == 401
    assert _second_step(client, codes[0]) == 302
    assert client.get("/admin/members").status_code == 200

    post(client, "/admin/logout", {})
    login(client, *ADMIN)
    assert _second_step(client, codes[0]) == 401  # each recovery code works once
    assert _second_step(client, codes[1]) == 302
    post(client, "/admin/logout", {})
    clock.advance(seconds=60)
    login(client, *ADMIN)
    assert _second_step(client, pyotp.TOTP(secret).at(clock())) == 302
    assert client.get("/admin/account").get_data(as_text=True).count("剩余可用恢复码：8 个") == 1


def test_a_secretary_is_not_forced_to_enrol(client: FlaskClient, demo: Session) -> None:
    r = login(client, *SECRETARY)
    assert r.headers["Location"] == "/admin/"
    assert client.get("/admin/members").status_code == 200


def test_exports_ask_for_the_password_again_after_five_minutes(client: FlaskClient, demo: Session,
                                                               runtime: Runtime) -> None:
    clock = Clock()
    runtime.clock = clock
    login(client, *SECRETARY)
    assert client.get("/admin/stats/export.xlsx").status_code == 200  # just signed in
    clock.advance(minutes=6)
    r = client.get("/admin/stats/export.xlsx")
    assert r.status_code == 302 and r.headers["Location"].startswith("/admin/reauth?next=/admin/stats/export.xlsx")
    api = client.get("/api/ledger.xlsx")
    assert api.status_code == 403 and api.get_json()["error"]["code"] == "reauth_required"
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    wrong = client.post(r.headers["Location"], data={"secret": "nope", "csrf_token": csrf_of(page)})
    assert wrong.status_code == 401 and "密码不正确" in wrong.get_data(as_text=True)
    again = client.post(r.headers["Location"], data={"secret": SECRETARY[1], "csrf_token": csrf_of(page)})
    assert again.headers["Location"] == "/admin/stats/export.xlsx"
    assert client.get("/admin/stats/export.xlsx").status_code == 200
    assert client.get("/api/ledger.xlsx").status_code == 200
