// Exercise: replace each `todo!()` with your code, then run
// `just exercise shared-value 1` (`just hint shared-value 1` for a hint).
#![allow(unused_imports, unused_variables, unused_mut, dead_code)]
//! Exercise 1: a counter for N processes. Several workers share one counter in a
//! segment, and each adds 1 to it many times. Each worker here is a thread with its
//! *own* mapping of the segment, opened by name, just as a child process would have;
//! `just run shared-value --demo lost-updates --processes N` does the same with
//! processes.

use shared_value::{SharedSlots, add_one_atomic, unique_shm_name};
use std::io;
use std::sync::atomic::Ordering;

// ANCHOR: count_together
/// `workers` workers each add 1 to slot 0 of a new segment named `name`, `per_worker`
/// times, each through a mapping of its own; returns the total. The name is gone when
/// it returns.
pub fn count_together(name: &str, workers: u32, per_worker: u32) -> io::Result<u32> {
    // TODO: create the segment (one slot). In a `std::thread::scope`, start `workers`
    // threads that each `open` it by name and add 1 with `add_one_atomic` (a
    // `fetch_add`). Wait for them, unlink the name, and read the total.
    todo!()
}
// ANCHOR_END: count_together

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_workers_lose_no_update() {
        let name = unique_shm_name("ex");
        assert_eq!(count_together(&name, 4, 50_000).unwrap(), 200_000);
        assert!(SharedSlots::open(&name).is_err(), "the name is still there");
    }

    #[test]
    fn one_worker_counts_alone() {
        let name = unique_shm_name("ex");
        assert_eq!(count_together(&name, 1, 1_000).unwrap(), 1_000);
    }

    #[test]
    fn an_existing_name_is_an_error() {
        let name = unique_shm_name("ex");
        let _taken = SharedSlots::create(&name, 1).unwrap();
        assert!(count_together(&name, 2, 10).is_err(), "created it twice");
    }
}
