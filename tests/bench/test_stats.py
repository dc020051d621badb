"""``stats_push_ms`` on a tiny database: the bench seeds, connects a wall and times real pushes."""

from __future__ import annotations

from bench import stats


def test_stats_push_bench_runs_small() -> None:
    result = stats.run(members=200, spans_per_member=3, meetings_per_branch=1, rounds=1)["stats_push_ms"]
    assert result["unit"] == "ms" and result["value"] > 0 and result["members"] == 200
    assert result["rows"] > 600 and len(result["rounds_ms"]) == 1
