"""A method runs the task and updates an attribute; the caller reads it via a getter."""
import concurrent.futures
import random
import sys
import time

STEPS = 50


def show(percent, end=""):
    """Rewrites the progress line on stderr in place (a carriage return, no newline)."""
    print(f"\rThread progress: {percent:6.2f}%", end=end, file=sys.stderr, flush=True)


class TaskObject:
    def __init__(self):
        self._progress = 0.0

    def task(self, value):
        """Sleeps STEPS random times, keeping self._progress (in %) up to date."""
        self._progress = 0.0
        for step in range(1, STEPS + 1):
            time.sleep(random.uniform(0, 0.04))
            self._progress = step * 100 / STEPS
        return value * 2

    def progress(self):
        return self._progress


task_object = TaskObject()
with concurrent.futures.ThreadPoolExecutor() as pool:
    future = pool.submit(task_object.task, 4.5)
    while not future.done():
        time.sleep(0.1)
        show(task_object.progress())
    result = future.result()
show(task_object.progress(), end="\n")
print(f"Result: {result:g}")
