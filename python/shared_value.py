"""multiprocessing.Value('f'): how many `v.value = x` updates per second one process makes
while another process reads the value every millisecond.

By default the Value carries a lock, and every `.value` read or write takes it behind the
scenes (no explicit get_lock() is needed for a single assignment); `--no-lock` measures a
Value made with lock=False instead, a bare ctypes float in shared memory. Either way the
reader, a process started with "spawn", polls the value as a parent polls a child's
progress; the clock starts once it is running.
"""
import multiprocessing as mp
import time

import common


def reader(v, ready, stop):
    ready.set()
    deadline = time.monotonic() + 10  # a bounded loop, whatever the writer does
    while not stop.is_set() and time.monotonic() < deadline:
        v.value
        time.sleep(0.001)


def updates(n, lock):
    ctx = mp.get_context("spawn")
    v = ctx.Value("f", 0.0, lock=lock)
    ready, stop = ctx.Event(), ctx.Event()
    child = ctx.Process(target=reader, args=(v, ready, stop))
    child.start()
    assert ready.wait(10), "the reader did not start"
    start = time.perf_counter()
    for i in range(n):
        v.value = i
    elapsed = time.perf_counter() - start
    stop.set()
    child.join()
    assert child.exitcode == 0
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
