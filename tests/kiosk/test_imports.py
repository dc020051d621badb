"""The kiosk's import rules (parsed with ast, nothing imported): from the server only
screen_server.protocol; no Kivy in the plain-Python layers; no asyncio in the screens."""

from __future__ import annotations

import ast
from pathlib import Path

KIOSK = Path(__file__).resolve().parents[2] / "kiosk"
PLAIN = (
    "net.py",
    "state.py",
    "store.py",
    "present.py",
    "i18n.py",
    "options.py",
    "signin.py",
    "hosting.py",
    "httpclient.py",
)
SERVER_SIDE = ("screen_server", "admin", "content")


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def test_kiosk_imports_only_the_protocol_from_the_server() -> None:
    wrong = [
        f"{p.relative_to(KIOSK)}: {name}"
        for p in KIOSK.rglob("*.py")
        for name in imports(p)
        if name.split(".")[0] in SERVER_SIDE and not name.startswith("screen_server.protocol")
    ]
    assert not wrong
    assert "screen_server.protocol" in imports(KIOSK / "net.py")


def test_plain_layers_do_not_import_kivy_and_screens_do_not_import_asyncio() -> None:
    kivy = [f"{n}: {m}" for n in PLAIN for m in imports(KIOSK / n) if m.split(".")[0] == "kivy"]
    assert not kivy
    screens = [p.name for p in (KIOSK / "screens").glob("*.py") if "asyncio" in imports(p)]
    assert not screens
