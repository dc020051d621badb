"""Geometry for the statistics page's inline SVG charts: the daily trend (columns, or a line when there
are too many days for columns to read) and horizontal bars per branch.

Presentation only: numbers in, coordinates out; the template draws them. No scripts, no fonts of its
own: the SVG's text takes the page's CJK font.
"""

from __future__ import annotations

import math
from typing import Any

COLUMNS_UP_TO = 62  # days; past two months a column is a hairline, so the trend becomes a line


def nice_scale(peak: float, steps: int = 4) -> tuple[float, float]:
    """A round top and step for an axis that reaches ``peak`` in about ``steps`` gridlines (1, 2 or 5 × 10ⁿ)."""
    if peak <= 0:
        return float(steps), 1.0
    raw = peak / steps
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(step, 1.0)
    return math.ceil(peak / step) * step, float(step)


def trend_chart(days: list[dict[str, Any]], *, width: int = 1000, height: int = 260) -> dict[str, Any]:
    """The daily study minutes as columns (or a line), with a y axis of round numbers and thinned day labels."""
    left, right, top, bottom = 52, 12, 14, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(days), 1)
    peak = max((d["minutes"] for d in days), default=0)
    top_value, step = nice_scale(peak)
    base = top + plot_h
    slot = plot_w / n

    def y_of(value: float) -> float:
        return round(base - value / top_value * plot_h, 1)

    ticks = [{"y": y_of(v), "text": f"{v:g}"} for v in _range(0, top_value, step)]
    every = max(1, math.ceil(n / 16))
    labels = [{"x": round(left + (i + 0.5) * slot, 1), "text": d["label"]}
              for i, d in enumerate(days) if i % every == 0]
    columns, points = [], []
    for i, d in enumerate(days):
        x = left + i * slot
        title = f"{d['day']}：{d['minutes']} 分钟，{d['learners']} 人学习"
        if len(days) <= COLUMNS_UP_TO:
            w = max(slot * 0.64, 1.0)
            y = y_of(d["minutes"])
            columns.append({"x": round(x + (slot - w) / 2, 1), "y": y, "w": round(w, 1), "h": round(base - y, 1),
                            "cx": round(x + slot / 2, 1), "value": d["minutes"], "title": title})
        else:
            points.append((round(x + slot / 2, 1), y_of(d["minutes"]), title))
    line = " ".join(f"{x},{y}" for x, y, _ in points)
    area = f"M{points[0][0]},{base} L" + " L".join(f"{x},{y}" for x, y, _ in points) + f" L{points[-1][0]},{base} Z" \
        if points else ""
    return {"width": width, "height": height, "left": left, "right": width - right, "base": base, "ticks": ticks,
            "labels": labels, "columns": columns, "values": len(days) <= 16, "line": line, "area": area,
            "dots": [{"x": x, "y": y, "title": t} for x, y, t in points], "empty": peak == 0}


def branch_bars(rows: list[dict[str, Any]], *, peak: float | None = None, width: int = 560,
                row_height: int = 34, text_w: int = 78) -> dict[str, Any]:
    """Horizontal bars, one per row (``name``, ``value``, ``text``), scaled to ``peak`` or the largest value;
    ``text_w`` is the room kept on the right for each bar's figure."""
    label_w = 112
    track = width - label_w - text_w
    top_value = peak if peak else max((float(r["value"] or 0) for r in rows), default=0) or 1.0
    bars = []
    for i, r in enumerate(rows):
        value = float(r["value"] or 0)
        bars.append({"y": i * row_height, "name": r["name"], "text": r["text"],
                     "w": round(min(value / top_value, 1.0) * track, 1), "title": f"{r['name']}：{r['text']}"})
    return {"width": width, "height": max(len(rows), 1) * row_height, "row": row_height, "x": label_w,
            "track": track, "text_x": width - 4, "bars": bars}


def _range(start: float, stop: float, step: float) -> list[float]:
    count = int(round((stop - start) / step))
    return [start + i * step for i in range(count + 1)]
