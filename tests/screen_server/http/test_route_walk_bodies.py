"""The route walk with real bodies: where the URL names nothing of the other branch but the form does
(a branch id, member ids, a number and PIN), the secretary of branch 1 and the room's wall are still
refused, and nothing changes."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from screen_server.config import Settings
from screen_server.meetings import console
from screen_server.meetings.models import Meeting
from screen_server.org.models import Branch, Member
from tests.screen_server.http import route_walk as rw


def _theirs(session: Session) -> tuple[Branch, Member]:
    theirs = list(session.scalars(select(Branch).order_by(Branch.position)))[1]
    them = session.scalar(select(Member).where(Member.branch_id == theirs.id).order_by(Member.number).limit(1))
    assert them is not None
    return theirs, them


def test_a_secretary_naming_another_branch_in_the_form_is_refused(app: Flask, session: Session,
                                                                   settings: Settings) -> None:
    world = rw.build_world(session, settings)
    theirs, them = _theirs(session)
    secretary = rw.Knocker("secretary", app.test_client(), world)
    members_before = session.scalar(select(func.count(Member.id)).where(Member.branch_id == theirs.id))
    meetings_before = session.scalar(select(func.count(Meeting.id)))
    pin_before = them.pin_hash
    starts = (dt.datetime.now() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    tries = {
        "/admin/members/new": {"branch_id": theirs.id, "number": "X0999", "name": "外支部新人", "gender": "male",
                               "party_status": "full"},
        "/admin/members/pins/issue": {"branch_id": theirs.id},
        "/admin/meetings/from-template": {"type": "branch_general", "branch_id": theirs.id, "starts_at": starts,
                                          "title": "越权会议"},
    }
    for path, form in tries.items():
        resp = secretary.client.post(path, data={**form, "csrf_token": secretary.csrf})
        assert not rw.got_in(resp), f"{path} → {resp.status_code}"
    resp = secretary.client.post("/admin/members/pins/issue",
                                 data={"member_ids": str(them.id), "csrf_token": secretary.csrf})
    assert not rw.got_in(resp), f"pins for another branch's member → {resp.status_code}"
    for path in ("/admin/members/stats", "/admin/members/stats/export.xlsx"):
        resp = secretary.client.get(f"{path}?branch={theirs.id}")
        assert not rw.got_in(resp), f"{path} of another branch → {resp.status_code}"
    session.expire_all()
    assert session.scalar(select(func.count(Member.id)).where(Member.branch_id == theirs.id)) == members_before
    assert session.scalar(select(func.count(Meeting.id))) == meetings_before
    assert session.get(Member, them.id).pin_hash == pin_before  # type: ignore[union-attr]


def test_a_wall_changes_no_pin_even_with_the_right_one(app: Flask, session: Session, settings: Settings) -> None:
    world = rw.build_world(session, settings)
    _theirs_branch, them = _theirs(session)
    pin_before = them.pin_hash
    wall = rw.Knocker("wall", app.test_client(), world)
    resp = wall.client.post("/api/device/members/pin", headers={"Authorization": f"Bearer {world.wall_token}"},
                            json={"number": them.number, "pin": "246810", "new_pin": "731592"})
    assert resp.status_code == 403
    session.expire_all()
    assert session.get(Member, them.id).pin_hash == pin_before  # type: ignore[union-attr]


def test_a_wall_hosts_no_meeting_even_with_the_right_code(app: Flask, session: Session, settings: Settings) -> None:
    world = rw.build_world(session, settings)
    here = session.scalar(select(Meeting).where(Meeting.room_id.is_not(None), Meeting.id != world.args["meeting_id"])
                          .order_by(Meeting.starts_at.desc()).limit(1))
    assert here is not None
    wall = app.test_client()
    resp = wall.post("/api/device/meeting-host", headers={"Authorization": f"Bearer {world.wall_token}"},
                     json={"code": console.host_code(settings.secret_key, here.id), "action": "close_signin"})
    assert resp.status_code == 403
