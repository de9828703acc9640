//! Exercise 2: a future on rayon's pool.
//!
//! Lesson 1's `submit`, on a `rayon::ThreadPool`: it returns at once, with a receiver
//! from which the task's value (or its panic's message) can be taken. `pool.spawn`
//! returns nothing, so a one-value channel carries the outcome back. A panicking task
//! must not end the program: rayon aborts the process when a task given to `spawn`
//! panics (unless the pool was built with a `panic_handler`).

use rayon::ThreadPool;
use rayon_parallel::panic_message;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver};

// ANCHOR: submit
/// Runs `task` on `pool` and returns at once; the receiver gets `Ok(value)`, or
/// `Err(message)` if the task panicked.
pub fn submit<T: Send + 'static>(
    pool: &ThreadPool,
    task: impl FnOnce() -> T + Send + 'static,
) -> Receiver<Result<T, String>> {
    // TODO: make a one-value channel (`mpsc::sync_channel(1)`); in `pool.spawn`, run
    // the task inside `panic::catch_unwind(AssertUnwindSafe(task))`, turn a panic's
    // payload into its message with `panic_message(&*payload)`, and send the outcome.
    // Return the receiving end.
    // SOLUTION
    let (sender, future) = mpsc::sync_channel(1);
    pool.spawn(move || {
        let outcome = panic::catch_unwind(AssertUnwindSafe(task))
            .map_err(|payload| panic_message(&*payload));
        let _ = sender.send(outcome); // fails only if nobody waits for the value
    });
    future
    // END SOLUTION
}
// ANCHOR_END: submit

#[cfg(test)]
mod tests {
    use super::*;
    use rayon_parallel::spin;
    use std::time::Duration;

    const GUARD: Duration = Duration::from_secs(10);

    /// A pool whose `panic_handler` keeps a panic that escapes a task from aborting
    /// the tests: the task's sender is then dropped unsent, and the test says so.
    fn pool() -> ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .panic_handler(|_| {})
            .build()
            .unwrap()
    }

    #[test]
    fn submit_returns_the_value_through_the_channel() {
        let future = submit(&pool(), || spin(1, 5));
        assert_eq!(future.recv_timeout(GUARD), Ok(Ok(179_579)));
    }

    #[test]
    fn submit_returns_before_the_task_ends() {
        // The task waits for a gate that the test opens only once `submit` returned.
        let (open, gate) = mpsc::channel::<()>();
        let future = submit(&pool(), move || gate.recv_timeout(GUARD).is_ok());
        open.send(()).unwrap();
        let outcome = future.recv_timeout(GUARD);
        assert_eq!(outcome, Ok(Ok(true)), "submit waited for the task to end");
    }

    #[test]
    fn a_panicking_task_comes_back_as_an_error_and_the_pool_goes_on() {
        let pool = pool();
        let failing = submit(&pool, || -> u64 { panic!("rejected") });
        assert_eq!(
            failing.recv_timeout(GUARD),
            Ok(Err("rejected".to_string())),
            "a panic must come back as Err(its message)"
        );
        let next = submit(&pool, || 2 + 2);
        assert_eq!(next.recv_timeout(GUARD), Ok(Ok(4)));
    }
}
