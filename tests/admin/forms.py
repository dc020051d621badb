"""Helpers for the admin's tests: submit forms the way a browser does (with the page's CSRF token),
sign in, and build roster files."""

from __future__ import annotations

import io
import re
from typing import Any

from flask.testing import FlaskClient
from openpyxl import Workbook
from werkzeug.test import TestResponse

ADMIN = ("admin", "demo-admin-2026")
SECRETARY = ("secretary1", "demo-secretary-2026")
SECRETARY_BRANCH = "机关第一党支部"  # secretary1's branch in the demo
OTHER_BRANCH = "机关第二党支部"


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str) -> TestResponse:
    token = csrf_of(client.get("/admin/login").get_data(as_text=True))
    r = client.post("/admin/login", data={"username": username, "password": password, "csrf_token": token})
    assert r.status_code == 302, r.get_data(as_text=True)
    return r


def post(
    client: FlaskClient, url: str, data: dict[str, Any], page: str = "/admin/", **kw: Any
) -> TestResponse:
    """Submit a form with the CSRF token of one of our pages."""
    token = csrf_of(client.get(page).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token}, **kw)


def roster(*rows: list[Any]) -> bytes:
    """An .xlsx roster with ``rows`` (header first) on its first sheet."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(client: FlaskClient, data: bytes, filename: str = "roster.xlsx", **form: Any) -> TestResponse:
    return post(
        client,
        "/admin/members/import",
        {"file": (io.BytesIO(data), filename), **form},
        page="/admin/members/import",
        content_type="multipart/form-data",
    )
