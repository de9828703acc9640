//! The exercises' solutions, with real workers (the lesson's binary).

use process_pool::solutions::{count_primes_chunked, map_within};
use process_pool::work::{COUNT_PRIMES, NAP};
use process_pool::{ProcessPool, TaskError};
use std::time::Duration;

const LESSON: &str = env!("CARGO_BIN_EXE_process-pool");

fn pool(workers: usize) -> ProcessPool {
    ProcessPool::builder(workers)
        .program(LESSON)
        .start()
        .unwrap()
}

#[test]
fn map_within_gives_up_at_the_deadline_and_cancels_what_waits() {
    let pool = pool(1);
    let got = map_within(&pool, &NAP, [10, 60_000, 10], Duration::from_millis(500));
    assert_eq!(got[0], Ok(10));
    assert_eq!(got[1], Err(TaskError::Timeout));
    assert_eq!(got[2], Err(TaskError::Timeout)); // and cancelled: it never ran
}

#[test]
fn map_within_returns_everything_in_time() {
    let pool = pool(2);
    let got = map_within(&pool, &NAP, [30, 0, 20], Duration::from_secs(10));
    assert_eq!(got, [Ok(30), Ok(0), Ok(20)]);
}

#[test]
fn chunked_counts_equal_one_task_per_limit() {
    let pool = pool(2);
    let limits: Vec<u64> = (1..=25).map(|k| k * 100).collect();
    let one_each: Vec<u64> = pool
        .map(&COUNT_PRIMES, limits.iter().copied())
        .into_iter()
        .map(|h| h.result().unwrap())
        .collect();
    for chunk in [1, 4, 25, 100] {
        assert_eq!(
            count_primes_chunked(&pool, &limits, chunk),
            Ok(one_each.clone())
        );
    }
}
