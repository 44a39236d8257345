"""The render processes: started fresh, and gone when the process they work for is killed (a SIGKILLed web process
or worker runs no clean-up, and its idle render processes must not wait for work for ever)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

PARENT = """
import asyncio, os, sys
from consortium.jobs.processes import run_in_process

async def main():
    child = await run_in_process(os.getpid)
    print(child, flush=True)
    await asyncio.sleep(600)

asyncio.run(main())
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie has exited; only its parent's wait is missing
        return stat.read().split(") ", 1)[1][0] != "Z"


def test_a_render_process_leaves_when_its_parent_is_killed() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert child != parent.pid and _alive(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 15
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(child), "the render process outlived the process it worked for"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if parent.stdout is not None:
            parent.stdout.close()


BUSY_PARENT = """
import asyncio, os
from consortium.jobs import processes

processes.TASKS_PER_CHILD = 2

async def main():
    children = set()
    for _ in range(4):
        # More renders at once than the process has left before it is replaced: the executor's own
        # max_tasks_per_child hangs here for ever on Python 3.11.
        at_once = asyncio.gather(*(processes.run_in_process(os.getpid) for _ in range(3)))
        children |= set(await asyncio.wait_for(at_once, 60))
    print(len(children), flush=True)

asyncio.run(main())
"""


def test_render_processes_are_replaced_without_hanging_when_renders_queue_up() -> None:
    finished = subprocess.run(
        [sys.executable, "-c", BUSY_PARENT],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ | {"CONSORTIUM_RENDER_PROCESSES": "1"},
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    # Twelve renders, two per pool of one process: several processes did the work, each replaced in turn.
    assert int(finished.stdout.strip()) >= 3
