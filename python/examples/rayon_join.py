"""Lesson 10's Python twin of the rayon::join merge sort: split the list in two, sort
each half in its own process, merge the two sorted halves in the parent.

A process pool's workers cannot easily hand work back to the pool, so the recursion is
parallel only at the top: one split, two processes. Below that, each half is sorted by
a plain recursive merge sort.
"""
import heapq
import multiprocessing as mp
import time
from concurrent.futures import ProcessPoolExecutor

N = 200_000
SMALL = 2_000  # below this, sorted() beats splitting further


def merge_sort(items):
    """Returns the items sorted: plain recursion, one process."""
    if len(items) <= SMALL:
        return sorted(items)
    mid = len(items) // 2
    return list(heapq.merge(merge_sort(items[:mid]), merge_sort(items[mid:])))


def numbers(n):
    """The numbers to sort: the same generator as the Rust twin, so the same list."""
    x, out = 1, []
    for _ in range(n):
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF
        out.append(x >> 16)
    return out


if __name__ == "__main__":
    items = numbers(N)
    start = time.perf_counter()
    with ProcessPoolExecutor(2, mp_context=mp.get_context("spawn")) as pool:
        left, right = pool.map(merge_sort, [items[: N // 2], items[N // 2 :]])
    ordered = list(heapq.merge(left, right))
    print(f"sorted {N} numbers in {(time.perf_counter() - start) * 1e3:.1f} ms")
    assert ordered == sorted(items)
    print(f"Result: {ordered[N // 2]}")
