"""The contest bench on a small room: players join, answer through the HTTP API from generator
processes, and the wall's client gets the board after the close."""

from __future__ import annotations

from bench import contest


def test_contest_bench_runs_small() -> None:
    result = contest.run(quick=True, players=40)
    answers, board = result["contest_2000_answers_per_s"], result["contest_2000_close_to_board_ms"]
    assert answers["accepted"] == 40 and answers["errors"] == 0 and answers["value"] > 0
    assert board["value"] > 0 and board["board_ok"] and board["clients"] == 41
