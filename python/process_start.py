"""multiprocessing: the time to start a process with the "spawn" method and join it.

The child does nothing, so what is measured is the start itself: a fresh interpreter that
imports this module, unpickles its target and runs it.
"""
import multiprocessing as mp
import time

import common


def nothing():
    pass


def start_and_join(starts):
    ctx = mp.get_context("spawn")
    start = time.perf_counter()
    for _ in range(starts):
        p = ctx.Process(target=nothing)
        p.start()
        p.join()
        assert p.exitcode == 0
    return (time.perf_counter() - start) / starts * 1000


def main():
    p = common.parser(__doc__)
    p.add_argument("--starts", type=common.positive, default=20)
    args = p.parse_args()
    samples = [start_and_join(args.starts) for _ in range(args.repeats)]
    common.report("process-start", samples, "ms")


if __name__ == "__main__":
    main()
