"""The device API: pairing, snapshot and preview upload for kiosks and walls."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from screen_server import __version__
from screen_server.devices import services as devices
from screen_server.errors import Invalid
from screen_server.http.common import client_ip, current_device, db, json_body, run, runtime
from screen_server.i18n import _
from screen_server.push.viewer import Viewer

bp = Blueprint("devices_api", __name__, url_prefix="/api")


@bp.post("/devices/pairing")
def request_pairing() -> Any:
    body = json_body()
    device, claim, token = run(
        devices.request_pairing,
        db(),
        runtime().settings,
        mode=body.get("mode"),
        name=str(body.get("name") or ""),
        version=str(body.get("version") or ""),
        ip=client_ip(),
    )
    answer: dict[str, Any] = {
        "claim": claim,
        "pairing_code": device.pairing_code,
        "expires_at": device.pairing_expires_at.isoformat() if device.pairing_expires_at else None,
        "status": "pending",
    }
    if token:
        answer |= {"status": "approved", "device_token": token, "device": devices.device_data(device)}
    return jsonify(answer), 201


@bp.get("/devices/pairing/<claim>")
def poll_pairing(claim: str) -> Any:
    status, device, token = run(devices.poll_pairing, db(), claim)
    answer: dict[str, Any] = {"status": status}
    if device is not None and status == "pending":
        answer["pairing_code"] = device.pairing_code
    if token and device is not None:
        answer |= {"device_token": token, "device": devices.device_data(device)}
    return jsonify(answer)


@bp.get("/device/snapshot")
def snapshot() -> Any:
    device = current_device()
    rt = runtime()
    seq = rt.bus.last_seq()
    state = rt.snapshots.build(Viewer("device", room_id=device.room_id, device_id=device.id, role=device.role.value))
    return jsonify({"seq": seq, "state": state, "server_version": __version__})


@bp.post("/device/preview")
def upload_preview() -> Any:
    device = current_device()
    if request.content_length and request.content_length > devices.MAX_PREVIEW_BYTES:
        raise Invalid(_("预览图过大。"))
    run(devices.save_preview, db(), runtime().settings, device, request.get_data(cache=False))
    return "", 204
