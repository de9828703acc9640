//! Exercise 1: the chapter's thread counter (`count_with_threads`) without a lock.
//! Replace its `Mutex<u64>` with an `AtomicU64`. Why is no increment lost, and when
//! would you still need the `Mutex`?

use locks::count_with_threads;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

// ANCHOR: atomic
/// `threads` threads each add 1 to one counter, `increments` times, with no lock.
pub fn count_with_atomic(threads: usize, increments: u64) -> u64 {
    // TODO: one `AtomicU64`, which the threads of a `thread::scope` share by
    // reference, each adding 1 with `fetch_add`; return the total.
    // SOLUTION
    let counter = AtomicU64::new(0);
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                for _ in 0..increments {
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    // `fetch_add` is one indivisible read-modify-write done by the processor, so no
    // increment is lost, and there is no guard to hold. It works because the whole
    // critical section is one number: as soon as two values must change together (the
    // two accounts of exercise 2), you need the `Mutex` again.
    counter.into_inner()
    // END SOLUTION
}
// ANCHOR_END: atomic

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_threads_lose_no_increment() {
        assert_eq!(count_with_atomic(4, 100_000), 400_000);
    }

    #[test]
    fn the_same_total_as_under_the_mutex() {
        assert_eq!(
            count_with_atomic(3, 5_000),
            count_with_threads(3, 5_000).unwrap()
        );
    }

    #[test]
    fn no_threads_count_nothing() {
        assert_eq!(count_with_atomic(0, 1_000), 0);
    }
}
