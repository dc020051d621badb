"""The admin's statistics report (数据统计): the panels' figures for all branches or one, over a preset
period (本周, 本月, 本季度, 本年) or any range of up to a year, limited to what the user may see; and its
.xlsx export, which is recorded in the audit log.

The figures come from ``stats.services`` (the same queries as the big screen), with real names: the
report is for the people who keep the branches, not a public screen. Nothing here knows about Flask.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from sqlalchemy.orm import Session

from screen_server.audit.services import record
from screen_server.errors import Invalid, NotFound
from screen_server.i18n import _
from screen_server.org import services as org
from screen_server.org.models import Branch, User
from screen_server.points.services import local_day
from screen_server.stats import services as stats
from screen_server.xlsx import stamp_workbook, write_sheet

PERIOD_LABELS = {"week": "本周", "month": "本月", "quarter": "本季度", "year": "本年", "custom": "自定义"}
MAX_DAYS = 366
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2099, 12, 31)  # bounds any room's records fall within
TOP = 10


@dataclass(frozen=True, slots=True)
class Report:
    period: str  # a key of PERIOD_LABELS
    first: dt.date
    last: dt.date
    branch_id: int | None  # None: every branch
    scope: str  # the branch's name, or 全部支部
    figures: dict[str, int]
    trend: list[dict[str, Any]]
    attendance: list[dict[str, Any]]
    top_learners: list[dict[str, Any]]
    points_by_branch: list[dict[str, Any]]

    @property
    def period_label(self) -> str:
        return PERIOD_LABELS[self.period]

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def attendance_total(self) -> dict[str, Any]:
        """All listed branches together: meetings, expected, present and the overall rate."""
        expected = sum(r["expected"] for r in self.attendance)
        present = sum(r["present"] for r in self.attendance)
        return {"meetings": sum(r["meetings"] for r in self.attendance), "expected": expected, "present": present,
                "rate": round(present / expected, 4) if expected else None}

    @property
    def title(self) -> str:
        return f"{self.scope}数据统计（{self.first.isoformat()} 至 {self.last.isoformat()}）"


def date_range(period: str, *, today: dt.date, first: dt.date | None = None,
               last: dt.date | None = None) -> tuple[str, dt.date, dt.date]:
    """The period and days a report covers.

    Dates given with a preset period that are not that period's own days make the range custom (the
    filter form sends back the days it shows; a person who changes them means those days).

    Raises:
        Invalid: an unknown period, a custom range without both dates, ``first`` after ``last``, a range
            longer than ``MAX_DAYS`` or outside the years a room can have records for.
    """
    if period not in PERIOD_LABELS:
        raise Invalid(_("统计周期只能是本周、本月、本季度、本年或自定义。"))
    if period != "custom":
        preset = stats.period_range(period, today)
        if (first is None and last is None) or (first, last) == preset:
            return period, *preset
        period = "custom"
    if first is None or last is None:
        raise Invalid(_("自定义时间段请填写开始日期和结束日期。"))
    if first > last:
        raise Invalid(_("开始日期（{a}）晚于结束日期（{b}），请重新选择。").format(a=first.isoformat(), b=last.isoformat()))
    if first < EARLIEST or last > LATEST:
        raise Invalid(_("日期须在 {a} 至 {b} 之间。").format(a=EARLIEST.isoformat(), b=LATEST.isoformat()))
    days = (last - first).days + 1
    if days > MAX_DAYS:
        raise Invalid(_("时间段最长 {n} 天，所选为 {d} 天，请缩短后再查询。").format(n=MAX_DAYS, d=days))
    return period, first, last


def build(session: Session, user: User, *, period: str = "month", first: dt.date | None = None,
          last: dt.date | None = None, branch_id: int | None = None, today: dt.date | None = None) -> Report:
    """Compute the report a user asked for; a branch secretary always gets their own branch.

    Raises:
        Invalid: a bad period or range (see ``date_range``).
        NotFound: an admin asked for a branch that does not exist.
    """
    today = today or local_day(dt.datetime.now(dt.UTC))
    period, first, last = date_range(period, today=today, first=first, last=last)
    scope = org.branch_scope(user)
    if scope is not None:
        branch_id = scope
    branch = session.get(Branch, branch_id) if branch_id is not None else None
    if branch_id is not None and branch is None:
        raise NotFound(_("没有这个支部。"))
    only = None if branch is None else [branch.id]
    return Report(
        period=period, first=first, last=last, branch_id=branch_id,
        scope=branch.name if branch is not None else _("全部支部"),
        figures=stats.figures(session, first=first, last=last, branch_id=branch_id),
        trend=stats.trend(session, first=first, last=last, branch_id=branch_id),
        attendance=stats.attendance_by_branch(session, first=first, last=last, branch_ids=only),
        top_learners=stats.top_learners(session, first=first, last=last, limit=TOP, masked=False,
                                        branch_id=branch_id),
        points_by_branch=stats.points_by_branch(session, first=first, last=last, branch_ids=only),
    )


# --- export ----------------------------------------------------------------------------------------------
FIGURES = [("people", "到访人数"), ("signins", "签到人次"), ("study_minutes", "学习时长（分钟）"),
           ("learners", "学习人数"), ("points", "获得积分"), ("contest_players", "竞赛参与人数")]


def export_xlsx(session: Session, actor: User, report: Report) -> bytes:
    """The report as an .xlsx (概览, 每日学习, 支部出勤, 学习排行, 支部积分), recorded in the audit log.

    Each sheet has a title row, Chinese headings, a frozen header and set column widths, like the
    attendance ledger. The caller commits (the audit entry goes with the download).
    """
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "概览"
    write_sheet(ws, report.title, ["指标", "数值"], [24, 30], [
        ["统计范围", report.scope], ["时间段", report.period_label],
        ["开始日期", report.first.isoformat()], ["结束日期", report.last.isoformat()], ["天数", report.days],
        *[[label, report.figures[key]] for key, label in FIGURES],
        ["会议出席率", report.attendance_total["rate"] if report.attendance_total["rate"] is not None else "—"],
    ])
    rate = ws.cell(row=ws.max_row, column=2)
    if isinstance(rate.value, float):
        rate.number_format = "0.0%"
    write_sheet(wb.create_sheet("每日学习"), report.title, ["日期", "学习时长（分钟）", "学习人数"], [14, 18, 12],
           [[dt.date.fromisoformat(t["day"]), t["minutes"], t["learners"]] for t in report.trend], date_col=1)
    total = report.attendance_total
    write_sheet(wb.create_sheet("支部出勤"), report.title, ["支部", "召开会议", "应到人次", "实到人次", "出席率"],
           [22, 12, 12, 12, 10],
           [[r["name"], r["meetings"], r["expected"], r["present"], r["rate"] if r["rate"] is not None else "—"]
            for r in report.attendance]
           + [["合计", total["meetings"], total["expected"], total["present"],
               total["rate"] if total["rate"] is not None else "—"]], percent_col=5)
    write_sheet(wb.create_sheet("学习排行"), report.title, ["名次", "姓名", "支部", "学习时长（分钟）"], [8, 14, 22, 18],
           [[i, t["name"], t["branch"], t["minutes"]] for i, t in enumerate(report.top_learners, 1)])
    write_sheet(wb.create_sheet("支部积分"), report.title, ["名次", "支部", "党员人数", "积分合计", "人均积分"],
           [8, 22, 12, 12, 12],
           [[r["rank"], r["name"], r["members"], r["points"], r["average"]] for r in report.points_by_branch])
    stamp_workbook(wb, actor)
    record(session, actor_user_id=actor.id, action="stats.exported",
           target_type="branch" if report.branch_id else "", target_id=report.branch_id,
           details={"branch": report.scope, "period": report.period_label, "first": report.first.isoformat(),
                    "last": report.last.isoformat()})
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def filename(report: Report) -> str:
    """An ASCII file name (some mail clients mangle others): stats-branch-2-2026-11-01-2026-11-30.xlsx."""
    scope = f"branch-{report.branch_id}" if report.branch_id else "all"
    return f"stats-{scope}-{report.first.isoformat()}-{report.last.isoformat()}.xlsx"
