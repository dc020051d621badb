"""CSRF over the whole URL map: every state-changing route the app does not exempt (today the admin's
pages and the session's JSON API, with the new first-day, members, account, organisation, users and
meeting console routes), posted as a cross-site form without the page's token by a browser that holds an
admin's session and a member's phone cookie, is refused before it does anything. Whatever the app
exempts is read from the app itself, so a route moved out of an exempt blueprint is walked at once.
The phone's PIN forms carry the token in the page, ready for phone forms to be checked too."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from screen_server.config import Settings
from screen_server.http.signin import PHONE_COOKIE
from screen_server.org.models import Branch, User
from tests.admin.forms import ADMIN, login
from tests.screen_server.http import route_walk as rw

REFUSED = "页面已过期或来源不明"
NEW_ROUTES = ("POST /admin/account/sessions/<int:session_id>/end", "POST /admin/account/totp/off",
              "POST /admin/org/branches", "POST /admin/users/<int:user_id>/deactivate", "POST /admin/members/new",
              "POST /admin/members/pins/issue", "POST /admin/meetings/<int:meeting_id>/ballots",
              "POST /admin/meetings/<int:meeting_id>/console/step", "POST /admin/polls/<int:poll_id>/reveal",
              "POST /admin/setup/<token>", "POST /admin/reauth", "POST /admin/login/totp",
              "POST /admin/exams", "POST /m/exams/<int:exam_id>/start", "POST /m/exams/attempts/<int:attempt_id>/answer")


def _exempt(app: Flask) -> set[str]:
    csrf = app.extensions["activity_room.csrf"]
    return {bp.name for bp in csrf._exempt_blueprints}  # noqa: SLF001 - what the app itself exempts


def test_every_checked_post_without_a_token_is_refused(app: Flask, session: Session, settings: Settings) -> None:
    world = rw.build_world(session, settings)
    browser = FlaskClient(app, app.response_class, use_cookies=True)  # a plain client: it adds no token
    login(browser, *ADMIN)
    browser.set_cookie(PHONE_COOKIE, world.member_cookie)
    exempt = _exempt(app)
    posts = [(key, rule) for key, rule, method in rw.walked_routes(app)
             if method != "GET" and rule.endpoint.rsplit(".", 1)[0] not in exempt]
    walked = {key for key, _rule in posts}
    assert len(posts) > 100
    assert set(NEW_ROUTES) <= walked, sorted(set(NEW_ROUTES) - walked)
    branches, users = session.scalar(select(func.count(Branch.id))), session.scalar(select(func.count(User.id)))
    accepted = []
    for key, rule in posts:
        resp = browser.post(rw.url_for_rule(rule, world), data={"name": "跨站", "username": "evil", "number": "D0001",
                                                                 "pin": "246810", "password": "demo-admin-2026"},
                            headers={"Origin": "http://evil.example", "Referer": "http://evil.example/x"})
        if resp.status_code != 400 or REFUSED not in resp.get_data(as_text=True):
            accepted.append(f"{key} → {resp.status_code}")
    assert not accepted, "posted without a CSRF token and not refused:\n" + "\n".join(accepted)
    session.expire_all()
    assert session.scalar(select(func.count(Branch.id))) == branches
    assert session.scalar(select(func.count(User.id))) == users


def test_the_phone_pin_form_carries_the_token(app: Flask, session: Session, settings: Settings) -> None:
    world = rw.build_world(session, settings)
    phone = FlaskClient(app, app.response_class, use_cookies=True)
    phone.set_cookie(PHONE_COOKIE, world.member_cookie)
    page = phone.get("/phone/pin").get_data(as_text=True)
    assert 'action="/phone/pin"' in page and 'name="csrf_token"' in page
