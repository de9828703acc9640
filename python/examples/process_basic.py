"""Lesson 4's Python twin: start a process that runs the task, do other work, join it.

The "spawn" start method is chosen explicitly: the child is a fresh interpreter that
imports this file, so the code that starts it must sit under `if __name__ == "__main__"`.
"""
import multiprocessing as mp
import random
import sys
import time


def task(value):
    for k in range(50):
        time.sleep(random.uniform(0, 0.04))
        progress = (k + 1) * 100 / 50  # lives in the child only
    return value * 2


def child(value):
    # join() will not bring the return value back: the child prints it itself.
    print(f"Result: {task(value):g}")


if __name__ == "__main__":
    ctx = mp.get_context("spawn")
    p = ctx.Process(target=child, args=(4.5,))
    p.start()
    # Do whatever you want: the child runs on its own.
    print(f"parent: started child {p.pid}, free to do other work", file=sys.stderr)
    p.join()
    print(f"parent: the child ended with exitcode {p.exitcode}", file=sys.stderr)
    if p.exitcode != 0:
        sys.exit("the child failed")
