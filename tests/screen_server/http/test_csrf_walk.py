"""The CSRF walk: every state-changing route of the URL map, posted as a form without the page's token
by a browser that holds an admin's session and a member's phone cookie, is refused before it does
anything, phone forms included. The phone pages carry the token in the page (no script needed)."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from screen_server.config import Settings
from screen_server.http.signin import PHONE_COOKIE
from tests.admin.forms import ADMIN, login
from tests.screen_server.http import route_walk as rw

REFUSED = "页面已过期或来源不明"


def test_every_post_without_a_token_is_refused(app: Flask, session: Session, settings: Settings) -> None:
    world = rw.build_world(session, settings)
    browser = FlaskClient(app, app.response_class, use_cookies=True)  # a plain client: it adds no token
    login(browser, *ADMIN)
    browser.set_cookie(PHONE_COOKIE, world.member_cookie)
    posts = [(key, rule) for key, rule, method in rw.walked_routes(app) if method != "GET"]
    assert len(posts) > 80
    accepted = []
    for key, rule in posts:
        resp = browser.post(rw.url_for_rule(rule, world), data={"number": "D0001", "pin": "246810"},
                            headers={"Origin": "http://evil.example", "Referer": "http://evil.example/x"})
        if resp.status_code != 400 or REFUSED not in resp.get_data(as_text=True):
            accepted.append(f"{key} → {resp.status_code}")
    assert not accepted, "posted without a CSRF token and not refused:\n" + "\n".join(accepted)


def test_phone_forms_carry_the_token_and_work_without_script(app: Flask, session: Session,
                                                             settings: Settings) -> None:
    rw.build_world(session, settings)
    browser = FlaskClient(app, app.response_class, use_cookies=True)
    page = browser.get("/m/challenge").get_data(as_text=True)
    assert "<script" not in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    done = browser.post("/m/challenge", data={"number": "D0001", "pin": "246810", "csrf_token": token.group(1)})
    assert done.status_code == 200 and "同志" in done.get_data(as_text=True)
