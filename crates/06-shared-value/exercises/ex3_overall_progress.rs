// Exercise: replace each `todo!()` with your code, then run
// `just exercise shared-value 3` (`just hint shared-value 3` for a hint).
#![allow(unused_imports, unused_variables, unused_mut, dead_code)]
//! Exercise 3: overall progress. The walkthrough shows one percentage per worker, read
//! from the shared array (`mp.Array`). Compute the progress of the whole job instead:
//! every worker does the same number of steps.

use shared_value::{Report, SLOTS_PER_WORKER, SharedSlots, unique_shm_name};
use std::sync::atomic::Ordering;

// ANCHOR: overall_progress
/// The progress of the whole job, in percent, from the records of `workers` workers.
pub fn overall_progress(slots: &SharedSlots, workers: usize) -> f32 {
    // TODO: read each worker's progress (`Report::new(slots, w).progress()`) and
    // return their mean.
    todo!()
}
// ANCHOR_END: overall_progress

#[cfg(test)]
mod tests {
    use super::*;

    /// A segment for `progress.len()` workers, each at the given percentage.
    fn workers_at(progress: &[f32]) -> SharedSlots {
        let name = unique_shm_name("ex");
        let mut slots =
            SharedSlots::create(&name, progress.len() * SLOTS_PER_WORKER).unwrap();
        slots.unlink().unwrap();
        for (w, &p) in progress.iter().enumerate() {
            Report::new(&slots, w)
                .progress()
                .store(p, Ordering::Relaxed);
        }
        slots
    }

    #[test]
    fn the_whole_job_is_the_mean_of_its_workers() {
        assert_eq!(overall_progress(&workers_at(&[100.0, 50.0, 0.0]), 3), 50.0);
        assert_eq!(overall_progress(&workers_at(&[10.0, 30.0]), 2), 20.0);
    }

    #[test]
    fn one_worker_is_the_whole_job() {
        assert_eq!(overall_progress(&workers_at(&[42.0]), 1), 42.0);
    }

    #[test]
    fn done_when_every_worker_is_done() {
        let all_done = workers_at(&[100.0; 4]);
        assert_eq!(overall_progress(&all_done, 4), 100.0);
    }
}
