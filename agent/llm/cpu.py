"""How many CPU cores are free right now, so llama.cpp never waits on a core it cannot have.

llama.cpp's threads meet at a barrier after every operation (hundreds per token). When another
process holds one of the cores, a thread waits for a time slice at each barrier: on 2 cores, 2
threads then generate ~2-5 tokens/s instead of ~40, while 1 thread keeps ~25. So the thread count is
chosen per call from the number of other running tasks (``/proc``; Linux only, elsewhere: all cores).
Threads of this process are not counted: llama.cpp's own workers may still be spinning from the
previous call.
"""

from __future__ import annotations

import os
import statistics
from pathlib import Path

_PROC = Path("/proc")


def _running_total() -> int:
    # /proc/loadavg: "0.52 0.58 0.59 3/215 12345": the 4th field is runnable/total tasks, instantaneous.
    return int((_PROC / "loadavg").read_text().split()[3].split("/")[0])


def _running_here() -> int:
    running = 0
    for task in (_PROC / "self" / "task").iterdir():
        try:
            stat = (task / "stat").read_text()
        except OSError:  # the thread ended meanwhile
            continue
        if stat[stat.rindex(")") + 2] == "R":
            running += 1
    return running


def free_cores(limit: int | None = None, samples: int = 5) -> int:
    """Cores not used by other processes (at least 1, at most ``limit`` or the core count).

    Takes the median of a few readings (~0.2 ms in all): a busy competitor shows in every one, while
    a kernel thread that blinks runnable for a moment (4% of single readings on an idle machine
    here) does not cost a thread.
    """
    cores = min(limit or os.cpu_count() or 1, os.cpu_count() or 1)
    try:
        others = statistics.median_low(_running_total() - _running_here() for _ in range(samples))
    except (OSError, ValueError, IndexError):
        return cores
    return max(1, min(cores, (os.cpu_count() or 1) - others))
