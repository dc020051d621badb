"""Credentials for driving a live demo server from outside, as an API client would: an admin session
(cookie and CSRF token, signed in through the admin's login form) and a device token (paired on the
demo, which approves at once)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import requests

ADMIN = ("admin", "demo-admin-2026")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Credentials:
    cookie: str  # "session=…"
    csrf: str
    device_token: str

    def headers(self) -> list[str]:
        return [f"Cookie: {self.cookie}", f"X-CSRFToken: {self.csrf}", f"Authorization: Bearer {self.device_token}"]


def sign_in(base: str) -> Credentials:
    """Sign in as the demo admin and pair a terminal; return what a client sends with each request."""
    web = requests.Session()
    token = _CSRF.search(web.get(f"{base}/admin/login", timeout=10).text)
    assert token, "no CSRF token on the login page"
    web.post(f"{base}/admin/login", data={"username": ADMIN[0], "password": ADMIN[1], "csrf_token": token.group(1)},
             timeout=10).raise_for_status()
    page = _CSRF.search(web.get(f"{base}/admin/", timeout=10).text)
    assert page, "not signed in (no CSRF token on the dashboard)"
    paired = requests.post(f"{base}/api/devices/pairing", json={"name": "接口测试终端", "mode": "terminal"}, timeout=10)
    device_token = paired.json()["device_token"]
    return Credentials("session=" + web.cookies["session"], page.group(1), device_token)
