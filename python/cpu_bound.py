"""A CPU-bound pure-Python loop, run one way per call: sequentially, in threads or in processes.

`--workers` units of work (each `--iters` loop turns) run one after the other (`seq`), in as
many threads (`threads`) or in as many processes started with "spawn" (`processes`; the time
includes starting and joining them, which is the real price of that choice). Compare the three
seconds: threads do not help here, because only the thread holding the GIL runs Python code.
`pool` maps the units over a ProcessPoolExecutor of as many workers, started (and each
worker up) before the clock starts.
"""
import concurrent.futures
import multiprocessing as mp
import threading
import time

import common


# ANCHOR: cpu_bound
def spin(iters):
    """A linear congruential generator, summed: pure arithmetic, nothing to wait for."""
    x, total = 1, 0
    for _ in range(iters):
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF
        total += x >> 16
    return total


def run(mode, workers, iters):
    start = time.perf_counter()
    if mode == "seq":
        for _ in range(workers):
            spin(iters)
    else:
        if mode == "threads":
            jobs = [threading.Thread(target=spin, args=(iters,)) for _ in range(workers)]
        else:
            ctx = mp.get_context("spawn")
            jobs = [ctx.Process(target=spin, args=(iters,)) for _ in range(workers)]
        for job in jobs:
            job.start()
        for job in jobs:
            job.join()
    return time.perf_counter() - start
# ANCHOR_END: cpu_bound


def run_pool(workers, iters):
    ctx = mp.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        # A worker is started only when no idle one is there: make them all start now.
        list(pool.map(time.sleep, [0.05] * workers))
        start = time.perf_counter()
        list(pool.map(spin, [iters] * workers))
        return time.perf_counter() - start


def main():
    p = common.parser(__doc__)
    p.add_argument("--mode", choices=["seq", "threads", "processes", "pool"], required=True)
    p.add_argument("--workers", type=common.positive, default=2)
    p.add_argument("--iters", type=common.positive, default=2_000_000)
    args = p.parse_args()
    measure = run_pool if args.mode == "pool" else lambda w, i: run(args.mode, w, i)
    samples = [measure(args.workers, args.iters) for _ in range(args.repeats)]
    common.report(f"cpu-{args.mode}", samples, "s")


if __name__ == "__main__":
    main()
