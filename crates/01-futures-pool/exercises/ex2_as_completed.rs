// Exercise: replace each `todo!()` with your code, then run
// `just exercise futures-pool 2` (`just hint futures-pool 2` for a hint).
#![allow(unused_imports, unused_variables, unused_mut, dead_code)]
//! Exercise 2: `as_completed`, Python's `concurrent.futures.as_completed`.
//!
//! Run every task in the pool and return a channel that yields `(index, outcome)` as
//! each task finishes, the fastest first. A panicking task must still report, and the
//! channel must close after the last task.

use crossbeam_channel::Receiver;
use futures_pool::{TaskError, ThreadPool, panic_message};
use std::panic::{self, AssertUnwindSafe};

// ANCHOR: as_completed
/// Runs every task in `pool`; `(index, outcome)` arrive on the channel as they finish.
pub fn as_completed<F, T>(
    pool: &ThreadPool,
    tasks: Vec<F>,
) -> Receiver<(usize, Result<T, TaskError>)>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    // TODO: make a channel; submit each task wrapped so that it sends its index and its
    // outcome (`catch_unwind` turns a panic into an `Err`, `panic_message` gives its
    // text). Return the receiving end. When does the channel close?
    todo!()
}
// ANCHOR_END: as_completed

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// How long a test waits for something that should come at once: a hang guard.
    const HANG_GUARD: Duration = Duration::from_secs(10);

    #[test]
    fn the_fastest_task_comes_first() {
        let pool = ThreadPool::new(2).unwrap();
        let (go_tx, go_rx) = crossbeam_channel::bounded::<()>(1);
        // Task 0 waits until the test has seen task 1's outcome: no timing luck.
        let slow: Box<dyn FnOnce() -> &'static str + Send> = Box::new(move || {
            go_rx.recv().unwrap();
            "slow"
        });
        let fast: Box<dyn FnOnce() -> &'static str + Send> = Box::new(|| "fast");
        let done = as_completed(&pool, vec![slow, fast]);
        assert_eq!(done.recv_timeout(HANG_GUARD), Ok((1, Ok("fast"))));
        go_tx.send(()).unwrap();
        assert_eq!(done.recv_timeout(HANG_GUARD), Ok((0, Ok("slow"))));
        assert!(
            done.recv_timeout(HANG_GUARD).is_err(),
            "the channel should close after the last task"
        );
    }

    #[test]
    fn a_panicking_task_still_reports() {
        let pool = ThreadPool::new(1).unwrap();
        let tasks: Vec<_> = (0..3)
            .map(|i| {
                move || {
                    assert!(i != 1, "task {i} failed");
                    i
                }
            })
            .collect();
        let done = as_completed(&pool, tasks);
        let mut outcomes = Vec::new();
        while let Ok(outcome) = done.recv_timeout(HANG_GUARD) {
            outcomes.push(outcome);
        }
        outcomes.sort_by_key(|(index, _)| *index);
        let failed = Err(TaskError::Panicked("task 1 failed".into()));
        assert_eq!(outcomes, vec![(0, Ok(0)), (1, failed), (2, Ok(2))]);
    }
}
