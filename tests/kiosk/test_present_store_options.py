"""The small plain-Python parts: words and rows (present), the device store, the command line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kiosk import present
from kiosk.options import DEFAULT_SERVER, default_state_dir, parse
from kiosk.store import DeviceStore
from tests.helpers.fake_room import announcement


def test_dates_and_rows_in_chinese() -> None:
    assert present.date_text(dt.datetime(2026, 7, 1, 9, 5)) == "2026年7月1日  星期三"
    assert present.clock_text(dt.datetime(2026, 7, 1, 9, 5)) == "09:05"
    row = present.announcement_rows([announcement(3, "通知", level="urgent")])[0]
    assert row["announcement_id"] == 3 and row["level_text"] == "紧急" and "月" in row["date_text"]
    assert present.parse_time("not a date") is None and present.short_date(None) == ""
    assert present.excerpt("一二三四五六", 4) == "一二三…"
    assert present.signin_numbers({"counts": {"rate": 0.456, "signed": 5, "expected": 11}})["rate"] == "46%"


def test_store_keeps_the_token_privately_and_forgets_it(tmp_path: Path) -> None:
    store = DeviceStore(tmp_path / "s")
    assert store.token is None and store.load_snapshot() is None
    store.save_token("secret", {"id": 1}, "http://x")
    store.save_snapshot({"type": "snapshot", "seq": 3, "state": {}})
    assert (tmp_path / "s" / "device.json").stat().st_mode & 0o077 == 0
    again = DeviceStore(tmp_path / "s")
    assert again.token == "secret" and again.device == {"id": 1} and again.load_snapshot()["seq"] == 3
    again.forget()
    assert DeviceStore(tmp_path / "s").token is None and again.load_snapshot() is None


def test_store_survives_a_damaged_file(tmp_path: Path) -> None:
    (tmp_path / "device.json").write_text("{not json", "utf-8")
    assert DeviceStore(tmp_path).token is None


def test_options_defaults_and_checks(capsys: pytest.CaptureFixture[str]) -> None:
    o = parse([])
    assert (
        o.server == DEFAULT_SERVER and o.mode == "terminal" and o.state_dir == default_state_dir("terminal")
    )
    o = parse(
        [
            "--server",
            "http://10.0.0.2:8000/",
            "--mode",
            "wall",
            "--size",
            "1080x1920",
            "--production",
            "--idle-seconds",
            "60",
            "--screenshot",
            "x.png",
            "--exit-after",
            "2.5",
        ]
    )
    assert o.server == "http://10.0.0.2:8000" and o.size == (1080, 1920) and o.production
    assert o.state_dir.name == "kiosk-wall" and o.exit_after == 2.5 and o.idle_seconds == 60
    for bad in (["--size", "big"], ["--screenshot", "x.png"], ["--mode", "toaster"], ["--idle-seconds", "1"]):
        with pytest.raises(SystemExit):
            parse(bad)
    assert "宽x高" in capsys.readouterr().err


def test_sign_in_words_for_the_wall_and_the_terminal_tile() -> None:
    signin = {"counts": {"expected": 40, "signed": 11, "guests": 2, "on_leave": 3, "rate": 0.275}}
    assert present.signin_numbers(signin) == {
        "signed": "11",
        "expected": "40",
        "rate": "28%",
        "extra": "请假 3 人  ·  列席 2 人",
    }
    assert present.signin_numbers(None)["extra"] == "请假 0 人"
    soon = (dt.datetime.now(present.ROOM_TZ[0]) + dt.timedelta(minutes=1)).replace(second=0, microsecond=0)
    line = present.meeting_line({"type_label": "党课", "starts_at": soon.isoformat()})
    assert line == f"党课  ·  {soon:%H:%M} 开始"
    assert "月" in present.meeting_line({"type_label": "党课", "starts_at": "2020-01-02T07:00:00+00:00"})
    recent = [
        {
            "member_id": 2,
            "name": "欧**明",
            "branch": "二支部",
            "signed_at": "2026-11-22T06:05:00+00:00",
            "guest": True,
        },
        {"member_id": 1, "name": "张*明", "branch": "一支部", "signed_at": "bad", "late": True},
        {"member_id": 0, "name": "多余"},
    ]
    chips = present.attendee_chips(recent, 2)
    assert [(c["name"], c["mark"], c["newest"]) for c in chips] == [
        ("欧**明", "列席", True),
        ("张*明", "迟到", False),
    ]
    assert chips[0]["time"] and chips[1]["time"] == ""
    assert (
        present.qr_hint({"rotate_seconds": 15}) == "二维码每 15 秒更新，请在现场扫码"
        and present.qr_hint(None) == ""
    )
    assert present.signin_tile_note(None) == "当前没有正在签到的会议"
    assert present.signin_tile_note(
        {"meeting": {"title": "学习贯彻党的二十届四中全会精神专题支部党员大会"}}
    ).endswith("…")


def test_the_qr_address_prefers_the_public_url() -> None:
    qr_address = present.qr_address

    assert (
        qr_address({"path": "/s/1?t=2", "url": None}, "http://10.0.0.5:8000/")
        == "http://10.0.0.5:8000/s/1?t=2"
    )
    assert (
        qr_address({"path": "/s/1?t=2", "url": "https://x.cn/s/1?t=2"}, "http://a") == "https://x.cn/s/1?t=2"
    )
