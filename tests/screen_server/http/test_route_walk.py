"""The route walk: every route of the URL map (API, admin, phone pages), knocked on by anonymous, a
member's phone, a terminal, a wall, an editor, a reviewer, the secretary of branch 1 and a system admin,
with object ids from another branch and room. 0 unexpected successes, and no route without an entry in
``route_walk_expected.py``."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from screen_server.config import Settings
from tests.screen_server.http import route_walk as rw
from tests.screen_server.http.route_walk_expected import EXPECTED


def test_every_route_has_an_entry_and_every_entry_a_route(app: Flask) -> None:
    routes = {k for k, _rule, _method in rw.walked_routes(app)}
    missing, stale = sorted(routes - set(EXPECTED)), sorted(set(EXPECTED) - routes)
    assert not missing, f"routes without an expected outcome in route_walk_expected.py: {missing}"
    assert not stale, f"entries for routes that no longer exist: {stale}"
    for who in EXPECTED.values():
        assert who == "*" or set(who.split()) <= set(rw.IDENTITIES), who


def test_nobody_gets_in_where_they_do_not_belong(app: Flask, session: Session, settings: Settings) -> None:
    world = rw.build_world(session, settings)
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    assert {endpoint for endpoint, _arg in world.overrides} <= endpoints, "an override names no endpoint"
    unexpected: list[str] = []
    crashed: list[str] = []
    for name in rw.IDENTITIES:
        knocker = rw.Knocker(name, app.test_client(), world)
        for key, rule, method in rw.walked_routes(app):
            allowed = EXPECTED.get(key, "")
            resp = knocker.knock(method, rw.url_for_rule(rule, world))
            if resp.status_code >= 500:
                crashed.append(f"{name}: {key} → {resp.status_code}")
            elif rw.got_in(resp) and allowed != "*" and name not in allowed.split():
                unexpected.append(f"{name}: {key} → {resp.status_code}")
    assert not unexpected, "unexpected successes:\n" + "\n".join(unexpected)
    assert not crashed, "server errors:\n" + "\n".join(crashed)
