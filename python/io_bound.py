"""An I/O-bound workload (sleeps stand in for waiting on a disk or a network), run one way per
call: sequentially, in threads or in processes started with "spawn".

Each of `--workers` tasks sleeps `--sleeps` times for `--sleep-ms` milliseconds. A sleeping
thread releases the GIL, so threads overlap their waits as well as processes do, and start
far faster.
"""
import multiprocessing as mp
import threading
import time

import common


def wait_a_lot(sleeps, sleep_ms):
    for _ in range(sleeps):
        time.sleep(sleep_ms / 1000)


def run(mode, workers, sleeps, sleep_ms):
    start = time.perf_counter()
    if mode == "seq":
        for _ in range(workers):
            wait_a_lot(sleeps, sleep_ms)
    else:
        if mode == "threads":
            jobs = [threading.Thread(target=wait_a_lot, args=(sleeps, sleep_ms))
                    for _ in range(workers)]
        else:
            ctx = mp.get_context("spawn")
            jobs = [ctx.Process(target=wait_a_lot, args=(sleeps, sleep_ms))
                    for _ in range(workers)]
        for job in jobs:
            job.start()
        for job in jobs:
            job.join()
    return (time.perf_counter() - start) * 1000


def main():
    p = common.parser(__doc__)
    p.add_argument("--mode", choices=["seq", "threads", "processes"], required=True)
    p.add_argument("--workers", type=common.positive, default=4)
    p.add_argument("--sleeps", type=common.positive, default=10)
    p.add_argument("--sleep-ms", type=common.positive, default=10)
    args = p.parse_args()
    samples = [run(args.mode, args.workers, args.sleeps, args.sleep_ms)
               for _ in range(args.repeats)]
    common.report(f"io-{args.mode}", samples, "ms")


if __name__ == "__main__":
    main()
