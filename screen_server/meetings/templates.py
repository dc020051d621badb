"""Meeting templates for 三会一课 and 主题党日: default agenda, expected attendees, quorum rule, cadence.

Built-in defaults live here; an admin's changes are one ``MeetingTemplate`` row per type. Cadence: 支委会
and 党小组会 monthly, 支部党员大会 and 党课 quarterly (《中国共产党支部工作条例（试行）》第十六条 on
“三会一课”), 主题党日 monthly. Attendees: the branch's members; for 支委会 the members whose 职务 names
a 支部委员 (书记、副书记、委员); for 党小组会 the members of one group. Services flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from screen_server.audit.services import record
from screen_server.config import Settings
from screen_server.errors import Forbidden, Invalid
from screen_server.i18n import _
from screen_server.meetings import quorum
from screen_server.meetings.models import MEETING_TYPE_LABELS, Meeting, MeetingTemplate, MeetingType
from screen_server.meetings.services import create_meeting
from screen_server.org.models import Member, PartyGroup, Role, User

ATTENDEES = {"branch": "支部全体党员", "committee": "支部委员", "group": "党小组成员"}
COMMITTEE_TITLES = ("书记", "委员")  # 书记、副书记、组织委员、宣传委员、纪检委员 …

DEFAULTS: dict[MeetingType, dict[str, Any]] = {
    MeetingType.BRANCH_GENERAL: {
        "agenda": "1. 主持人宣布到会情况及是否达到法定人数\n2. 传达学习上级精神\n3. 审议议题\n4. 表决\n5. 主持人总结",
        "attendees": "branch", "quorum_rule": "half", "cadence_days": 91, "duration_minutes": 120},
    MeetingType.BRANCH_COMMITTEE: {
        "agenda": "1. 通报上次会议决定落实情况\n2. 研究本月工作\n3. 议定事项",
        "attendees": "committee", "quorum_rule": "half", "cadence_days": 30, "duration_minutes": 60},
    MeetingType.GROUP: {
        "agenda": "1. 学习讨论\n2. 交流思想工作情况\n3. 布置下阶段任务",
        "attendees": "group", "quorum_rule": "none", "cadence_days": 30, "duration_minutes": 60},
    MeetingType.PARTY_LECTURE: {
        "agenda": "1. 主讲人授课\n2. 观看学习资料\n3. 交流发言",
        "attendees": "branch", "quorum_rule": "none", "cadence_days": 91, "duration_minutes": 90},
    MeetingType.THEME_DAY: {
        "agenda": "1. 重温入党誓词\n2. 主题学习\n3. 志愿服务或实践活动\n4. 交流心得",
        "attendees": "branch", "quorum_rule": "none", "cadence_days": 30, "duration_minutes": 120},
}


def template_of(session: Session, mtype: MeetingType | str) -> dict[str, Any]:
    """The template of a meeting type: the admin's row over the built-in defaults."""
    try:
        t = MeetingType(mtype)
    except ValueError:
        raise Invalid(_("会议类型无效。")) from None
    if t not in DEFAULTS:
        raise Invalid(_("该会议类型没有模板。"))
    data = dict(DEFAULTS[t]) | {"type": t.value, "label": MEETING_TYPE_LABELS[t]}
    row = session.get(MeetingTemplate, t.value)
    if row is not None:
        data |= {"agenda": row.agenda, "attendees": row.attendees, "quorum_rule": row.quorum_rule,
                 "cadence_days": row.cadence_days, "duration_minutes": row.duration_minutes}
    return data


def all_templates(session: Session) -> list[dict[str, Any]]:
    return [template_of(session, t) for t in DEFAULTS]


def save_template(session: Session, actor: User, mtype: str, *, agenda: str, attendees: str, quorum_rule: str,
                  cadence_days: int, duration_minutes: int) -> dict[str, Any]:
    """An admin changes a type's template (audited); meetings created earlier keep what they had."""
    if actor.role is not Role.ADMIN:
        raise Forbidden(_("只有管理员可以修改会议模板。"))
    template_of(session, mtype)
    if attendees not in ATTENDEES or quorum_rule not in quorum.RULES:
        raise Invalid(_("应到人员或法定人数规则无效。"))
    if not 0 <= int(cadence_days) <= 366 or not 15 <= int(duration_minutes) <= 600:
        raise Invalid(_("周期应在 0 到 366 天之间，时长应在 15 到 600 分钟之间。"))
    row = session.get(MeetingTemplate, mtype) or MeetingTemplate(type=mtype)
    row.agenda, row.attendees, row.quorum_rule = agenda.strip()[:4000], attendees, quorum_rule
    row.cadence_days, row.duration_minutes = int(cadence_days), int(duration_minutes)
    session.add(row)
    record(session, actor_user_id=actor.id, action="meeting.template_saved", target_type="meeting_template",
           target_id=mtype, details={"attendees": attendees, "quorum_rule": quorum_rule, "cadence_days": cadence_days})
    session.flush()
    return template_of(session, mtype)


def expected_for(session: Session, attendees: str, branch_id: int, group_id: int | None = None) -> list[int]:
    """Who is expected by a template's attendee rule, among the branch's active members."""
    members = list(session.scalars(select(Member).where(Member.branch_id == branch_id, Member.active.is_(True))
                                   .order_by(Member.number)))
    if attendees == "committee":
        return [m.id for m in members if any(t in (m.title or "") for t in COMMITTEE_TITLES)]
    if attendees == "group":
        if group_id is None:
            raise Invalid(_("党小组会请选择党小组。"))
        group = session.get(PartyGroup, group_id)
        if group is None or group.branch_id != branch_id:
            raise Invalid(_("所选党小组不属于该支部。"))
        return [m.id for m in members if m.group_id == group_id]
    return [m.id for m in members]


def create_from_template(session: Session, settings: Settings, actor: User, *, type: str, branch_id: int,
                         starts_at: dt.datetime, title: str = "", room_id: int | None = None, host: str = "",
                         recorder: str = "", group_id: int | None = None,
                         extra_agenda: Iterable[str] = ()) -> Meeting:
    """Create a meeting of one branch from its type's template: agenda, expected attendees, quorum rule and
    length filled in."""
    t = template_of(session, type)
    expected = expected_for(session, t["attendees"], branch_id, group_id)
    if not expected:
        raise Invalid(_("按模板没有找到应到人员（{a}），请检查党员的职务或党小组。").format(a=ATTENDEES[t["attendees"]]))
    agenda = "\n".join([t["agenda"], *extra_agenda]).strip()
    return create_meeting(
        session, settings, actor, title=title.strip() or t["label"], type=t["type"], branch_ids=[branch_id],
        starts_at=starts_at, ends_at=starts_at + dt.timedelta(minutes=int(t["duration_minutes"])), room_id=room_id,
        host=host, recorder=recorder, agenda=agenda, expected_member_ids=expected, quorum_rule=t["quorum_rule"])
