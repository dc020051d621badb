"""Rate limits: pairing requests, contest code lookups and anonymous posts stop at their limit per
client address (behind the proxy: the address it forwarded), shared by every process through Redis
when configured; the pairing code generator refuses a flood without a server error."""

from __future__ import annotations

import os
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from content.models import Question, ReviewStatus
from screen_server.config import Settings
from screen_server.contests import services as contests
from screen_server.demo import seed_demo
from screen_server.devices import services as devices
from screen_server.errors import TooManyAttempts
from screen_server.http.ratelimit import RateLimits
from screen_server.runtime import Runtime


def test_pairing_requests_are_limited_per_address(client: FlaskClient) -> None:
    codes = [client.post("/api/devices/pairing", json={"mode": "terminal", "name": f"屏{i}"}).status_code
             for i in range(12)]
    assert codes[:10] == [201] * 10 and codes[10:] == [429, 429]
    refused = client.post("/api/devices/pairing", json={"mode": "wall"})
    assert refused.get_json()["error"]["code"] == "rate_limited" and int(refused.headers["Retry-After"]) >= 1
    other = client.post("/api/devices/pairing", json={"mode": "wall"}, environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert other.status_code == 201  # another address has its own count


def test_behind_the_proxy_the_forwarded_address_counts(client: FlaskClient) -> None:
    for i in range(10):
        assert client.post("/api/devices/pairing", json={"mode": "wall"},
                           headers={"X-Forwarded-For": f"192.168.1.{i}"}).status_code == 201
    spoofed = [client.post("/api/devices/pairing", json={"mode": "wall"},
                           headers={"X-Forwarded-For": f"192.168.2.{i}"},
                           environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code for i in range(11)]
    assert spoofed[-1] == 429  # a client talking to us directly cannot pick its address with the header


def test_contest_codes_cannot_be_walked(client: FlaskClient) -> None:
    answers = [client.get(f"/c/{100000 + i}").status_code for i in range(31)]
    # Five wrong codes lock the address (identity.lockouts); the rate limit behind it stops 30 of any kind.
    assert set(answers[:5]) == {404} and set(answers[5:]) == {429}


def test_the_real_contest_code_is_never_held_up(client: FlaskClient, session: Session, settings: Settings) -> None:
    seed_demo(session, settings)
    question = session.scalar(select(Question).where(Question.status == ReviewStatus.PUBLISHED).limit(1))
    assert question is not None
    contest = contests.create_contest(session, title="党史竞赛", room_id=None, questions=1, question_ids=[question.id])
    session.commit()
    answers = {client.get(f"/c/{contest.code}").status_code for _ in range(40)}  # a room of phones, one address
    assert answers == {200}


def test_anonymous_posts_are_limited(client: FlaskClient) -> None:
    answers = [client.post("/api/meetings/1/signins", json={}).status_code for _ in range(121)]
    assert 429 not in answers[:120] and answers[120] == 429
    player = client.post("/api/contests/1/answers", json={"player_id": 1, "secret": "x"})
    assert player.status_code != 429  # a contest answer carries its player's secret


def test_a_pairing_flood_is_refused_without_a_server_error(session: Session, runtime: Runtime) -> None:
    for i in range(devices.MAX_PENDING):
        devices.request_pairing(session, runtime.settings, mode="wall", name=f"屏{i}", version="", ip="")
    with pytest.raises(TooManyAttempts):
        devices.request_pairing(session, runtime.settings, mode="wall", name="又一个", version="", ip="")


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="needs TEST_REDIS_URL")
def test_two_processes_share_the_count_through_redis(app: Flask) -> None:
    namespace = uuid.uuid4().hex
    first, second = (RateLimits(os.environ["TEST_REDIS_URL"], namespace) for _ in range(2))
    with app.test_request_context("/api/devices/pairing", method="POST", json={}):  # matched: its endpoint is set
        results = [(first if i % 2 else second).check() for i in range(11)]
    assert results[:10] == [None] * 10 and results[10] is not None
