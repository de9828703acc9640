"""A child process puts ("progression", x) messages as it works, then ("result", v).

Our own twin of the tutorial's second Queue example (and of
crates/05-process-queue/examples/queue_progress.rs): the parent shows the progress on
one line until the result arrives.
"""
import multiprocessing as mp
import random
import sys
import time


def task(value, queue, steps=50):
    queue.put(("progression", 0.0))
    for k in range(1, steps + 1):
        time.sleep(random.uniform(0, 0.04))
        queue.put(("progression", k * 100 / steps))
    queue.put(("result", value * 2))


if __name__ == "__main__":
    mp.set_start_method("spawn")
    queue = mp.Queue()
    child = mp.Process(target=task, args=(4.5, queue))
    child.start()
    while (message := queue.get())[0] == "progression":
        print(f"\rProcess progression: {message[1]:6.2f}%", end="", file=sys.stderr)
    print(file=sys.stderr)
    child.join()
    print(f"Result: {message[1]:g}")
