"""The API against its own description, from outside: Schemathesis (a test dependency) reads
``/api/openapi.json`` of a live demo server and sends generated requests with an admin session and a
device token, so authenticated operations are reached; a bounded number of examples per operation.

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
EXAMPLES = 3  # per operation and phase: enough to reach each route's branches, bounded in time


@pytest.mark.usefixtures("demo_db")
@pytest.mark.skipif(not ST.exists(), reason="schemathesis is not installed (pip install -e '.[test]')")
def test_the_api_keeps_to_its_description(live_server: Callable[..., RoomServer], artifacts_dir: Path,
                                          tmp_path: Path) -> None:
    server = live_server(auto_approve_room="demo")
    credentials = sign_in(server.http_url)
    report = artifacts_dir / "schemathesis.txt"
    args = [str(ST), "run", f"{server.http_url}/api/openapi.json", "--checks", CHECKS, "-n", str(EXAMPLES),
            "--seed", "2026", "--request-timeout", "10", "--continue-on-failure", "--no-color"]
    for header in credentials.headers():
        args += ["-H", header]
    # cwd: Schemathesis keeps its cache of failing cases in ./.schemathesis, not in the checkout.
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path)
    report.write_text(done.stdout + done.stderr, "utf-8")
    assert done.returncode == 0, f"Schemathesis found failures (full report: {report}):\n{done.stdout[-8000:]}"
