"""Stop a process from outside: terminate() (SIGTERM), a grace period, then kill().

Linux and macOS.
"""
import multiprocessing as mp
import random
import signal
import time


def task(value):
    for _ in range(50):
        time.sleep(random.uniform(0, 0.040))
    print(f"child: done, {value * 2:g}")  # a SIGTERM ends it before this


if __name__ == "__main__":
    mp.set_start_method("spawn")  # a fresh interpreter, as the Rust twin starts
    child = mp.Process(target=task, args=(4.5,))
    child.start()
    time.sleep(0.2)
    child.terminate()  # SIGTERM
    child.join(timeout=1.0)  # the grace period
    if child.is_alive():
        child.kill()  # SIGKILL: cannot be caught or ignored
        child.join()
    # exitcode is the exit status, or minus the signal that ended the child.
    if child.exitcode >= 0:
        print(f"Result: exited with status {child.exitcode}")
    else:
        print(f"Result: killed by {signal.Signals(-child.exitcode).name}")
