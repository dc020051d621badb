"""Taking a batch off a work queue: the one pattern behind the single-writer threads (sign-ins, their
points, contest answers), where everything queued shares one transaction and one commit."""

from __future__ import annotations

import queue
import time
from typing import TypeVar

T = TypeVar("T")


def take_batch(work: queue.Queue[T | None], first: T, limit: int, linger: float = 0.0) -> list[T]:
    """``first`` and whatever else is queued, up to ``limit`` items, waiting up to ``linger`` seconds for
    more. A ``None`` (the stop signal) ends the batch and is put back, so the caller's next ``get`` sees it."""
    batch = [first]
    deadline = time.monotonic() + linger
    while len(batch) < limit:
        try:
            item = work.get(timeout=max(0.0, deadline - time.monotonic())) if linger else work.get_nowait()
        except queue.Empty:
            break
        if item is None:
            work.put(None)
            break
        batch.append(item)
    return batch
