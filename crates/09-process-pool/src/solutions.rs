//! The chapter's exercises, solved. Their tests (`tests/solutions.rs`) run them with
//! real workers: the lesson's binary, which registers [`COUNT_PRIMES_EACH`] too.

use crate::task::Task;
use crate::work::count_primes;
use crate::{ProcessPool, TaskError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::{Duration, Instant};

// ANCHOR: map_within
/// Exercise 1: `map` with one deadline for the whole list, like Python's
/// `map(fn, args, timeout=...)`. Results in input order; a task not finished by the
/// deadline gives `Err(Timeout)`, and one still queued then is cancelled, so no worker
/// spends time on it. (One already running goes on: nothing can take a task back from
/// a worker but killing it.)
pub fn map_within<A: Serialize, R: DeserializeOwned>(
    pool: &ProcessPool,
    task: &Task<A, R>,
    args: impl IntoIterator<Item = A>,
    limit: Duration,
) -> Vec<Result<R, TaskError>> {
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
}
// ANCHOR_END: map_within

// ANCHOR: chunked
/// Exercise 2: the task that counts primes for a whole chunk of limits. It must be
/// registered in the workers like any other task (`work::tasks` does).
pub const COUNT_PRIMES_EACH: Task<Vec<u64>, Vec<u64>> =
    Task::new("count_primes_each", |chunk| {
        chunk.into_iter().map(count_primes).collect()
    });

/// Exercise 2: Python's `map(fn, args, chunksize=n)`: one task per `chunk` limits,
/// so a long list of small tasks costs a round trip per chunk, not per item. The
/// results come back flattened, in input order.
pub fn count_primes_chunked(
    pool: &ProcessPool,
    limits: &[u64],
    chunk: usize,
) -> Result<Vec<u64>, TaskError> {
    let chunks = limits.chunks(chunk.max(1)).map(<[u64]>::to_vec);
    let mut counts = Vec::with_capacity(limits.len());
    for handle in pool.map(&COUNT_PRIMES_EACH, chunks) {
        counts.extend(handle.result()?);
    }
    Ok(counts)
}
// ANCHOR_END: chunked
