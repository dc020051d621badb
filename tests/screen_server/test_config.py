from __future__ import annotations

from pathlib import Path

from screen_server.config import load_settings


def test_defaults_then_toml_then_environment(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "config.toml").write_text('room_name = "二楼活动室"\nidle_seconds = 60\nmask_names = false\n', "utf-8")
    s = load_settings(data, env={"ACTIVITY_ROOM_IDLE_SECONDS": "45", "REDIS_URL": "redis://x"})
    assert s.room_name == "二楼活动室"  # from the file
    assert s.idle_seconds == 45  # the environment wins over the file
    assert s.mask_names is False
    assert s.redis_url == "redis://x"
    assert s.port == 8000 and s.ws_port == 8765  # contract defaults
    assert s.db_url.startswith("sqlite:///") and s.db_url.endswith("activity-room.sqlite3")


def test_secret_key_is_made_once_and_kept(tmp_path: Path) -> None:
    first = load_settings(tmp_path / "d", env={}).secret_key
    assert len(first) > 40
    assert load_settings(tmp_path / "d", env={}).secret_key == first
    assert (tmp_path / "d" / "secret_key").stat().st_mode & 0o077 == 0


def test_command_line_overrides_win(tmp_path: Path) -> None:
    s = load_settings(tmp_path, env={"ACTIVITY_ROOM_PORT": "9000", "DATABASE_URL": "postgresql+psycopg://x/y"}, port=8100)
    assert s.port == 8100
    assert s.db_url == "postgresql+psycopg://x/y"
