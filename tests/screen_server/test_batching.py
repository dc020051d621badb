"""take_batch: everything queued up to the limit; the stop signal ends a batch and stays queued; with a
linger, items put meanwhile by another thread join the batch."""

from __future__ import annotations

import queue
import threading

from screen_server.batching import take_batch


def test_takes_what_is_queued_up_to_the_limit() -> None:
    work: queue.Queue[int | None] = queue.Queue()
    for i in range(2, 6):
        work.put(i)
    assert take_batch(work, 1, limit=3) == [1, 2, 3]
    assert take_batch(work, work.get_nowait() or 0, limit=10) == [4, 5]


def test_the_stop_signal_ends_the_batch_and_stays_queued() -> None:
    work: queue.Queue[int | None] = queue.Queue()
    for item in (2, None, 3):
        work.put(item)
    assert take_batch(work, 1, limit=10) == [1, 2]
    assert work.get_nowait() == 3 and work.get_nowait() is None  # put back behind what was left


def test_a_linger_collects_items_that_arrive_meanwhile() -> None:
    work: queue.Queue[int | None] = queue.Queue()
    started = threading.Event()

    def later() -> None:
        started.wait(5)
        work.put(2)

    threading.Thread(target=later).start()
    started.set()
    assert take_batch(work, 1, limit=2, linger=5.0) == [1, 2]  # returns as soon as the limit is reached
