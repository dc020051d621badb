"""量化考核: a member's and a branch's year on four dimensions, each scored 0–100, weighted by the admin.

- 学习 (study): courses completed this year against a target (60%) and the pass rate of daily practice
  and challenge sets (40%; a daily set passes with 3 of 5 right, a level with its pass mark).
- 组织生活 (organisational life): the member's attendance at meetings they were expected at (a member
  expected nowhere loses nothing); for a branch, 70% its members' attendance and 30% meetings held
  against a target.
- 服务 (service): volunteer hours recorded against a target.
- 贡献 (contribution): contribution points an admin or secretary records against a target.

The total is the weighted sum (weights add up to 100). Every figure is a grouped query over the year,
so scoring a whole organisation stays cheap. Services flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from screen_server.assessment.models import AssessmentConfig, AssessmentRecord
from screen_server.audit.services import record
from screen_server.errors import Forbidden, Invalid, NotFound
from screen_server.i18n import _
from screen_server.meetings.models import Attendance, Meeting, meeting_branches, meeting_expected
from screen_server.meetings.services import LOCAL_TZ
from screen_server.org.models import Branch, Member, Role, User
from screen_server.org.services import branch_scope, mask_name
from screen_server.practice.models import PracticeSet
from screen_server.study.models import StudyRecord

DIMENSIONS = ("study", "life", "service", "contribution")
DIMENSION_NAMES = {"study": "学习", "life": "组织生活", "service": "服务", "contribution": "贡献"}
DEFAULT_WEIGHTS = {"study": 40, "life": 30, "service": 15, "contribution": 15}
DEFAULT_TARGETS = {"courses": 12, "service_hours": 20, "contribution": 10, "meetings": 16}
TARGET_NAMES = {"courses": "全年完成课程（门）", "service_hours": "志愿服务（小时）", "contribution": "贡献积分（分）",
                "meetings": "支部全年组织生活（次）"}
KINDS = {"service": "志愿服务", "contribution": "贡献"}
DAILY_PASS = 3  # of the daily set's five questions


@dataclass(frozen=True, slots=True)
class Config:
    year: int
    weights: dict[str, int]
    targets: dict[str, float]


@dataclass(slots=True)
class Score:
    """One member's (or branch's) year: the figures, the four scores, the total and the rank."""

    id: int
    name: str
    branch: str = ""
    branch_id: int = 0
    courses: int = 0
    practice_sets: int = 0
    practice_passed: int = 0
    expected: int = 0
    present: int = 0
    meetings: int = 0
    service_hours: float = 0.0
    contribution: float = 0.0
    scores: dict[str, float] = field(default_factory=dict)
    total: float = 0.0
    rank: int = 0

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def this_year(now: dt.datetime | None = None) -> int:
    return (now or dt.datetime.now(dt.UTC)).astimezone(LOCAL_TZ).year


def _year_bounds(year: int) -> tuple[dt.date, dt.date, dt.datetime, dt.datetime]:
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    start = dt.datetime.combine(first, dt.time(), LOCAL_TZ).astimezone(dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), LOCAL_TZ).astimezone(dt.UTC)
    return first, last, start, end


# --- configuration ----------------------------------------------------------------------------------


def get_config(session: Session, year: int) -> Config:
    row = session.get(AssessmentConfig, year)
    weights = {**DEFAULT_WEIGHTS, **({k: int(v) for k, v in (row.weights or {}).items()} if row else {})}
    targets = {**DEFAULT_TARGETS, **({k: float(v) for k, v in (row.targets or {}).items()} if row else {})}
    return Config(year, weights, targets)


def set_config(session: Session, year: int, *, weights: Mapping[str, int], targets: Mapping[str, float],
               actor_user_id: int | None = None) -> Config:
    """The admin's weights (whole percents adding up to 100) and targets for a year; audited."""
    if not 2000 <= year <= 2100:
        raise Invalid(_("年度不正确。"))
    clean_w = {d: int(weights.get(d, -1)) for d in DIMENSIONS}
    if any(not 0 <= w <= 100 for w in clean_w.values()):
        raise Invalid(_("每项权重应在 0 到 100 之间。"))
    if sum(clean_w.values()) != 100:
        raise Invalid(_("四项权重之和应为 100（现在是 {n}）。").format(n=sum(clean_w.values())))
    clean_t = {k: float(targets.get(k, 0)) for k in DEFAULT_TARGETS}
    if any(not 0 < t <= 10000 for t in clean_t.values()):
        raise Invalid(_("每项目标应大于 0 且不超过 10000。"))
    before = get_config(session, year)
    row = session.get(AssessmentConfig, year)
    if row is None:
        row = AssessmentConfig(year=year)
        session.add(row)
    row.weights, row.targets, row.updated_by_user_id = clean_w, clean_t, actor_user_id
    session.flush()
    record(session, actor_user_id=actor_user_id, action="assessment.config_set", target_type="assessment_config",
           target_id=year, details={"before": {"weights": before.weights, "targets": before.targets},
                                    "after": {"weights": clean_w, "targets": clean_t}})
    return get_config(session, year)


# --- what secretaries record ------------------------------------------------------------------------


def _check_member_scope(session: Session, actor: User, member_id: int) -> Member:
    if actor.role not in (Role.ADMIN, Role.SECRETARY):
        raise Forbidden(_("只有管理员和支部书记可以登记考核记录。"))
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(_("党员不存在。"))
    scope = branch_scope(actor)
    if scope is not None and member.branch_id != scope:
        raise Forbidden(_("您只能登记本支部党员的记录。"))
    return member


def add_record(session: Session, actor: User, *, member_id: int, kind: str, day: dt.date, amount: float,
               note: str, today: dt.date | None = None) -> AssessmentRecord:
    """Volunteer hours or contribution points for one member; audited."""
    if kind not in KINDS:
        raise Invalid(_("记录类型应是志愿服务或贡献。"))
    member = _check_member_scope(session, actor, member_id)
    today = today or dt.datetime.now(LOCAL_TZ).date()
    if day > today or day.year < today.year - 1:
        raise Invalid(_("日期应在去年 1 月 1 日到今天之间。"))
    if kind == "service" and not 0.5 <= amount <= 24:
        raise Invalid(_("一次志愿服务应在 0.5 到 24 小时之间。"))
    if kind == "contribution" and not 1 <= amount <= 20:
        raise Invalid(_("一次贡献积分应在 1 到 20 分之间。"))
    note = (note or "").strip()
    if not note or len(note) > 200:
        raise Invalid(_("请填写事由（不超过 200 字）。"))
    entry = AssessmentRecord(member_id=member.id, kind=kind, day=day, amount=float(amount), note=note,
                             recorded_by_user_id=actor.id)
    session.add(entry)
    session.flush()
    record(session, actor_user_id=actor.id, action="assessment.record_added", target_type="member",
           target_id=member.id, details={"record_id": entry.id, "kind": kind, "day": day.isoformat(),
                                         "amount": amount, "note": note})
    return entry


def delete_record(session: Session, actor: User, record_id: int) -> None:
    entry = session.get(AssessmentRecord, record_id)
    if entry is None:
        raise NotFound(_("记录不存在。"))
    _check_member_scope(session, actor, entry.member_id)
    session.delete(entry)
    session.flush()
    record(session, actor_user_id=actor.id, action="assessment.record_deleted", target_type="member",
           target_id=entry.member_id, details={"record_id": record_id, "kind": entry.kind,
                                               "day": entry.day.isoformat(), "amount": entry.amount, "note": entry.note})


def list_records(session: Session, actor: User, year: int, limit: int = 100) -> list[tuple[AssessmentRecord, Member]]:
    first, last, _start, _end = _year_bounds(year)
    query = (select(AssessmentRecord, Member).join(Member, Member.id == AssessmentRecord.member_id)
             .where(AssessmentRecord.day.between(first, last))
             .order_by(AssessmentRecord.day.desc(), AssessmentRecord.id.desc()).limit(limit))
    scope = branch_scope(actor)
    if scope is not None:
        query = query.where(Member.branch_id == scope)
    return [(r, m) for r, m in session.execute(query)]


# --- scoring ----------------------------------------------------------------------------------------


def _grouped(session: Session, query: Any) -> dict[int, Any]:
    return {row[0]: row[1:] for row in session.execute(query)}


def _held(year: int, now: dt.datetime) -> Any:
    _first, _last, start, end = _year_bounds(year)
    return select(Meeting.id).where(Meeting.starts_at >= start, Meeting.starts_at < end, Meeting.starts_at <= now,
                                    Meeting.cancelled.is_(False))


def member_scores(session: Session, year: int, *, branch_id: int | None = None, now: dt.datetime | None = None,
                  masked: bool = False) -> list[Score]:
    """Every active member's year, ranked by total (ties by member number). ``branch_id`` narrows the list
    but ranks stay organisation-wide."""
    now = now or dt.datetime.now(dt.UTC)
    config = get_config(session, year)
    first, last, start, end = _year_bounds(year)
    members = session.execute(select(Member.id, Member.name, Member.number, Branch.short_name, Branch.name, Member.branch_id)
                              .join(Branch, Branch.id == Member.branch_id).where(Member.active.is_(True))
                              .order_by(Member.number)).all()
    courses = _grouped(session, select(StudyRecord.member_id, func.count(StudyRecord.id))
                       .where(StudyRecord.completed.is_(True), StudyRecord.completed_at >= start,
                              StudyRecord.completed_at < end).group_by(StudyRecord.member_id))
    passed_expr = case((and_(PracticeSet.kind == "daily", PracticeSet.correct >= DAILY_PASS), 1),
                       (and_(PracticeSet.kind == "level", PracticeSet.passed.is_(True)), 1), else_=0)
    practice = _grouped(session, select(PracticeSet.member_id, func.count(PracticeSet.id), func.sum(passed_expr))
                        .where(PracticeSet.finished.is_(True), PracticeSet.kind.in_(("daily", "level")),
                               PracticeSet.day.between(first, last)).group_by(PracticeSet.member_id))
    held = _held(year, now)
    expected = _grouped(session, select(meeting_expected.c.member_id, func.count())
                        .where(meeting_expected.c.meeting_id.in_(held)).group_by(meeting_expected.c.member_id))
    present = _grouped(session, select(Attendance.member_id, func.count(Attendance.id))
                       .join(meeting_expected, and_(meeting_expected.c.meeting_id == Attendance.meeting_id,
                                                    meeting_expected.c.member_id == Attendance.member_id))
                       .where(Attendance.meeting_id.in_(held)).group_by(Attendance.member_id))
    records = {}
    for mid, kind, amount in session.execute(
            select(AssessmentRecord.member_id, AssessmentRecord.kind, func.sum(AssessmentRecord.amount))
            .where(AssessmentRecord.day.between(first, last))
            .group_by(AssessmentRecord.member_id, AssessmentRecord.kind)):
        records[(mid, kind)] = float(amount or 0)
    out = []
    for mid, name, _number, short, bname, bid in members:
        sets, passed = practice.get(mid, (0, 0))
        score = Score(id=mid, name=mask_name(name) if masked else name, branch=short or bname, branch_id=bid,
                      courses=int((courses.get(mid) or (0,))[0]), practice_sets=int(sets or 0),
                      practice_passed=int(passed or 0), expected=int((expected.get(mid) or (0,))[0]),
                      present=int((present.get(mid) or (0,))[0]), service_hours=records.get((mid, "service"), 0.0),
                      contribution=records.get((mid, "contribution"), 0.0))
        _score(score, config, attendance=score.present / score.expected if score.expected else 1.0)
        out.append(score)
    _rank(out)
    if branch_id is not None:
        out = [s for s in out if s.branch_id == branch_id]
    return out


def _score(s: Score, config: Config, *, attendance: float) -> None:
    t = config.targets
    pass_rate = s.practice_passed / s.practice_sets if s.practice_sets else 0.0
    s.scores = {
        "study": round(100 * (0.6 * min(1.0, s.courses / t["courses"]) + 0.4 * pass_rate), 1),
        "life": round(100 * attendance, 1),
        "service": round(100 * min(1.0, s.service_hours / t["service_hours"]), 1),
        "contribution": round(100 * min(1.0, s.contribution / t["contribution"]), 1),
    }
    s.total = round(sum(config.weights[d] * s.scores[d] for d in DIMENSIONS) / 100, 1)


def _rank(scores: list[Score]) -> None:
    scores.sort(key=lambda s: (-s.total, s.id))
    previous, rank = None, 0
    for i, s in enumerate(scores, 1):
        if s.total != previous:
            rank, previous = i, s.total
        s.rank = rank


def branch_scores(session: Session, year: int, *, now: dt.datetime | None = None,
                  members: list[Score] | None = None) -> list[Score]:
    """Each branch's year: its members' average study, service and contribution scores; organisational
    life from their attendance (70%) and the meetings the branch held (30%); ranked."""
    now = now or dt.datetime.now(dt.UTC)
    config = get_config(session, year)
    members = members if members is not None else member_scores(session, year, now=now)
    held = _grouped(session, select(meeting_branches.c.branch_id, func.count(func.distinct(meeting_branches.c.meeting_id)))
                    .where(meeting_branches.c.meeting_id.in_(_held(year, now))).group_by(meeting_branches.c.branch_id))
    by_branch: dict[int, list[Score]] = {}
    for s in members:
        by_branch.setdefault(s.branch_id, []).append(s)
    out = []
    for branch in session.scalars(select(Branch).order_by(Branch.position, Branch.id)):
        label = branch.short_name or branch.name
        people = by_branch.get(branch.id, [])
        n = len(people) or 1
        score = Score(id=branch.id, name=label, branch=label, branch_id=branch.id, meetings=int((held.get(branch.id) or (0,))[0]),
                      courses=sum(p.courses for p in people), expected=sum(p.expected for p in people),
                      present=sum(p.present for p in people), service_hours=sum(p.service_hours for p in people),
                      contribution=sum(p.contribution for p in people),
                      practice_sets=sum(p.practice_sets for p in people),
                      practice_passed=sum(p.practice_passed for p in people))
        attendance = score.present / score.expected if score.expected else 1.0
        life = 0.7 * attendance + 0.3 * min(1.0, score.meetings / config.targets["meetings"])
        score.scores = {
            "study": round(sum(p.scores["study"] for p in people) / n, 1),
            "life": round(100 * life, 1),
            "service": round(sum(p.scores["service"] for p in people) / n, 1),
            "contribution": round(sum(p.scores["contribution"] for p in people) / n, 1),
        }
        score.total = round(sum(config.weights[d] * score.scores[d] for d in DIMENSIONS) / 100, 1)
        out.append(score)
    _rank(out)
    return out


def member_assessment(session: Session, member_id: int, *, year: int | None = None,
                      now: dt.datetime | None = None) -> dict[str, Any]:
    """What a member sees of their own year at a terminal or on the phone: the four scores with the
    figures behind them, the total, their rank in the organisation and in their branch, and their
    branch's rank."""
    now = now or dt.datetime.now(dt.UTC)
    year = year or this_year(now)
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(_("党员不存在。"))
    config = get_config(session, year)
    everyone = member_scores(session, year, now=now)
    mine = next((s for s in everyone if s.id == member_id), None)
    if mine is None:
        raise NotFound(_("党员不存在。"))
    in_branch = [s for s in everyone if s.branch_id == mine.branch_id]
    branches = branch_scores(session, year, now=now, members=everyone)
    my_branch = next((b for b in branches if b.id == member.branch_id), None)
    return {
        "year": year,
        "weights": config.weights,
        "targets": config.targets,
        "dimensions": [{"key": d, "name": _(DIMENSION_NAMES[d]), "score": mine.scores[d], "weight": config.weights[d],
                        "detail": _detail(d, mine, config)} for d in DIMENSIONS],
        "total": mine.total,
        "rank": mine.rank,
        "of": len(everyone),
        "branch_rank": 1 + sum(1 for s in in_branch if s.total > mine.total),
        "branch_of": len(in_branch),
        "branch": {"name": mine.branch, "total": my_branch.total if my_branch else None,
                   "rank": my_branch.rank if my_branch else None, "of": len(branches)},
    }


def _detail(dimension: str, s: Score, config: Config) -> str:
    t = config.targets
    if dimension == "study":
        rate = f"{round(100 * s.practice_passed / s.practice_sets)}%" if s.practice_sets else "—"
        return _("完成课程 {c}/{t:g} 门，答题通过率 {r}").format(c=s.courses, t=t["courses"], r=rate)
    if dimension == "life":
        return _("应参加 {e} 次，实到 {p} 次").format(e=s.expected, p=s.present)
    if dimension == "service":
        return _("志愿服务 {h:g}/{t:g} 小时").format(h=s.service_hours, t=t["service_hours"])
    return _("贡献积分 {p:g}/{t:g} 分").format(p=s.contribution, t=t["contribution"])


def dimension_names() -> dict[str, str]:
    return {d: _(n) for d, n in DIMENSION_NAMES.items()}



def export_xlsx(session: Session, actor: User, year: int, *, branch_id: int | None = None,
                now: dt.datetime | None = None) -> bytes:
    """The year's branch ranking and member scores as an .xlsx (a secretary: their own branch's members),
    recorded in the audit log. The caller commits."""
    import io

    from openpyxl import Workbook

    from screen_server.xlsx import stamp_workbook, write_sheet

    scope = branch_scope(actor)
    branch_id = scope if scope is not None else branch_id
    config = get_config(session, year)
    members = member_scores(session, year, now=now)
    branches = branch_scores(session, year, now=now, members=members)
    if branch_id is not None:
        members = [m for m in members if m.branch_id == branch_id]
    names = [DIMENSION_NAMES[d] for d in DIMENSIONS]
    weights = "，".join(f"{DIMENSION_NAMES[d]} {config.weights[d]}%" for d in DIMENSIONS)
    title = _("{y} 年度量化考核（权重：{w}）").format(y=year, w=weights)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "支部排名"
    write_sheet(ws, title, ["名次", "支部", *names, "综合得分", "会议次数", "应到人次", "实到人次"],
                [8, 20, 10, 10, 10, 10, 12, 10, 10, 10],
                [[b.rank, b.name, *[b.scores[d] for d in DIMENSIONS], b.total, b.meetings, b.expected, b.present]
                 for b in branches])
    write_sheet(wb.create_sheet("党员得分"), title,
                ["名次", "姓名", "支部", *names, "综合得分", "完成课程", "答题通过", "答题组数", "应到", "实到",
                 "服务小时", "贡献积分"],
                [8, 12, 18, 10, 10, 10, 10, 12, 10, 10, 10, 8, 8, 10, 10],
                [[m.rank, m.name, m.branch, *[m.scores[d] for d in DIMENSIONS], m.total, m.courses, m.practice_passed,
                  m.practice_sets, m.expected, m.present, m.service_hours, m.contribution] for m in members])
    stamp_workbook(wb, actor)
    record(session, actor_user_id=actor.id, action="assessment.exported", target_type="branch" if branch_id else "",
           target_id=branch_id, details={"year": year, "members": len(members)})
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
