"""The kiosk's fonts and base look: registers the bundled Simplified Chinese font as Kivy's default,
installs the session's type scale (kiosk.typescale) and loads the theme and shared-widget KV files. Call ``install()`` once, after the window exists."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
FONT_DIR = HERE / "fonts"
REGULAR = FONT_DIR / "NotoSansSC-Regular.otf"
BOLD = FONT_DIR / "NotoSansSC-Bold.otf"
KV_FILES = ("theme.kv", "widgets.kv")
BACKGROUND = (0.47, 0.03, 0.05, 1)  # RED_DEEP in theme.kv: the window's clear colour
_installed = False


def register_fonts() -> None:
    """Make the bundled Noto Sans SC subset the default font ('Roboto') of every label and input."""
    from kivy.core.text import LabelBase

    LabelBase.register("Roboto", str(REGULAR), fn_bold=str(BOLD))
    LabelBase.register("NotoSansSC", str(REGULAR), fn_bold=str(BOLD))


def install() -> None:
    """Register fonts and load the theme once per process (a second app in tests reuses it)."""
    global _installed
    if _installed:
        return
    from kivy.lang import Builder

    import kiosk.widgets  # noqa: F401  (the classes widgets.kv styles)
    from kiosk import typescale

    typescale.install()  # every label reads the session's type scale (大字)
    register_fonts()
    for name in KV_FILES:
        Builder.load_file(str(HERE / name))
    _installed = True
