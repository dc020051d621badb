"""Device pairing over HTTP: request a code, an admin approves it, the device collects its token."""

from __future__ import annotations

import dataclasses

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from screen_server.audit.models import AuditEntry
from screen_server.devices import services as devices
from screen_server.devices.models import Device, DeviceStatus
from screen_server.runtime import Runtime
from tests.helpers.factories import make_device, make_room, make_user

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def test_pairing_approval_and_token(client: FlaskClient, session: Session) -> None:
    admin, room = make_user(session), make_room(session)
    session.commit()
    r = client.post("/api/devices/pairing", json={"mode": "terminal", "name": "一号终端", "version": "0.1"})
    assert r.status_code == 201
    body = r.get_json()
    assert body["status"] == "pending" and len(body["pairing_code"]) == 6 and body["pairing_code"].isdigit()
    claim = body["claim"]
    assert client.get(f"/api/devices/pairing/{claim}").get_json()["status"] == "pending"

    devices.approve_pairing(session, actor_user_id=admin.id, code=body["pairing_code"], room_id=room.id, role="wall",
                            name="大厅大屏")
    session.commit()
    answer = client.get(f"/api/devices/pairing/{claim}").get_json()
    assert answer["status"] == "approved"
    assert answer["device"]["role"] == "wall" and answer["device"]["room"]["slug"] == room.slug
    token = answer["device_token"]
    snap = client.get("/api/device/snapshot", headers={"Authorization": f"Bearer {token}"})
    assert snap.status_code == 200
    assert snap.get_json()["state"]["device"]["name"] == "大厅大屏"
    stored = session.scalar(select(Device).where(Device.id == answer["device"]["id"]))
    assert stored is not None and token not in (stored.token_digest or "")  # only a digest is kept
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "device.approve")) is not None


def test_wrong_code_is_refused_in_chinese(session: Session) -> None:
    admin, room = make_user(session), make_room(session)
    import pytest

    from screen_server.errors import NotFound

    with pytest.raises(NotFound) as err:
        devices.approve_pairing(session, actor_user_id=admin.id, code="000000", room_id=room.id, role="terminal")
    assert "配对码" in err.value.message


def test_demo_server_approves_at_once(runtime: Runtime, client: FlaskClient, session: Session) -> None:
    room = make_room(session, slug="demo")
    session.commit()
    runtime.settings = dataclasses.replace(runtime.settings, auto_approve_room="demo")
    body = client.post("/api/devices/pairing", json={"mode": "wall"}).get_json()
    assert body["status"] == "approved" and body["device"]["room"]["id"] == room.id
    assert body["device"]["role"] == "wall" and body["device_token"]


def test_bad_mode_and_bad_json_get_clear_messages(client: FlaskClient) -> None:
    r = client.post("/api/devices/pairing", json={"mode": "toaster"})
    assert r.status_code == 400 and "终端" in r.get_json()["error"]["message"]
    r = client.post("/api/devices/pairing", data="not json", content_type="application/json")
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "invalid"


def test_snapshot_and_preview_need_a_valid_token(client: FlaskClient, session: Session, runtime: Runtime) -> None:
    device, token = make_device(session)
    session.commit()
    assert client.get("/api/device/snapshot").status_code == 401
    assert client.get("/api/device/snapshot", headers={"Authorization": "Bearer nope"}).status_code == 401
    auth = {"Authorization": f"Bearer {token}"}
    r = client.post("/api/device/preview", data=b"GIF89a not a png", headers=auth, content_type="image/png")
    assert r.status_code == 400 and "PNG" in r.get_json()["error"]["message"]
    assert client.post("/api/device/preview", data=PNG, headers=auth, content_type="image/png").status_code == 204
    assert devices.preview_path(runtime.settings, device.id).read_bytes() == PNG


def test_revoked_token_stops_working(client: FlaskClient, session: Session) -> None:
    admin = make_user(session)
    device, token = make_device(session)
    session.commit()
    devices.revoke_device(session, actor_user_id=admin.id, device_id=device.id)
    session.commit()
    assert device.status is DeviceStatus.REVOKED
    assert client.get("/api/device/snapshot", headers={"Authorization": f"Bearer {token}"}).status_code == 401
