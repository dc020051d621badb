"""The ``activity-room`` command.

    activity-room serve --data DIR [--host H] [--port 8000] [--ws-port 8765]
    activity-room demo  --data DIR [same options]      seed the demo organisation, then serve
    activity-room kiosk --server URL --mode terminal|wall [...]   (found through an entry point)
    activity-room import-members FILE --data DIR [--dry-run] [--create-branches]
    activity-room create-user USERNAME --role admin|secretary|editor|reviewer [--branch NAME] [--password-stdin] --data DIR
    activity-room audit verify --data DIR             walk the audit log's hash chain

Other packages add subcommands through the ``activity_room.commands`` entry point group
(``name = "module:run"``, ``run(argv) -> int``), so the server imports neither the kiosk nor the admin.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from screen_server.config import Settings

DEFAULT_DATA = os.environ.get("ACTIVITY_ROOM_DATA", "./data")


def _server_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", default=DEFAULT_DATA, help="数据目录（数据库、媒体、配置）")
    p.add_argument("--host", default=None, help="监听地址（默认 0.0.0.0）")
    p.add_argument("--port", type=int, default=None, help="HTTP 端口（默认 8000）")
    p.add_argument("--ws-port", type=int, default=None, help="WebSocket 端口（默认 8765）")


def _settings(args: argparse.Namespace, **extra: Any) -> Settings:
    from screen_server.config import load_settings

    settings = load_settings(args.data, None, host=args.host, port=args.port, ws_port=args.ws_port, **extra)
    logging.getLogger().setLevel(settings.log_level.upper())
    return settings


def cmd_serve(args: argparse.Namespace) -> int:
    from screen_server.runner import RoomServer

    return RoomServer(_settings(args)).serve_forever()


def cmd_demo(args: argparse.Namespace) -> int:
    from screen_server.config import explicitly_set
    from screen_server.demo import DEMO_ROOM_SLUG, seed_demo
    from screen_server.runner import RoomServer
    from screen_server.runtime import build_runtime

    # The demo turns two-factor sign-in off for its own logins, unless the operator set it.
    totp = {} if explicitly_set(args.data, "admin_totp") else {"admin_totp": "optional"}
    settings = _settings(args, auto_approve_room=DEMO_ROOM_SLUG, **totp)
    rt = build_runtime(settings)
    with rt.session_factory() as session:
        seed_demo(session, settings)
        session.commit()
    server = RoomServer(settings, runtime=rt)
    print(f"演示服务器：{server.http_url}/admin/  （管理员 admin / demo-admin-2026）", flush=True)
    return server.serve_forever()


def cmd_import_members(args: argparse.Namespace) -> int:
    from screen_server.org import import_cli
    from screen_server.runtime import build_runtime

    rt = build_runtime(_settings(args))
    try:
        return int(import_cli.run(args, rt.session_factory))
    finally:
        rt.close()


def _read_new_password(args: argparse.Namespace) -> str | None:
    """The new user's password: from standard input (``--password-stdin``), or typed twice at a terminal.

    Returns None after saying, in one line, why there is none (no terminal, or the two entries differ).
    """
    if args.password_stdin:
        if sys.stdin is None:
            print("没有标准输入，无法读取密码，未创建用户。", file=sys.stderr)
            return None
        return sys.stdin.readline().rstrip("\r\n")
    if args.password:  # kept for old scripts; it shows the password in the process list
        return str(args.password)
    if sys.stdin is None or not sys.stdin.isatty():
        print("没有可输入密码的终端：请用 --password-stdin 从标准输入提供密码，"
              "例如 printf '%s\\n' \"$PASS\" | activity-room create-user 用户名 --role admin --password-stdin",
              file=sys.stderr)
        return None
    try:
        first = getpass.getpass("密码：")
        second = getpass.getpass("再次输入密码：")
    except (EOFError, KeyboardInterrupt):
        print("\n已取消，未创建用户。", file=sys.stderr)
        return None
    if first != second:
        print("两次输入的密码不一致，未创建用户。", file=sys.stderr)
        return None
    return first


def cmd_create_user(args: argparse.Namespace) -> int:
    from screen_server.errors import DomainError
    from screen_server.org import services as org
    from screen_server.org.passwords import check_password
    from screen_server.runtime import build_runtime

    password = _read_new_password(args)
    if password is None:
        return 2
    try:
        check_password(password, args.username)  # before opening the database: a weak password writes nothing
    except DomainError as exc:
        print(f"未创建用户：{exc.message}", file=sys.stderr)
        return 1
    rt = build_runtime(_settings(args))
    try:
        with rt.session_factory() as session:
            branch_id = args.branch_id
            if args.branch:
                branch_id = org.branch_id_by_name(session, args.branch)
            org.create_user(session, actor_user_id=None, username=args.username, password=password,
                            role=args.role, display_name=args.name or args.username, branch_id=branch_id)
            session.commit()
    except DomainError as exc:
        print(f"未创建用户：{exc.message}", file=sys.stderr)
        return 1
    finally:
        rt.close()
    print(f"已创建用户 {args.username}")
    return 0


def cmd_content_pack(args: argparse.Namespace) -> int:
    """Export the published library as a pack, or check and import one (all or nothing)."""
    from tqdm import tqdm

    from content import packs
    from content.media import MediaStore
    from screen_server.runtime import build_runtime

    settings = _settings(args)
    rt = build_runtime(settings)
    try:
        with rt.session_factory() as session:
            store = MediaStore(settings.media_dir)
            if args.action == "export":
                count = packs.export_pack(session, store, args.file, name=args.name)
                print(f"已导出 {count} 条内容到 {args.file}")
                return 0
            report = packs.check_pack(args.file)
            for problem in report.problems:
                print(problem)
            if not report.ok:
                print(f"内容包有 {len(report.problems)} 处问题，未导入任何内容。")
                return 1
            print(f"内容包“{report.name}”：{len(report.items)} 条内容，{len(report.questions)} 道题，检查通过。")
            if args.dry_run:
                return 0
            with tqdm(total=len(report.items) + len(report.questions), unit="条", desc="导入") as bar:
                done = packs.import_pack(session, store, args.file, actor_user_id=None,
                                         progress=lambda _name, n, _total: bar.update(n - bar.n))
            session.commit()
            added = len(done.items) + len(done.questions) - len(done.skipped)
            print(f"已导入 {added} 条（已有而跳过 {len(done.skipped)} 条），均为“待审核”，请在后台审核后发布。")
            return 0
    finally:
        rt.close()


def cmd_audit(args: argparse.Namespace) -> int:
    """``audit verify``: walk the audit log's hash chain; exit 0 when intact, 1 naming the first broken row."""
    from screen_server.audit import chain
    from screen_server.runtime import build_runtime

    rt = build_runtime(_settings(args))
    try:
        with rt.engine.connect() as conn:
            verdict = chain.verify(conn)
    finally:
        rt.close()
    if verdict.intact:
        print(f"审计日志完整：已校验 {verdict.checked} 条记录，哈希链无断点。")
        return 0
    print(f"审计日志被改动：{verdict.first}。已校验 {verdict.checked} 条。")
    return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="activity-room", description="智慧党员活动室")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="运行活动室服务器")
    _server_options(p)
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("demo", help="写入演示数据并运行服务器")
    _server_options(p)
    p.set_defaults(func=cmd_demo)
    try:
        from screen_server.org import import_cli
    except ImportError:  # pragma: no cover - the import module is optional while it is being built
        import_cli = None  # type: ignore[assignment]
    if import_cli is not None:
        before = set(sub.choices)
        import_cli.add_parser(sub)
        for name in set(sub.choices) - before:
            _server_options(sub.choices[name])
            sub.choices[name].set_defaults(func=cmd_import_members)
    p = sub.add_parser("content-pack", help="导出或导入内容包（.zip）")
    _server_options(p)
    p.add_argument("action", choices=["export", "import"])
    p.add_argument("file", type=Path)
    p.add_argument("--dry-run", action="store_true", help="只检查，不导入")
    p.add_argument("--name", default="活动室内容包", help="导出的内容包名称")
    p.set_defaults(func=cmd_content_pack)
    p = sub.add_parser("create-user", help="创建后台用户")
    _server_options(p)
    p.add_argument("username")
    p.add_argument("--role", default="admin", choices=["admin", "secretary", "editor", "reviewer"])
    p.add_argument("--name", default="", help="显示名称（默认同用户名）")
    p.add_argument("--branch", default="", help="支部书记所在支部的名称或简称")
    p.add_argument("--branch-id", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（供脚本使用）")
    p.add_argument("--password", default="", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_create_user)
    p = sub.add_parser("audit", help="审计日志：verify 校验哈希链")
    _server_options(p)
    p.add_argument("action", choices=["verify"])
    p.set_defaults(func=cmd_audit)
    for ep in entry_points(group="activity_room.commands"):
        sub.add_parser(ep.name, help=f"{ep.name}（见 {ep.name} --help）", add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    plugins = {ep.name: ep for ep in entry_points(group="activity_room.commands")}
    if argv and argv[0] in plugins:
        return int(plugins[argv[0]].load()(argv[1:]))
    logging.basicConfig(level=os.environ.get("ACTIVITY_ROOM_LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("websockets").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    from screen_server.config import SettingsError

    try:
        return int(args.func(args))
    except SettingsError as exc:
        print(f"配置错误：{exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
