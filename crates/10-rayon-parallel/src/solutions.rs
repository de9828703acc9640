//! The chapter's exercises, solved.

use crate::{panic_message, spin};
use rayon::ThreadPool;
use rayon::prelude::*;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver};

// ANCHOR: join_sum
/// Exercise 1: [`sum_parallel`](crate::sum_parallel) by hand, divide and conquer with
/// `rayon::join`: split the seeds in two, sum both halves at once, add.
///
/// `join` only *offers* its second closure to other threads: if none is idle, the
/// calling thread runs it itself, so splitting down to one seed costs little.
pub fn join_sum(seeds: &[u64], iters: u64) -> u64 {
    match seeds {
        [] => 0,
        [seed] => spin(*seed, iters),
        _ => {
            let (left, right) = seeds.split_at(seeds.len() / 2);
            let (a, b) =
                rayon::join(|| join_sum(left, iters), || join_sum(right, iters));
            a + b
        }
    }
}
// ANCHOR_END: join_sum

// ANCHOR: submit
/// Exercise 2: lesson 1's `submit` on a rayon pool. `pool.spawn` returns nothing, so
/// a one-value channel carries the task's value (or its panic's message) back.
///
/// The `catch_unwind` is not optional: a panic in a job given to `spawn` has no caller
/// to go back to, and rayon then aborts the whole process (unless the pool was built
/// with a `panic_handler`).
pub fn submit<T: Send + 'static>(
    pool: &ThreadPool,
    task: impl FnOnce() -> T + Send + 'static,
) -> Receiver<Result<T, String>> {
    let (sender, future) = mpsc::sync_channel(1);
    pool.spawn(move || {
        let outcome = panic::catch_unwind(AssertUnwindSafe(task))
            .map_err(|payload| panic_message(&*payload));
        let _ = sender.send(outcome); // fails only if nobody waits for the value
    });
    future
}
// ANCHOR_END: submit

// ANCHOR: try_sum
/// A job's input it refuses: here, a seed of 0.
#[derive(Debug, PartialEq, Eq)]
pub struct BadSeed(pub u64);

/// A job that can fail without panicking.
pub fn checked_spin(seed: u64, iters: u64) -> Result<u64, BadSeed> {
    if seed == 0 {
        return Err(BadSeed(seed));
    }
    Ok(spin(seed, iters))
}

/// Exercise 3: the parallel sum of jobs that may fail. `try_reduce` adds the `Ok`s;
/// once a job returns `Err`, rayon skips the jobs it has not started yet, as soon as
/// it can, and returns that error (if several jobs fail at once, any one of them).
pub fn try_sum(seeds: &[u64], iters: u64) -> Result<u64, BadSeed> {
    seeds
        .par_iter()
        .map(|&seed| checked_spin(seed, iters))
        .try_reduce(|| 0, |a, b| Ok(a + b))
}
// ANCHOR_END: try_sum

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{quiet_pool, seeds, sum_sequential};
    use std::time::Duration;

    const GUARD: Duration = Duration::from_secs(10);

    #[test]
    fn join_sum_is_the_sequential_sum() {
        for count in [0, 1, 2, 3, 17] {
            let seeds = seeds(count, 9);
            assert_eq!(join_sum(&seeds, 500), sum_sequential(&seeds, 500));
        }
    }

    #[test]
    fn submit_returns_the_value_through_the_channel() {
        let pool = quiet_pool(2);
        let future = submit(&pool, || spin(1, 5));
        assert_eq!(future.recv_timeout(GUARD), Ok(Ok(179_579)));
    }

    #[test]
    fn a_panicking_task_comes_back_as_an_error_and_the_pool_goes_on() {
        let pool = quiet_pool(2);
        let failing = submit(&pool, || -> u64 { panic!("rejected") });
        assert_eq!(failing.recv_timeout(GUARD), Ok(Err("rejected".to_string())));
        let next = submit(&pool, || 2 + 2);
        assert_eq!(next.recv_timeout(GUARD), Ok(Ok(4)));
    }

    #[test]
    fn try_sum_adds_when_every_job_succeeds() {
        let seeds = seeds(20, 1);
        assert_eq!(try_sum(&seeds, 500), Ok(sum_sequential(&seeds, 500)));
    }

    #[test]
    fn try_sum_reports_a_failing_job() {
        let mut seeds = seeds(20, 1);
        seeds[13] = 0;
        assert_eq!(try_sum(&seeds, 500), Err(BadSeed(0)));
        assert_eq!(checked_spin(0, 1), Err(BadSeed(0)));
    }
}
