"""A load generator process for the sign-in benchmarks: ``python -m bench.signin_client SPEC.json``.

The spec names the URL, the kind (``ours``: JSON with a phone cookie and a QR token; ``bare``: JSON
with a member id), the items (one per request: every request signs in a different member), the
number of threads and a deadline. Prints one line ``RESULT <json>``: requests, errors, seconds, latencies in ms.
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[0]).read_text("utf-8"))
    url = urlsplit(spec["url"])
    items: list[list[object]] = spec["items"]
    threads = int(spec["threads"])
    deadline = time.monotonic() + float(spec["seconds"])
    lock = threading.Lock()
    latencies: list[float] = []
    errors = [0]
    next_item = [0]

    def take() -> list[object] | None:
        with lock:
            if next_item[0] >= len(items):
                return None
            item = items[next_item[0]]
            next_item[0] += 1
            return item

    def worker() -> None:
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        mine: list[float] = []
        while time.monotonic() < deadline:
            item = take()
            if item is None:
                break
            if spec["kind"] == "ours":
                body = json.dumps({"token": spec["token"], "client_id": uuid.uuid4().hex})
                headers = {"Content-Type": "application/json", "Cookie": f"ar_phone={item[1]}"}
            else:
                body = json.dumps({"member_id": item[0]})
                headers = {"Content-Type": "application/json"}
            started = time.perf_counter()
            try:
                conn.request("POST", url.path, body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
                ok = resp.status in (200, 201)
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
            if ok:
                mine.append((time.perf_counter() - started) * 1000)
            else:
                with lock:
                    errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.monotonic() - started
    result = {"requests": len(latencies), "errors": errors[0], "seconds": elapsed, "latencies": latencies}
    print("RESULT", json.dumps(result, separators=(",", ":")), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
