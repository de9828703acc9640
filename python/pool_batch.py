"""ThreadPoolExecutor: how many trivial tasks per second a pool runs, submitted as a batch.

The pool is started before the clock starts; the clock covers submitting every task and
collecting every result.
"""
import concurrent.futures
import time

import common


def trivial(x):
    return x + 1


def batch(workers, tasks):
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        pool.submit(trivial, 0).result()  # the workers exist before we time anything
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
    args = p.parse_args()
    samples = [batch(args.workers, args.tasks) for _ in range(args.repeats)]
    common.report("pool-batch", samples, "tasks/s")


if __name__ == "__main__":
    main()
