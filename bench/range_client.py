"""A load generator for media range requests: ``python -m bench.range_client URL SIZE THREADS SECONDS``.

Each thread keeps one connection and asks for random 1 MiB ranges of the file (``Range: bytes=a-b``),
reading every byte. Prints ``RESULT <json>``: bytes, requests, errors, seconds.
"""

from __future__ import annotations

import http.client
import json
import random
import sys
import threading
import time
from urllib.parse import urlsplit

CHUNK = 1024 * 1024


def main(argv: list[str]) -> int:
    url, size, threads, seconds = urlsplit(argv[0]), int(argv[1]), int(argv[2]), float(argv[3])
    lock = threading.Lock()
    totals = {"bytes": 0, "requests": 0, "errors": 0}
    start = time.monotonic()
    deadline = start + seconds

    def worker(n: int) -> None:
        rng = random.Random(n)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        got = requests = errors = 0
        while time.monotonic() < deadline:
            first = rng.randrange(0, max(1, size - CHUNK))
            try:
                conn.request("GET", url.path, headers={"Range": f"bytes={first}-{first + CHUNK - 1}"})
                resp = conn.getresponse()
                body = resp.read()
                if resp.status == 206 and len(body) == CHUNK:
                    got += len(body)
                    requests += 1
                else:
                    errors += 1
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
        conn.close()
        with lock:
            totals["bytes"] += got
            totals["requests"] += requests
            totals["errors"] += errors

    workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print("RESULT " + json.dumps({**totals, "seconds": time.monotonic() - start}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
