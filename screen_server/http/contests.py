"""Live contests over HTTP: the host's controls (admin session), the players' phone pages and their JSON
calls (join, a WebSocket ticket, answer, their own state), and the results with the .xlsx export.

A phone joins at ``/c/<code>`` (the wall shows the QR and the code); a remembered phone joins with one
tap, others type member number and PIN once. The player's id and secret live in a signed cookie, so a
phone that drops or reloads resumes where the contest is. Answers carry the player's secret: a forged
player id is refused. A terminal in the contest's room can also host it, with the contest's host code
(``contests.hosting``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, make_response, redirect, request, url_for
from itsdangerous import BadSignature, URLSafeSerializer

from screen_server.contests import hosting
from screen_server.contests import services as contests
from screen_server.contests.engine import LiveContest, PlayerState
from screen_server.errors import DomainError, Invalid, NotAuthenticated
from screen_server.http.common import (
    client_ip,
    current_device,
    current_user,
    db,
    identify_member,
    json_body,
    require_recent_auth,
    run,
    runtime,
)
from screen_server.http.phone import phone_page
from screen_server.http.signin import (
    remember_phone,
    remembered_member,
)
from screen_server.i18n import _
from screen_server.org.models import Role

bp = Blueprint("contests", __name__)  # the host: an admin session, CSRF-protected
players = Blueprint("contest_players", __name__)  # phones: the join form, the player's JSON calls
HOSTS = (Role.ADMIN, Role.SECRETARY)
PLAYER_COOKIE = "ar_player"


def _engine() -> Any:
    return runtime().contests


# --- the host --------------------------------------------------------------------------------------------


@bp.post("/api/contests")
def create() -> Any:
    user = current_user(roles=HOSTS)
    assert user is not None
    body = json_body()
    try:
        room_id = int(body["room_id"]) if body.get("room_id") is not None else None
        count, seconds = int(body.get("questions") or 10), int(body.get("seconds") or 20)
    except (TypeError, ValueError):
        raise Invalid(_("活动室、题目数量和作答时间必须是数字。")) from None
    contest = run(contests.create_contest, db(), title=str(body.get("title") or ""), room_id=room_id,
                  questions=count, seconds=seconds, team_mode=bool(body.get("team_mode")),
                  category_id=body.get("category_id"), question_ids=body.get("question_ids"),
                  actor_user_id=user.id)
    return jsonify(_engine().public_state(_engine().get(contest.id))), 201


def _host(contest_id: int) -> Any:
    """The signed-in host, after checking the contest is theirs to run (a secretary: their branch's)."""
    user = current_user(roles=HOSTS)
    assert user is not None
    contests.get_contest_for(db(), user, contest_id)
    return user


def _control(contest_id: int, action: str) -> Any:
    _host(contest_id)
    engine = _engine()
    {"start": engine.start, "next": engine.next, "close": engine.close_now, "finish": engine.finish}[action](contest_id)
    return jsonify(engine.public_state(engine.get(contest_id)))


for _action in ("start", "next", "close", "finish"):
    bp.add_url_rule(f"/api/contests/<int:contest_id>/{_action}", f"control_{_action}", methods=["POST"],
                    view_func=lambda contest_id, _a=_action: _control(contest_id, _a))


@bp.get("/api/contests/<int:contest_id>/results")
def results(contest_id: int) -> Any:
    user = _host(contest_id)
    contest = contests.get_contest_for(db(), user, contest_id)
    return jsonify({"contest": {"id": contest.id, "title": contest.title, "status": str(contest.status)},
                    "players": contests.results(db(), contest_id)})


@bp.get("/api/contests/<int:contest_id>/results.xlsx")
def results_xlsx(contest_id: int) -> Response:
    user = _host(contest_id)
    require_recent_auth()
    data = run(contests.export_xlsx, db(), contest_id, actor=user, ip=client_ip())
    resp = make_response(data)
    resp.headers["Content-Type"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    resp.headers["Content-Disposition"] = f"attachment; filename=contest-{contest_id}.xlsx"
    return resp


# --- players ----------------------------------------------------------------------------------------------


def _cookie_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(runtime().settings.secret_key, salt="contest-player")


def _player_from_cookie(contest_id: int) -> PlayerState | None:
    raw = request.cookies.get(f"{PLAYER_COOKIE}_{contest_id}")
    if not raw:
        return None
    try:
        data = _cookie_serializer().loads(raw)
        return _engine().player(contest_id, int(data["p"]), str(data["s"]))
    except (BadSignature, KeyError, TypeError, ValueError, DomainError):
        return None


def _page(template: str, status: int = 200, *, script: bool = False, **ctx: Any) -> Response:
    ws = runtime().settings.ws_public_url or f"ws://{request.host.split(':')[0]}:{runtime().ws_port}"
    return phone_page(template, status, connect=ws.rsplit("/ws", 1)[0] if script else "", **ctx)


def _typed(code: str, *, joining: bool = False) -> Any:
    return contests.by_typed_code(db(), code, lockouts=runtime().lockouts, ip=client_ip(), joining=joining)


@players.get("/c/<code>")
def join_page(code: str) -> Response:
    try:
        contest = _typed(code)
    except DomainError as exc:
        return _page("refused.html", exc.status, message=exc.message)
    if _player_from_cookie(contest.id) is not None:
        return redirect(url_for("contest_players.play", code=code))  # type: ignore[return-value]
    return _page("contest_join.html", contest=contest, member=remembered_member(), code=code)


@players.post("/c/<code>")
def join(code: str) -> Response:
    try:
        contest = _typed(code, joining=True)
    except DomainError as exc:
        return _page("refused.html", exc.status, message=exc.message)
    member = remembered_member()
    fresh = member is None
    try:
        if member is None:
            member = identify_member(request.form.get("number", ""), request.form.get("pin", ""), "phone:/c")
        player = _engine().join(contest.id, member)
    except NotAuthenticated as exc:
        return _page("contest_join.html", exc.status, contest=contest, member=None, code=code, error=exc.message,
                     number=request.form.get("number", ""))
    except DomainError as exc:
        return _page("refused.html", 409, message=exc.message)
    resp = redirect(url_for("contest_players.play", code=code))
    resp.set_cookie(f"{PLAYER_COOKIE}_{contest.id}", _cookie_serializer().dumps({"p": player.id, "s": player.secret}),
                    max_age=86400, httponly=True, samesite="Lax", path="/")
    if fresh:
        remember_phone(resp, member)
    return resp  # type: ignore[return-value]


@players.get("/c/<code>/play")
def play(code: str) -> Response:
    try:
        contest = _typed(code)
    except DomainError as exc:
        return _page("refused.html", exc.status, message=exc.message)
    player = _player_from_cookie(contest.id)
    if player is None:
        return redirect(url_for("contest_players.join_page", code=code))  # type: ignore[return-value]
    return _page("contest_play.html", script=True, contest=contest, player=player)


def _me(contest_id: int) -> tuple[LiveContest, PlayerState]:
    player = _player_from_cookie(contest_id)
    if player is None:
        raise NotAuthenticated(_("请先扫码加入竞赛。"))
    return _engine().get(contest_id), player


@players.get("/api/contests/<int:contest_id>/me")
def me(contest_id: int) -> Any:
    """The player's phone: the contest as the wall shows it, their own score and rank, and a WebSocket
    ticket to follow it live."""
    live, player = _me(contest_id)
    engine = _engine()
    ticket = runtime().ws_tickets.issue({"kind": "player", "room_id": live.room_id, "contest_id": live.id}) \
        if live.room_id else None
    base = runtime().settings.ws_public_url or f"ws://{request.host.split(':')[0]}:{runtime().ws_port}/ws"
    return jsonify({"contest": engine.public_state(live), "me": engine.player_state(live, player),
                    "ticket": ticket, "ws_url": base, "server_time": engine.now().isoformat()})


@players.post("/api/contests/<int:contest_id>/answers")
def answer(contest_id: int) -> Any:
    """One answer: {"player_id", "secret" (or the player cookie), "index", "answer"}."""
    body = json_body()
    player = _player_from_cookie(contest_id)
    try:
        player_id = int(body["player_id"]) if body.get("player_id") is not None else (player.id if player else 0)
        index = int(body.get("index") or 0)
    except (TypeError, ValueError):
        raise Invalid(_("题号和选手编号必须是数字。")) from None
    secret = str(body.get("secret") or (player.secret if player and player.id == player_id else ""))
    result = _engine().answer(contest_id, player_id, secret, index, str(body.get("answer") or ""))
    # Right or wrong is told only when the question closes, for everyone at once (no whispering).
    return jsonify({"accepted": True, "index": index, "elapsed_ms": result.elapsed_ms}), 201


# --- terminals -------------------------------------------------------------------------------------------


@players.post("/api/device/contests/<int:contest_id>/join")
def device_join(contest_id: int) -> Any:
    """A member logged in at a terminal joins the room's contest there; the terminal keeps the secret."""
    from screen_server.http.study import logged_in_member

    device = current_device()
    body = json_body()
    live = _engine().get(contest_id)
    if live.room_id != device.room_id:
        raise Invalid(_("这场竞赛不在本活动室进行。"))
    try:
        member_id = int(body.get("member_id") or 0)
    except (TypeError, ValueError):
        member_id = 0
    member = logged_in_member(member_id)
    player = _engine().join(contest_id, member)
    return jsonify({"player_id": player.id, "secret": player.secret,
                    "me": _engine().player_state(live, player)}), 201


@players.get("/api/device/contests/<int:contest_id>/players/<int:player_id>")
def device_player(contest_id: int, player_id: int) -> Any:
    """A terminal's player: their score and rank (the secret proves it is theirs)."""
    current_device()
    live = _engine().get(contest_id)
    player = _engine().player(contest_id, player_id, request.headers.get("X-Player-Secret", ""))
    return jsonify(_engine().player_state(live, player))


@players.post("/api/device/contests/<int:contest_id>/host")
def device_host(contest_id: int) -> Any:
    """A host at the room's terminal: {"code": the host code, "action": check|start|next|close|finish}."""
    device = current_device()
    body = json_body()
    state = run(hosting.host, db(), _engine(), runtime().contest_hosts, contest_id=contest_id, device=device,
                code=str(body.get("code") or ""), action=str(body.get("action") or hosting.CHECK), ip=client_ip())
    return jsonify(state)
