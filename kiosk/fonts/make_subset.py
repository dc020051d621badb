"""Make the kiosk's own CJK fonts: a Simplified Chinese subset of Noto Sans CJK (OFL 1.1).

Run once by a developer (the output is checked in, so a fresh machine needs no system font)::

    python kiosk/fonts/make_subset.py            # reads Debian's fonts-noto-cjk collections
    python kiosk/fonts/make_subset.py --src DIR  # or a folder holding NotoSansCJK-{Regular,Bold}.ttc

Why a subset of face 2: Debian ships ``.ttc`` collections whose face 0 is the Japanese face, and Kivy
opens only face 0, so 令, 门 and others would get Japanese shapes. Face 2 is "Noto Sans CJK SC".
The subset keeps Latin-1, general and CJK punctuation, full-width forms, every GB2312 character
(its 6,763 level-1 and level-2 hanzi and its symbol rows), and every character used in the kiosk's
own ``.py`` and ``.kv`` files, so each weight stays under ~4 MB.

This module is a developer tool: the kiosk never imports it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
KIOSK = HERE.parent
DEFAULT_SRC = Path("/usr/share/fonts/opentype/noto")
SC_FACE = 2  # 0 JP, 1 KR, 2 SC, 3 TC, 4 HK in Noto's collections
WEIGHTS = {"Regular": "NotoSansSC-Regular.otf", "Bold": "NotoSansSC-Bold.otf"}
RANGES = [
    (0x0020, 0x00FF),  # Basic Latin + Latin-1
    (0x2000, 0x206F),  # general punctuation (— ‘ ’ “ ” …)
    (0x2100, 0x218F),  # letterlike symbols, number forms (℃ Ⅰ Ⅱ)
    (0x2190, 0x21FF),  # arrows
    (0x2460, 0x24FF),  # enclosed numbers (① ②)
    (0x25A0, 0x25FF),  # geometric shapes (● ○ ■ ▲)
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0xFF00, 0xFFEF),  # half- and full-width forms
]


def gb2312_chars() -> set[str]:
    """Every character GB2312 encodes (rows 0xA1-0xF7, cells 0xA1-0xFE)."""
    chars: set[str] = set()
    for row in range(0xA1, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                chars.add(bytes([row, cell]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def own_text_chars() -> set[str]:
    """Characters used in the kiosk's own source, so no UI string ever falls outside the font."""
    chars: set[str] = set()
    for path in list(KIOSK.rglob("*.py")) + list(KIOSK.rglob("*.kv")) + list(KIOSK.rglob("*.po")):
        chars.update(path.read_text("utf-8"))
    return {c for c in chars if ord(c) >= 0x80}


def wanted_codepoints() -> set[int]:
    points = {cp for lo, hi in RANGES for cp in range(lo, hi + 1)}
    points.update(ord(c) for c in gb2312_chars() | own_text_chars())
    return points


def make(src_dir: Path, out_dir: Path) -> list[Path]:
    """Write the two subset fonts into ``out_dir`` and return their paths."""
    from fontTools import subset
    from fontTools.ttLib import TTCollection

    codepoints = wanted_codepoints()
    written = []
    for weight, out_name in WEIGHTS.items():
        font = TTCollection(str(src_dir / f"NotoSansCJK-{weight}.ttc")).fonts[SC_FACE]
        options = subset.Options()
        options.layout_features = ["*"]  # keep vertical forms, proportional digits, locl
        options.name_IDs = ["*"]
        options.name_languages = ["*"]
        options.notdef_outline = True
        options.hinting = False  # CFF hints matter little at kiosk sizes; saves ~10 %
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=codepoints)
        subsetter.subset(font)
        out = out_dir / out_name
        font.save(str(out))
        written.append(out)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Make the kiosk's Simplified Chinese font subset")
    parser.add_argument("--src", type=Path, default=DEFAULT_SRC, help="folder with NotoSansCJK-*.ttc")
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args(argv)
    for path in make(args.src, args.out):
        print(f"{path}: {path.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
