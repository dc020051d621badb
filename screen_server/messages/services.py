"""The message wall's units of work: open and close a topic, post a message (a member), approve or
reject it (a moderator), and what the wall, the phone page and the moderation queue show.

Who moderates: an admin moderates every topic; a branch secretary only the topics scoped to their own
branch. A topic open to every member is moderated by admins alone: its messages come from every branch,
and a secretary sees the members of their own branch only (``org.branch_scope``).

Only approved messages ever go to a screen. A member's post is pending and raises no event; each
moderator action is audited and, once committed, pushes the topic to its room (``messages.updated``).
Text is kept as plain text and shown as plain text everywhere. Services flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from content.orm import get_or_not_found
from screen_server import protocol
from screen_server.audit.services import record
from screen_server.bus import emit
from screen_server.config import Settings
from screen_server.db import utcnow
from screen_server.devices.models import Room
from screen_server.errors import Conflict, Forbidden, Invalid, NotFound
from screen_server.i18n import _
from screen_server.messages.models import MAX_TEXT, MessageStatus, MessageTopic, WallMessage
from screen_server.org.models import Branch, Member, Role, User
from screen_server.org.services import branch_scope, mask_name
from screen_server.push.viewer import Viewer

MAX_PENDING = 3  # a member's messages waiting for a moderator, per topic: enough to talk, too few to flood
ON_WALL = 30  # the newest approved messages a wall is sent
MAX_TITLE = 100
MAX_REASON = 100
CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{8,40}")


def status_label(status: MessageStatus) -> str:
    """待审核, 已上墙 or 未通过, as the member and the moderators read it."""
    labels = {MessageStatus.PENDING: _("待审核"), MessageStatus.APPROVED: _("已上墙"),
              MessageStatus.REJECTED: _("未通过")}
    return labels[status]


def tidy(text: str | None) -> str:
    """The text as it is stored: NFC, no control characters, every run of whitespace (newlines too) one
    space — a message is one short paragraph on a card."""
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(c if not unicodedata.category(c).startswith("C") else " " for c in text)
    return " ".join(text.split())


def new_client_id() -> str:
    """An id for one rendering of the phone form: the same form sent twice stores one message."""
    return secrets.token_urlsafe(12)


# --- topics ------------------------------------------------------------------------------------------
def _require_moderator(actor: User) -> None:
    if actor.role not in (Role.ADMIN, Role.SECRETARY):
        raise Forbidden(_("只有管理员和支部书记可以管理留言墙。"))


def can_moderate(actor: User, topic: MessageTopic) -> bool:
    if actor.role is Role.ADMIN:
        return True
    return actor.role is Role.SECRETARY and topic.branch_id is not None and topic.branch_id == actor.branch_id


def get_topic(session: Session, topic_id: int) -> MessageTopic:
    return get_or_not_found(session, MessageTopic, topic_id, _("留言主题不存在。"))


def get_topic_for(session: Session, actor: User, topic_id: int) -> MessageTopic:
    """A topic the actor may moderate (a secretary gets NotFound for any other)."""
    _require_moderator(actor)
    topic = session.get(MessageTopic, topic_id)
    if topic is None or not can_moderate(actor, topic):
        raise NotFound(_("留言主题不存在或不在您的管理范围内。"))
    return topic


def open_topic(session: Session, settings: Settings, actor: User, *, room_id: int | None, title: str,
               branch_id: int | None = None) -> MessageTopic:
    """Put a topic up on a room's wall. A secretary's topic is always for their own branch; one room
    shows one topic at a time."""
    _require_moderator(actor)
    scope = branch_scope(actor)
    if scope is not None:
        if branch_id not in (None, scope):
            raise Forbidden(_("您只能为本支部开启留言墙。"))
        branch_id = scope
    title = tidy(title)
    if not title or len(title) > MAX_TITLE:
        raise Invalid(_("请填写留言主题（不超过 {n} 字）。").format(n=MAX_TITLE))
    room = session.get(Room, room_id) if room_id else None
    if room is None:
        raise Invalid(_("请选择显示留言墙的活动室。"))
    if branch_id is not None and session.get(Branch, branch_id) is None:
        raise Invalid(_("所选支部不存在。"))
    busy = open_topic_in_room(session, room.id)
    if busy is not None:
        raise Conflict(_("“{t}”正在{room}的大屏上进行，请先结束它，再开启新的留言主题。").format(t=busy.title, room=room.name),
                       code="room_busy")
    topic = MessageTopic(room_id=room.id, branch_id=branch_id, title=title, open=True, created_by_user_id=actor.id)
    session.add(topic)
    session.flush()
    record(session, actor_user_id=actor.id, action="message_topic.opened", target_type="message_topic",
           target_id=topic.id, details={"title": title, "room_id": room.id, "branch_id": branch_id})
    _push(session, settings, topic)
    return topic


def close_topic(session: Session, settings: Settings, actor: User, topic_id: int) -> MessageTopic:
    """Take a topic off the wall; members can no longer post to it."""
    topic = get_topic_for(session, actor, topic_id)
    if not topic.open:
        raise Conflict(_("该留言主题已经结束。"), code="closed")
    topic.open, topic.closed_at = False, utcnow()
    record(session, actor_user_id=actor.id, action="message_topic.closed", target_type="message_topic",
           target_id=topic.id, details={"title": topic.title})
    session.flush()
    _push(session, settings, topic)
    return topic


def open_topic_in_room(session: Session, room_id: int | None) -> MessageTopic | None:
    if room_id is None:
        return None
    return session.scalar(select(MessageTopic).where(MessageTopic.room_id == room_id, MessageTopic.open.is_(True))
                          .order_by(MessageTopic.id.desc()).limit(1))


# --- posting -----------------------------------------------------------------------------------------
def post_message(session: Session, topic_id: int, member: Member, text: str, *, client_id: str = "") -> WallMessage:
    """A member's message, pending until a moderator approves it. Refused when the topic is closed, the
    member is outside its branch, the text is blank or too long, or the member already has
    ``MAX_PENDING`` messages waiting. The same form sent again returns the message it stored."""
    topic = get_topic(session, topic_id)
    if not topic.open:
        raise Conflict(_("本次留言已经结束，不能再留言了。"), code="closed")
    if topic.branch_id is not None and member.branch_id != topic.branch_id:
        branch = session.get(Branch, topic.branch_id)
        raise Forbidden(_("本主题只限{b}的党员留言。").format(b=branch.name if branch else _("指定支部")))
    text = tidy(text)
    cid = client_id if CLIENT_ID.fullmatch(client_id or "") else new_client_id()
    _serialise_member(session, member.id)  # before the reads below: they decide whether to insert
    same = _by_client_id(session, topic.id, member.id, cid)
    if same is not None:
        if same.text == text:
            return same
        cid = new_client_id()  # an old form, edited and sent again: a new message
    if not text:
        raise Invalid(_("请先写下您的留言。"), code="blank")
    if len(text) > MAX_TEXT:
        raise Invalid(_("留言最多 {max} 字，现在是 {n} 字，请删减后再提交。").format(max=MAX_TEXT, n=len(text)),
                      code="too_long")
    waiting = session.scalar(select(func.count(WallMessage.id)).where(
        WallMessage.topic_id == topic.id, WallMessage.member_id == member.id,
        WallMessage.status == MessageStatus.PENDING)) or 0
    if waiting >= MAX_PENDING:
        raise Conflict(_("您已有 {n} 条留言在等待审核，审核后才能继续留言。").format(n=waiting), code="too_many_pending")
    message = WallMessage(topic_id=topic.id, member_id=member.id, client_id=cid, text=text,
                          status=MessageStatus.PENDING)
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:  # the same form, sent twice at once
        raced = _by_client_id(session, topic.id, member.id, cid)
        if raced is None:
            raise
        return raced
    return message


def _serialise_member(session: Session, member_id: int) -> None:
    """Make one member's posts take turns until the caller commits, so that counting their waiting
    messages and adding one are atomic: two posts arriving together cannot both see two waiting and
    both be stored (a fifth, sixth... message past ``MAX_PENDING``).

    PostgreSQL: lock the member's row (``FOR NO KEY UPDATE``: it does not block the foreign-key checks
    of other tables' inserts referring to the member, only another post by the same member). The second
    post waits here until the first commits; at READ COMMITTED (our engines' default) its next statement
    then counts the first one's message.
    SQLite has one writer for the whole database: take the write lock now (``BEGIN IMMEDIATE``) rather
    than at the insert, so that the count below is read under it. pysqlite opens no transaction for
    reads; if one is open already, this unit of work has written before and holds the lock.

    Why not a constraint: "at most three pending per member and topic" is not a UNIQUE or CHECK rule,
    and emulating it (numbered pending slots) means a schema change for a rule that lives in this one
    function, the only place a pending message is ever created.
    """
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        if not getattr(conn.connection.dbapi_connection, "in_transaction", True):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        return
    conn.execute(select(Member.id).where(Member.id == member_id).with_for_update(key_share=True))


def _by_client_id(session: Session, topic_id: int, member_id: int, client_id: str) -> WallMessage | None:
    return session.scalar(select(WallMessage).where(WallMessage.topic_id == topic_id,
                                                    WallMessage.member_id == member_id,
                                                    WallMessage.client_id == client_id))


# --- moderation --------------------------------------------------------------------------------------
def approve(session: Session, settings: Settings, actor: User, message_id: int) -> WallMessage:
    """Put a message on the wall (a pending one, or one rejected earlier)."""
    return _moderate(session, settings, actor, message_id, MessageStatus.APPROVED, "")


def reject(session: Session, settings: Settings, actor: User, message_id: int, reason: str = "") -> WallMessage:
    """Refuse a pending message, or take an approved one off the wall; ``reason`` is shown to its author."""
    reason = tidy(reason)
    if len(reason) > MAX_REASON:
        raise Invalid(_("原因不超过 {n} 字。").format(n=MAX_REASON))
    return _moderate(session, settings, actor, message_id, MessageStatus.REJECTED, reason)


def _moderate(session: Session, settings: Settings, actor: User, message_id: int, status: MessageStatus,
              reason: str) -> WallMessage:
    message = session.get(WallMessage, message_id)
    if message is None:
        raise NotFound(_("留言不存在。"))
    topic = get_topic_for(session, actor, message.topic_id)
    if message.status is status:
        raise Conflict(_("该留言已经上墙。") if status is MessageStatus.APPROVED else _("该留言已经是未通过状态。"),
                       code="unchanged")
    before = message.status
    message.status, message.reason = status, reason
    message.moderated_by_user_id, message.moderated_at = actor.id, utcnow()
    record(session, actor_user_id=actor.id, action=f"wall_message.{status.value}", target_type="wall_message",
           target_id=message.id, details={"topic_id": topic.id, "from": before.value, "reason": reason})
    session.flush()
    if topic.open:  # a closed topic is on no wall; its screens may show another topic by now
        _push(session, settings, topic)
    return message


# --- reading -----------------------------------------------------------------------------------------
def approved_messages(session: Session, topic_id: int, *, limit: int = ON_WALL) -> list[WallMessage]:
    """What the wall shows: approved messages, the most recently approved first."""
    return list(session.scalars(
        select(WallMessage).options(selectinload(WallMessage.member).selectinload(Member.branch))
        .where(WallMessage.topic_id == topic_id, WallMessage.status == MessageStatus.APPROVED)
        .order_by(WallMessage.moderated_at.desc(), WallMessage.id.desc()).limit(limit)))


def own_messages(session: Session, topic_id: int, member_id: int) -> list[WallMessage]:
    """A member's own messages on a topic, newest first, whatever their status."""
    return list(session.scalars(
        select(WallMessage).where(WallMessage.topic_id == topic_id, WallMessage.member_id == member_id)
        .order_by(WallMessage.created_at.desc(), WallMessage.id.desc())))


def counts(session: Session, topic_id: int) -> dict[str, int]:
    rows = session.execute(select(WallMessage.status, func.count(WallMessage.id))
                           .where(WallMessage.topic_id == topic_id).group_by(WallMessage.status))
    found = {status.value: int(n) for status, n in rows}
    return {s.value: found.get(s.value, 0) for s in MessageStatus}


def message_data(message: WallMessage, *, masked: bool) -> protocol.WallMessageData:
    member = message.member
    at = message.moderated_at or message.created_at
    return {"id": message.id, "name": mask_name(member.name) if masked else member.name,
            "branch": member.branch.short_name or member.branch.name, "text": message.text,
            "at": at.astimezone(dt.UTC).isoformat(timespec="seconds")}


def topic_data(session: Session, settings: Settings, topic: MessageTopic) -> protocol.MessageWallData:
    """The topic as walls and phones show it: only approved messages, names masked per the setting."""
    branch = session.get(Branch, topic.branch_id) if topic.branch_id else None
    path = f"/w/{topic.id}"
    return {
        "id": topic.id, "title": topic.title, "open": topic.open,
        "branch": (branch.short_name or branch.name) if branch else "",
        "path": path, "url": settings.public_url.rstrip("/") + path if settings.public_url else None,
        "approved": counts(session, topic.id)[MessageStatus.APPROVED.value],
        "messages": [message_data(m, masked=settings.mask_names) for m in approved_messages(session, topic.id)],
    }


@dataclass
class TopicQueue:
    """One topic as its moderators see it."""

    topic: MessageTopic
    room: str
    branch: str
    counts: dict[str, int]
    pending: list[WallMessage] = field(default_factory=list)  # oldest first: first come, first moderated
    approved: list[WallMessage] = field(default_factory=list)  # newest first


def queues(session: Session, actor: User, *, limit: int = 30) -> list[TopicQueue]:
    """The topics the actor moderates, newest first; open ones with their waiting and approved messages."""
    out = _queues(session, actor, open_only=False, limit=limit)
    for queue in out:
        if queue.topic.open:
            queue.approved = approved_messages(session, queue.topic.id, limit=50)
    return out


def pending_queues(session: Session, actor: User) -> list[TopicQueue]:
    """The open topics the actor moderates, each with its counts and waiting messages only: what the
    moderation page asks for every few seconds (the same scope as ``queues``)."""
    return _queues(session, actor, open_only=True, limit=None)


def _queues(session: Session, actor: User, *, open_only: bool, limit: int | None) -> list[TopicQueue]:
    _require_moderator(actor)
    stmt = select(MessageTopic).order_by(MessageTopic.open.desc(), MessageTopic.id.desc()).limit(limit)
    if open_only:
        stmt = stmt.where(MessageTopic.open.is_(True))
    scope = branch_scope(actor)
    if scope is not None:
        stmt = stmt.where(MessageTopic.branch_id == scope)
    rooms = {r.id: r.name for r in session.scalars(select(Room))}
    branches = {b.id: b.short_name or b.name for b in session.scalars(select(Branch))}
    out = []
    for topic in session.scalars(stmt):
        queue = TopicQueue(topic, rooms.get(topic.room_id, ""), branches.get(topic.branch_id or 0, ""),
                           counts(session, topic.id))
        if topic.open:
            queue.pending = list(session.scalars(
                select(WallMessage).options(selectinload(WallMessage.member).selectinload(Member.branch))
                .where(WallMessage.topic_id == topic.id, WallMessage.status == MessageStatus.PENDING)
                .order_by(WallMessage.created_at, WallMessage.id)))
        out.append(queue)
    return out


def _push(session: Session, settings: Settings, topic: MessageTopic) -> None:
    emit(session, protocol.Event(protocol.MESSAGES_UPDATED, {"message_wall": topic_data(session, settings, topic)},
                                 room_id=topic.room_id))


def snapshot_part(session: Session, settings: Settings, viewer: Viewer) -> dict[str, Any]:
    """The room's open topic with its newest approved messages, for a wall that (re)connects."""
    topic = open_topic_in_room(session, viewer.room_id)
    return {"message_wall": topic_data(session, settings, topic) if topic else None}
