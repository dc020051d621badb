"""Branch health indicators, their thresholds, and the alerts raised when a branch crosses one.

Indicators (each over a window of days ending today, in the room's time zone):

- ``attendance``: present ÷ expected at the branch's meetings held in the window (guests do not
  count); an alert when below the threshold. A branch with no meetings has no rate: the gap
  indicators speak for it.
- ``gap:<meeting type>``: days since the branch last held such a meeting (党课, 支部党员大会); an alert
  when none was held within the threshold's days.
- ``study``: study minutes per active member in the window; an alert when below the floor.
- ``services_overdue``: members' requests (服务窗口) still open past their deadline; an alert when
  more than the threshold (default 0: any overdue request).
- ``plan``: the completion rate of a study plan (学习计划, ``study.plans``) whose deadline falls within
  the window's days from today; an alert when the branch is below the threshold (the worst such plan).

``evaluate`` compares every branch with its thresholds (the default, or the branch's own) and raises,
updates or clears alerts: one open alert per branch and indicator, carrying the figures behind it,
cleared by itself once the figure is back within the threshold. The jobs thread runs it every minute;
the admin can run it at once. Services flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from screen_server.alerts.models import Alert, AlertRule
from screen_server.audit.services import record
from screen_server.errors import Invalid, NotFound
from screen_server.i18n import _
from screen_server.meetings.models import MEETING_TYPE_LABELS, Meeting, MeetingType, meeting_branches
from screen_server.meetings.services import LOCAL_TZ
from screen_server.org.models import Branch, Member, PartyGroup
from screen_server.study.models import StudySpan
from screen_server.study.plans import lagging_branches

ATTENDANCE = "attendance"
STUDY = "study"
SERVICES_OVERDUE = "services_overdue"
PLAN = "plan"
GAP_LECTURE = f"gap:{MeetingType.PARTY_LECTURE.value}"
GAP_GENERAL = f"gap:{MeetingType.BRANCH_GENERAL.value}"
GAP_COMMITTEE = f"gap:{MeetingType.BRANCH_COMMITTEE.value}"
GAP_GROUP = f"gap:{MeetingType.GROUP.value}"
EVALUATE_EVERY_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Indicator:
    key: str
    name: str
    threshold: float  # the default
    days: int  # the default window
    unit: str  # how the threshold reads in the admin: percent | days | minutes


INDICATORS: dict[str, Indicator] = {i.key: i for i in (
    Indicator(ATTENDANCE, "组织生活出勤率", 0.8, 90, "percent"),
    Indicator(GAP_LECTURE, "按期开展党课", 90, 90, "days"),
    Indicator(GAP_GENERAL, "按期召开支部党员大会", 90, 90, "days"),
    # 支委会 and 党小组会 are monthly (《中国共产党支部工作条例（试行）》第十八条): a month and a few days' grace.
    Indicator(GAP_COMMITTEE, "按期召开支部委员会", 35, 35, "days"),
    Indicator(GAP_GROUP, "按期召开党小组会", 35, 35, "days"),
    Indicator(STUDY, "人均学习时长", 20, 30, "minutes"),
    Indicator(SERVICES_OVERDUE, "党员诉求按期办结", 0, 30, "count"),
    # "Near the deadline": a week before it, a branch under 80% of its required study is told.
    Indicator(PLAN, "学习计划完成率", 0.8, 7, "percent"),
)}


@dataclass(frozen=True, slots=True)
class Threshold:
    indicator: str
    threshold: float
    days: int
    enabled: bool
    own: bool  # the branch's own threshold, not the default


@dataclass(slots=True)
class Check:
    """One branch's figure for one indicator: breached or not, and the numbers behind it."""

    breached: bool
    value: float | None
    message: str
    figures: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Changes:
    raised: list[Alert] = field(default_factory=list)
    updated: list[Alert] = field(default_factory=list)
    cleared: list[Alert] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.raised) + len(self.updated) + len(self.cleared)


# --- thresholds -------------------------------------------------------------------------------------


def _rules(session: Session) -> dict[tuple[str, int | None], AlertRule]:
    return {(r.indicator, r.branch_id): r for r in session.scalars(select(AlertRule))}


def thresholds_for(session: Session, branch_id: int | None,
                   rules: dict[tuple[str, int | None], AlertRule] | None = None) -> dict[str, Threshold]:
    """The thresholds that apply to a branch (None: the defaults), indicator by indicator."""
    rules = _rules(session) if rules is None else rules
    out = {}
    for key, ind in INDICATORS.items():
        rule = rules.get((key, branch_id)) if branch_id is not None else None
        own = rule is not None
        rule = rule or rules.get((key, None))
        out[key] = (Threshold(key, rule.threshold, rule.days, rule.enabled, own) if rule is not None
                    else Threshold(key, ind.threshold, ind.days, True, False))
    return out


def set_threshold(session: Session, indicator: str, *, branch_id: int | None, threshold: float, days: int,
                  enabled: bool, actor_user_id: int | None = None) -> AlertRule:
    """Set the default threshold (``branch_id`` None) or one branch's own; audited."""
    ind = INDICATORS.get(indicator)
    if ind is None:
        raise NotFound(_("预警指标不存在。"))
    if branch_id is not None and session.get(Branch, branch_id) is None:
        raise NotFound(_("支部不存在。"))
    if ind.unit == "percent" and not 0 < threshold <= 1:
        raise Invalid(_("完成率下限应在 1% 到 100% 之间。") if indicator == PLAN else _("出勤率下限应在 1% 到 100% 之间。"))
    if indicator == PLAN:  # days before a plan's deadline, not a window of past days
        if not 1 <= days <= 60:
            raise Invalid(_("截止前提醒天数应在 1 到 60 天之间。"))
    elif not 7 <= days <= 400 and ind.unit != "days":
        raise Invalid(_("统计天数应在 7 到 400 天之间。"))
    if ind.unit == "days":
        if not 7 <= threshold <= 400:
            raise Invalid(_("间隔天数应在 7 到 400 天之间。"))
        days = int(threshold)
    if ind.unit == "count" and not 0 <= threshold <= 100:
        raise Invalid(_("逾期件数上限应在 0 到 100 件之间。"))
    if ind.unit == "minutes" and not 0 < threshold <= 10000:
        raise Invalid(_("人均学习时长下限应在 1 到 10000 分钟之间。"))
    rule = session.scalar(select(AlertRule).where(AlertRule.indicator == indicator, _is(AlertRule.branch_id, branch_id)))
    before = None if rule is None else {"threshold": rule.threshold, "days": rule.days, "enabled": rule.enabled}
    if rule is None:
        rule = AlertRule(indicator=indicator, branch_id=branch_id)
        session.add(rule)
    rule.threshold, rule.days, rule.enabled = float(threshold), int(days), enabled
    session.flush()
    record(session, actor_user_id=actor_user_id, action="alerts.threshold_set", target_type="alert_rule",
           target_id=rule.id, details={"indicator": indicator, "branch_id": branch_id, "before": before,
                                       "after": {"threshold": rule.threshold, "days": rule.days,
                                                 "enabled": rule.enabled}})
    return rule


def reset_threshold(session: Session, indicator: str, branch_id: int, *, actor_user_id: int | None = None) -> None:
    """Drop a branch's own threshold: the default applies again."""
    rule = session.scalar(select(AlertRule).where(AlertRule.indicator == indicator, AlertRule.branch_id == branch_id))
    if rule is None:
        return
    session.delete(rule)
    session.flush()
    record(session, actor_user_id=actor_user_id, action="alerts.threshold_reset", target_type="alert_rule",
           target_id=rule.id, details={"indicator": indicator, "branch_id": branch_id})


def _is(column: Any, value: int | None) -> Any:
    return column.is_(None) if value is None else column == value


def describe(threshold: Threshold) -> str:
    """How a threshold reads in the admin, e.g. 近 90 天低于 80%."""
    unit = INDICATORS[threshold.indicator].unit
    if threshold.indicator == PLAN:
        return _("截止前 {d} 天完成率低于 {p:g}%").format(d=threshold.days, p=round(threshold.threshold * 100, 1))
    if unit == "percent":
        return _("近 {d} 天低于 {p:g}%").format(d=threshold.days, p=round(threshold.threshold * 100, 1))
    if unit == "days":
        return _("超过 {d} 天未开展").format(d=int(threshold.threshold))
    if unit == "count":
        return _("逾期未办结超过 {n:g} 件").format(n=threshold.threshold)
    return _("近 {d} 天人均低于 {m:g} 分钟").format(d=threshold.days, m=threshold.threshold)


# --- figures ----------------------------------------------------------------------------------------


def _window(today: dt.date, days: int) -> tuple[dt.date, dt.datetime]:
    first = today - dt.timedelta(days=days - 1)
    return first, dt.datetime.combine(first, dt.time(), LOCAL_TZ).astimezone(dt.UTC)


def _check_attendance(session: Session, branches: list[Branch], limits: dict[int, Threshold],
                      today: dt.date, now: dt.datetime) -> dict[int, Check]:
    from screen_server.stats.services import attendance_by_branch

    out: dict[int, Check] = {}
    for days, ids in _by_days(limits).items():
        first, _start = _window(today, days)
        for row in attendance_by_branch(session, first=first, last=today, branch_ids=ids, now=now):
            limit = limits[row["id"]]
            if not row["expected"]:
                continue  # no meetings, no rate: the gap indicators say so
            rate = float(row["rate"])
            figures = {"days": days, "meetings": row["meetings"], "expected": row["expected"],
                       "present": row["present"], "rate": rate}
            out[row["id"]] = Check(rate < limit.threshold, rate, _(
                "近 {d} 天组织生活出勤率 {r:g}%（{m} 次会议，应到 {e} 人次，实到 {p} 人次），低于 {t:g}%").format(
                d=days, r=round(rate * 100, 1), m=row["meetings"], e=row["expected"], p=row["present"],
                t=round(limit.threshold * 100, 1)), figures)
    return out


def _check_gap(meeting_type: MeetingType) -> Callable[..., dict[int, Check]]:
    label = MEETING_TYPE_LABELS[meeting_type]

    def check(session: Session, branches: list[Branch], limits: dict[int, Threshold],
              today: dt.date, now: dt.datetime) -> dict[int, Check]:
        if meeting_type is MeetingType.GROUP:  # only a branch that has party groups holds 党小组会
            with_groups = set(session.scalars(select(PartyGroup.branch_id).where(PartyGroup.active.is_(True))))
            limits = {b: t for b, t in limits.items() if b in with_groups}
        last: dict[int, dt.datetime] = dict(session.execute(  # type: ignore[arg-type]
            select(meeting_branches.c.branch_id, func.max(Meeting.starts_at))
            .join(Meeting, Meeting.id == meeting_branches.c.meeting_id)
            .where(Meeting.type == meeting_type, Meeting.cancelled.is_(False), Meeting.starts_at <= now,
                   meeting_branches.c.branch_id.in_(list(limits)))
            .group_by(meeting_branches.c.branch_id)).all())
        out = {}
        for branch_id, limit in limits.items():
            held = last.get(branch_id)
            if held is not None and held.tzinfo is None:
                held = held.replace(tzinfo=dt.UTC)
            gap = (today - held.astimezone(LOCAL_TZ).date()).days if held is not None else None
            breached = gap is None or gap > limit.threshold
            figures = {"last_held": held.astimezone(LOCAL_TZ).date().isoformat() if held else None, "days_since": gap}
            if gap is None:
                message = _("从未开展{what}（要求至少每 {t:g} 天一次）").format(what=label, t=limit.threshold)
            else:
                message = _("已 {g} 天未开展{what}（上次 {day}，要求至少每 {t:g} 天一次）").format(
                    g=gap, what=label, day=figures["last_held"], t=limit.threshold)
            out[branch_id] = Check(breached, float(gap) if gap is not None else None, message, figures)
        return out

    return check


def _check_study(session: Session, branches: list[Branch], limits: dict[int, Threshold],
                 today: dt.date, now: dt.datetime) -> dict[int, Check]:
    members: dict[int, int] = dict(session.execute(  # type: ignore[arg-type]
        select(Member.branch_id, func.count(Member.id)).where(Member.active.is_(True))
        .group_by(Member.branch_id)).all())
    out: dict[int, Check] = {}
    for days, ids in _by_days(limits).items():
        first, _start = _window(today, days)
        seconds: dict[int, int] = dict(session.execute(  # type: ignore[arg-type]
            select(Member.branch_id, func.sum(StudySpan.active_seconds))
            .join(StudySpan, StudySpan.member_id == Member.id)
            .where(StudySpan.day.between(first, today), Member.active.is_(True), Member.branch_id.in_(ids))
            .group_by(Member.branch_id)).all())
        for branch_id in ids:
            count = int(members.get(branch_id, 0))
            if not count:
                continue
            minutes = int(seconds.get(branch_id) or 0) // 60
            per = round(minutes / count, 1)
            limit = limits[branch_id]
            out[branch_id] = Check(per < limit.threshold, per, _(
                "近 {d} 天人均学习 {v:g} 分钟（{n} 名党员共 {m} 分钟），低于 {t:g} 分钟").format(
                d=days, v=per, n=count, m=minutes, t=limit.threshold),
                {"days": days, "members": count, "minutes": minutes, "per_member": per})
    return out


def _check_services(session: Session, branches: list[Branch], limits: dict[int, Threshold],
                    today: dt.date, now: dt.datetime) -> dict[int, Check]:
    from screen_server.service_window.services import overdue_by_branch

    overdue = overdue_by_branch(session, list(limits), today)
    out: dict[int, Check] = {}
    for branch_id, limit in limits.items():
        late = overdue.get(branch_id, [])
        oldest = late[0].due_on.isoformat() if late else None
        out[branch_id] = Check(len(late) > limit.threshold, float(len(late)), _(
            "{n} 件党员诉求已过办理期限仍未办结（最早期限 {d}）").format(n=len(late), d=oldest),
            {"overdue": len(late), "oldest_due_on": oldest, "request_ids": [r.id for r in late[:20]]})
    return out


def _check_plans(session: Session, branches: list[Branch], limits: dict[int, Threshold],
                 today: dt.date, now: dt.datetime) -> dict[int, Check]:
    out: dict[int, Check] = {}
    for branch_id, lag in lagging_branches(session, today=today,
                                          days_by_branch={b: t.days for b, t in limits.items()}).items():
        limit = limits[branch_id]
        value = lag.percent / 100
        out[branch_id] = Check(value < limit.threshold, value, _(
            "学习计划“{t}”{d} 截止，本支部完成 {p}%（{n}/{m} 人·项），低于 {x:g}%").format(
            t=lag.title, d=lag.due_on.isoformat(), p=lag.percent, n=lag.done, m=lag.possible,
            x=round(limit.threshold * 100, 1)),
            {"plan_id": lag.plan_id, "due_on": lag.due_on.isoformat(), "done": lag.done,
             "possible": lag.possible, "percent": lag.percent})
    return out


CHECKS: dict[str, Callable[..., dict[int, Check]]] = {
    ATTENDANCE: _check_attendance,
    GAP_LECTURE: _check_gap(MeetingType.PARTY_LECTURE),
    GAP_GENERAL: _check_gap(MeetingType.BRANCH_GENERAL),
    GAP_COMMITTEE: _check_gap(MeetingType.BRANCH_COMMITTEE),
    GAP_GROUP: _check_gap(MeetingType.GROUP),
    STUDY: _check_study,
    SERVICES_OVERDUE: _check_services,
    PLAN: _check_plans,
}


def _by_days(limits: dict[int, Threshold]) -> dict[int, list[int]]:
    grouped: dict[int, list[int]] = defaultdict(list)
    for branch_id, limit in limits.items():
        grouped[limit.days].append(branch_id)
    return grouped


# --- evaluation -------------------------------------------------------------------------------------


def evaluate(session: Session, *, now: dt.datetime | None = None) -> Changes:
    """Check every branch against its thresholds; raise, update and clear alerts accordingly."""
    now = now or dt.datetime.now(dt.UTC)
    today = now.astimezone(LOCAL_TZ).date()
    branches = list(session.scalars(select(Branch).order_by(Branch.position, Branch.id)))
    rules = _rules(session)
    limits = {b.id: thresholds_for(session, b.id, rules) for b in branches}
    open_alerts = {(a.branch_id, a.indicator): a for a in session.scalars(select(Alert).where(Alert.cleared_at.is_(None)))}
    changes = Changes()
    for key, check in CHECKS.items():
        enabled = {b: t[key] for b, t in limits.items() if t[key].enabled}
        results = check(session, branches, enabled, today, now) if enabled else {}
        for branch in branches:
            result, alert = results.get(branch.id), open_alerts.get((branch.id, key))
            if result is not None and result.breached:
                if alert is None:
                    alert = Alert(indicator=key, branch_id=branch.id, raised_at=now, threshold=enabled[branch.id].threshold,
                                  message=result.message, value=result.value, figures=result.figures, checked_at=now)
                    session.add(alert)
                    changes.raised.append(alert)
                else:
                    alert.message, alert.value, alert.figures = result.message, result.value, result.figures
                    alert.threshold, alert.checked_at = enabled[branch.id].threshold, now
                    changes.updated.append(alert)
            elif alert is not None:  # back within the threshold, switched off, or no longer measurable
                alert.cleared_at, alert.checked_at = now, now
                changes.cleared.append(alert)
    session.flush()
    return changes


def list_alerts(session: Session, *, branch_ids: Iterable[int] | None = None, open_only: bool = True,
                limit: int = 200) -> list[Alert]:
    query = select(Alert).order_by(Alert.cleared_at.is_not(None), Alert.raised_at.desc(), Alert.id.desc()).limit(limit)
    if open_only:
        query = query.where(Alert.cleared_at.is_(None))
    if branch_ids is not None:
        query = query.where(Alert.branch_id.in_(list(branch_ids)))
    return list(session.scalars(query))


def indicator_name(key: str) -> str:
    ind = INDICATORS.get(key)
    return _(ind.name) if ind else key


class AlertWatcher:
    """The job that re-evaluates the alerts about once a minute (the jobs thread ticks every second)."""

    __name__ = "alerts"

    def __init__(self, every: float = EVALUATE_EVERY_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.every, self.clock, self._next = every, clock, 0.0

    def __call__(self, session: Session) -> int:
        if self.clock() < self._next:
            return 0
        self._next = self.clock() + self.every
        return len(evaluate(session))
