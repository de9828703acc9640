"""Stop a thread by asking it: a threading.Event, checked between steps.

Nothing can kill a thread from outside; the task stops itself when it sees the event.
"""
import random
import threading
import time


def task(value, stop):
    for k in range(50):
        if stop.is_set():
            return f"stopped after {k} steps"
        time.sleep(random.uniform(0, 0.040))
    return f"{value * 2:g}"


if __name__ == "__main__":
    stop = threading.Event()
    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(task(4.5, stop)))
    worker.start()
    time.sleep(0.3)
    stop.set()  # a request, not a brake
    worker.join()  # returns None: the answer comes through `outcome`
    print(f"Result: {outcome[0]}")
