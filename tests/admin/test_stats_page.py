"""数据统计: the figures on the page match what was recorded (June 2026, away from the demo's own recent
study), filtered by branch; a secretary sees only their branch whatever the query says; a bad range is
explained on the page; the .xlsx export holds the same figures and is audited; and the page in Chromium,
saved as test-artifacts/admin/stats*.png."""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content.models import Item
from screen_server.audit.models import AuditEntry
from screen_server.contests.models import Contest, ContestPlayer, ContestStatus
from screen_server.meetings.models import (
    Attendance,
    Meeting,
    MeetingType,
    SignInMethod,
    meeting_branches,
    meeting_expected,
)
from screen_server.meetings.services import LOCAL_TZ
from screen_server.org.models import Branch, Member
from screen_server.points.models import PointsEntry
from screen_server.runner import RoomServer
from screen_server.study.models import StudySpan
from tests.admin.forms import ADMIN, OTHER_BRANCH, SECRETARY_BRANCH, login
from tests.helpers.browser import chromium
from tests.helpers.factories import make_member

JUNE = "/admin/stats?period=custom&from=2026-06-01&to=2026-06-30"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _data(ws: Any, stamp_by: str) -> list[tuple[Any, ...]]:
    """The data rows of an exported sheet (under its title and headings), after checking the sheet ends
    with the export stamp, who and when, under a blank row."""
    last = [c.value for c in ws[ws.max_row]]
    assert str(last[0]).startswith(f"导出人：{stamp_by}；导出时间：") and str(last[0]).endswith("（北京时间）")
    assert not any(last[1:]) and not any(c.value for c in ws[ws.max_row - 1])
    return list(ws.iter_rows(min_row=3, max_row=ws.max_row - 2, values_only=True))


def _at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), LOCAL_TZ).astimezone(dt.UTC)


def _study(s: Session, member: Member, item_id: int, day: str, seconds: int) -> None:
    start = _at(day)
    s.add(StudySpan(id=uuid.uuid4().hex, member_id=member.id, item_id=item_id, source="terminal", started_at=start,
                    ended_at=start + dt.timedelta(seconds=seconds), active_seconds=seconds,
                    day=dt.date.fromisoformat(day)))


def _meeting(s: Session, branch: Branch, expected: list[Member], present: list[Member], day: str,
             cancelled: bool = False) -> None:
    start = _at(day, 15)
    m = Meeting(title="支部党员大会", type=MeetingType.BRANCH_GENERAL, starts_at=start,
                ends_at=start + dt.timedelta(hours=2), signin_opens_at=start - dt.timedelta(minutes=30),
                signin_closes_at=start + dt.timedelta(hours=2), cancelled=cancelled)
    s.add(m)
    s.flush()
    s.execute(meeting_branches.insert().values(meeting_id=m.id, branch_id=branch.id))
    s.execute(meeting_expected.insert(), [{"meeting_id": m.id, "member_id": x.id} for x in expected])
    for x in present:
        s.add(Attendance(meeting_id=m.id, member_id=x.id, signed_at=start, method=SignInMethod.QR))


def _contest(s: Session, players: list[Member], started: dt.datetime | None) -> None:
    c = Contest(title="党史知识竞赛", code="123456", status=ContestStatus.FINISHED if started else ContestStatus.LOBBY,
                started_at=started)
    s.add(c)
    s.flush()
    for p in players:
        s.add(ContestPlayer(contest_id=c.id, member_id=p.id, name=p.name, branch_id=p.branch_id, secret="s" * 32))


def seed_june(s: Session) -> dict[str, Any]:
    """Three members with study, points, meetings and contests in June 2026, and some just outside it."""
    one = s.scalar(select(Branch).where(Branch.name == SECRETARY_BRANCH))
    two = s.scalar(select(Branch).where(Branch.name == OTHER_BRANCH))
    item_id = s.scalar(select(Item.id).limit(1))
    assert one and two and item_id
    a = make_member(s, branch_id=one.id, name="张三明")
    b = make_member(s, branch_id=one.id, name="李四")
    c = make_member(s, branch_id=two.id, name="王五")
    _study(s, a, item_id, "2026-06-03", 600)
    _study(s, a, item_id, "2026-06-10", 300)
    _study(s, b, item_id, "2026-06-10", 120)
    _study(s, c, item_id, "2026-06-20", 1200)
    _study(s, a, item_id, "2026-05-31", 6000)  # the day before: not in June
    _study(s, c, item_id, "2026-07-01", 6000)  # the day after
    for member, points, day in [(a, 5, "2026-06-03"), (a, 3, "2026-06-10"), (c, 10, "2026-06-20"), (b, 7, "2026-07-01")]:
        s.add(PointsEntry(member_id=member.id, rule_key="study_minutes", ref=uuid.uuid4().hex, points=points,
                          reason="学习", day=dt.date.fromisoformat(day)))
    _meeting(s, one, [a, b], [a], "2026-06-15")
    _meeting(s, two, [c], [c], "2026-06-16")
    _meeting(s, two, [c], [], "2026-06-17", cancelled=True)
    _contest(s, [a, c], _at("2026-06-18"))
    _contest(s, [b], _at("2026-07-02"))
    _contest(s, [b], None)  # never started
    s.commit()
    return {"one": one, "two": two, "a": a, "b": b, "c": c}


@pytest.fixture
def june(demo: Session) -> dict[str, Any]:
    return seed_june(demo)


def _cards(html: str) -> dict[str, int]:
    return {label: int(value) for value, label in re.findall(r"<b>(\d+)</b><span>([^<]+)</span>", html)}


def _rows(html: str, heading: str) -> list[list[str]]:
    """The body rows of the table in the card headed ``heading``, cell texts without tags."""
    section = html.split(f"<h2>{heading}", 1)[1].split("</section>", 1)[0]
    body = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def _active(s: Session, branch: Branch) -> int:
    return s.scalar(select(func.count(Member.id)).where(Member.branch_id == branch.id, Member.active.is_(True))) or 0


def test_the_page_shows_the_figures_of_a_custom_range(as_admin: FlaskClient, june: dict[str, Any], demo: Session) -> None:
    r = as_admin.get(JUNE)
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "全部支部 · 自定义 2026-06-01 至 2026-06-30（30 天）" in html
    assert _cards(html) == {"到访人数": 3, "签到人次": 2, "学习时长（分钟）": 37, "学习人数": 3, "获得积分": 18,
                            "竞赛参与人数": 2}
    attendance = {row[0]: row[1:] for row in _rows(html, "支部出勤")}
    assert attendance["机关一支部"] == ["1", "2", "1", "50.0%"]
    assert attendance["机关二支部"] == ["1", "1", "1", "100.0%"]  # the cancelled meeting does not count
    assert attendance["生产支部"] == ["0", "0", "0", "—"]
    assert "<th>合计</th><th class=\"num\">2</th><th class=\"num\">3</th><th class=\"num\">2</th>" in html
    # Real names in the admin (the wall masks them): 王五 20 min, 张三明 15, 李四 2.
    assert [row[1:] for row in _rows(html, "学习排行")] == [["王五", "机关二支部", "20"], ["张三明", "机关一支部", "15"],
                                                        ["李四", "机关一支部", "2"]]
    points = {row[1]: row for row in _rows(html, "支部积分")}
    one, two = june["one"], june["two"]
    assert points["机关一支部"][2:4] == [str(_active(demo, one)), "8"]
    assert points["机关二支部"][2:4] == [str(_active(demo, two)), "10"]
    assert points["机关二支部"][4] == f"{round(10 / _active(demo, two), 1):g}"
    assert points["机关二支部"][0] == "1" and points["生产支部"][3] == "0"
    # The trend: one column per day, the study days with their minutes in the tooltip.
    assert html.count('class="c-col"') >= 30
    assert "2026-06-03：10 分钟，1 人学习" in html and "2026-06-10：7 分钟，2 人学习" in html
    assert "2026-06-20：20 分钟，1 人学习" in html and "2026-06-01：0 分钟，0 人学习" in html
    assert "<script" not in html.split("</head>", 1)[1]  # the charts are drawn by the server


def test_the_branch_filter(as_admin: FlaskClient, june: dict[str, Any]) -> None:
    html = as_admin.get(f"{JUNE}&branch_id={june['two'].id}").get_data(as_text=True)
    assert f"{OTHER_BRANCH} · 自定义" in html
    assert _cards(html) == {"到访人数": 1, "签到人次": 1, "学习时长（分钟）": 20, "学习人数": 1, "获得积分": 10,
                            "竞赛参与人数": 1}
    assert [row[0] for row in _rows(html, "支部出勤")] == ["机关二支部"]
    assert [row[1] for row in _rows(html, "学习排行")] == ["王五"]
    assert [row[1] for row in _rows(html, "支部积分")] == ["机关二支部"]
    assert "2026-06-10：0 分钟" in html  # branch one's study that day is not counted
    assert as_admin.get(f"{JUNE}&branch_id=9999").status_code == 404


def test_a_secretary_sees_only_their_branch_whatever_the_query_says(as_secretary: FlaskClient,
                                                                   june: dict[str, Any]) -> None:
    for query in ("", f"&branch_id={june['two'].id}", "&branch_id=", "&branch_id=9999"):
        r = as_secretary.get(JUNE + query)
        html = r.get_data(as_text=True)
        assert r.status_code == 200, query
        assert f"{SECRETARY_BRANCH} · 自定义" in html
        assert _cards(html) == {"到访人数": 2, "签到人次": 1, "学习时长（分钟）": 17, "学习人数": 2, "获得积分": 8,
                                "竞赛参与人数": 1}
        assert [row[0] for row in _rows(html, "支部出勤")] == ["机关一支部"]
        assert "王五" not in html and OTHER_BRANCH not in html
        assert "全部支部" not in html  # not even as an option
    r = as_secretary.get(f"/admin/stats/export.xlsx?period=custom&from=2026-06-01&to=2026-06-30&branch_id={june['two'].id}")
    book = load_workbook(io.BytesIO(r.data))
    assert book["概览"]["B3"].value == SECRETARY_BRANCH
    assert [row[1] for row in _data(book["学习排行"], "机关一支部书记（secretary1）")] == ["张三明", "李四"]


@pytest.mark.parametrize(("query", "message"), [
    ("period=custom&from=2026-06-30&to=2026-06-01", "开始日期（2026-06-30）晚于结束日期（2026-06-01），请重新选择。"),
    ("period=custom&from=2026-06-30&to=2026-06-01&branch_id=2", "开始日期（2026-06-30）晚于结束日期（2026-06-01）"),
    ("period=custom&from=2025-01-01&to=2026-06-30", "时间段最长 366 天，所选为 546 天，请缩短后再查询。"),
    ("period=custom&from=2026-06-01", "自定义时间段请填写开始日期和结束日期。"),
    ("period=custom&from=2026-13-01&to=2026-12-31", "日期“2026-13-01”格式不正确"),
    ("period=decade", "统计周期只能是本周、本月、本季度、本年或自定义。"),
    ("period=custom&from=1900-01-01&to=1900-01-02", "日期须在 2000-01-01 至 2099-12-31 之间。"),
])
def test_a_bad_range_is_explained_on_the_page(as_admin: FlaskClient, demo: Session, query: str, message: str) -> None:
    r = as_admin.get(f"/admin/stats?{query}")
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert '<div class="flash error" role="alert">' in html and message in html
    assert 'name="from"' in html and "/admin/stats/export.xlsx" not in html  # the filters stay, to fix the range
    assert as_admin.get(f"/admin/stats/export.xlsx?{query}").status_code == 400


def test_a_year_is_fine_and_dates_that_change_a_preset_make_it_custom(as_admin: FlaskClient, demo: Session) -> None:
    assert as_admin.get("/admin/stats?period=custom&from=2025-07-01&to=2026-06-30").status_code == 200  # 365 days
    assert as_admin.get("/admin/stats?period=custom&from=2024-01-01&to=2024-12-31").status_code == 200  # 366 (leap)
    today = dt.datetime.now(LOCAL_TZ).date()
    html = as_admin.get("/admin/stats").get_data(as_text=True)
    first = today.replace(day=1)
    assert f"全部支部 · 本月 {first.isoformat()} 至 {today.isoformat()}" in html
    assert '<a href="/admin/stats?period=month" aria-current="page">本月</a>' in html
    # The form sends back the days it shows: unchanged, the preset stays; changed, the range is custom.
    same = as_admin.get(f"/admin/stats?period=month&from={first.isoformat()}&to={today.isoformat()}")
    assert "全部支部 · 本月" in same.get_data(as_text=True)
    changed = as_admin.get(f"/admin/stats?period=month&from=2026-06-01&to={today.isoformat()}")
    assert "全部支部 · 自定义 2026-06-01" in changed.get_data(as_text=True)
    year = as_admin.get("/admin/stats?period=year").get_data(as_text=True)
    assert f"本年 {today.year}-01-01 至 {today.isoformat()}" in year
    assert 'class="c-line"' in year or today.timetuple().tm_yday <= 62  # past two months the trend is a line


def test_the_export_holds_the_same_figures_and_is_audited(as_admin: FlaskClient, june: dict[str, Any],
                                                          demo: Session) -> None:
    page = as_admin.get(JUNE).get_data(as_text=True)
    link = re.search(r'href="(/admin/stats/export\.xlsx\?[^"]+)"', page)
    assert link
    r = as_admin.get(link.group(1).replace("&amp;", "&"))
    assert r.status_code == 200 and r.mimetype == XLSX
    assert r.headers["Content-Disposition"] == 'attachment; filename="stats-all-2026-06-01-2026-06-30.xlsx"'
    book = load_workbook(io.BytesIO(r.data))
    assert book.sheetnames == ["概览", "每日学习", "支部出勤", "学习排行", "支部积分"]
    for ws in book.worksheets:
        assert ws.freeze_panes == "A3"
        assert ws["A1"].value == "全部支部数据统计（2026-06-01 至 2026-06-30）"
        assert ws.column_dimensions["A"].width >= 8 and ws.column_dimensions["B"].width >= 12
    admin = "系统管理员（admin）"
    overview = {row[0]: row[1] for row in _data(book["概览"], admin)}
    assert overview == {"统计范围": "全部支部", "时间段": "自定义", "开始日期": "2026-06-01", "结束日期": "2026-06-30",
                        "天数": 30, "到访人数": 3, "签到人次": 2, "学习时长（分钟）": 37, "学习人数": 3, "获得积分": 18,
                        "竞赛参与人数": 2, "会议出席率": pytest.approx(2 / 3, abs=1e-4)}
    assert [c.value for c in book["每日学习"][2]] == ["日期", "学习时长（分钟）", "学习人数"]
    days = _data(book["每日学习"], admin)
    assert len(days) == 30 and days[0] == (dt.datetime(2026, 6, 1), 0, 0) and days[2][1:] == (10, 1)
    attendance = {row[0]: row[1:] for row in _data(book["支部出勤"], admin)}
    assert attendance["机关一支部"] == (1, 2, 1, 0.5) and attendance["机关二支部"] == (1, 1, 1, 1.0)
    assert attendance["离退休支部"] == (0, 0, 0, "—")
    assert attendance["合计"] == (2, 3, 2, pytest.approx(0.6667))
    assert book["支部出勤"]["E3"].number_format == "0.0%"
    assert _data(book["学习排行"], admin) == [
        (1, "王五", "机关二支部", 20), (2, "张三明", "机关一支部", 15), (3, "李四", "机关一支部", 2)]
    points = {row[1]: row for row in _data(book["支部积分"], admin)}
    members = _active(demo, june["one"])
    assert points["机关一支部"][2:] == (members, 8, round(8 / members, 1))

    demo.expire_all()
    entry = demo.scalar(select(AuditEntry).where(AuditEntry.action == "stats.exported"))
    assert entry is not None and entry.actor_name == ADMIN[0]
    assert entry.details == {"branch": "全部支部", "period": "自定义", "first": "2026-06-01", "last": "2026-06-30"}
    audit = as_admin.get("/admin/audit").get_data(as_text=True)
    assert "导出统计数据" in audit and "开始日期：2026-06-01" in audit
    assert demo.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "stats.exported")) == 1
    as_admin.get(JUNE)  # looking is not audited, only taking the figures away
    assert demo.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "stats.exported")) == 1


def test_a_secretary_export_is_audited_against_their_branch(as_secretary: FlaskClient, june: dict[str, Any],
                                                             demo: Session) -> None:
    r = as_secretary.get("/admin/stats/export.xlsx?period=custom&from=2026-06-01&to=2026-06-30")
    assert r.status_code == 200
    assert r.headers["Content-Disposition"].endswith(f'stats-branch-{june["one"].id}-2026-06-01-2026-06-30.xlsx"')
    demo.expire_all()
    entry = demo.scalar(select(AuditEntry).where(AuditEntry.action == "stats.exported"))
    assert entry is not None and entry.target_type == "branch" and entry.target_id == str(june["one"].id)
    assert entry.details["branch"] == SECRETARY_BRANCH


def test_who_may_see_the_page(client: FlaskClient, demo: Session) -> None:
    r = client.get("/admin/stats")
    assert r.status_code == 302 and "/admin/login" in r.headers["Location"]
    assert client.get("/admin/stats/export.xlsx").status_code == 302
    login(client, "editor1", "demo-editor-2026")
    assert client.get("/admin/stats").status_code == 403
    assert client.get("/admin/stats/export.xlsx").status_code == 403
    assert "数据统计" not in client.get("/admin/").get_data(as_text=True)
    assert demo.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "stats.exported")) == 0


def test_the_menu_links_to_the_page(as_secretary: FlaskClient) -> None:
    html = as_secretary.get("/admin/").get_data(as_text=True)
    assert '<a href="/admin/stats" >数据统计</a>' in html
    page = as_secretary.get("/admin/stats").get_data(as_text=True)
    assert '<a href="/admin/stats" aria-current="page">数据统计</a>' in page


# --- in a browser -----------------------------------------------------------------------------------------
def _seed_browser(server: RoomServer) -> None:
    """The demo organisation (two weeks of study, a past meeting) and a finished contest ten days ago."""
    with server.runtime.session_factory() as s:
        players = list(s.scalars(select(Member).order_by(Member.number).limit(24)))
        _contest(s, players, dt.datetime.now(dt.UTC) - dt.timedelta(days=10))
        s.commit()


@pytest.mark.browser
@pytest.mark.usefixtures("demo_db")
def test_the_page_in_a_browser(server: RoomServer, artifacts_dir: Path) -> None:
    _seed_browser(server)
    out = artifacts_dir / "admin"
    out.mkdir(exist_ok=True)
    today = dt.datetime.now(LOCAL_TZ).date()
    last30 = f"/admin/stats?period=custom&from={(today - dt.timedelta(days=29)).isoformat()}&to={today.isoformat()}"
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        page = context.new_page()
        page.goto(server.http_url + "/admin/login")
        page.get_by_label("用户名").fill(ADMIN[0])
        page.get_by_label("密码").fill(ADMIN[1])
        page.get_by_role("button", name="登录").click()
        page.get_by_role("heading", name="概览").wait_for(timeout=10_000)
        page.get_by_role("link", name="数据统计").click()
        page.get_by_role("heading", name="数据统计").wait_for(timeout=10_000)
        page.goto(server.http_url + last30)
        assert page.locator("svg.chart rect.c-col").count() >= 30
        minutes = int(page.locator(".stat b").nth(2).inner_text())
        assert minutes > 0  # the demo's fortnight of study
        box = page.locator("svg.chart").first.bounding_box()
        assert box is not None and box["width"] > 1000  # the trend spans the card
        page.screenshot(path=str(out / "stats.png"), full_page=True)
        page.get_by_role("link", name="本年").click()
        page.wait_for_url("**period=year**")
        page.screenshot(path=str(out / "stats-year.png"), full_page=True)
        page.locator("#from").fill("2026-06-30")
        page.locator("#to").fill("2026-06-01")
        page.get_by_role("button", name="查询").click()
        page.get_by_role("alert").wait_for(timeout=10_000)
        assert "晚于结束日期" in page.get_by_role("alert").inner_text()
        page.screenshot(path=str(out / "stats-bad-range.png"))
        with page.expect_download() as download:
            page.goto(server.http_url + last30)
            page.get_by_role("link", name="导出 Excel").click()
        assert download.value.suggested_filename.startswith("stats-all-")
        context.close()
        context = browser.new_context(viewport={"width": 820, "height": 1180}, locale="zh-CN")
        page = context.new_page()
        page.goto(server.http_url + "/admin/login")
        page.get_by_label("用户名").fill("secretary1")
        page.get_by_label("密码").fill("demo-secretary-2026")
        page.get_by_role("button", name="登录").click()
        page.get_by_role("heading", name="概览").wait_for(timeout=10_000)
        page.goto(server.http_url + last30)
        page.screenshot(path=str(out / "stats-tablet-secretary.png"), full_page=True)
        context.close()
