"""``http_read`` runs end to end on a tiny load and returns a result of the contract's shape."""

from __future__ import annotations

import pytest

from bench import http_read, loadgen

TOOLS = [
    "python",
    pytest.param("wrk", marks=pytest.mark.skipif(not loadgen.has_wrk(), reason="wrk not installed")),
]


@pytest.mark.parametrize("tool", TOOLS)
def test_http_read_returns_value_baseline_and_ratio(tool: str) -> None:
    results = http_read.run(connections=4, seconds=1, rounds=1, warmup=0, threads=2, tool=tool)
    assert set(results) == {"http_read"}
    r = results["http_read"]
    assert r["unit"] == "req/s"
    assert r["value"] > 0 and r["baseline"] > 0
    assert r["ratio"] == pytest.approx(r["value"] / r["baseline"], rel=0.01)
    assert r["errors"] == 0 and r["baseline_errors"] == 0
    assert r["p99_ms"] > 0
    assert r["endpoint"] == "GET /api/server-info"
    assert r["method"].startswith(tool)
