"""Security headers on one response of each kind (admin page, JSON API, phone page, media, the web wall,
static files, an error), HSTS only under TLS, and a /healthz that tells the network nothing but "ok"."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from content.models import Item, ReviewStatus
from screen_server.config import Settings
from screen_server.demo import seed_demo
from screen_server.http.wall import display_key
from tests.admin.forms import ADMIN, login


@pytest.fixture
def demo(session: Session, settings: Settings) -> Session:
    seed_demo(session, settings)
    session.commit()
    return session


def _media_path(session: Session) -> str:
    item = session.scalar(select(Item).where(Item.status == ReviewStatus.PUBLISHED, Item.main_media_id.is_not(None))
                          .limit(1))
    assert item is not None and item.main_media is not None
    media = item.main_media
    return f"/media/{media.id}/{media.sha256[:16]}{Path(media.original_filename).suffix.lower()[:8]}"


def _kinds(session: Session, settings: Settings) -> dict[str, str]:
    return {
        "admin page": "/admin/login",
        "json api": "/api/leaderboard",
        "json error": "/api/members/1",
        "phone page": "/m/leaderboard",
        "media": _media_path(session),
        "web wall": f"/wall/demo?key={display_key(settings.secret_key, 'demo')}",
        "static": "/static/wall.css",
        "health": "/healthz",
        "not found": "/nothing-here",
    }


def test_every_kind_of_response_carries_the_headers(client: FlaskClient, demo: Session, settings: Settings) -> None:
    for kind, path in _kinds(demo, settings).items():
        r = client.get(path, follow_redirects=True)  # the wall swaps its key for a cookie first
        assert r.status_code == (404 if kind in ("not found", "json error") else 200) or \
            (kind == "json error" and r.status_code == 401), (kind, r.status_code)
        csp = r.headers.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in csp, kind
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp, kind
        assert "script-src 'self'" in csp or "default-src 'none'" in csp or "default-src 'self'" in csp, kind
        assert r.headers.get("X-Content-Type-Options") == "nosniff", kind
        assert r.headers.get("Referrer-Policy") in ("same-origin", "no-referrer"), kind
        assert "Strict-Transport-Security" not in r.headers, kind  # plain HTTP: no HSTS


def test_hsts_under_tls_directly_or_behind_the_proxy(client: FlaskClient, demo: Session) -> None:
    assert client.get("/admin/login", base_url="https://room.local").headers["Strict-Transport-Security"]
    proxied = client.get("/api/leaderboard", headers={"X-Forwarded-Proto": "https"})
    assert proxied.headers["Strict-Transport-Security"].startswith("max-age=")


def test_the_admin_sends_no_inline_script(client: FlaskClient, demo: Session) -> None:
    login(client, *ADMIN)
    for path in ("/admin/", "/admin/members", "/admin/polls", "/admin/meetings", "/admin/devices"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and " onclick=" not in html and ' style="' not in html, path


def test_healthz_tells_the_network_only_that_it_is_up(client: FlaskClient, demo: Session) -> None:
    remote = client.get("/healthz", environ_base={"REMOTE_ADDR": "192.168.1.50"})
    assert remote.get_json() == {"status": "ok"}
    proxied = client.get("/healthz", headers={"X-Forwarded-For": "203.0.113.9"})
    assert proxied.get_json() == {"status": "ok"}
    local = client.get("/healthz").get_json()  # the server's own check (doctor, systemd): the details
    assert local["status"] == "ok" and "database" in local and "version" in local
    login(client, *ADMIN)
    admin = client.get("/healthz", environ_base={"REMOTE_ADDR": "192.168.1.50"}).get_json()
    assert "live_clients" in admin
    info = client.get("/api/server-info").get_json()
    assert "version" not in info and info["protocol"] >= 1
