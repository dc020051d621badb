"""A load generator process for the contest benchmark: ``python -m bench.contest_client SPEC.json``.

The spec names the URL of the answers endpoint, the question index, the players (``[player_id, secret,
answer]``) and the number of threads. Every player answers once, as soon as a thread is free. Prints
one line ``RESULT <json>``: answers accepted, errors, the first send and the last answer
(``time.monotonic_ns()``, one clock for every process on Linux), and latencies in ms.
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[0]).read_text("utf-8"))
    url = urlsplit(spec["url"])
    players: list[list[object]] = spec["players"]
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    cursor = [0]
    first, last = [0], [0]

    def take() -> list[object] | None:
        with lock:
            if cursor[0] >= len(players):
                return None
            cursor[0] += 1
            return players[cursor[0] - 1]

    def worker() -> None:
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        while (player := take()) is not None:
            body = json.dumps({"player_id": player[0], "secret": player[1], "index": spec["index"],
                               "answer": player[2]})
            started = time.perf_counter()
            sent_ns = time.monotonic_ns()
            with lock:
                first[0] = first[0] or sent_ns
            try:
                conn.request("POST", url.path, body=body, headers={"Content-Type": "application/json"})
                resp = conn.getresponse()
                text = resp.read()
                ok = resp.status == 201
            except (OSError, http.client.HTTPException) as exc:
                ok, text = False, repr(exc).encode()
                conn.close()
            with lock:
                if ok:
                    latencies.append((time.perf_counter() - started) * 1000)
                    last[0] = max(last[0], time.monotonic_ns())
                else:
                    errors.append(text[:200].decode("utf-8", "replace"))
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(int(spec["threads"]))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    print("RESULT " + json.dumps({"ok": len(latencies), "errors": len(errors), "error_sample": errors[:3],
                                  "first_ns": first[0], "last_ns": last[0],
                                  "p99_ms": latencies[int(0.99 * (len(latencies) - 1))] if latencies else None}),
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
