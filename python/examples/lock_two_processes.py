"""Two processes, one lock: each takes it, prints the two lines of its critical section,
and lets it go. Rust twin: crates/07-locks/examples/lock_two_processes.rs."""
import multiprocessing as mp
import time


def critical_section(lock, me):
    with lock:  # acquire() now, release() on the way out, even on an exception
        print(f"process {me}: CRITICAL SECTION", flush=True)
        time.sleep(0.02)  # the other process waits meanwhile
        print(f"process {me}: only one process at a time in here", flush=True)


if __name__ == "__main__":
    mp.set_start_method("spawn")  # a fresh interpreter per child, as on macOS and Windows
    lock = mp.Lock()
    children = [mp.Process(target=critical_section, args=(lock, me)) for me in (1, 2)]
    for child in children:
        child.start()
    for child in children:
        child.join()
    held = sum(child.exitcode == 0 for child in children)
    print(f"Result: {held} of 2 processes held the lock, one at a time")
