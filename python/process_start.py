"""multiprocessing: the time to start a process and join it, with the "spawn" method (the
default) or the "fork" method (`--method fork`).

The child does nothing, so what is measured is the start itself. Spawned, it is a fresh
interpreter that imports this module, unpickles its target and runs it; forked, it is a copy
of this process that runs the target at once.
"""
import multiprocessing as mp
import time

import common


def nothing():
    pass


def start_and_join(method, starts):
    ctx = mp.get_context(method)
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
    p.add_argument("--method", choices=["spawn", "fork"], default="spawn")
    args = p.parse_args()
    samples = [start_and_join(args.method, args.starts) for _ in range(args.repeats)]
    common.report("process-start", samples, "ms")


if __name__ == "__main__":
    main()
