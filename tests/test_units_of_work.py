"""Services flush; one place commits. No module of the domain's services (any ``services.py``, the
member import, the learning library ``content``) calls ``commit()``: the HTTP layer's ``run``, the CLI
commands and the jobs do."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _service_modules() -> list[Path]:
    found = list((ROOT / "screen_server").rglob("services.py"))
    found += list((ROOT / "screen_server" / "org" / "importing").glob("*.py"))
    found += list((ROOT / "content").rglob("*.py"))
    return found


def test_no_service_commits() -> None:
    modules = _service_modules()
    assert len(modules) > 20
    committing = []
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit":
                committing.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    # record_apart: an audit entry (a refused login, a lockout) that must survive its request's rollback.
    assert [c for c in committing if not c.startswith("screen_server/audit/services.py")] == []
