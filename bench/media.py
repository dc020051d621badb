"""``video_range``: MiB/s of 1 MiB range requests from 16 connections against our ``/media/...``
endpoint (a published video), and against a bare Flask app serving the same file with
``send_from_directory`` under the same waitress setup, in the same run (ratio = ours ÷ bare).

Both servers and the load generator (``bench.range_client``) are child processes; rounds alternate.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.http_read import HTTP_THREADS, start_ours
from bench.procs import Child, children, free_port, wait_http

SIZE = 48 * 1024 * 1024
CONNECTIONS = 16


def _seed(data: Path) -> tuple[str, Path]:
    """A published video of SIZE bytes in a fresh data directory; return its URL path and file."""
    from content import services as cs
    from content.demo import DEMO_MEDIA
    from content.media import MediaStore
    from content.models import ItemKind
    from screen_server.config import load_settings
    from screen_server.org.models import Role, User
    from screen_server.runtime import build_runtime

    settings = load_settings(data, secret_key="bench-media")
    rt = build_runtime(settings)
    source = data.parent / "lesson.mp4"
    with open(source, "wb") as f:
        f.write((DEMO_MEDIA / "party-flag-lesson.mp4").read_bytes())
        f.write(os.urandom(SIZE - f.tell()))
    with rt.session_factory() as s:
        author = User(username="bench-editor", display_name="编辑", password_hash="-", role=Role.EDITOR)
        reviewer = User(username="bench-reviewer", display_name="审核", password_hash="-", role=Role.REVIEWER)
        s.add_all([author, reviewer])
        s.flush()
        with open(source, "rb") as stream:
            asset = cs.add_media(s, MediaStore(settings.media_dir), stream, filename="lesson.mp4")
        item = cs.create_item(s, kind=ItemKind.VIDEO, title="微党课", author_user_id=author.id,
                              main_media_id=asset.id)
        cs.submit(s, item, actor_user_id=author.id)
        cs.approve(s, item, reviewer_user_id=reviewer.id)
        s.commit()
        url = f"/media/{asset.id}/{asset.sha256[:16]}.mp4"
        path = MediaStore(settings.media_dir).path_for(asset.path)
    rt.close()
    return url, path


def _load(base: Path, url: str, seconds: float, name: str) -> dict[str, Any]:
    child = Child([sys.executable, "-m", "bench.range_client", url, str(SIZE), str(CONNECTIONS), str(seconds)],
                  name=name, log_dir=base, lines=True)
    try:
        return json.loads(" ".join(child.expect("RESULT", timeout=seconds + 60)))
    finally:
        child.stop()


def run(*, quick: bool = False) -> dict[str, dict[str, Any]]:
    seconds, rounds = (2.0, 1) if quick else (5.0, 2)
    with tempfile.TemporaryDirectory(prefix="bench-media-") as tmp, children() as started:
        base = Path(tmp)
        url, path = _seed(base / "data")
        static = base / "static"
        static.mkdir()
        shutil.copy(path, static / "lesson.mp4")
        ours = start_ours(started, base / "data", base, threads=HTTP_THREADS) + url
        port = free_port()
        bare_child = Child([sys.executable, "-m", "bench.flask_bare", "--port", str(port), "--threads",
                            str(HTTP_THREADS), "--static", str(static)], name="bare-static", log_dir=base)
        started.append(bare_child)
        bare = f"http://127.0.0.1:{port}/files/lesson.mp4"
        wait_http(f"http://127.0.0.1:{port}/api/server-info", bare_child)
        results: dict[str, list[dict[str, Any]]] = {"ours": [], "bare": []}
        for n in range(rounds):
            results["ours"].append(_load(base, ours, seconds, f"load-ours-{n}"))
            results["bare"].append(_load(base, bare, seconds, f"load-bare-{n}"))

    def rate(side: str) -> float:
        got = results[side]
        return sum(r["bytes"] for r in got) / sum(r["seconds"] for r in got) / 2**20

    ours_rate, bare_rate = rate("ours"), rate("bare")
    errors = sum(r["errors"] for r in results["ours"])
    return {"video_range": {
        "value": round(ours_rate, 1), "unit": "MiB/s", "baseline": round(bare_rate, 1),
        "ratio": round(ours_rate / bare_rate, 3) if bare_rate else None, "errors": errors,
        "clients": CONNECTIONS,
        "method": f"{rounds} alternating round(s) of {seconds:g} s; {CONNECTIONS} connections each asking for "
                  f"random 1 MiB ranges of a {SIZE // 2**20} MiB video; waitress {HTTP_THREADS} threads both sides",
    }}
