"""multiprocessing.Value('f'): how many `v.value = x` updates per second one process makes.

By default the Value carries a lock, and every `.value` read or write takes it behind the
scenes (no explicit get_lock() is needed for a single assignment); `--no-lock` measures a
Value made with lock=False instead, a bare ctypes float in shared memory.
"""
import multiprocessing as mp
import time

import common


def updates(n, lock):
    v = mp.get_context("spawn").Value("f", 0.0, lock=lock)
    start = time.perf_counter()
    for i in range(n):
        v.value = i
    elapsed = time.perf_counter() - start
    assert v.value == float(n - 1) or n > 2**24  # a float32 holds integers exactly up to 2**24
    return n / elapsed


def main():
    p = common.parser(__doc__)
    p.add_argument("--updates", type=common.positive, default=500_000)
    p.add_argument("--no-lock", action="store_true",
                   help="use Value(..., lock=False): no lock around each update")
    args = p.parse_args()
    samples = [updates(args.updates, not args.no_lock) for _ in range(args.repeats)]
    common.report("shared-value", samples, "updates/s")


if __name__ == "__main__":
    main()
