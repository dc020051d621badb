"""Every user-facing string of the kiosk is translatable, the English catalogue covers them all, and
the bundled font covers every character the kiosk itself writes."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from fontTools.ttLib import TTFont

from kiosk import i18n, theme

KIOSK = Path(__file__).resolve().parents[2] / "kiosk"
KV_CALL = re.compile(r"""_\((['"])(.+?)\1\)""")
CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


def source_strings() -> set[str]:
    """The literal arguments of every ``_(...)`` call in the kiosk's Python and KV files."""
    found: set[str] = set()
    for path in KIOSK.rglob("*.py"):
        if path.parent.name == "fonts":
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "_"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    for path in KIOSK.rglob("*.kv"):
        found.update(m.group(2) for m in KV_CALL.finditer(path.read_text("utf-8")))
    return found


def test_the_english_catalogue_covers_every_string() -> None:
    from kiosk import present

    catalogue = json.loads((i18n.LOCALE_DIR / "en.json").read_text("utf-8"))
    strings = source_strings() | set(present.WEEKDAYS) | set(present.LEVELS.values())
    assert len(strings) > 50
    missing = sorted(s for s in strings if not catalogue.get(s))
    assert not missing, missing
    assert not [v for v in catalogue.values() if CJK.search(v)]


def test_present_speaks_the_chosen_language() -> None:
    import datetime as dt

    from kiosk import present

    i18n.set_language("en")
    try:
        assert present.level_text("urgent") == "Urgent"
        assert present.connection_text("down") == "Disconnected"
        assert present.date_text(dt.datetime(2026, 5, 1)) == "2026-05-01  Friday"
    finally:
        i18n.set_language("zh_CN")


def test_the_font_is_simplified_chinese_and_covers_the_kiosk_text() -> None:
    font = TTFont(str(theme.REGULAR), lazy=True)
    assert font["name"].getDebugName(1) == "Noto Sans CJK SC"
    cmap = font.getBestCmap()
    text = "".join(p.read_text("utf-8") for p in [*KIOSK.rglob("*.py"), *KIOSK.rglob("*.kv")])
    needed = {c for c in text if ord(c) > 0x7F} | set("令门党员活动室")
    assert not sorted(c for c in needed if ord(c) not in cmap)
    assert all(p.stat().st_size < 4_500_000 for p in (theme.REGULAR, theme.BOLD))
