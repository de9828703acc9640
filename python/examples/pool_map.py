"""Map a CPU-bound function over a list with a pool of worker processes.

Our own twin of crates/09-process-pool/examples/pool_map.rs (standard library only).
Threads would not help here: only the thread holding the GIL runs Python code.
"""
import concurrent.futures
import multiprocessing as mp


def count_primes(below):
    """How many primes there are below `below`, by trial division."""
    def is_prime(k):
        d = 2
        while d * d <= k:
            if k % d == 0:
                return False
            d += 1
        return True
    return sum(1 for k in range(2, below) if is_prime(k))


if __name__ == "__main__":
    limits = [10_000, 20_000, 30_000, 40_000, 50_000, 60_000]
    spawn = mp.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(mp_context=spawn) as executor:
        counts = list(executor.map(count_primes, limits))  # in the list's order
    print(f"Result: {counts}")
