"""multiprocessing.Queue: small messages per second from a child to its parent.

The child sends ("progress", <float>) tuples, like a task reporting its progress. The clock
starts when the parent tells the ready child to go and stops when the parent has received
the last message, so the child's start-up is not counted.
"""
import multiprocessing as mp
import time

import common


def sender(queue, go, messages):
    queue.put(("ready", 0.0))
    go.wait()
    for k in range(messages):
        queue.put(("progress", (k + 1) * 100.0 / messages))


def throughput(messages):
    ctx = mp.get_context("spawn")
    queue, go = ctx.Queue(), ctx.Event()
    child = ctx.Process(target=sender, args=(queue, go, messages))
    child.start()
    assert queue.get()[0] == "ready"
    start = time.perf_counter()
    go.set()
    for _ in range(messages):
        kind, _progress = queue.get()
    elapsed = time.perf_counter() - start
    child.join()
    assert kind == "progress" and child.exitcode == 0
    return messages / elapsed


def main():
    p = common.parser(__doc__)
    p.add_argument("--messages", type=common.positive, default=50_000)
    args = p.parse_args()
    samples = [throughput(args.messages) for _ in range(args.repeats)]
    common.report("queue", samples, "msgs/s")


if __name__ == "__main__":
    main()
