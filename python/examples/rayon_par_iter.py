"""Lesson 10's Python twin: a CPU-bound function mapped over inputs, first one after the
other with map(), then in a process pool with ProcessPoolExecutor.map().

Threads would not help here: only the thread holding the GIL runs Python code. Processes
do, at the price of starting them and pickling every argument and result.
"""
import multiprocessing as mp
import os
import time
from concurrent.futures import ProcessPoolExecutor

JOBS = 8
ITERS = 500_000


def spin(seed):
    """The CPU-bound work: a linear congruential generator, summed."""
    x, total = seed, 0
    for _ in range(ITERS):
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF
        total += x >> 16
    return total


if __name__ == "__main__":
    seeds = range(1, JOBS + 1)

    start = time.perf_counter()
    sequential = sum(map(spin, seeds))
    print(f"map:      {(time.perf_counter() - start) * 1e3:.1f} ms")

    # One worker process per core, started with "spawn" (a fresh interpreter each).
    workers = os.cpu_count()
    start = time.perf_counter()
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
        parallel = sum(pool.map(spin, seeds))
    ms = (time.perf_counter() - start) * 1e3
    print(f"pool.map: {ms:.1f} ms in {workers} processes")

    assert sequential == parallel
    print(f"Result: {parallel}")
