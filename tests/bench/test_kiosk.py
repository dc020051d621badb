"""The kiosk benchmarks: their machinery with a stand-in kiosk, and the real kiosk when it is installed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench import kiosk

FAKE = [sys.executable, "-m", "tests.bench.fake_kiosk"]
NOWHERE = "http://127.0.0.1:9"  # the stand-in never connects


def test_first_frame_file_and_memory_with_a_stand_in_kiosk(tmp_path: Path) -> None:
    results = kiosk.run(runs=2, rss_seconds=0.5, kiosk_cmd=FAKE, server=NOWHERE, out=tmp_path)
    first, rss = results["kiosk_first_frame_s"], results["kiosk_rss_mb"]
    assert first["unit"] == "s" and rss["unit"] == "MB"
    assert len(first["runs_s"]) == 2
    assert 0 < first["value"] < 90
    assert "first_frame_file" in first["method"]
    assert rss["value"] > 1  # a Python process holds a few MB at least
    assert (tmp_path / "kiosk-rss.png").read_bytes().startswith(b"\x89PNG")
    assert "blank" in rss["warning"]  # the stand-in's screenshot is one colour


def test_falls_back_to_the_screenshot_when_the_kiosk_writes_no_frame_file() -> None:
    results = kiosk.run(
        names={"kiosk_first_frame_s"}, runs=1, kiosk_cmd=[*FAKE, "--no-frame-file"], server=NOWHERE
    )
    assert set(results) == {"kiosk_first_frame_s"}
    first = results["kiosk_first_frame_s"]
    assert "screenshot_upper_bound" in first["method"]
    assert first["value"] >= kiosk.SCREENSHOT_EXIT_AFTER


@pytest.mark.kiosk
@pytest.mark.skipif(not kiosk.kiosk_available(), reason="the kiosk package is not installed yet")
def test_real_kiosk_draws_a_frame_and_reports_its_memory(artifacts_dir: Path) -> None:
    results = kiosk.run(runs=1, rss_seconds=3, out=artifacts_dir / "bench")
    assert results["kiosk_first_frame_s"]["value"] > 0
    assert results["kiosk_rss_mb"]["value"] > 20
    assert "warning" not in results["kiosk_rss_mb"]
