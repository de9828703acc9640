"""ThreadPoolExecutor (or ProcessPoolExecutor): how many trivial tasks per second a pool
runs, submitted as a batch.

The pool is started before the clock starts (for processes: every worker, started with
"spawn", has run a task); the clock covers submitting every task and collecting every
result.
"""
import concurrent.futures
import multiprocessing as mp
import time

import common


def trivial(x):
    return x + 1


def executor(kind, workers):
    if kind == "threads":
        return concurrent.futures.ThreadPoolExecutor(max_workers=workers)
    return concurrent.futures.ProcessPoolExecutor(max_workers=workers,
                                                  mp_context=mp.get_context("spawn"))


def batch(kind, workers, tasks):
    with executor(kind, workers) as pool:
        # The workers exist before we time anything. A process pool starts a worker only
        # when no idle one is there, so give every worker a task that takes a while.
        list(pool.map(time.sleep, [0.05] * workers))
        start = time.perf_counter()
        futures = [pool.submit(trivial, i) for i in range(tasks)]
        total = sum(f.result() for f in futures)
        elapsed = time.perf_counter() - start
    assert total == tasks * (tasks + 1) // 2
    return tasks / elapsed


def main():
    p = common.parser(__doc__)
    p.add_argument("--tasks", type=common.positive, default=20_000)
    p.add_argument("--workers", type=common.positive, default=2)
    p.add_argument("--executor", choices=["threads", "processes"], default="threads")
    args = p.parse_args()
    samples = [batch(args.executor, args.workers, args.tasks) for _ in range(args.repeats)]
    common.report("pool-batch", samples, "tasks/s")


if __name__ == "__main__":
    main()
