"""``ws_broadcast_1000`` runs end to end with a few clients and returns a result of the contract's shape."""

from __future__ import annotations

import json

import pytest

from bench import ws_broadcast
from bench.ws_bare import payload


def test_ws_broadcast_reaches_every_client_on_both_sides() -> None:
    results = ws_broadcast.run(clients=6, rounds=2, client_procs=2)
    r = results["ws_broadcast_1000"]
    assert r["unit"] == "ms"
    assert r["clients"] == 6 and r["client_processes"] == 2
    assert len(r["rounds_ms"]) == 2 and len(r["baseline_rounds_ms"]) == 2
    assert all(x > 0 for x in r["rounds_ms"] + r["baseline_rounds_ms"])
    assert r["ratio"] == pytest.approx(r["baseline"] / r["value"], rel=0.01)
    assert r["server_rss_mb"] > 0 and r["baseline_server_rss_mb"] > 0


def test_payload_is_marked_with_its_round_and_fits_one_message() -> None:
    text = json.dumps(payload(7), ensure_ascii=False)
    assert json.loads(text)["bench_round"] == 7
    assert len(text.encode()) < 1024
