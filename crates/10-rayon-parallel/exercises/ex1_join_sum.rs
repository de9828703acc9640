// Exercise: replace each `todo!()` with your code, then run
// `just exercise rayon-parallel 1` (`just hint rayon-parallel 1` for a hint).
#![allow(unused_imports, unused_variables, unused_mut, dead_code)]
//! Exercise 1: `join_sum`, divide and conquer with `rayon::join`.
//!
//! The sum of `job(seed)` over every seed, as `sum_parallel` computes it, but without
//! `par_iter`: split the seeds in two, sum both halves at once with `rayon::join`, and
//! add. The tests pass `spin` as the job (and, to see both halves run at once, a job
//! that waits for its partner).

use rayon_parallel::spin;

// ANCHOR: join_sum
/// The sum of `job(seed)` over `seeds`: both halves at once, each split again.
///
/// `join` only *offers* its second closure to other threads: if none is idle, the
/// calling thread runs it itself, so splitting down to one seed costs little.
pub fn join_sum(seeds: &[u64], job: &(impl Fn(u64) -> u64 + Sync)) -> u64 {
    // TODO: no seed sums to 0, one seed is `job(seed)`; more: split the slice in two
    // with `split_at`, sum both halves with `rayon::join(|| ..., || ...)`, add.
    todo!()
}
// ANCHOR_END: join_sum

#[cfg(test)]
mod tests {
    use super::*;
    use rayon_parallel::{seeds, sum_sequential};
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::time::{Duration, Instant};

    #[test]
    fn join_sum_is_the_sequential_sum() {
        for count in [0, 1, 2, 3, 17] {
            let seeds = seeds(count, 9);
            let sum = join_sum(&seeds, &|seed| spin(seed, 500));
            assert_eq!(sum, sum_sequential(&seeds, 500), "{count} seeds");
        }
    }

    #[test]
    fn both_halves_run_at_once() {
        // Each of the two jobs waits until the other has started (10 s at most): only
        // two threads running at once get past it. One after the other, the first
        // job gives up and counts 0.
        let started = AtomicUsize::new(0);
        let meet = |_seed: u64| {
            started.fetch_add(1, SeqCst);
            let deadline = Instant::now() + Duration::from_secs(10);
            while started.load(SeqCst) < 2 && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
            }
            u64::from(started.load(SeqCst) >= 2)
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let met = pool.install(|| join_sum(&[1, 2], &meet));
        assert_eq!(
            met, 2,
            "the two halves ran one after the other, not at once"
        );
    }
}
