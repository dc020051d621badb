"""The load generators: wrk's report is read right; the asyncio fallback loads a real server."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench import loadgen
from bench.procs import Child, children, free_port, wait_http

WRK_REPORT = """\
Running 1s test @ http://127.0.0.1:18999/nope
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     0.93ms    1.07ms  15.31ms   96.27%
    Req/Sec     2.47k   268.71     2.71k    81.82%
  Latency Distribution
     50%  748.00us
     75%    0.97ms
     90%    1.28ms
     99%    1.05s
  2700 requests in 1.10s, 0.90MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 40
Requests/sec:   2454.92
Transfer/sec:    841.61KB
"""


def test_parse_wrk_reads_rate_percentiles_and_errors() -> None:
    load = loadgen.parse_wrk(WRK_REPORT)
    assert load.rps == pytest.approx(2454.92)
    assert load.requests == 2700
    assert load.seconds == pytest.approx(1.10)
    assert load.p50_ms == pytest.approx(0.748)
    assert load.p99_ms == pytest.approx(1050.0)
    assert load.errors == 45
    assert load.tool == "wrk"


def test_parse_wrk_refuses_what_it_cannot_read() -> None:
    with pytest.raises(loadgen.BenchError):
        loadgen.parse_wrk("unable to connect to 127.0.0.1:1 Connection refused")


def test_python_load_generator_loads_a_server(tmp_path: Path) -> None:
    port = free_port()
    with children() as started:
        child = Child(
            [sys.executable, "-m", "bench.flask_bare", "--port", str(port), "--threads", "2"],
            name="bare",
            log_dir=tmp_path,
        )
        started.append(child)
        url = f"http://127.0.0.1:{port}/api/server-info"
        wait_http(url, child)
        load = loadgen.run(url, connections=2, seconds=0.5, tool="python")
    assert load.tool == "python-asyncio"
    assert load.requests > 0
    assert load.errors == 0
    assert 0 < load.p50_ms <= load.p99_ms
