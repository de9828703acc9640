"""Submit one task to a pool of worker processes and wait for its result.

Our own twin of crates/09-process-pool/examples/pool_submit.rs (standard library only):
the concurrent.futures way, with processes instead of threads.
"""
import concurrent.futures
import multiprocessing as mp
import random
import time


def task(value):
    """Fifty steps of a short random sleep, then the value doubled."""
    for _step in range(50):
        time.sleep(random.uniform(0, 0.020))
    return value * 2


if __name__ == "__main__":
    # "spawn": each worker is a fresh interpreter that imports this file, as each Rust
    # worker is a fresh copy of the program.
    spawn = mp.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(mp_context=spawn) as executor:
        future = executor.submit(task, 4.5)  # pickles `task` by its name, and 4.5
        result = future.result()  # waits for the worker's answer
    print(f"Result: {result:g}")
