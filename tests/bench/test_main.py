"""``python -m bench``: choosing benchmarks, recording a failure without stopping the others."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import bench.__main__ as cli


def test_only_selects_by_result_name_or_group() -> None:
    assert [(b.group, n) for b, n in cli.selected(["kiosk_rss_mb"])] == [("kiosk", {"kiosk_rss_mb"})]
    groups = [b.group for b, _ in cli.selected(["http_read,ws_broadcast"])]
    assert groups == ["http_read", "ws_broadcast"]
    assert len(cli.selected([])) == len(cli.BENCHMARKS)
    with pytest.raises(SystemExit):
        cli.selected(["no_such_bench"])


def test_a_failing_benchmark_is_recorded_and_the_others_still_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def good(quick: bool, names: set[str], out: Path) -> dict[str, dict[str, Any]]:
        return {"good": {"value": 1.5, "unit": "s", "method": "fake"}}

    def bad(quick: bool, names: set[str], out: Path) -> dict[str, dict[str, Any]]:
        raise RuntimeError("boom")

    monkeypatch.setattr(
        cli,
        "BENCHMARKS",
        (cli.Benchmark("bad", {"bad": "ms"}, bad), cli.Benchmark("good", {"good": "s"}, good)),
    )
    assert cli.main(["--quick", "--out", str(tmp_path)]) == 1
    data = json.loads((tmp_path / "latest.json").read_text("utf-8"))
    assert data["bad"]["value"] is None and "boom" in data["bad"]["error"]
    assert data["good"] == {"value": 1.5, "unit": "s", "method": "fake", "quick": True}
    assert data["_meta"]["quick"] is True
    assert "| good" in capsys.readouterr().out
    assert (tmp_path / "latest.md").exists()
