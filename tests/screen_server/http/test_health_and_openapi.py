from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient


def test_healthz(client: FlaskClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.get_json()["status"] == "ok"


def test_server_info_names_the_websocket(client: FlaskClient) -> None:
    info = client.get("/api/server-info", base_url="http://room.local:8000").get_json()
    assert info["ws_url"].startswith("ws://room.local:") and info["ws_url"].endswith("/ws")


def test_unknown_api_path_answers_json_in_chinese(client: FlaskClient) -> None:
    r = client.get("/api/nothing-here")
    assert r.status_code == 404 and r.get_json()["error"]["message"] == "找不到该资源。"


def test_openapi_describes_every_api_route_and_no_other(app: Flask, client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    served = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        for method in rule.methods or ():
            if method not in ("HEAD", "OPTIONS"):
                served.add((path, method.lower()))
    assert served == documented
