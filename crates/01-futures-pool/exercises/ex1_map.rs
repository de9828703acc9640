// Exercise: replace each `todo!()` with your code, then run
// `just exercise futures-pool 1` (`just hint futures-pool 1` for a hint).
#![allow(unused_imports, unused_variables, unused_mut, dead_code)]
//! Exercise 1: `map`, Python's `executor.map(f, items)`.
//!
//! Run `f` on every item in the pool and return the outcomes in the order of `items`,
//! whatever order they finish in. Like Python, submit every item before you wait for
//! any, so that they all run at once.

use futures_pool::{TaskError, TaskHandle, ThreadPool};
use std::sync::Arc;

// ANCHOR: map
/// Runs `f` on every item in `pool`; the outcomes come back in the order of `items`.
pub fn map<T, U>(
    pool: &ThreadPool,
    f: impl Fn(T) -> U + Send + Sync + 'static,
    items: Vec<T>,
) -> Vec<Result<U, TaskError>>
where
    T: Send + 'static,
    U: Send + 'static,
{
    // TODO: submit one task per item (share `f` among the tasks with an `Arc`), keep
    // the handles in a Vec, then turn each handle into its outcome with `result()`.
    todo!()
}
// ANCHOR_END: map

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_outcomes_keep_the_order_of_the_items() {
        let pool = ThreadPool::new(3).unwrap();
        // The first items sleep longest, so they finish last; the order must stay.
        let slow_first = |ms: u64| {
            std::thread::sleep(Duration::from_millis(ms));
            ms * 10
        };
        let outcomes = map(&pool, slow_first, vec![60, 40, 20, 0, 10]);
        assert_eq!(outcomes, vec![Ok(600), Ok(400), Ok(200), Ok(0), Ok(100)]);
    }

    #[test]
    fn a_panicking_item_is_an_error_and_the_others_still_come_back() {
        let pool = ThreadPool::new(2).unwrap();
        let no_twos = |n: i32| {
            assert!(n != 2, "two is not allowed");
            n
        };
        let outcomes = map(&pool, no_twos, vec![1, 2, 3]);
        let two = Err(TaskError::Panicked("two is not allowed".into()));
        assert_eq!(outcomes, vec![Ok(1), two, Ok(3)]);
    }
}
