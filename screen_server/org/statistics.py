"""Member statistics (党员结构统计): the members on the roll counted by branch, gender, age band,
education, year joined (five-year periods), employment type and 党员类别, with any of those as filters at
once, and the .xlsx export (audited). A branch secretary sees their own branch only.

Members are read once (a few columns each) and tallied in Python: ten thousand rows take milliseconds,
and every dimension is counted under the same filters without one query per dimension.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from screen_server.audit.services import record
from screen_server.db import utcnow
from screen_server.errors import Forbidden, Invalid
from screen_server.i18n import _
from screen_server.org.models import Branch, Gender, Member, PartyStatus, Role, User
from screen_server.org.services import branch_scope

UNKNOWN = "unknown"
AGE_BANDS = ((35, "35岁及以下"), (45, "36–45岁"), (55, "46–55岁"), (65, "56–65岁"), (200, "66岁及以上"))
# Highest first, as rosters list them; other wordings follow by count.
EDUCATION_LADDER = ("博士研究生", "博士", "硕士研究生", "硕士", "研究生", "大学本科", "本科", "大学专科", "大专",
                    "中专", "中等专科", "高中", "职高", "技校", "初中", "小学")
DIMENSIONS = {
    "branch": _("支部"),
    "gender": _("性别"),
    "age": _("年龄段"),
    "education": _("学历"),
    "joined": _("入党年份"),
    "employment": _("人员类别"),
    "status": _("党员类别"),
}


@dataclass(slots=True)
class Tally:
    key: str
    label: str
    rows: list[dict[str, Any]] = field(default_factory=list)  # value, label, count, share


@dataclass(slots=True)
class MemberStats:
    total: int
    scope: str
    filters: dict[str, str]
    filter_labels: dict[str, str]
    tallies: list[Tally]
    on: dt.date


def member_stats(session: Session, actor: User, filters: dict[str, str], *, today: dt.date | None = None
                 ) -> MemberStats:
    """Count the active members matching every filter (dimension → value key) along each dimension.

    Raises:
        Forbidden: not an admin or secretary, or a secretary naming another branch.
        Invalid: a filter on a dimension that does not exist.
    """
    if actor.role not in (Role.ADMIN, Role.SECRETARY):
        raise Forbidden(_("您没有查看党员统计的权限。"))
    today = today or dt.date.today()
    filters = {k: v for k, v in filters.items() if v}
    unknown = set(filters) - set(DIMENSIONS)
    if unknown:
        raise Invalid(_("不能按“{f}”筛选。").format(f="、".join(sorted(unknown))))
    scope = branch_scope(actor)
    if scope is not None:
        if filters.get("branch") and filters["branch"] != str(scope):
            raise Forbidden(_("支部书记只能查看本支部的党员统计。"))
        filters["branch"] = str(scope)
    branches = {b.id: b for b in session.scalars(select(Branch).order_by(Branch.position, Branch.id))}
    stmt = select(Member.branch_id, Member.gender, Member.birth_date, Member.education, Member.joined_party_on,
                  Member.employment_type, Member.party_status).where(Member.active.is_(True))
    if scope is not None:
        stmt = stmt.where(Member.branch_id == scope)
    people = [_keys(row, today) for row in session.execute(stmt)]
    chosen = [p for p in people if all(p[d] == value for d, value in filters.items())]
    labels = _labeller(branches)
    tallies = []
    for key, label in DIMENSIONS.items():
        counts = Counter(p[key] for p in chosen)
        order = _order(key, counts, branches)
        total = len(chosen) or 1
        tallies.append(Tally(key, label, [{"value": v, "label": labels(key, v), "count": counts[v],
                                           "share": round(counts[v] / total, 4)} for v in order]))
    scope_name = branches[scope].name if scope is not None and scope in branches else _("全部支部")
    return MemberStats(len(chosen), scope_name, filters, {k: labels(k, v) for k, v in filters.items()}, tallies,
                       today)


def export_xlsx(session: Session, actor: User, stats: MemberStats) -> bytes:
    """The statistics as a workbook (one sheet per dimension), audited with the filters."""
    from screen_server.org.exports import table_xlsx

    sheets = [(t.label, [t.label, _("人数"), _("占比")], [[r["label"], r["count"], r["share"]] for r in t.rows])
              for t in stats.tallies]
    title = _("党员结构统计（{scope}，在册 {n} 人）").format(scope=stats.scope, n=stats.total)
    if stats.filter_labels:
        title += " " + "，".join(f"{DIMENSIONS[k]}：{v}" for k, v in stats.filter_labels.items())
    data = table_xlsx(sheets, title=title, made_by=actor.display_name or actor.username, made_at=utcnow())
    record(session, actor_user_id=actor.id, action="member.stats_export", target_type="member",
           details={"filters": stats.filters, "total": stats.total})
    return data


def _keys(row: Any, today: dt.date) -> dict[str, str]:
    branch_id, gender, birth, education, joined, employment, status = row
    return {
        "branch": str(branch_id),
        "gender": gender.value if isinstance(gender, Gender) else (gender or UNKNOWN),
        "age": _age_band(birth, today),
        "education": (education or "").strip() or UNKNOWN,
        "joined": str(joined.year - joined.year % 5) if joined else UNKNOWN,
        "employment": (employment or "").strip() or UNKNOWN,
        "status": status.value if isinstance(status, PartyStatus) else (status or PartyStatus.FULL.value),
    }


def _age_band(birth: dt.date | None, today: dt.date) -> str:
    if birth is None:
        return UNKNOWN
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    return next(str(i) for i, (upper, _label) in enumerate(AGE_BANDS) if age <= upper)


def _labeller(branches: dict[int, Branch]) -> Any:
    genders = {Gender.MALE.value: _("男"), Gender.FEMALE.value: _("女")}
    statuses = {PartyStatus.FULL.value: _("正式党员"), PartyStatus.PROBATIONARY.value: _("预备党员")}

    def label(key: str, value: str) -> str:
        if value == UNKNOWN:
            return _("未填写")
        if key == "branch":
            b = branches.get(int(value)) if value.isdigit() else None
            return (b.short_name or b.name) if b else value
        if key == "gender":
            return genders.get(value, value)
        if key == "age":
            return _(AGE_BANDS[int(value)][1]) if value.isdigit() and int(value) < len(AGE_BANDS) else value
        if key == "joined":
            return _("{a}–{b}年").format(a=value, b=int(value) + 4) if value.isdigit() else value
        if key == "status":
            return statuses.get(value, value)
        return value

    return label


def _order(key: str, counts: Counter[str], branches: dict[int, Branch]) -> list[str]:
    present = [v for v in counts if v != UNKNOWN]
    if key == "branch":
        ids = [str(b) for b in branches]
        present = [v for v in ids if v in counts]
    elif key in ("age", "joined"):
        present.sort(key=int)
    elif key == "status":
        present.sort(key=lambda v: v != PartyStatus.FULL.value)
    elif key == "education":
        ladder = {name: i for i, name in enumerate(EDUCATION_LADDER)}
        present.sort(key=lambda v: (ladder.get(v, len(ladder)), -counts[v], v))
    else:
        present.sort(key=lambda v: (-counts[v], v))
    return present + ([UNKNOWN] if UNKNOWN in counts else [])
