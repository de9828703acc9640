"""A child process runs the task and hands its return value back through a Queue.

Our own twin of the tutorial's first Queue example (and of
crates/05-process-queue/examples/queue_result.rs): a small wrapper runs the task in
the child and puts what it returned; the parent gets it.
"""
import multiprocessing as mp
import random
import time


def task(value):
    for _ in range(20):
        time.sleep(random.uniform(0, 0.04))  # the work, pretended
    return value * 2


def put_result(queue, value):
    queue.put(task(value))


if __name__ == "__main__":
    mp.set_start_method("spawn")  # a fresh interpreter, like the Rust twin's child
    queue = mp.Queue()
    child = mp.Process(target=put_result, args=(queue, 4.5))
    child.start()
    result = queue.get()  # waits for the put; forever, if the child died first
    child.join()
    print(f"Result: {result:g}")
