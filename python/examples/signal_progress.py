"""Ask a child process how far it is: os.kill(pid, SIGUSR1), answered by its handler.

Linux and macOS.
"""
import multiprocessing as mp
import os
import random
import signal
import time


def task(value, ready, results):
    progress = 0

    def answer(signum, frame):  # Python runs it later, between two bytecodes
        print(f"child: progress {progress:.0f}%", flush=True)

    signal.signal(signal.SIGUSR1, answer)
    ready.set()  # until now, a SIGUSR1 would have killed us
    for k in range(50):
        time.sleep(random.uniform(0, 0.040))
        progress = (k + 1) * 100 / 50
    results.put(value * 2)


if __name__ == "__main__":
    mp.set_start_method("spawn")  # a fresh interpreter, as the Rust twin starts
    ready, results = mp.Event(), mp.Queue()
    child = mp.Process(target=task, args=(4.5, ready, results))
    child.start()
    ready.wait()
    child.join(timeout=0.2)  # reaps the child if it has ended
    while child.is_alive():  # not reaped yet, so child.pid is still its own
        os.kill(child.pid, signal.SIGUSR1)
        child.join(timeout=0.2)
    if child.exitcode == 0:
        print(f"Result: {results.get():g}")
    else:
        print("Result: the child failed")
