"""threading.Lock: lock-protected increments per second, `with lock: counter += 1`.

`--threads 2` (the default) has two threads share the lock and the counter; `--threads 1`
measures the uncontended cost of taking and releasing the lock. Under the GIL only one
thread runs Python code at a time, so two threads rarely find the lock taken. A second line
says whether they ran at once: the process's CPU time over the wall time (about 1 under the
GIL, about 2 for two threads that really run in parallel).
"""
import threading
import time

import common


class Counter:
    def __init__(self):
        self.lock = threading.Lock()
        self.value = 0


def increment(counter, n, barrier):
    barrier.wait()
    for _ in range(n):
        with counter.lock:
            counter.value += 1


def rate(threads, per_thread):
    counter = Counter()
    barrier = threading.Barrier(threads + 1)
    workers = [threading.Thread(target=increment, args=(counter, per_thread, barrier))
               for _ in range(threads)]
    for worker in workers:
        worker.start()
    barrier.wait()
    start, cpu = time.perf_counter(), time.process_time()
    for worker in workers:
        worker.join()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert counter.value == threads * per_thread
    return threads * per_thread / elapsed, cpu / elapsed


def main():
    p = common.parser(__doc__)
    p.add_argument("--threads", type=common.positive, default=2)
    p.add_argument("--ops", type=common.positive, default=500_000,
                   help="increments made by each thread")
    args = p.parse_args()
    samples = [rate(args.threads, args.ops) for _ in range(args.repeats)]
    common.report("thread-lock", [s[0] for s in samples], "ops/s")
    common.report("cpu-wall", [s[1] for s in samples], "x")


if __name__ == "__main__":
    main()
