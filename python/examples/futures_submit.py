"""Submit one task to a thread pool and wait for its result: the concurrent.futures way.

Our own twin of the tutorial's first example (standard library only).
"""
import concurrent.futures
import random
import time


def task(value):
    """Fifty steps of a short random sleep, then the value doubled."""
    for _step in range(50):
        time.sleep(random.uniform(0, 0.040))
    return value * 2


# Leaving the `with` block waits for every task and stops the worker threads.
with concurrent.futures.ThreadPoolExecutor() as executor:
    future = executor.submit(task, 4.5)  # returns at once
    result = future.result()  # blocks until the task has returned
    print(f"Result: {result:g}")
