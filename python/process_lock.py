"""multiprocessing.Lock contended by two processes: each does `with lock: counter.value += 1`
on a Value made with lock=False, so the Lock is the only thing keeping the count right.

Reports the total increments per second. The clock starts when both children are ready and
stops at the later of the two moments they finish (time.perf_counter is one clock for every
process on Linux), so neither start-up nor exit is counted. A second line says whether they
ran at once: their CPU time in the loop over the wall time (about 2 if they did).
"""
import multiprocessing as mp
import time

import common


def increment(lock, counter, ready, go, finished, cpu, index, n):
    ready.release()
    go.wait()
    used = time.process_time()
    for _ in range(n):
        with lock:
            counter.value += 1
    cpu[index] = time.process_time() - used
    finished[index] = time.perf_counter()


def contended(per_process, workers=2):
    ctx = mp.get_context("spawn")
    lock = ctx.Lock()
    counter = ctx.Value("q", 0, lock=False)
    finished = ctx.Array("d", workers, lock=False)
    cpu = ctx.Array("d", workers, lock=False)
    ready, go = ctx.Semaphore(0), ctx.Event()
    children = [ctx.Process(target=increment,
                            args=(lock, counter, ready, go, finished, cpu, i, per_process))
                for i in range(workers)]
    for child in children:
        child.start()
    for _ in children:
        ready.acquire()
    start = time.perf_counter()
    go.set()
    for child in children:
        child.join()
    assert all(child.exitcode == 0 for child in children)
    assert counter.value == workers * per_process, "the lock let an update get lost"
    elapsed = max(finished) - start
    return workers * per_process / elapsed, sum(cpu) / elapsed


def main():
    p = common.parser(__doc__)
    p.add_argument("--increments", type=common.positive, default=100_000,
                   help="increments made by each of the two processes")
    args = p.parse_args()
    samples = [contended(args.increments) for _ in range(args.repeats)]
    common.report("process-lock-contended", [s[0] for s in samples], "increments/s")
    common.report("cpu-wall", [s[1] for s in samples], "x")


if __name__ == "__main__":
    main()
