// Exercise: replace each `todo!()` with your code, then run
// `just exercise measured 3` (`just hint measured 3` for a hint).
#![allow(unused_imports, unused_variables, unused_mut, dead_code)]
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
    todo!()
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
