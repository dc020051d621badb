"""The API against its own description, from outside: Schemathesis (a test dependency) reads
``/api/openapi.json`` of a live demo server and sends generated requests with an admin session (signed in
just now, so re-authenticated), a terminal's device token with a member logged in at it (the member routes
are given that member's id) and a remembered phone, so every operation is reached past its log-in; a
bounded number of examples per operation. The test fails if any operation answers only 401/403.

The checks run here are the ones the hand-written description can keep today: no server error, only
documented status codes, the documented content type, headers and response shapes, the Allow header of
405, unsupported methods refused. ``positive_data_acceptance`` and ``negative_data_rejection`` (the
description as strict as the server's validation, both ways) wait for the typed wire: request
validation and the description generated from one set of types (issue 11, part 2); the report lists
what they find today.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from screen_server.runner import RoomServer
from tests.helpers.live_api import sign_in

ST = Path(sys.executable).parent / "st"
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,"
          "response_schema_conformance,unsupported_method,allow_header_conformance")
LOGOUT = "/api/device/members/logout"
EXAMPLES = 3  # per operation and phase: enough to reach each route's branches, bounded in time


@pytest.mark.usefixtures("demo_db")
@pytest.mark.skipif(not ST.exists(), reason="schemathesis is not installed (pip install -e '.[test]')")
def test_the_api_keeps_to_its_description(live_server: Callable[..., RoomServer], artifacts_dir: Path,
                                          tmp_path: Path) -> None:
    server = live_server(auto_approve_room="demo")
    credentials = sign_in(server.http_url)
    report = artifacts_dir / "schemathesis.txt"
    # The terminal's member routes read only the member logged in there: name that member, not a random id.
    (tmp_path / "schemathesis.toml").write_text(
        f'[parameters]\n"path.member_id" = {credentials.member_id}\n"query.member_id" = {credentials.member_id}\n',
        "utf-8")
    args = [str(ST), "run", f"{server.http_url}/api/openapi.json", "--checks", CHECKS, "-n", str(EXAMPLES),
            "--seed", "2026", "--request-timeout", "10", "--continue-on-failure", "--no-color"]
    for header in credentials.headers():
        args += ["-H", header]
    # Logging the member out would close the terminal's member routes for the rest of the run: it goes last.
    # cwd: Schemathesis keeps its cache of failing cases in ./.schemathesis, not in the checkout (and reads
    # the schemathesis.toml above).
    runs = [args + ["--exclude-path", LOGOUT], args + ["--include-path", LOGOUT]]
    outputs = []
    for run_args in runs:
        done = subprocess.run(run_args, capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path)
        outputs.append((done.returncode, done.stdout + done.stderr))
    report.write_text("\n".join(text for _code, text in outputs), "utf-8")
    for code, text in outputs:
        assert code == 0, f"Schemathesis found failures (full report: {report}):\n{text[-8000:]}"
    main = outputs[0][1]
    # Every operation is reached with credentials that let it do its work (the warning lists any that
    # answered only 401/403).
    assert "Authentication failed" not in main, main[main.index("Authentication failed"):][:3000]
