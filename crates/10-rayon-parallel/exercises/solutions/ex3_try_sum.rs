//! Exercise 3: jobs that fail without panicking.
//!
//! A job refuses a seed of 0 by returning `Err(BadSeed(0))`. Sum the jobs in
//! parallel, returning the error if one fails, and start no new job once one has
//! failed.

use rayon::prelude::*;
use rayon_parallel::spin;

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

/// The parallel sum of `job(seed)` over `seeds`, or the error of a job that failed
/// (if several fail at once, any one of them).
pub fn try_sum(
    seeds: &[u64],
    job: &(impl Fn(u64) -> Result<u64, BadSeed> + Sync),
) -> Result<u64, BadSeed> {
    // TODO: `par_iter` over the seeds, `map` each to `job(seed)`, then combine with
    // `try_reduce`, which adds the `Ok`s and, once a job returns `Err`, starts no
    // job it has not started yet.
    // SOLUTION
    seeds
        .par_iter()
        .map(|&seed| job(seed))
        .try_reduce(|| 0, |a, b| Ok(a + b))
    // END SOLUTION
}
// ANCHOR_END: try_sum

#[cfg(test)]
mod tests {
    use super::*;
    use rayon_parallel::{seeds, sum_sequential};
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::time::{Duration, Instant};

    fn pool(threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
    }

    #[test]
    fn try_sum_adds_when_every_job_succeeds() {
        let seeds = seeds(20, 1);
        let sum = try_sum(&seeds, &|seed| checked_spin(seed, 500));
        assert_eq!(sum, Ok(sum_sequential(&seeds, 500)));
    }

    #[test]
    fn try_sum_reports_a_failing_job() {
        let mut seeds = seeds(20, 1);
        seeds[13] = 0;
        assert_eq!(
            try_sum(&seeds, &|seed| checked_spin(seed, 500)),
            Err(BadSeed(0))
        );
    }

    #[test]
    fn no_job_starts_once_one_has_failed() {
        // On one thread, the first job fails: the other 99 need not run at all.
        let ran = AtomicUsize::new(0);
        let counted = |seed| {
            ran.fetch_add(1, SeqCst);
            checked_spin(seed, 500)
        };
        let seeds = seeds(100, 0);
        let sum = pool(1).install(|| try_sum(&seeds, &counted));
        assert_eq!(sum, Err(BadSeed(0)));
        let ran = ran.load(SeqCst);
        assert!(ran < 100, "the first job failed, yet {ran} of 100 ran");
    }

    #[test]
    fn the_jobs_run_at_once() {
        // Each of the two jobs waits until the other has started (10 s at most).
        let started = AtomicUsize::new(0);
        let meet = |_seed: u64| {
            started.fetch_add(1, SeqCst);
            let deadline = Instant::now() + Duration::from_secs(10);
            while started.load(SeqCst) < 2 && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
            }
            Ok(u64::from(started.load(SeqCst) >= 2))
        };
        let met = pool(2).install(|| try_sum(&[1, 2], &meet));
        assert_eq!(met, Ok(2), "the jobs ran one after the other, not at once");
    }
}
