"""The route walk's machinery: the people who knock (anonymous, a member's phone, a terminal, a wall,
an editor, a reviewer, the secretary of branch 1, a system admin), the objects of *another* branch and
room they knock on, and what counts as getting in.

The expected outcomes live beside it in ``route_walk_expected.py``; the test is ``test_route_walk.py``.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from content.models import Item, MediaAsset, Question, ReviewStatus
from screen_server.announcements.services import create_announcement
from screen_server.assessment import honour
from screen_server.assessment import publication as publishing
from screen_server.assessment.services import add_record
from screen_server.config import Settings
from screen_server.contests import services as contests
from screen_server.demo import seed_demo
from screen_server.devices.models import DeviceRole
from screen_server.exams import services as exams
from screen_server.http.signin import PHONE_COOKIE, phone_cookie_value
from screen_server.identity import sessions as admin_sessions
from screen_server.meetings import minutes, supervision
from screen_server.meetings import services as meetings
from screen_server.messages import services as messages
from screen_server.org.models import Branch, Member, PartyGroup, User
from screen_server.polls import services as polls
from screen_server.practice import services as practice
from screen_server.screens.services import create_emergency
from screen_server.service_window import corrections as record_corrections
from screen_server.service_window import services as service_window
from screen_server.study.plans import save_plan
from tests.helpers.factories import log_in_at, make_device, make_room

IDENTITIES = ("anonymous", "member", "terminal", "wall", "editor", "reviewer", "secretary", "admin")
PASSWORDS = {"admin": ("admin", "demo-admin-2026"), "secretary": ("secretary1", "demo-secretary-2026"),
             "editor": ("editor1", "demo-editor-2026"), "reviewer": ("reviewer1", "demo-reviewer-2026")}
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
LAST = ("POST /admin/logout", "POST /phone/forget")  # walked last: they end the caller's own session


def key(rule: Rule, method: str) -> str:
    return f"{method} {rule.rule}"


def walked_routes(app: Flask) -> list[tuple[str, Rule, str]]:
    """Every (key, rule, method) of the URL map, the session-ending ones last."""
    out = [(key(r, m), r, m) for r in app.url_map.iter_rules() for m in sorted(r.methods - {"HEAD", "OPTIONS"})]
    return sorted(out, key=lambda t: (t[0] in LAST, t[0]))


@dataclass
class World:
    """The other branch's (and other room's) objects, by the URL argument that names them."""

    args: dict[str, Any] = field(default_factory=dict)
    overrides: dict[tuple[str, str], Any] = field(default_factory=dict)  # (endpoint, argument) → value
    member_cookie: str = ""
    terminal_token: str = ""
    wall_token: str = ""


def build_world(session: Session, settings: Settings) -> World:
    """The demo organisation, plus objects of branch 2 in a second room that branch 1 must not reach."""
    seed_demo(session, settings)
    branches = list(session.scalars(select(Branch).order_by(Branch.position)))
    mine, theirs = branches[0], branches[1]
    admin = session.scalar(select(User).where(User.username == "admin"))
    assert admin is not None
    me = session.scalar(select(Member).where(Member.branch_id == mine.id).order_by(Member.number).limit(1))
    them = session.scalar(select(Member).where(Member.branch_id == theirs.id).order_by(Member.number).limit(1))
    assert me is not None and them is not None
    here = session.scalar(select(meetings.Room).where(meetings.Room.slug == "demo"))
    there = make_room(session, name="二楼活动室", slug="upstairs")
    assert here is not None
    terminal, terminal_token = make_device(session, DeviceRole.TERMINAL, room_id=here.id)
    _wall, wall_token = make_device(session, DeviceRole.WALL, room_id=here.id)
    other_device, _ = make_device(session, DeviceRole.WALL, room_id=there.id)
    log_in_at(session, terminal, me)  # the terminal may read branch 1's member, never branch 2's
    now = dt.datetime.now(dt.UTC)
    their_secretary = session.scalar(select(User).where(User.username == "secretary2"))
    assert their_secretary is not None
    their_session, _token = admin_sessions.start(session, their_secretary, now=now)  # not the knocker's own
    their_group = PartyGroup(branch_id=theirs.id, name="二支部第一党小组")
    session.add(their_group)
    meeting = meetings.create_meeting(
        session, settings, admin, title="二支部党员大会", type="branch_general", branch_ids=[theirs.id],
        room_id=there.id, starts_at=now + dt.timedelta(minutes=5), ends_at=now + dt.timedelta(hours=2))
    poll = polls.create_poll(session, title="二支部评议", kind="single", options=["同意", "不同意"],
                             room_id=there.id, branch_id=theirs.id, actor_user_id=admin.id)
    ballot = polls.create_poll(session, title="二支部表决", kind="single", options=["同意", "不同意"],
                               meeting_id=meeting.id, actor_user_id=admin.id, open_now=False)
    photo = minutes.add_photo(session, settings, admin, meeting.id, io.BytesIO(PNG), filename="合影.png")
    rectification = supervision.issue(session, admin, branch_id=theirs.id, title="二支部整改", meeting_id=meeting.id,
                                      deadline=now.date() + dt.timedelta(days=7), today=now.date())
    topic = messages.open_topic(session, settings, admin, room_id=there.id, title="二支部心声", branch_id=theirs.id)
    question = session.scalar(select(Question).where(Question.status == ReviewStatus.PUBLISHED).limit(1))
    assert question is not None
    contest = contests.create_contest(session, title="二楼竞赛", room_id=there.id, questions=1,
                                      question_ids=[question.id], actor_user_id=admin.id)
    practice_set = practice.daily(session, them.id)
    exam = exams.save_exam(session, admin, title="二支部廉政测评", question_ids=[question.id], opens_at=now - dt.timedelta(hours=1),
                           closes_at=now + dt.timedelta(days=1), time_limit_minutes=30, pass_percent=60, max_attempts=2,
                           branch_ids=[theirs.id])
    exams.set_published(session, admin, exam.id, True)
    attempt = exams.start(session, them, exam.id)
    record = add_record(session, admin, member_id=them.id, kind="service", day=now.date(), amount=2, note="志愿服务")
    service_request = service_window.submit(session, them, category="hardship", text="二支部困难帮扶",
                                            client_id="walk-request-1")
    correction = record_corrections.file_correction(session, them, field="title", proposed="科长", reason="职务变了",
                                                    client_id="walk-correction-1")
    announcement = create_announcement(session, actor_user_id=admin.id, title="二楼通知", room_ids=[there.id])
    emergency = create_emergency(session, title="二楼疏散", room_ids=[there.id], actor_user_id=admin.id)
    item = session.scalar(select(Item).where(Item.status == ReviewStatus.PUBLISHED, Item.main_media_id.is_not(None))
                          .limit(1))
    assert item is not None
    media = session.get(MediaAsset, item.main_media_id)
    assert media is not None
    publication = publishing.publish(session, admin, now.year, days=7, now=now - dt.timedelta(minutes=1))
    objection = publishing.file_objection(session, them.id, "二支部党员的异议理由", now=now)
    honour_entry = honour.add(session, settings, admin, title="优秀党员", name="二支部某同志", citation="事迹",
                              starts_on=now.date(), ends_on=now.date(), photo=io.BytesIO(PNG), filename="照片.png")
    plan = save_plan(session, admin, title="二支部必学", branch_id=theirs.id, starts_on=now.date(), due_on=now.date(),
                     item_ids=[item.id])
    session.commit()
    return World(
        args={
            "member_id": them.id, "meeting_id": meeting.id, "poll_id": poll.id, "topic_id": topic.id,
            "contest_id": contest.id, "player_id": 1, "device_id": other_device.id,
            "announcement_id": announcement.id, "emergency_id": emergency.id, "record_id": record.id,
            "question_id": question.id, "item_id": item.id, "set_id": practice_set.id, "level": 1, "number": 1,
            "key": "article_read", "action": "start", "code": contest.code, "claim": "not-a-claim",
            "token": "not-a-token", "slug": there.slug, "filename": "admin.css", "media_id": media.id,
            "tag": media.sha256[:16], "message_id": 1, "session_id": their_session.id,
            "branch_id": theirs.id, "group_id": their_group.id, "user_id": their_secretary.id,
            "photo_id": photo.id, "sig": "0" * 24, "mtype": "branch_general", "room_id": there.id,
            "request_id": service_request.id, "correction_id": correction.id,
            "publication_id": publication.id, "objection_id": objection.id, "entry_id": honour_entry.id,
            "exam_id": exam.id, "attempt_id": attempt.id,
            "plan_id": plan.id,
        },
        overrides={("admin.meetings.ballot_action", "poll_id"): ballot.id,
                   ("admin.meetings.ballot_action", "action"): "close",
                   ("admin.meetings.answer_rectification", "item_id"): rectification.id},
        member_cookie=phone_cookie_value(settings.secret_key, me),
        terminal_token=terminal_token, wall_token=wall_token,
    )


def url_for_rule(rule: Rule, world: World) -> str:
    """The rule's path with every argument filled from ``world`` (another branch's objects)."""
    path = rule.rule
    for name in rule.arguments:
        value = world.overrides.get((rule.endpoint, name), world.args[name])
        if name == "filename":
            value = "wall.css" if rule.endpoint == "static" else "admin.css"
            if rule.endpoint == "admin.messages.static":
                value = "queue.js"
        path = re.sub(r"<(?:[a-z]+:)?" + name + ">", str(value), path)
    return path  # the web wall's display key is a credential nobody in the walk holds


class Knocker:
    """One identity's client: its credentials on every request, a CSRF token when it has a session."""

    def __init__(self, name: str, client: FlaskClient, world: World) -> None:
        self.name, self.client, self.world = name, client, world
        self.csrf = ""
        # each knocker from its own address: one identity's refused logins must not lock the next one out
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{IDENTITIES.index(name) + 10}"
        self.log_in()

    def log_in(self) -> None:
        if self.name not in PASSWORDS:
            return
        from tests.admin.forms import csrf_of, login

        login(self.client, *PASSWORDS[self.name])
        self.csrf = csrf_of(self.client.get("/admin/login", follow_redirects=True).get_data(as_text=True))

    def knock(self, method: str, path: str) -> TestResponse:
        headers: dict[str, str] = {}
        if self.name == "member":
            self.client.set_cookie(PHONE_COOKIE, self.world.member_cookie)
        if self.name in ("terminal", "wall"):
            token = self.world.terminal_token if self.name == "terminal" else self.world.wall_token
            headers["Authorization"] = f"Bearer {token}"
        if method == "GET":
            return self.client.get(path, headers=headers)
        if self.csrf:
            headers["X-CSRFToken"] = self.csrf
        if path.startswith("/api/"):
            return self.client.open(path, method=method, json={}, headers=headers)
        return self.client.open(path, method=method, data={"csrf_token": self.csrf} if self.csrf else {},
                                headers=headers)


def got_in(resp: TestResponse) -> bool:
    """Whether a response means the request was carried out (or its page shown): 2xx, or a redirect that
    is not to the login page."""
    if 200 <= resp.status_code < 300:
        return True
    if resp.status_code in (301, 302, 303, 307, 308):
        return "/admin/login" not in (resp.headers.get("Location") or "")
    return False
