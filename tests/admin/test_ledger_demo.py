"""The demo branch's ledger exports to an .xlsx that openpyxl reads back with the expected rows."""

from __future__ import annotations

import datetime as dt
import io

from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from tests.admin.conftest import login


def test_demo_branch_ledger_xlsx(client: FlaskClient, demo: Session) -> None:
    login(client, "secretary1", "demo-secretary-2026")
    today = dt.date.today()
    start, end = (today - dt.timedelta(days=30)).isoformat(), (today + dt.timedelta(days=2)).isoformat()
    r = client.get(f"/api/ledger.xlsx?start={start}&end={end}")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.data)).active
    assert ws is not None
    assert ws["A1"].value.startswith("机关第一党支部会议台账")
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    by_title = {row[2]: row for row in rows}
    past = by_title["“不忘初心、牢记使命”主题党日活动"]
    assert past[1] == "主题党日" and past[6] == 15 and past[7] == 12 and past[8] == 2 and past[9] == 0.8
    assert past[10] == "不适用"
    assert past[12].count("请假：") == 2 and past[12].count("缺席") == 1
    current = by_title["学习贯彻党的二十届四中全会精神专题支部党员大会"]
    assert current[1] == "支部党员大会" and current[6] == 15
    assert ws.freeze_panes == "A3"
