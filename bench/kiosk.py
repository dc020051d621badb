"""``kiosk_first_frame_s`` and ``kiosk_rss_mb``: the kiosk's start-up time and its memory on the terminal
home screen, against a demo server (which approves kiosks by itself), under X (Xvfb when there is no
``DISPLAY``).

First frame: the time is taken just before the kiosk process is started; the kiosk, when
``ACTIVITY_ROOM_KIOSK_FIRST_FRAME_FILE`` is set, writes ``time.monotonic()`` of its first drawn frame
there (one clock for every process on Linux). A kiosk that does not do that is timed until its
``--screenshot`` PNG appears with ``--exit-after 0.5`` (an upper bound; ``method`` says which).

Memory: VmRSS of the kiosk process and its descendants after it has run for 60 s (10 s with ``--quick``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.procs import BenchError, Child, activity_room_cmd, children, clean_env, free_port, wait_http

FIRST_FRAME_ENV = "ACTIVITY_ROOM_KIOSK_FIRST_FRAME_FILE"
SIZE = "1920x1080"
SCREENSHOT_EXIT_AFTER = 0.5


def kiosk_available() -> bool:
    return importlib.util.find_spec("kiosk.cli") is not None


@contextlib.contextmanager
def display(log_dir: Path) -> Iterator[str]:
    """The X display to use: ``$DISPLAY`` if set, else a private Xvfb for the duration."""
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    read_fd, write_fd = os.pipe()
    log = (log_dir / "xvfb.log").open("wb")
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{SIZE}x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as pipe:
            number = pipe.readline().strip()  # Xvfb writes its display number once it is ready
        if not number:
            raise BenchError("Xvfb did not start")
        yield f":{number}"
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()


def _kiosk_argv(
    kiosk_cmd: list[str] | None, server: str, work: Path, *extra: str, state: str = "kiosk-state"
) -> list[str]:
    if kiosk_cmd is None:
        # A state directory of the benchmark's own, so a token of the user's kiosk stays out. Runs sharing
        # one start as an already paired terminal does after the first (the demo approves it at once).
        kiosk_cmd = [*activity_room_cmd(), "kiosk", "--state-dir", str(work / state)]
    return [*kiosk_cmd, "--server", server, "--mode", "terminal", "--size", SIZE, *extra]


def _kiosk_env(disp: str, **extra: str) -> dict[str, str]:
    return clean_env(DISPLAY=disp, SDL_AUDIODRIVER="dummy", KIVY_NO_ARGS="1", **extra)


def first_frame(
    started: list[Child], server: str, disp: str, work: Path, run_no: int, *, kiosk_cmd: list[str] | None
) -> tuple[float, str]:
    """Start one kiosk; return (seconds to its first frame, method)."""
    frame_file, shot = work / f"first-frame-{run_no}.txt", work / f"first-frame-{run_no}.png"
    argv = _kiosk_argv(
        kiosk_cmd, server, work, "--screenshot", str(shot), "--exit-after", str(SCREENSHOT_EXIT_AFTER)
    )
    env = _kiosk_env(disp, **{FIRST_FRAME_ENV: str(frame_file)})
    child = Child(argv, name=f"kiosk-first-frame-{run_no}", log_dir=work, env=env)
    started.append(child)
    t0, shot_at = child.started_at, None
    deadline = t0 + 90
    while time.monotonic() < deadline:
        if frame_file.exists() and frame_file.read_text().strip():
            break
        if shot_at is None and shot.exists():
            shot_at = time.monotonic()
        if not child.alive():
            break
        time.sleep(0.005)
    with contextlib.suppress(subprocess.TimeoutExpired):
        child.proc.wait(10)  # let it finish its screenshot and exit on its own
    child.stop()
    if frame_file.exists() and frame_file.read_text().strip():
        return float(frame_file.read_text().strip()) - t0, "first_frame_file"
    if shot_at is None and shot.exists():
        shot_at = time.monotonic()  # written just before exit, between two looks
    if shot_at is not None:
        return shot_at - t0, f"screenshot_upper_bound (PNG appeared, --exit-after {SCREENSHOT_EXIT_AFTER})"
    raise BenchError(
        f"the kiosk drew no frame within 90 s (exit {child.proc.returncode})\n{child.log_tail()}"
    )


def resident(
    started: list[Child],
    server: str,
    disp: str,
    work: Path,
    seconds: float,
    *,
    kiosk_cmd: list[str] | None,
    keep_screenshot: Path | None = None,
) -> tuple[float, bool]:
    """Run a kiosk for ``seconds`` on the terminal home screen; return its RSS (with children) in MiB and
    whether its screen was blank (one colour) at the end.

    It starts unpaired, as under ``make demo``, and is told to exit a second later with a screenshot, kept
    at ``keep_screenshot`` to show what it showed.
    """
    shot = work / "rss.png"
    argv = _kiosk_argv(
        kiosk_cmd,
        server,
        work,
        "--screenshot",
        str(shot),
        "--exit-after",
        str(seconds + 1),
        state="kiosk-rss",
    )
    child = Child(argv, name="kiosk-rss", log_dir=work, env=_kiosk_env(disp))
    started.append(child)
    until = child.started_at + seconds
    while time.monotonic() < until:
        if not child.alive():
            raise BenchError(f"the kiosk exited early ({child.proc.returncode})\n{child.log_tail()}")
        time.sleep(0.1)
    rss = child.rss_kib() / 1024
    with contextlib.suppress(subprocess.TimeoutExpired):
        child.proc.wait(30)
    child.stop()
    if keep_screenshot is not None and shot.exists():
        keep_screenshot.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, keep_screenshot)
    return rss, is_blank(shot)


def is_blank(png: Path) -> bool:
    """Whether a screenshot holds (almost) one colour: a screen that shows nothing."""
    if not png.exists():
        return False
    from PIL import Image

    try:
        with Image.open(png) as im:
            return len(set(im.convert("RGB").resize((96, 54)).getdata())) <= 2
    except OSError:  # unreadable: not evidence of a blank screen
        return False


def start_demo(started: list[Child], work: Path) -> str:
    port, ws_port = free_port(), free_port()
    argv = [
        *activity_room_cmd(),
        "demo",
        "--data",
        str(work / "data"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--ws-port",
        str(ws_port),
    ]
    child = Child(argv, name="demo-server", log_dir=work, env=clean_env(ACTIVITY_ROOM_LOG_LEVEL="WARNING"))
    started.append(child)
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/healthz", child, timeout=180)
    return url


def run(
    *,
    quick: bool = False,
    names: set[str] | None = None,
    runs: int | None = None,
    rss_seconds: float | None = None,
    kiosk_cmd: list[str] | None = None,
    server: str | None = None,
    out: Path | None = None,
) -> dict[str, dict[str, Any]]:
    """Measure the kiosk; return ``{"kiosk_first_frame_s": ..., "kiosk_rss_mb": ...}`` (those asked for).

    ``server`` is the URL the kiosk is pointed at; by default a demo server started here. With ``out``,
    the memory run's last screenshot is kept there as ``kiosk-rss.png``.
    """
    names = names or {"kiosk_first_frame_s", "kiosk_rss_mb"}
    runs = runs if runs is not None else (1 if quick else 3)
    rss_seconds = rss_seconds if rss_seconds is not None else (10.0 if quick else 60.0)
    if kiosk_cmd is None and not kiosk_available():
        reason = "the kiosk package is not installed yet"
        units = {"kiosk_first_frame_s": "s", "kiosk_rss_mb": "MB"}
        return {n: {"value": None, "unit": units[n], "skipped": reason} for n in sorted(names)}
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-kiosk-") as tmp, children() as started:
        work = Path(tmp)
        server = server or start_demo(started, work)
        with display(work) as disp:
            if "kiosk_first_frame_s" in names:
                timed = [
                    first_frame(started, server, disp, work, i, kiosk_cmd=kiosk_cmd) for i in range(runs)
                ]
                methods = sorted({m for _, m in timed})
                results["kiosk_first_frame_s"] = {
                    "value": round(statistics.median(t for t, _ in timed), 3),
                    "unit": "s",
                    "runs_s": [round(t, 3) for t, _ in timed],
                    "size": SIZE,
                    "method": f"median of {runs} run(s); " + "; ".join(methods),
                }
            if "kiosk_rss_mb" in names:
                keep = out / "kiosk-rss.png" if out else None
                rss, blank = resident(
                    started, server, disp, work, rss_seconds, kiosk_cmd=kiosk_cmd, keep_screenshot=keep
                )
                results["kiosk_rss_mb"] = {
                    "value": round(rss, 1),
                    "unit": "MB",
                    "seconds": rss_seconds,
                    "size": SIZE,
                    "method": f"VmRSS of the kiosk and its children after {rss_seconds:g} s on the terminal home "
                    "screen (MiB)" + (" (quick: shortened)" if quick else ""),
                }
                if blank:
                    results["kiosk_rss_mb"]["warning"] = "the kiosk's screen was blank at the end of the run"
    return results
