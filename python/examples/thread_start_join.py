"""Start a thread, do something else meanwhile, then join it: the plain threading way.

Thread.join() returns None, so the task's value comes back another way: the thread's
target puts it in a list that the main thread reads once join() has returned.
"""
import random
import threading
import time


def task(value):
    """The tutorial's task: 50 steps of a short random sleep, then twice the input."""
    for _step in range(50):
        time.sleep(random.uniform(0, 0.04))
    return value * 2


def main():
    results = []
    thread = threading.Thread(target=lambda: results.append(task(4.5)))
    thread.start()
    print("Started a thread; the main thread goes on meanwhile")
    thread.join()  # returns None: the value is in `results`
    print(f"Result: {results[0]:g}")


if __name__ == "__main__":
    main()
