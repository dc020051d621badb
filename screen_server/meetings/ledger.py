"""The attendance ledger (会议台账): per branch and period, each meeting with its attendees,
absentees with reasons, guests and rate; and its .xlsx export that opens cleanly in Excel and WPS."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from screen_server.db import utcnow
from screen_server.meetings.minutes import decision_list, minutes_summary, photos_of
from screen_server.meetings.models import MEETING_TYPE_LABELS, Attendance, LeaveRequest, Meeting
from screen_server.meetings.services import LOCAL_TZ, counts, list_meetings
from screen_server.org.models import Branch, User
from screen_server.polls.services import meeting_polls, results
from screen_server.xlsx import stamp_workbook


@dataclass
class LedgerRow:
    meeting_id: int
    date: str  # local date and time, e.g. 2026-11-22 15:00
    type_label: str
    title: str
    host: str
    branches: str
    expected: int
    present: list[str] = field(default_factory=list)  # "姓名" or "姓名（迟到）"
    absent: list[str] = field(default_factory=list)  # "姓名（请假：事由）" or "姓名（缺席）"
    guests: list[str] = field(default_factory=list)
    makeups: list[str] = field(default_factory=list)  # "姓名（补签：原因）"
    recorder: str = ""
    quorum: str = ""  # 已达到 / 未达到 / 不适用, with 有表决权实到/应到
    leave_count: int = 0
    minutes_summary: str = ""
    decisions: list[str] = field(default_factory=list)
    photo_count: int = 0
    held: bool = False
    appraisals: list[str] = field(default_factory=list)  # 民主评议: "姓名 优秀 n · 合格 n · …", counts only

    @property
    def present_count(self) -> int:
        return len(self.present)

    @property
    def rate(self) -> float:
        return round(len(self.present) / self.expected, 4) if self.expected else 0.0


def ledger(session: Session, actor: User, *, branch_id: int | None, start: dt.date, end: dt.date) -> list[LedgerRow]:
    """Meetings of a branch (or all the actor may see) between start and end (inclusive), oldest first."""
    start_at = dt.datetime.combine(start, dt.time(), LOCAL_TZ)
    end_at = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), LOCAL_TZ)
    rows = []
    for meeting in reversed(list_meetings(session, actor, start=start_at, end=end_at, branch_id=branch_id)):
        if not meeting.cancelled:
            rows.append(meeting_row(session, meeting))
    return rows


def meeting_row(session: Session, meeting: Meeting) -> LedgerRow:
    """One meeting's line of the ledger (also the printable record's figures)."""
    m = session.scalar(select(Meeting).options(selectinload(Meeting.expected)).where(Meeting.id == meeting.id))
    assert m is not None
    attendances = {a.member_id: a for a in session.scalars(
        select(Attendance).options(selectinload(Attendance.member)).where(Attendance.meeting_id == m.id))}
    leaves = {lr.member_id: lr for lr in session.scalars(select(LeaveRequest).where(LeaveRequest.meeting_id == m.id))}
    row = LedgerRow(
        meeting_id=m.id, date=m.starts_at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M"),
        type_label=MEETING_TYPE_LABELS[m.type], title=m.title, host=m.host,
        branches="、".join(b.name for b in m.branches), expected=len(m.expected),
    )
    finished = utcnow() >= m.signin_closes_at
    c = counts(session, m)
    reached = m.quorum_reached if m.quorum_reached is not None else c["quorum"]
    row.recorder = m.recorder
    row.quorum = ("不适用" if reached is None else ("已达到" if reached else "未达到")) + (
        f"（有表决权实到 {c['voting_signed']} / 应到 {c['voting_expected']}）" if reached is not None else "")
    row.leave_count = len(leaves)
    row.minutes_summary = minutes_summary(m)
    row.decisions = decision_list(m)
    row.photo_count = len(photos_of(session, m.id))
    row.held = m.held_at is not None
    for poll in meeting_polls(session, m.id):
        if poll.form == "appraisal" and poll.closed_at is not None:
            for s in results(session, poll, for_secretary=True).get("subjects", []):
                row.appraisals.append(s["name"] + " " + " · ".join(
                    f"{label} {n}" for label, n in zip(poll.options, s["counts"], strict=True)))
    for member in sorted(m.expected, key=lambda x: x.number):
        a = attendances.get(member.id)
        if a is not None:
            row.present.append(member.name + ("（迟到）" if a.late else ""))
            if a.reason:
                row.makeups.append(f"{member.name}（补签：{a.reason}）")
        elif member.id in leaves:
            row.absent.append(f"{member.name}（请假：{leaves[member.id].reason}）")
        else:
            row.absent.append(f"{member.name}（{'缺席' if finished else '未签到'}）")
    for a in sorted(attendances.values(), key=lambda x: x.signed_at):
        if a.guest:
            row.guests.append(a.member.name)
    return row


HEADINGS = ["日期时间", "会议类型", "会议主题", "主持人", "记录人", "参会支部", "应到", "实到", "请假", "出席率",
            "法定人数", "出席人员", "缺席人员及原因", "列席人员", "补签记录", "会议记录摘要", "决议事项", "照片（张）",
            "民主评议结果"]
WIDTHS = [18, 14, 32, 10, 10, 20, 7, 7, 7, 9, 26, 40, 40, 20, 30, 50, 40, 9, 40]


def export_xlsx(rows: list[LedgerRow], *, title: str, actor: Any = None) -> bytes:
    """The ledger as an .xlsx: a title row, Chinese headings, frozen header, set widths, wrapped text; with
    ``actor``, a last line saying who exported it and when."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "会议台账"
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADINGS))
    ws["A1"].font = Font(size=14, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(HEADINGS)
    thin = Side(style="thin", color="999999")
    for cell in ws[2]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="B71C1C")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for r in rows:
        ws.append([r.date, r.type_label, r.title, r.host, r.recorder, r.branches, r.expected, r.present_count,
                   r.leave_count, r.rate, r.quorum, "、".join(r.present), "、".join(r.absent), "、".join(r.guests),
                   "、".join(r.makeups), r.minutes_summary, "\n".join(r.decisions), r.photo_count,
                   "\n".join(r.appraisals)])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
            if cell.row > 2:
                cell.alignment = Alignment(vertical="top", wrap_text=True)
    for row in ws.iter_rows(min_row=3, min_col=10, max_col=10):
        for cell in row:
            cell.number_format = "0.0%"
    for i, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[ws.cell(row=2, column=i).column_letter].width = width
    ws.freeze_panes = "A3"
    ws.print_title_rows = "2:2"
    if actor is not None:
        stamp_workbook(wb, actor)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def branch_name(session: Session, branch_id: int | None) -> str:
    b = session.get(Branch, branch_id) if branch_id else None
    return b.name if b else "全部支部"

