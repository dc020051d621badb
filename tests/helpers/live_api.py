"""Credentials for driving a live demo server from outside, as an API client would: an admin session
(every cookie the admin's login form set, and its CSRF token; the password was typed just now, so the
operations that ask for a recent re-authentication are open for five minutes), a paired terminal's device
token with a member logged in at it (number and PIN, as at the terminal), and the phone cookie of a
member who identified on a phone page (page first for its CSRF token, as a phone does)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import requests

from tests.helpers.phone import post_form

ADMIN = ("admin", "demo-admin-2026")
MEMBER = ("D0001", "246810")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Credentials:
    cookie: str  # "ar_admin=…; session=…; <phone cookie>=…"
    csrf: str
    device_token: str
    member_id: int  # logged in at the device's terminal (and remembered by the phone cookie)

    def headers(self) -> list[str]:
        return [f"Cookie: {self.cookie}", f"X-CSRFToken: {self.csrf}", f"Authorization: Bearer {self.device_token}"]


def sign_in(base: str) -> Credentials:
    """Sign in as the demo admin, pair a terminal and log a member in at it, identify that member on a
    phone page; return what a client sends with each request."""
    web = requests.Session()
    token = _CSRF.search(web.get(f"{base}/admin/login", timeout=10).text)
    assert token, "no CSRF token on the login page"
    web.post(f"{base}/admin/login", data={"username": ADMIN[0], "password": ADMIN[1], "csrf_token": token.group(1)},
             timeout=10).raise_for_status()
    page = _CSRF.search(web.get(f"{base}/admin/", timeout=10).text)
    assert page, "not signed in (no CSRF token on the dashboard)"
    paired = requests.post(f"{base}/api/devices/pairing", json={"name": "接口测试终端", "mode": "terminal"}, timeout=10)
    device_token = paired.json()["device_token"]
    login = requests.post(f"{base}/api/device/members/login", json={"number": MEMBER[0], "pin": MEMBER[1]},
                          headers={"Authorization": f"Bearer {device_token}"}, timeout=10)
    assert login.status_code == 200, login.text
    post_form(web, f"{base}/m/challenge", {"number": MEMBER[0], "pin": MEMBER[1]}).raise_for_status()
    me = web.get(f"{base}/api/study/me", timeout=10)
    assert me.status_code == 200, f"the phone is not remembered: {me.text}"
    cookie = "; ".join(f"{c.name}={c.value}" for c in web.cookies)
    return Credentials(cookie, page.group(1), device_token, int(login.json()["member"]["id"]))
