"""Command-line options of ``activity-room kiosk``, parsed into one frozen object. No Kivy here."""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path

from kiosk.i18n import _

DEFAULT_SERVER = "http://127.0.0.1:8000"
MODES = ("terminal", "wall")


@dataclass(frozen=True, slots=True)
class Options:
    server: str = DEFAULT_SERVER
    mode: str = "terminal"
    state_dir: Path = Path("kiosk-state")
    production: bool = False
    idle_seconds: int | None = None  # None: the room's setting (default 120)
    lang: str = "zh_CN"
    size: tuple[int, int] | None = None
    screenshot: Path | None = None
    exit_after: float | None = None
    name: str = ""  # how the device introduces itself when pairing
    offline: bool = False  # tests: no network link at all


def default_state_dir(mode: str) -> Path:
    return Path.home() / ".local" / "share" / "activity-room" / f"kiosk-{mode}"


def _size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{2,5})[xX×](\d{2,5})", text.strip())
    if not match:
        raise argparse.ArgumentTypeError(_("窗口大小应写成 宽x高，例如 1920x1080"))
    return int(match[1]), int(match[2])


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="activity-room kiosk", description=_("活动室触摸终端与大屏客户端"))
    p.add_argument("--server", default=DEFAULT_SERVER, help=_("服务器地址，例如 http://127.0.0.1:8000"))
    p.add_argument("--mode", choices=MODES, default="terminal", help=_("terminal 触摸终端；wall 大屏"))
    p.add_argument("--state-dir", type=Path, default=None, help=_("保存设备令牌和缓存的目录"))
    p.add_argument("--production", action="store_true", help=_("全屏、隐藏光标、不能用键盘退出"))
    p.add_argument("--idle-seconds", type=int, default=None, help=_("无人操作多少秒后回到待机画面"))
    p.add_argument("--lang", default="zh_CN", help=_("界面语言：zh_CN 或 en"))
    p.add_argument("--size", type=_size, default=None, help=_("窗口大小，例如 1920x1080"))
    p.add_argument(
        "--screenshot", type=Path, default=None, help=_("在 --exit-after 秒时把窗口截图保存为 PNG")
    )
    p.add_argument("--exit-after", type=float, default=None, help=_("运行多少秒后退出"))
    p.add_argument("--name", default="", help=_("配对时显示的设备名称"))
    return p


def parse(argv: list[str]) -> Options:
    """Parse the arguments after ``kiosk``; exits with a message on bad input (argparse's way)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.screenshot is not None and args.exit_after is None:
        parser.error(_("--screenshot 需要同时给出 --exit-after"))
    if args.idle_seconds is not None and args.idle_seconds < 5:
        parser.error(_("--idle-seconds 至少为 5"))
    return Options(
        server=args.server.rstrip("/"),
        mode=args.mode,
        state_dir=args.state_dir or default_state_dir(args.mode),
        production=args.production,
        idle_seconds=args.idle_seconds,
        lang=args.lang,
        size=args.size,
        screenshot=args.screenshot,
        exit_after=args.exit_after,
        name=args.name,
    )
