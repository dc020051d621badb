"""The demo organisation: seeded idempotently by ``activity-room demo`` (logins in CONTRACT.md).

A committee with four branches and their party groups, 60 members (D0001…D0060, PIN 246810), the
web users, the demo room, a few announcements, and the demo learning content (content.demo).
"""

from __future__ import annotations

import datetime as dt
import logging
import random

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from screen_server.announcements.models import Announcement
from screen_server.announcements.services import create_announcement
from screen_server.config import Settings
from screen_server.devices.models import Room
from screen_server.org.models import Branch, Committee, DatePrecision, Gender, Member, PartyGroup, Role, User
from screen_server.security import hash_secret

log = logging.getLogger(__name__)

DEMO_ROOM_SLUG = "demo"
ADMIN = ("admin", "demo-admin-2026")
SECRETARY = ("secretary1", "demo-secretary-2026")
MEMBER_PIN = "246810"
MEMBER_COUNT = 60

BRANCHES = [
    ("机关第一党支部", "机关一支部", ["综合党小组", "财务党小组"]),
    ("机关第二党支部", "机关二支部", ["人事党小组", "宣传党小组"]),
    ("生产运营党支部", "生产支部", ["一车间党小组", "二车间党小组", "设备党小组"]),
    ("离退休党支部", "离退休支部", ["第一党小组", "第二党小组"]),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢"
GIVEN = [
    "建国", "秀英", "志强", "桂兰", "国华", "丽娟", "海峰", "春梅", "伟", "芳", "军", "敏", "静", "磊", "洋",
    "晓东", "红霞", "永刚", "玉兰", "文博", "思远", "雨欣", "子涵", "浩然", "明", "立新", "淑珍", "德胜",
    "卫东", "雪梅", "振华", "晓燕", "宏伟", "秀珍", "鹏", "婷", "建平", "凤英", "新民", "春华",
]
EDUCATION = ["研究生", "大学本科", "大学专科", "中专", "高中"]
TITLES = ["科员", "主任科员", "工程师", "高级工程师", "技术员", "班组长", "副科长", "科长", "会计师", "退休职工"]


def _members(branch_ids: list[int], group_ids: dict[int, list[int]]) -> list[Member]:
    rng = random.Random(20261122)
    pin_hash = hash_secret(MEMBER_PIN)  # one hash for all: demo data, and 60 argon2 runs would slow start-up
    people = []
    used: set[str] = set()
    for i in range(1, MEMBER_COUNT + 1):
        while True:
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            if name not in used:
                used.add(name)
                break
        branch_id = branch_ids[(i - 1) % len(branch_ids)]
        retired = branch_id == branch_ids[-1]
        birth = dt.date(rng.randint(1948, 1962) if retired else rng.randint(1966, 2000), rng.randint(1, 12), 1)
        joined = dt.date(birth.year + rng.randint(20, 32), rng.randint(1, 12), rng.randint(1, 28))
        joined = min(joined, dt.date(2025, 6, 30))
        people.append(Member(
            number=f"D{i:04d}",
            name=name,
            gender=Gender.FEMALE if rng.random() < 0.42 else Gender.MALE,
            birth_date=birth,
            birth_date_precision=DatePrecision.MONTH,
            joined_party_on=joined,
            branch_id=branch_id,
            group_id=rng.choice(group_ids[branch_id]),
            education=rng.choice(EDUCATION),
            title="退休职工" if retired else rng.choice(TITLES[:-1]),
            employment_type="离退休" if retired else "在职",
            phone=f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
            pin_hash=pin_hash,
        ))
    return people


def _user(session: Session, username: str, password: str, role: Role, name: str, branch_id: int | None) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, display_name=name, password_hash=hash_secret(password), role=role,
                    branch_id=branch_id)
        session.add(user)
        session.flush()
    return user


def seed_demo(session: Session, settings: Settings) -> None:
    """Create whatever of the demo organisation is missing (running it twice adds nothing)."""
    committee = session.scalar(select(Committee).limit(1))
    if committee is None:
        committee = Committee(name="中共示范集团有限公司委员会")
        session.add(committee)
        session.flush()
    for pos, (name, short, groups) in enumerate(BRANCHES):
        branch = session.scalar(select(Branch).where(Branch.name == name))
        if branch is None:
            branch = Branch(committee_id=committee.id, name=name, short_name=short, position=pos)
            session.add(branch)
            session.flush()
            for gpos, gname in enumerate(groups):
                session.add(PartyGroup(branch_id=branch.id, name=gname, position=gpos))
    session.flush()
    branches = list(session.scalars(select(Branch).order_by(Branch.position)))
    if not session.scalar(select(func.count(Member.id))):
        group_ids = {b.id: [g.id for g in b.groups] for b in branches}
        session.add_all(_members([b.id for b in branches], group_ids))
    admin = _user(session, *ADMIN, Role.ADMIN, "系统管理员", None)
    _user(session, *SECRETARY, Role.SECRETARY, "机关一支部书记", branches[0].id)
    _user(session, "secretary2", "demo-secretary-2026", Role.SECRETARY, "机关二支部书记", branches[1].id)
    editor = _user(session, "editor1", "demo-editor-2026", Role.EDITOR, "宣传干事", None)
    reviewer = _user(session, "reviewer1", "demo-reviewer-2026", Role.REVIEWER, "党建审核员", None)
    room = session.scalar(select(Room).where(Room.slug == DEMO_ROOM_SLUG))
    if room is None:
        room = Room(name="党员活动室（一楼）", slug=DEMO_ROOM_SLUG, location="办公楼一层东侧")
        session.add(room)
        session.flush()
    if not session.scalar(select(func.count(Announcement.id))):
        for title, body, level in [
            ("关于开展“三会一课”专题学习的通知",
             "各党支部：本月 28 日下午 3 点在党员活动室召开支部党员大会，请全体党员准时参加，并提前完成本月学习任务。",
             "important"),
            ("党员活动室开放时间", "周一至周五 8:30—17:30 开放，欢迎党员同志前来学习、答题和参加组织生活。", "normal"),
            ("本周学习推荐", "本周推荐学习《中国共产党章程》总纲部分，学习满 30 分钟可获得积分。", "normal"),
        ]:
            create_announcement(session, actor_user_id=admin.id, title=title, body=body, level=level)
    _seed_meetings(session, settings, admin, branches, room)
    _seed_history(session, settings, admin, branches, room)
    _seed_content(session, settings, author_id=editor.id, reviewer_id=reviewer.id)
    session.flush()
    _seed_study(session)
    _seed_assessment(session, admin)
    _seed_plan(session, admin)
    session.flush()


def _seed_meetings(session: Session, settings: Settings, admin: User, branches: list[Branch], room: Room) -> None:
    """One meeting open for sign-in now (it stays open through the day), and a past one for the ledger."""
    from screen_server.meetings.models import LeaveRequest, Meeting, MeetingType, SignInMethod
    from screen_server.meetings.services import LOCAL_TZ, create_meeting
    from screen_server.meetings.signins import record_sign_in

    now = dt.datetime.now(LOCAL_TZ)
    today = now.date()
    open_title = "学习贯彻党的二十届四中全会精神专题支部党员大会"
    exists = session.scalar(select(Meeting.id).where(Meeting.title == open_title,
                                                     Meeting.signin_closes_at > dt.datetime.now(dt.UTC)))
    if exists is None:
        start = now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
        create_meeting(
            session, settings, admin, title=open_title, type=MeetingType.BRANCH_GENERAL,
            branch_ids=[branches[0].id], room_id=room.id, starts_at=start, ends_at=start + dt.timedelta(hours=2),
            signin_opens_at=now - dt.timedelta(minutes=5),
            signin_closes_at=dt.datetime.combine(today + dt.timedelta(days=1), dt.time(6), LOCAL_TZ),
            host="机关一支部书记", recorder="组织委员",
        )
    past_title = "“不忘初心、牢记使命”主题党日活动"
    if session.scalar(select(Meeting.id).where(Meeting.title == past_title)) is None:
        start = dt.datetime.combine(today - dt.timedelta(days=14), dt.time(15), LOCAL_TZ)
        past = create_meeting(
            session, settings, admin, title=past_title, type=MeetingType.THEME_DAY, branch_ids=[branches[0].id],
            room_id=room.id, starts_at=start, ends_at=start + dt.timedelta(hours=2), host="机关一支部书记",
        )
        # A ledger worth looking at: most came, one late, two on leave, one absent.
        expected = sorted(past.expected, key=lambda m: m.number)
        for i, member in enumerate(expected[:-3]):
            at = start + (dt.timedelta(minutes=4) if i == 3 else -dt.timedelta(minutes=20 - i))
            record_sign_in(session, settings, meeting_id=past.id, member_id=member.id, method=SignInMethod.QR, now=at)
        for member, reason in zip(expected[-3:-1], ["出差", "病假"], strict=True):
            session.add(LeaveRequest(meeting_id=past.id, member_id=member.id, reason=reason))


# Each branch's 党课 and 支部党员大会 of the last months: (days ago, how many of the 15 came), so that the
# ledger, the attendance panels and the health alerts have a history. 机关二支部's attendance is low and
# 生产支部's last 党课 was over 90 days ago: the demo shows those two alerts.
HISTORY = (
    {"party_lecture": (45, 13), "branch_general": (60, 14)},
    {"party_lecture": (30, 9), "branch_general": (50, 10)},
    {"party_lecture": (130, 12), "branch_general": (40, 13)},
    {"party_lecture": (20, 12), "branch_general": (70, 12)},
)
HISTORY_TITLES = {"party_lecture": "专题党课：以党的创新理论凝心铸魂", "branch_general": "党员大会：季度工作总结"}


def _seed_history(session: Session, settings: Settings, admin: User, branches: list[Branch], room: Room) -> None:
    from screen_server.meetings.models import Meeting, MeetingType, SignInMethod
    from screen_server.meetings.services import LOCAL_TZ, create_meeting
    from screen_server.meetings.signins import record_sign_in

    today = dt.datetime.now(LOCAL_TZ).date()
    for branch, plan in zip(branches, HISTORY, strict=False):
        for kind, (days_ago, present) in plan.items():
            title = f"{branch.short_name or branch.name}{HISTORY_TITLES[kind]}"
            if session.scalar(select(Meeting.id).where(Meeting.title == title)) is not None:
                continue
            start = dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(14, 30), LOCAL_TZ)
            meeting = create_meeting(
                session, settings, admin, title=title, type=MeetingType(kind), branch_ids=[branch.id],
                room_id=room.id, starts_at=start, ends_at=start + dt.timedelta(hours=2),
                host=f"{branch.short_name or branch.name}书记")
            for i, member in enumerate(sorted(meeting.expected, key=lambda m: m.number)[:present]):
                record_sign_in(session, settings, meeting_id=meeting.id, member_id=member.id, method=SignInMethod.QR,
                               now=start - dt.timedelta(minutes=15 - i % 10))
        _seed_monthly(session, settings, admin, branch, room, today)


def _seed_monthly(session: Session, settings: Settings, admin: User, branch: Branch, room: Room,
                  today: dt.date) -> None:
    """Last month's 支委会 (the 支部委员) and each group's 党小组会, all present: held on time, so the demo's
    alerts stay the two above."""
    from screen_server.meetings.models import Meeting, MeetingType, SignInMethod
    from screen_server.meetings.services import LOCAL_TZ, create_meeting
    from screen_server.meetings.signins import record_sign_in
    from screen_server.meetings.templates import expected_for

    name = branch.short_name or branch.name
    # The demo's 职务 are jobs, not party posts: its 支委 are the branch's last three members by number.
    committee = expected_for(session, "committee", branch.id) or expected_for(session, "branch", branch.id)[-3:]
    plans = [(MeetingType.BRANCH_COMMITTEE, f"{name}支部委员会：研究本月工作", committee, 12)]
    plans += [(MeetingType.GROUP, f"{name}{g.name}会：学习交流", expected_for(session, "group", branch.id, g.id), 8)
              for g in branch.groups if g.active]
    for kind, title, member_ids, days_ago in plans:
        if not member_ids or session.scalar(select(Meeting.id).where(Meeting.title == title)) is not None:
            continue
        start = dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(16), LOCAL_TZ)
        meeting = create_meeting(session, settings, admin, title=title, type=kind, branch_ids=[branch.id],
                                 room_id=room.id, starts_at=start, ends_at=start + dt.timedelta(hours=1),
                                 host=f"{name}书记", expected_member_ids=member_ids)
        for member_id in member_ids:
            record_sign_in(session, settings, meeting_id=meeting.id, member_id=member_id, method=SignInMethod.QR,
                           now=start - dt.timedelta(minutes=5))


SERVICE_NOTES = ("社区防汛志愿服务", "文明城市创建志愿服务", "关爱空巢老人走访", "义务植树", "社区核酸检测秩序维护")
CONTRIBUTION_NOTES = ("撰写支部学习简报", "承担主题党日活动组织", "技术攻关获公司表彰", "结对帮扶困难群众")


def _seed_assessment(session: Session, admin: User) -> None:
    """Service hours and contributions this year for some members (量化考核's hand-recorded dimensions)."""
    from screen_server.assessment.models import AssessmentRecord
    from screen_server.meetings.services import LOCAL_TZ

    if session.scalar(select(func.count()).select_from(AssessmentRecord)):
        return
    rng = random.Random(2026)
    today = dt.datetime.now(LOCAL_TZ).date()
    for member in session.scalars(select(Member).where(Member.number > "D0004").order_by(Member.number)):
        for _ in range(rng.choice((0, 0, 1, 2, 3))):
            day = today - dt.timedelta(days=rng.randint(0, max(0, (today - today.replace(month=1, day=1)).days)))
            session.add(AssessmentRecord(member_id=member.id, kind="service", day=day, amount=rng.choice((2, 3, 4, 6)),
                                         note=rng.choice(SERVICE_NOTES), recorded_by_user_id=admin.id))
        if rng.random() < 0.25:
            session.add(AssessmentRecord(member_id=member.id, kind="contribution", day=today - dt.timedelta(days=rng.randint(0, 60)),
                                         amount=rng.choice((3, 5, 8)), note=rng.choice(CONTRIBUTION_NOTES),
                                         recorded_by_user_id=admin.id))


def _seed_plan(session: Session, admin: User) -> None:
    """One committee study plan (学习计划) running now: three required articles, due in three weeks (so
    the demo shows rates without raising the near-deadline alert)."""
    from content.models import Item, ItemKind, ReviewStatus
    from screen_server.study.models import StudyPlan
    from screen_server.study.plans import save_plan, today_local

    if session.scalar(select(func.count(StudyPlan.id))):
        return
    articles = list(session.scalars(select(Item.id).where(Item.status == ReviewStatus.PUBLISHED,
                                                          Item.kind == ItemKind.ARTICLE).order_by(Item.id)))
    if len(articles) < 6:
        return
    today = today_local()
    save_plan(session, admin, title="本月必学：党章党规", branch_id=None, starts_on=today - dt.timedelta(days=7),
              due_on=today + dt.timedelta(days=21), item_ids=articles[3:6])


def _seed_content(session: Session, settings: Settings, *, author_id: int, reviewer_id: int) -> None:
    from content import demo as content_demo
    from content.media import MediaStore

    content_demo.seed_demo_content(
        session, media_store=MediaStore(settings.media_dir), author_user_id=author_id, reviewer_user_id=reviewer_id
    )


def _seed_study(session: Session) -> None:
    """Four weeks of study by most members (not D0001–D0004, which tests and first-time visitors use), so
    that points, leaderboards, statistics, alerts and recommendations have something to show. The
    retirees' branch (the last) studies less at the terminals: the demo's study alert."""
    import uuid

    from content.models import Item, ItemKind, ReviewStatus
    from screen_server.meetings.services import LOCAL_TZ
    from screen_server.points.services import ensure_rules
    from screen_server.study.models import StudySpan
    from screen_server.study.services import record_spans

    ensure_rules(session)
    if session.scalar(select(func.count()).select_from(StudySpan)):
        return
    items = list(session.scalars(select(Item).where(Item.status == ReviewStatus.PUBLISHED).order_by(Item.id)))
    members = list(session.scalars(select(Member).where(Member.number > "D0004").order_by(Member.number)))
    if not items or not members:
        return
    rng = random.Random(20261122)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    today_start = dt.datetime.combine(now.astimezone(LOCAL_TZ).date(), dt.time(0), LOCAL_TZ).astimezone(dt.UTC)
    last_branch = session.scalar(select(Branch.id).order_by(Branch.position.desc(), Branch.id.desc()).limit(1))
    for member in members:
        retiree = member.branch_id == last_branch
        if rng.random() < (0.6 if retiree else 0.2):
            continue  # some members have not studied yet
        favourite = rng.choice(items)
        spans = []
        for n in range(rng.randint(2, 5) if retiree else rng.randint(4, 12)):
            item = favourite if rng.random() < 0.3 else rng.choice(items)
            start = now - dt.timedelta(days=rng.randint(1, 27), hours=rng.randint(0, 8), minutes=rng.randint(0, 59))
            if n == 0:  # one session earlier today, so that "today" and "this week" show study on any weekday
                start = max(now - dt.timedelta(minutes=rng.randint(10, 90)), today_start)
            video = item.kind in (ItemKind.VIDEO, ItemKind.AUDIO)
            for part in range(rng.randint(2, 24 if video else 12)):
                begun = start + dt.timedelta(seconds=30 * part)
                if begun + dt.timedelta(seconds=30) > now:
                    break
                spans.append({"id": uuid.uuid4().hex, "member_id": member.id, "item_id": item.id,
                              "started_at": begun.isoformat(), "ended_at": (begun + dt.timedelta(seconds=30)).isoformat(),
                              "active_seconds": 30, "progress": min(1.0, 0.15 * (part + 1)),
                              "completed": part >= 3})
        record_spans(session, spans, source="terminal", now=now)
