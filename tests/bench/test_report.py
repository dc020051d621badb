"""The results file keeps other entries on a partial run, and the table shows every benchmark."""

from __future__ import annotations

import json
from pathlib import Path

from bench import report


def test_write_merges_and_renders(tmp_path: Path) -> None:
    path = tmp_path / "latest.json"
    path.write_text(json.dumps({"old": {"value": 1.0, "unit": "s"}, "_meta": {"date": "then"}}))
    meta = report.machine() | {"quick": True}
    data = report.merge(
        path,
        {
            "http_read": {
                "value": 2000.0,
                "unit": "req/s",
                "baseline": 2500.0,
                "ratio": 0.8,
                "p99_ms": 12.5,
                "method": "wrk",
            }
        },
        meta,
    )
    json_path, md_path = report.write(data, tmp_path)
    written = json.loads(json_path.read_text("utf-8"))
    assert set(written) == {"old", "http_read", "_meta"}
    assert written["_meta"]["cpu_count"] >= 1 and written["_meta"]["python"]
    md = md_path.read_text("utf-8")
    assert "| http_read" in md and "2,000.0" in md and "0.800" in md and "p99_ms=12.5" in md
    assert "quick run" in md and "`http_read`: wrk" in md


def test_table_shows_a_missing_value_as_a_dash() -> None:
    text = report.table({"kiosk_rss_mb": {"value": None, "unit": "MB", "skipped": "no kiosk"}, "_meta": {}})
    assert "kiosk_rss_mb" in text and "—" in text and "skipped=no kiosk" in text
    assert "_meta" not in text
