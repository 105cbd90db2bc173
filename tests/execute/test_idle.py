"""The pool's hand-out rule: a blocking ``run`` (a reduction) is never starved by the
pool's own threads, which take a worker back the moment they return one."""

from __future__ import annotations

import threading
import time
from typing import Any, cast

from fuel.execute.pool import IdleWorkers


def waiting_urgent(idle: IdleWorkers) -> int:
    return cast(Any, idle)._urgent_waiting


def test_an_urgent_taker_gets_the_next_worker_before_queued_takers() -> None:
    idle = IdleWorkers()
    got: list[tuple[str, object]] = []

    def take(name: str, urgent: bool) -> None:
        got.append((name, idle.take(urgent)))

    normal = threading.Thread(target=take, args=("normal", False))
    normal.start()
    time.sleep(0.05)  # the normal taker waits first
    urgent = threading.Thread(target=take, args=("urgent", True))
    urgent.start()
    deadline = time.monotonic() + 5
    while waiting_urgent(idle) == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    idle.put(cast(Any, "worker-a"))
    urgent.join(5)
    assert got == [("urgent", "worker-a")] and normal.is_alive()
    idle.put(cast(Any, "worker-b"))
    normal.join(5)
    assert got[1] == ("normal", "worker-b")


def test_a_returning_pool_thread_cannot_take_its_worker_back_while_run_waits() -> None:
    idle = IdleWorkers()
    idle.put(cast(Any, "w"))
    taken = idle.take(False)  # a pool thread holds the only worker
    result: list[object] = []
    urgent = threading.Thread(target=lambda: result.append(idle.take(True)))
    urgent.start()
    while waiting_urgent(idle) == 0:
        time.sleep(0.01)
    idle.put(taken)  # the pool thread returns it ...
    again: list[object] = []
    pool_thread = threading.Thread(target=lambda: again.append(idle.take(False)))
    pool_thread.start()  # ... and at once asks for a worker again
    urgent.join(5)
    assert result == ["w"] and again == []
    idle.put(cast(Any, "w"))
    pool_thread.join(5)
    assert again == ["w"]


def test_queued_takers_wake_when_the_urgent_one_leaves_workers_idle() -> None:
    idle = IdleWorkers()
    got: list[object] = []
    urgent_waits = threading.Event()

    def normal() -> None:
        urgent_waits.wait(5)
        got.append(idle.take(False))

    idle_worker_count = 2
    thread = threading.Thread(target=normal)
    thread.start()
    with cast(Any, idle)._ready:  # an urgent taker registered, and two workers arrive
        cast(Any, idle)._urgent_waiting += 1
    urgent_waits.set()
    time.sleep(0.05)
    for name in range(idle_worker_count):
        idle.put(cast(Any, f"w{name}"))
    with cast(Any, idle)._ready:
        cast(Any, idle)._urgent_waiting -= 1
    assert idle.take(True) in ("w0", "w1")  # leaving, it must wake the normal taker
    thread.join(5)
    assert len(got) == 1
