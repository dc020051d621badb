"""``activity-room kiosk``: start a touch terminal or a wall screen.

    activity-room kiosk --server http://HOST:PORT --mode terminal|wall [--size WxH] [--production]
                        [--state-dir DIR] [--idle-seconds N] [--lang zh_CN|en]
                        [--screenshot FILE --exit-after SECONDS]

The server's console script finds ``run`` through the ``activity_room.commands`` entry point. Kivy reads
its environment and configuration when first imported, so both are set here before any Kivy import.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

from kiosk.i18n import set_language
from kiosk.options import Options, parse

STARTED = time.monotonic()


def _language(argv: list[str]) -> str:
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return "zh_CN"


def kivy_environment(options: Options) -> None:
    """Set Kivy's environment variables (before ``import kivy``); values already set win."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_USE_DEFAULTCONFIG", "1")  # never read or write ~/.kivy/config.ini
    os.environ.setdefault("KIVY_HOME", str(options.state_dir / "kivy"))
    os.environ.setdefault("KIVY_IMAGE", "sdl2,pil")  # keeps ffpyplayer's image loader (and 12 MB) out
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    os.environ.setdefault("KIVY_VIDEO", "ffpyplayer")  # the PyPI Kivy wheel has no GStreamer
    if not Path("/dev/snd").exists():  # no sound card (CI, a virtual display): videos play silently
        os.environ.setdefault("SDL_AUDIODRIVER", "dummy")


def kivy_config(options: Options, *, testing: bool = False) -> None:
    """Configure the window (before ``kivy.core.window`` is imported)."""
    from kivy.config import Config

    width, height = options.size or (1920, 1080)
    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    Config.set("graphics", "resizable", "0" if options.production else "1")
    Config.set("kivy", "exit_on_escape", "0" if options.production else "1")
    Config.set("kivy", "log_level", "warning")
    # No multisampling: the kiosk draws flat shapes and text, and on a software renderer (or a terminal's
    # small GPU) 2× MSAA buffers the size of the screen cost tens of MB (kiosk_rss_mb).
    Config.set("graphics", "multisamples", "0")
    if options.production:
        Config.set("graphics", "show_cursor", "0")
        Config.set("graphics", "allow_screensaver", "0")
        Config.set("graphics", "borderless", "1")
        if options.size:
            # Without a window manager 'auto' fullscreen does not fill the screen: place it ourselves.
            Config.set("graphics", "position", "custom")
            Config.set("graphics", "left", "0")
            Config.set("graphics", "top", "0")
        else:
            Config.set("graphics", "fullscreen", "auto")
    if testing:
        for key, _value in Config.items("input"):
            Config.remove_option("input", key)
    else:
        Config.set("input", "mouse", "mouse,disable_multitouch")


def run(argv: list[str]) -> int:
    """Run the kiosk until it is closed (or ``--exit-after``); return the exit code."""
    set_language(_language(argv))
    options = parse(argv)
    options.state_dir.mkdir(parents=True, exist_ok=True)
    kivy_environment(options)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("websockets").setLevel(logging.WARNING)
    kivy_config(options)
    from kiosk.app import KioskApp

    app = KioskApp(options)
    app.run()
    if app.first_frame_at is not None:
        logging.getLogger(__name__).info("first frame %.2f s after start", app.first_frame_at - STARTED)
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
