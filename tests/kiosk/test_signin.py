"""The terminal's sign-in rules without a window: roster, paging, the keypad, and what answers mean."""

from __future__ import annotations

from kiosk import signin as si


def test_roster_keeps_branches_with_members_in_order() -> None:
    roster = si.parse_roster(
        {
            "meeting": {"id": 7, "title": "主题党日"},
            "branches": [
                {
                    "id": 2,
                    "name": "第二支部",
                    "members": [{"id": 5, "name": "王建国"}, {"id": 6, "name": "李丽"}],
                },
                {"id": 3, "name": "空支部", "members": []},
            ],
        }
    )
    assert roster.is_open and roster.meeting_id == 7 and roster.meeting_title == "主题党日"
    assert [b.name for b in roster.branches] == ["第二支部"]
    assert roster.branch(2).members[1] == si.Person(6, "李丽") and roster.branch(3) is None
    assert not si.parse_roster({"meeting": None, "branches": []}).is_open
    assert not si.parse_roster(None).branches


def test_pages_are_clamped_and_labelled() -> None:
    items = list(range(30))
    first = si.page_of(items, 0, 12)
    assert first.items == tuple(range(12)) and first.count == 3 and not first.has_prev and first.has_next
    assert first.label == "第 1 / 3 页"
    last = si.page_of(items, 99, 12)
    assert last.number == 2 and last.items == tuple(range(24, 30)) and last.has_prev and not last.has_next
    single = si.page_of(items[:3], -4, 12)
    assert single.number == 0 and single.label == "" and not single.has_next
    assert si.page_of([], 0, 12).count == 1


def test_keypad_takes_digits_only_up_to_the_longest_pin() -> None:
    pin = ""
    for key in "13579x":
        pin = si.press(pin, key)
    assert pin == "13579"
    assert si.press(pin, si.BACKSPACE) == "1357" and si.press(pin, si.CLEAR) == ""
    assert si.press("12345678", "9") == "12345678"
    assert si.press("", si.BACKSPACE) == ""
    assert si.dots("") == "○ ○ ○ ○" and si.dots("12") == "● ● ○ ○" and si.dots("123456") == "● " * 5 + "●"
    assert si.pin_problem("123") and not si.pin_problem("1234")
    assert (
        si.key_label(si.CLEAR) == "清除" and si.key_label(si.BACKSPACE) == "退格" and si.key_label("7") == "7"
    )
    assert len(set(si.KEYS)) == 12


def test_request_bodies_carry_a_fresh_client_id() -> None:
    a, b = si.new_client_id(), si.new_client_id()
    assert a != b and len(a) == 32
    assert si.request_body(1, 2, "1234", a) == {
        "meeting_id": 1,
        "member_id": 2,
        "pin": "1234",
        "client_id": a,
    }


def test_answers_become_what_the_member_reads() -> None:
    answer = {
        "created": True,
        "message": "签到成功（14:05），迟到",
        "member": {"name": "王建国"},
        "late": True,
    }
    ok = si.outcome_of_answer(answer, "主题党日")
    assert ok.kind == si.OK and ok.signed_in and ok.title == "王建国 同志，签到成功"
    assert "[迟到]" in ok.message and ok.detail == "主题党日"
    again = si.outcome_of_answer({**answer, "created": False, "message": "您已于 14:05 签到"}, "主题党日")
    assert again.kind == si.REPEAT and again.signed_in and again.message == "您已于 14:05 签到"
    queued = si.outcome_of_answer({"created": True, "queued": True, "member": {"name": "王建国"},
                                   "message": "服务器暂时连不上，签到已记录在本终端，恢复连接后自动提交。"}, "主题党日")
    assert queued.kind == si.OK and queued.title == "王建国 同志，签到已记录" and "自动提交" in queued.message

    wrong = si.outcome_of_error(401, "not_authenticated", "党员编号或密码不正确。")
    assert wrong.kind == si.WRONG_PIN and wrong.message == "党员编号或密码不正确。" and not wrong.signed_in
    assert si.outcome_of_error(401, "device_token_invalid", "设备令牌无效").kind == si.FAILED
    closed = si.outcome_of_error(400, "signin_closed", "签到已于 12:00 结束。")
    assert closed.kind == si.FAILED and closed.message == "签到已于 12:00 结束。"
    assert "无法连接服务器" in si.outcome_of_error(None, "", "").message
