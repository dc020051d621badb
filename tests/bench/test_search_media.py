"""The search and media benches on small inputs: they seed, time real queries and real range requests."""

from __future__ import annotations

from bench import media, search


def test_search_bench_runs_small() -> None:
    result = search.run(items=300, rounds=1)["search_p95_ms"]
    assert result["value"] > 0 and result["items"] == 300 and all(result["hits"].values())


def test_media_bench_runs(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(media, "SIZE", 4 * 1024 * 1024)
    result = media.run(quick=True)["video_range"]
    assert result["value"] > 0 and result["baseline"] > 0 and result["errors"] == 0
