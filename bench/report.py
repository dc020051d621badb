"""The results file and its table: ``bench/results/latest.json`` (one object, one key per benchmark, plus
``_meta``) and ``latest.md`` (the same as a readable table)."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"
# What each entry may carry besides value/unit/baseline/ratio that is worth a column's mention.
_NOTES = (
    "p99_ms",
    "p95_ms",
    "over_33ms",
    "compute_ms",
    "members",
    "rows",
    "baseline_p99_ms",
    "server_rss_mb",
    "baseline_server_rss_mb",
    "clients",
    "runs_s",
    "seconds",
    "endpoint",
    "errors",
    "skipped",
    "warning",
    "error",
)


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu_model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions: dict[str, str | None] = {}
    for dist in ("flask", "waitress", "websockets", "sqlalchemy", "kivy"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    wrk = None
    if shutil.which("wrk"):
        out = subprocess.run(["wrk", "--version"], capture_output=True, text=True, timeout=10, check=False)
        wrk = (out.stdout or out.stderr).splitlines()[0] if (out.stdout or out.stderr) else "wrk"
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu_model": cpu_model,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": versions,
        "wrk": wrk,
        "git_commit": _git_commit(),
    }


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            cwd=RESULTS_DIR.parent,
            check=False,
        )
    except OSError:
        return None
    return out.stdout.strip() or None


def merge(path: Path, results: dict[str, dict[str, Any]], meta: dict[str, Any]) -> dict[str, Any]:
    """Return the file's existing results updated with ``results`` (a partial run keeps the others)."""
    data: dict[str, Any] = {}
    if path.exists():
        try:
            loaded = json.loads(path.read_text("utf-8"))
            if isinstance(loaded, dict):
                data = loaded
        except ValueError:
            data = {}
    data.update(results)
    data["_meta"] = meta
    return data


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return str(value)


def table(data: dict[str, Any]) -> str:
    """The results as a Markdown table (readable as plain text too)."""
    rows = [("benchmark", "value", "unit", "baseline", "ratio", "notes")]
    for name, entry in data.items():
        if name.startswith("_") or not isinstance(entry, dict):
            continue
        notes = "; ".join(f"{k}={_fmt(entry[k])}" for k in _NOTES if k in entry)
        rows.append(
            (
                name,
                _fmt(entry.get("value")),
                str(entry.get("unit", "")),
                _fmt(entry.get("baseline")),
                _fmt(entry.get("ratio")),
                notes,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def write(data: dict[str, Any], out_dir: Path = RESULTS_DIR) -> tuple[Path, Path]:
    """Write ``latest.json`` and ``latest.md`` into ``out_dir``; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / "latest.json", out_dir / "latest.md"
    json_path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", "utf-8")
    meta = data.get("_meta", {})
    header = (
        f"# Benchmarks\n\n{meta.get('date', '')} · {meta.get('cpu_count')} CPU ({meta.get('cpu_model', '')}) · "
        f"Python {meta.get('python', '')}" + (" · **quick run**" if meta.get("quick") else "") + "\n\n"
        "ratio: 1.0 = as good as the baseline measured in the same run; higher is better.\n\n"
    )
    methods = "\n".join(
        f"- `{k}`: {v['method']}"
        for k, v in data.items()
        if not k.startswith("_") and isinstance(v, dict) and v.get("method")
    )
    md_path.write_text(header + table(data) + "\n\nHow each was measured:\n\n" + methods + "\n", "utf-8")
    return json_path, md_path
