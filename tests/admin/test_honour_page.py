"""光荣榜 in the admin, on the demo organisation: the admin adds an entry with a photo (checked as every
upload is: a file that is no image is refused and nothing changes), a terminal and a wall read only the
current-period entries, the photo is served at its signed address only, the admin removes it; a
secretary cannot reach the page."""

from __future__ import annotations

import base64
import datetime as dt
import io

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from screen_server.assessment.models import HonourEntry
from screen_server.devices.models import DeviceRole
from tests.admin.forms import ADMIN, SECRETARY, login, post
from tests.helpers.factories import make_device

PAGE = "/admin/assessment/honour"
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def _form(**extra: object) -> dict[str, object]:
    today = dt.date.today()
    return {"title": "优秀党员", "number": "D0001", "name": "", "citation": "扎根一线，带头攻坚。",
            "starts_on": (today - dt.timedelta(days=1)).isoformat(), "ends_on": (today + dt.timedelta(days=30)).isoformat(),
            **extra}


def test_admin_adds_an_honour_that_terminals_and_walls_show(client: FlaskClient, demo: Session) -> None:
    login(client, *ADMIN)
    bad = post(client, PAGE, _form(photo=(io.BytesIO(b"not an image at all"), "x.png")), page=PAGE,
               content_type="multipart/form-data", follow_redirects=True)
    assert bad.status_code == 415 and "内容与扩展名不符" in bad.get_data(as_text=True)
    assert demo.scalar(select(func.count()).select_from(HonourEntry)) == 0
    done = post(client, PAGE, _form(photo=(io.BytesIO(PNG), "照片.png")), page=PAGE,
                content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "列入光荣榜" in done and "展示中" in done
    old = _form(title="党员先锋岗", name="装配车间", number="", starts_on="2025-01-01", ends_on="2025-03-01")
    post(client, PAGE, old, page=PAGE, content_type="multipart/form-data")
    assert demo.scalar(select(func.count()).select_from(HonourEntry)) == 2

    _device, token = make_device(demo, DeviceRole.WALL)
    demo.commit()
    shown = client.get("/api/device/honour", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert [e["title"] for e in shown["entries"]] == ["优秀党员"]
    photo = shown["entries"][0]["photo"]
    assert client.get(photo).data == PNG
    assert client.get(photo[:-4] + "0000").status_code == 404
    assert client.get("/api/device/honour").status_code == 401

    entry_id = shown["entries"][0]["id"]
    post(client, f"{PAGE}/{entry_id}/delete", {}, page=PAGE)
    assert client.get("/api/device/honour", headers={"Authorization": f"Bearer {token}"}).get_json()["entries"] == []


def test_secretary_cannot_manage_the_honour_board(client: FlaskClient, demo: Session) -> None:
    login(client, *SECRETARY)
    assert client.get(PAGE).status_code == 403
    assert "光荣榜" not in client.get("/admin/assessment").get_data(as_text=True)
