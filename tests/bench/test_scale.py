"""The scale-out contest bench on a small room: two processes behind nginx on PostgreSQL + Redis, the
answers all accepted, the wall's client gets the board after the host's close."""

from __future__ import annotations

import pytest

from bench import nginx, scale
from tests.helpers.shared import redis_or_skip


def test_scale_contest_bench_runs_small() -> None:
    if nginx.binary() is None:
        pytest.skip("nginx is not installed (make test installs it)")
    redis_or_skip()
    result = scale.contest(quick=True, players=40)
    answers, board = result["contest_5000_answers_per_s"], result["contest_5000_close_to_board_ms"]
    assert answers["accepted"] == 40 and answers["errors"] == 0 and answers["within_question_time"]
    assert board["value"] > 0 and board["board_ok"] and board["clients"] == 41
