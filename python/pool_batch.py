"""ThreadPoolExecutor (or ProcessPoolExecutor): how many trivial tasks per second a pool
runs, submitted as a batch.

The pool is started before the clock starts (for processes: every worker, started with
"spawn", has run a task); the clock covers submitting every task and collecting every
result. With --chunksize, the batch goes through `pool.map(trivial, range(tasks),
chunksize=N)` instead of one `submit` per task (a thread pool ignores the chunk size:
its `map` still submits one task per item).
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


def batch(kind, workers, tasks, chunksize):
    with executor(kind, workers) as pool:
        # The workers exist before we time anything. A process pool starts a worker only
        # when no idle one is there, so give every worker a task that takes a while.
        list(pool.map(time.sleep, [0.05] * workers))
        start = time.perf_counter()
        if chunksize is None:
            futures = [pool.submit(trivial, i) for i in range(tasks)]
            total = sum(f.result() for f in futures)
        else:
            total = sum(pool.map(trivial, range(tasks), chunksize=chunksize))
        elapsed = time.perf_counter() - start
    assert total == tasks * (tasks + 1) // 2
    return tasks / elapsed


def main():
    p = common.parser(__doc__)
    p.add_argument("--tasks", type=common.positive, default=20_000)
    p.add_argument("--workers", type=common.positive, default=2)
    p.add_argument("--executor", choices=["threads", "processes"], default="threads")
    p.add_argument("--chunksize", type=common.positive, default=None,
                   help="use pool.map with this chunk size instead of submit")
    args = p.parse_args()
    samples = [batch(args.executor, args.workers, args.tasks, args.chunksize)
               for _ in range(args.repeats)]
    name = "pool-batch" if args.chunksize is None else "pool-map"
    common.report(name, samples, "tasks/s")


if __name__ == "__main__":
    main()
