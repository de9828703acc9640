"""A task writes its progress into a dict the caller passed in; the caller polls it."""
import concurrent.futures
import random
import sys
import time

STEPS = 50


def show(percent, end=""):
    """Rewrites the progress line on stderr in place (a carriage return, no newline)."""
    print(f"\rThread progress: {percent:6.2f}%", end=end, file=sys.stderr, flush=True)


def task(value, progress, index):
    """Sleeps STEPS random times, keeping progress[index] (in %) up to date."""
    progress[index] = 0.0
    for step in range(1, STEPS + 1):
        time.sleep(random.uniform(0, 0.04))
        progress[index] = step * 100 / STEPS
    return value * 2


with concurrent.futures.ThreadPoolExecutor() as pool:
    index = 0
    progress = {index: 0.0}
    future = pool.submit(task, 4.5, progress, index)
    while not future.done():
        time.sleep(0.1)
        show(progress[index])
    result = future.result()
show(progress[index], end="\n")
print(f"Result: {result:g}")
