use process_pool::ProcessPool;
use process_pool::work::COUNT_PRIMES;

fn count(pool: &ProcessPool) {
    // `count_primes` takes a number; Python would find out in the worker, at run time.
    let handle = pool.submit(&COUNT_PRIMES, &"ten thousand");
}
