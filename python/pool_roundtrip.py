"""ThreadPoolExecutor: the time of one submit() followed at once by result().

This is the latency a caller pays to hand one small job to a pool and wait for it.
"""
import concurrent.futures
import time

import common


def trivial(x):
    return x + 1


def roundtrips(workers, rounds):
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        pool.submit(trivial, 0).result()
        start = time.perf_counter()
        for i in range(rounds):
            assert pool.submit(trivial, i).result() == i + 1
        elapsed = time.perf_counter() - start
    return elapsed / rounds * 1e6


def main():
    p = common.parser(__doc__)
    p.add_argument("--rounds", type=common.positive, default=5_000)
    p.add_argument("--workers", type=common.positive, default=2)
    args = p.parse_args()
    samples = [roundtrips(args.workers, args.rounds) for _ in range(args.repeats)]
    common.report("pool-roundtrip", samples, "us")


if __name__ == "__main__":
    main()
