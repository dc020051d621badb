"""Minutes (会议记录), decisions, photos and "held" for the 台账, written by the recorder (an admin or the
branch's secretary). Minutes are Markdown, rendered and sanitised as the content library's articles are
(``content.markdown``); photos are checked as every media upload is (type by content, size limit).
Services flush; the caller commits.
"""

from __future__ import annotations

from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content.markdown import render_markdown, to_plain_text
from content.media import MediaStore
from screen_server.audit.services import record
from screen_server.config import Settings
from screen_server.db import utcnow
from screen_server.errors import Conflict, Invalid
from screen_server.i18n import _
from screen_server.meetings.models import Meeting, MeetingPhoto
from screen_server.meetings.services import counts, get_meeting_for
from screen_server.org.models import User

MAX_MINUTES = 20000
MAX_PHOTOS = 30
PHOTO_MAX_BYTES = 15 * 1024 * 1024


def save_minutes(session: Session, actor: User, meeting_id: int, *, minutes: str, decisions: str) -> Meeting:
    meeting = get_meeting_for(session, actor, meeting_id)
    if len(minutes or "") > MAX_MINUTES or len(decisions or "") > 4000:
        raise Invalid(_("会议记录不超过 20000 字，决议不超过 4000 字。"))
    meeting.minutes = (minutes or "").strip()
    meeting.decisions = "\n".join(line.strip() for line in (decisions or "").splitlines() if line.strip())
    record(session, actor_user_id=actor.id, action="meeting.minutes_saved", target_type="meeting",
           target_id=meeting.id, details={"minutes_chars": len(meeting.minutes),
                                          "decisions": len(decision_list(meeting))})
    session.flush()
    return meeting


def mark_held(session: Session, actor: User, meeting_id: int) -> Meeting:
    """The meeting took place: the quorum as it stands is recorded (if sign-in did not close by hand)."""
    meeting = get_meeting_for(session, actor, meeting_id)
    if meeting.cancelled:
        raise Conflict(_("会议已取消。"))
    if not meeting.minutes.strip():
        raise Invalid(_("请先填写会议记录，再标记会议已召开。"))
    meeting.held_at = utcnow()
    if meeting.quorum_reached is None:
        meeting.quorum_reached = counts(session, meeting)["quorum"]
    record(session, actor_user_id=actor.id, action="meeting.held", target_type="meeting", target_id=meeting.id,
           details={"quorum": meeting.quorum_reached})
    session.flush()
    return meeting


def add_photo(session: Session, settings: Settings, actor: User, meeting_id: int, stream: BinaryIO | None, *,
              filename: str, caption: str = "") -> MeetingPhoto:
    """Keep a photo of the meeting (``stream`` None: none was chosen). The meeting's scope is checked
    before anything else, so a request about another branch's meeting learns nothing from the upload."""
    meeting = get_meeting_for(session, actor, meeting_id)
    if stream is None:
        raise Invalid(_("请选择要上传的照片。"))
    have = session.scalar(select(func.count()).select_from(MeetingPhoto).where(MeetingPhoto.meeting_id == meeting.id))
    if (have or 0) >= MAX_PHOTOS:
        raise Invalid(_("每次会议最多 {n} 张照片。").format(n=MAX_PHOTOS))
    stored = MediaStore(settings.media_dir).store(stream, filename=filename or "photo", max_bytes=PHOTO_MAX_BYTES)
    if stored.family != "image":
        raise Invalid(_("请上传照片（PNG、JPEG、GIF 或 WebP）。"))
    photo = MeetingPhoto(meeting_id=meeting.id, relative_path=stored.relative_path,
                         original_filename=stored.original_filename[:200], mime=stored.mime, size=stored.size,
                         caption=(caption or "").strip()[:200], uploaded_by_user_id=actor.id)
    session.add(photo)
    session.flush()
    record(session, actor_user_id=actor.id, action="meeting.photo_added", target_type="meeting", target_id=meeting.id,
           details={"photo_id": photo.id, "size": stored.size, "mime": stored.mime})
    return photo


def photos_of(session: Session, meeting_id: int) -> list[MeetingPhoto]:
    return list(session.scalars(select(MeetingPhoto).where(MeetingPhoto.meeting_id == meeting_id)
                                .order_by(MeetingPhoto.id)))


def decision_list(meeting: Meeting) -> list[str]:
    return [line for line in (meeting.decisions or "").splitlines() if line.strip()]


def minutes_html(meeting: Meeting) -> str:
    return render_markdown(meeting.minutes or "")


def minutes_summary(meeting: Meeting, limit: int = 200) -> str:
    text = " ".join(to_plain_text(meeting.minutes or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
