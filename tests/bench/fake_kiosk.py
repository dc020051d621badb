"""A stand-in for ``activity-room kiosk`` with the same options, so the kiosk benchmark's own machinery
(first-frame file, screenshot fallback, memory reading, clean-up) is tested without Kivy.

    python -m tests.bench.fake_kiosk --server URL --mode terminal --size WxH --screenshot F --exit-after S

``--no-frame-file`` makes it ignore ``ACTIVITY_ROOM_KIOSK_FIRST_FRAME_FILE``, like a kiosk that does
not support it yet.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--mode", required=True)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--screenshot")
    parser.add_argument("--exit-after", type=float, default=0.0)
    parser.add_argument("--no-frame-file", action="store_true")
    args = parser.parse_args(argv)
    frame_file = os.environ.get("ACTIVITY_ROOM_KIOSK_FIRST_FRAME_FILE")
    if frame_file and not args.no_frame_file:
        with open(frame_file, "w") as fh:
            fh.write(f"{time.monotonic():.6f}\n")
    threading.Event().wait(args.exit_after)  # "runs" until --exit-after, as the kiosk does
    if args.screenshot:
        from PIL import Image

        Image.new("RGB", (4, 4), (120, 8, 16)).save(args.screenshot, "PNG")
    return 0


if __name__ == "__main__":
    sys.exit(main())
