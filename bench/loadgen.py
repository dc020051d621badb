"""HTTP load generators: ``wrk`` (Debian package ``wrk``) when installed, else a small asyncio client
run in its own process (``python -m bench.loadgen URL -c 64 -d 10``), less accurate but dependency-free.

Both return a ``Load``: requests per second, latency percentiles, errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from bench.procs import BenchError

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


@dataclass
class Load:
    rps: float
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # socket errors, timeouts and non-2xx answers
    tool: str


def has_wrk() -> bool:
    return shutil.which("wrk") is not None


def run(url: str, *, connections: int, seconds: float, tool: str = "auto", threads: int = 2) -> Load:
    """Load ``url`` with ``connections`` keep-alive connections for ``seconds``."""
    if tool == "auto":
        tool = "wrk" if has_wrk() else "python"
    if tool == "wrk":
        return run_wrk(url, connections=connections, seconds=seconds, threads=threads)
    return run_python(url, connections=connections, seconds=seconds)


def run_wrk(url: str, *, connections: int, seconds: float, threads: int = 2) -> Load:
    threads = max(1, min(threads, connections))
    argv = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "--timeout",
        "10s",
        url,
    ]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30, check=False)
    if out.returncode != 0:
        raise BenchError(f"wrk failed ({out.returncode}): {out.stderr or out.stdout}")
    return parse_wrk(out.stdout)


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if not m:
        raise BenchError(f"cannot read a wrk duration: {text!r}")
    return float(m.group(1)) * _UNITS_MS[m.group(2)]


def parse_wrk(text: str) -> Load:
    """Read wrk's ``--latency`` report."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    total = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m|h)", text)
    p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
    if not (rps and total and p50 and p99):
        raise BenchError(f"cannot read wrk's report:\n{text}")
    errors = 0
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if sock:
        errors += sum(int(x) for x in sock.groups())
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if non2xx:
        errors += int(non2xx.group(1))
    return Load(
        rps=float(rps.group(1)),
        requests=int(total.group(1)),
        seconds=_ms(total.group(2) + total.group(3)) / 1000,
        p50_ms=_ms(p50.group(1)),
        p99_ms=_ms(p99.group(1)),
        errors=errors,
        tool="wrk",
    )


def run_python(url: str, *, connections: int, seconds: float) -> Load:
    argv = [sys.executable, "-m", "bench.loadgen", url, "-c", str(connections), "-d", str(seconds)]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=False)
    if out.returncode != 0:
        raise BenchError(f"the Python load generator failed: {out.stderr[-2000:]}")
    return Load(**json.loads(out.stdout.strip().splitlines()[-1]))


# --- the asyncio load generator (runs in its own process) ----------------------------------------------
async def _worker(
    host: str, port: int, request: bytes, until: float, lat: list[float], errs: list[int]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.monotonic() < until:
            t0 = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            lat.append((time.perf_counter() - t0) * 1000)
            if not 200 <= status < 400:
                errs.append(status)
    except (OSError, asyncio.IncompleteReadError, ValueError):
        errs.append(0)
    finally:
        writer.close()


async def _load(url: str, connections: int, seconds: float) -> Load:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request = f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept: */*\r\n\r\n".encode()
    lat: list[float] = []
    errs: list[int] = []
    started = time.monotonic()
    until = started + seconds
    await asyncio.gather(*(_worker(host, port, request, until, lat, errs) for _ in range(connections)))
    elapsed = time.monotonic() - started
    lat.sort()

    def pct(q: float) -> float:
        return lat[min(len(lat) - 1, int(q * len(lat)))] if lat else 0.0

    return Load(len(lat) / elapsed, len(lat), elapsed, pct(0.50), pct(0.99), len(errs), "python-asyncio")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.loadgen")
    parser.add_argument("url")
    parser.add_argument("-c", "--connections", type=int, default=64)
    parser.add_argument("-d", "--seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    load = asyncio.run(_load(args.url, args.connections, args.seconds))
    print(json.dumps(asdict(load)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
