//! Exercise 1: one deadline for the whole map, Python's `map(fn, args, timeout=...)`.
//! The results come in input order; a task not finished by the deadline gives
//! `Err(TaskError::Timeout)`, and one still queued then is cancelled, so that no worker
//! spends time on it. (One already running goes on: nothing takes a task back from a
//! worker but killing it.)
//!
//! The tests run real workers: the lesson's own program, which registers `NAP`.

use process_pool::{ProcessPool, Task, TaskError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::{Duration, Instant};

// ANCHOR: map_within
/// Runs `task` on every argument; what finished within `limit` (from now), in order.
pub fn map_within<A: Serialize, R: DeserializeOwned>(
    pool: &ProcessPool,
    task: &Task<A, R>,
    args: impl IntoIterator<Item = A>,
    limit: Duration,
) -> Vec<Result<R, TaskError>> {
    // TODO: submit everything with `pool.map`, then wait for each handle with
    // `result_timeout` for what is left until one deadline. Cancel a task that timed
    // out: `cancel()` succeeds only while it is still queued.
    // SOLUTION
    let deadline = Instant::now() + limit;
    let mut handles = pool.map(task, args);
    let mut results = Vec::with_capacity(handles.len());
    for handle in &mut handles {
        let left = deadline.saturating_duration_since(Instant::now());
        let result = handle.result_timeout(left);
        if matches!(result, Err(TaskError::Timeout)) {
            handle.cancel();
        }
        results.push(result);
    }
    results
    // END SOLUTION
}
// ANCHOR_END: map_within

#[cfg(test)]
mod tests {
    use super::*;
    use process_pool::work::NAP;

    /// How long a test waits for something that should come at once: a hang guard.
    const HANG_GUARD: Duration = Duration::from_secs(10);

    /// A pool whose workers are the lesson's program (this test is not one).
    fn pool(workers: usize) -> ProcessPool {
        ProcessPool::builder(workers)
            .program(env!("CARGO_BIN_EXE_process-pool"))
            .start()
            .expect("the pool starts")
    }

    #[test]
    fn the_deadline_gives_up_on_the_slow_and_cancels_what_waits() {
        let pool = pool(1);
        // One worker: the 10 ms nap ends, the 4 s one is still running at the 2 s
        // deadline, and the 30 s one still waits behind it.
        let got = map_within(&pool, &NAP, [10, 4_000, 30_000], Duration::from_secs(2));
        assert_eq!(
            got,
            [Ok(10), Err(TaskError::Timeout), Err(TaskError::Timeout)]
        );
        // The 30 s nap was cancelled, so the next task runs once the 4 s nap is over.
        // Left in the queue, it would hold the worker for another 30 s first.
        let next = pool.submit(&NAP, &0).result_timeout(HANG_GUARD);
        assert_eq!(next, Ok(0), "the last nap still ran: it was not cancelled");
    }

    #[test]
    fn everything_in_time_comes_back_in_order() {
        let pool = pool(2);
        let got = map_within(&pool, &NAP, [30, 0, 20], HANG_GUARD);
        assert_eq!(got, [Ok(30), Ok(0), Ok(20)]);
    }
}
