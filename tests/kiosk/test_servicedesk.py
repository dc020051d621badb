"""What the terminal's 服务窗口 and 我的档案 show, from the server's answers (no window)."""

from __future__ import annotations

from kiosk import servicedesk as sd

WINDOW = {
    "categories": [{"key": "suggestion", "label": "意见建议", "phrases": ["多办读书会"]},
                   {"key": "hardship", "label": "困难帮扶", "phrases": ["请书记与我联系", "希望得到帮助"]}],
    "requests": [{"id": 2, "category": "困难帮扶", "text": "请书记与我联系", "status": "done", "status_label": "已办结",
                  "due_on": "2026-06-08", "created": "2026-06-01", "answer": "明天上门", "hours": None},
                 {"id": 1, "category": "意见建议", "text": "多办读书会", "status": "open", "status_label": "已逾期",
                  "due_on": "2026-05-20", "created": "2026-05-05", "answer": "", "hours": None}],
}


def test_categories_phrases_and_requests() -> None:
    assert sd.category_rows(WINDOW, "hardship") == [
        {"key": "suggestion", "text": "意见建议", "selected": False}, {"key": "hardship", "text": "困难帮扶", "selected": True}]
    assert [r["text"] for r in sd.phrase_rows(WINDOW, "hardship")] == ["请书记与我联系", "希望得到帮助"]
    assert sd.phrase_rows(WINDOW, "nothing") == []
    answered, late = sd.request_rows(WINDOW)
    assert "已办结" in answered["text"] and "答复：明天上门" in answered["text"]
    assert "已逾期" in late["text"] and "办理期限：2026-05-20" in late["text"]
    assert sd.request_rows({}) == [{"text": "您还没有提交过意见或需求。"}]


def test_record_blocks() -> None:
    fields, meetings, figures, corrections = sd.record_texts({
        "fields": [{"key": "name", "label": "姓名", "value": "张三"}, {"key": "phone", "label": "手机号码", "value": ""}],
        "attendance": [{"title": "党课", "type": "党课", "when": "2026-05-01", "present": True},
                       {"title": "支部党员大会", "type": "支部党员大会", "when": "2026-04-01", "present": False}],
        "study": {"minutes_total": 90, "completed": 3}, "points": {"total": 12},
        "assessment": {"year": 2026, "total": 61.5, "dimensions": [
            {"name": "学习", "score": 50.0}, {"name": "组织生活", "score": 75.0}, {"name": "服务", "score": 20.0}]},
        "corrections": [{"field": "职务/职称", "proposed": "科长", "status_label": "未采纳", "answer": "文件未下发"}],
    })
    assert fields == "姓名：张三\n手机号码：未填写"
    assert "[b]已到[/b]  2026-05-01\n党课" in meetings and "[b]未到[/b]" in meetings
    assert "2026 年考核得分 61.5" in figures and "学习 50  ·  组织生活 75" in figures and "服务 20" in figures
    assert corrections.startswith("未采纳：职务/职称 → 科长（文件未下发）") and "申请更正" in corrections
