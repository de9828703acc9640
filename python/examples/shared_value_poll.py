"""A child process stores its progress in an mp.Value('f'); the parent prints it while the
child is alive, then takes the result from a queue."""
import multiprocessing as mp
import random
import sys
import time


def work(value, progress, results):
    for k in range(1, 51):
        time.sleep(random.uniform(0, 0.04))
        progress.value = k * 100 / 50
    results.put(value * 2)


if __name__ == "__main__":
    progress = mp.Value("f", 0.0)  # a C float in shared memory, with a lock
    results = mp.Queue()
    child = mp.Process(target=work, args=(4.5, progress, results))
    child.start()
    while child.is_alive():
        time.sleep(0.05)
        print(f"\rprogress: {progress.value:6.2f}%", end="", file=sys.stderr)
    print(file=sys.stderr)
    print(f"Result: {results.get():g}")  # blocks forever if the child died first
    child.join()
