"""``python -m bench [--only NAME ...] [--quick] [--out DIR]``: run the benchmarks, print the table and
write ``bench/results/latest.json`` and ``latest.md``.

A benchmark that fails is recorded with ``value: null`` and its ``error``, the others still run, and the
exit code is 1. ``--only`` runs just the named benchmarks and keeps the other entries of an existing
``latest.json``.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from bench import (
    contest,
    http_read,
    kill9,
    kiosk,
    kiosk_frames,
    media,
    report,
    scale,
    search,
    signin,
    stats,
    ws_broadcast,
)
from bench.procs import raise_fd_limit

Runner = Callable[[bool, set[str], Path], dict[str, dict[str, Any]]]  # (quick, names, out dir)


@dataclass(frozen=True)
class Benchmark:
    group: str
    names: dict[str, str]  # result name → unit
    run: Runner


BENCHMARKS = (
    Benchmark("http_read", {"http_read": "req/s"}, lambda quick, _names, _out: http_read.run(quick=quick)),
    Benchmark(
        "ws_broadcast", {"ws_broadcast_1000": "ms"}, lambda quick, _names, _out: ws_broadcast.run(quick=quick)
    ),
    Benchmark(
        "kiosk",
        {"kiosk_first_frame_s": "s", "kiosk_rss_mb": "MB"},
        lambda quick, names, out: kiosk.run(quick=quick, names=names, out=out),
    ),
    Benchmark(
        "signin",
        {"signin_64": "sign-ins/s", "signin_collapse": "ratio 64/8", "signin_to_wall_ms": "ms"},
        lambda quick, _names, _out: signin.run(quick=quick),
    ),
    Benchmark("search", {"search_p95_ms": "ms"}, lambda quick, _names, _out: search.run(quick=quick)),
    Benchmark("media", {"video_range": "MiB/s"}, lambda quick, _names, _out: media.run(quick=quick)),
    Benchmark("stats", {"stats_push_ms": "ms"}, lambda quick, _names, _out: stats.run(quick=quick)),
    Benchmark("kiosk_frames", {"kiosk_panel_frame_ms": "ms"},
              lambda quick, _names, _out: kiosk_frames.run(quick=quick)),
    Benchmark("kill9", {"kill9_signin": "sign-ins lost"}, lambda quick, _names, _out: kill9.run(quick=quick)),
    Benchmark(
        "contest",
        {"contest_2000_answers_per_s": "answers/s", "contest_2000_close_to_board_ms": "ms"},
        lambda quick, _names, _out: contest.run(quick=quick),
    ),
    Benchmark(
        "scale_contest",
        {"contest_5000_answers_per_s": "answers/s", "contest_5000_close_to_board_ms": "ms"},
        lambda quick, _names, _out: scale.contest(quick=quick),
    ),
    Benchmark(
        "scale_signin",
        {"signin_64_2proc": "sign-ins/s", "signin_64_gunicorn": "sign-ins/s"},
        lambda quick, _names, _out: scale.signin(quick=quick),
    ),
)


def selected(only: list[str]) -> list[tuple[Benchmark, set[str]]]:
    """The benchmarks to run and, for each, which of its results; unknown names raise SystemExit."""
    wanted = {n.strip() for item in only for n in item.split(",") if n.strip()}
    known = {b.group for b in BENCHMARKS} | {n for b in BENCHMARKS for n in b.names}
    unknown = wanted - known
    if unknown:
        raise SystemExit(
            f"unknown benchmark(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}"
        )
    chosen = []
    for bench in BENCHMARKS:
        names = set(bench.names) if not wanted or bench.group in wanted else set(bench.names) & wanted
        if names:
            chosen.append((bench, names))
    return chosen


def _terminate(signum: int, _frame: FrameType | None) -> None:
    print(f"stopped by signal {signum}", file=sys.stderr, flush=True)
    raise SystemExit(128 + signum)  # unwinds through every ``finally``, which stops the child processes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="run only this benchmark (a result name or a group; repeat or comma-separate)",
    )
    parser.add_argument("--quick", action="store_true", help="shorter runs (marked as such in the results)")
    parser.add_argument("--out", type=Path, default=report.RESULTS_DIR, help="where latest.json/.md go")
    parser.add_argument(
        "--timeout", type=int, default=900, help="stop everything after this many seconds (0: never)"
    )
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = parser.parse_args(argv)
    if args.list:
        for bench in BENCHMARKS:
            print(f"{bench.group}: {', '.join(bench.names)}")
        return 0
    chosen = selected(args.only)
    previous = {sig: signal.signal(sig, _terminate) for sig in (signal.SIGTERM, signal.SIGALRM)}
    signal.alarm(max(0, args.timeout))
    try:
        failed = run_all(chosen, quick=args.quick, out=args.out)
    finally:
        signal.alarm(0)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 1 if failed else 0


def run_all(chosen: list[tuple[Benchmark, set[str]]], *, quick: bool, out: Path) -> bool:
    """Run ``chosen``, writing the results after each; print the table; return whether any failed."""
    meta = report.machine() | {
        "quick": quick,
        "only": sorted({n for _, ns in chosen for n in ns}),
        "open_files_limit": raise_fd_limit(),
    }
    json_path = out / "latest.json"
    failed = False
    results: dict[str, dict[str, Any]] = {}
    started = time.monotonic()
    for bench, names in chosen:
        print(f"== {bench.group} ({', '.join(sorted(names))})", file=sys.stderr, flush=True)
        t0 = time.monotonic()
        try:
            got = bench.run(quick, names, out)
        except Exception as exc:  # record it and go on with the others
            failed = True
            message = f"{type(exc).__name__}: {exc}"
            print(f"   failed: {message}", file=sys.stderr, flush=True)
            got = {n: {"value": None, "unit": bench.names[n], "error": message[:2000]} for n in names}
        for entry in got.values():
            entry["quick"] = quick
        results.update(got)
        print(f"   done in {time.monotonic() - t0:.1f} s", file=sys.stderr, flush=True)
        meta["elapsed_s"] = round(time.monotonic() - started, 1)
        data = report.merge(json_path, results, meta)
        report.write(data, out)
    json_path, md_path = report.write(report.merge(json_path, results, meta), out)
    print(report.table(json.loads(json_path.read_text("utf-8"))))
    print(f"\n{json_path}\n{md_path}")
    return failed


if __name__ == "__main__":
    sys.exit(main())
