"""A Thread subclass whose join() returns what its target returned.

If the target raises, the thread prints the exception on stderr and join() returns None.
"""
import random
import sys
import threading
import time


class ReturnValueThread(threading.Thread):
    def __init__(self, name, target, *args):
        super().__init__(name=name)
        self.work = (target, args)
        self.result = None

    def run(self):
        target, args = self.work
        try:
            self.result = target(*args)
        except Exception as exc:
            print(f"thread {self.name!r} raised {type(exc).__name__}: {exc}",
                  file=sys.stderr)

    def join(self, timeout=None):
        super().join(timeout)
        return self.result


def task(value, fail_at=None):
    """The tutorial's task: 50 steps of a short random sleep, then twice the input."""
    for step in range(1, 51):
        time.sleep(random.uniform(0, 0.04))
        if step == fail_at:
            raise RuntimeError(f"simulated failure at step {step}")
    return value * 2


def main():
    good = ReturnValueThread("good", task, 4.5)
    bad = ReturnValueThread("bad", task, 4.5, 25)
    good.start()
    bad.start()
    # ...the main thread is free to do other things here...
    print(f"'bad' joined: {bad.join()}")
    print(f"Result: {good.join():g}")


if __name__ == "__main__":
    main()
