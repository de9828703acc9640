//! Exercise 3: the `thread-lock` row counts with a `Mutex`. Count with an `AtomicU64`
//! instead: `threads` threads each add one `per_thread` times. Then compare the rate
//! with the row's (`just bench --only thread-lock`).

use measured::idioms::time_in_threads;
use std::sync::atomic::{AtomicU64, Ordering};

// ANCHOR: atomic_counter
/// Counts to `threads * per_thread` from `threads` threads at once, with no lock;
/// returns the final count and the increments per second.
pub fn atomic_counter(threads: usize, per_thread: u64) -> (u64, f64) {
    let counter = AtomicU64::new(0);
    // TODO: in `time_in_threads(threads, || ...)`, add one to `counter` `per_thread`
    // times in a way that loses no update; then return the count and the rate.
    // SOLUTION
    let elapsed = time_in_threads(threads, || {
        for _ in 0..per_thread {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    });
    let total = counter.into_inner();
    (total, total as f64 / elapsed.as_secs_f64())
    // END SOLUTION
}
// ANCHOR_END: atomic_counter

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_increment_is_lost() {
        // A load-then-store version loses updates when the threads overlap; one
        // indivisible `fetch_add` cannot.
        let (count, rate) = atomic_counter(4, 200_000);
        assert_eq!(count, 800_000);
        assert!(rate.is_finite() && rate > 0.0, "{rate}");
    }

    #[test]
    fn one_thread_counts_too() {
        assert_eq!(atomic_counter(1, 1_000).0, 1_000);
    }
}
