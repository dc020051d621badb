"""Imports point one way: admin → screen_server → content; kiosk → screen_server.protocol only."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = {
    "content": set(),
    "screen_server": {"content"},
    "admin": {"screen_server", "content"},
    "kiosk": {"screen_server.protocol"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_arrows_point_one_way() -> None:
    wrong = []
    for package, allowed in ALLOWED.items():
        others = set(ALLOWED) - {package}
        for path in (ROOT / package).rglob("*.py"):
            for name in _imports(path):
                top = name.split(".")[0]
                if top not in others:
                    continue
                if package == "kiosk":
                    ok = name == "screen_server.protocol" or name.startswith("screen_server.protocol.")
                else:
                    ok = top in allowed
                if not ok:
                    wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not wrong, "\n".join(sorted(set(wrong)))


def test_init_files_only_hand_on_names() -> None:
    heavy = ("create_engine", "connect(", "Thread(", "Window", "socket(")
    for package in ALLOWED:
        text = (ROOT / package / "__init__.py").read_text("utf-8")
        assert not any(h in text for h in heavy), package
