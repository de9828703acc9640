//! Exercise 2: one flag for a whole batch. Instead of a done flag per worker (the
//! lesson's `Report`), keep one "finished" counter: each worker writes its result, then
//! adds 1 to the counter, and the parent takes the results once the counter reads N.
//! Which orderings make every result visible then?

use shared_value::{SharedSlots, unique_shm_name};
use std::sync::atomic::Ordering;

// ANCHOR: batch
/// Slot 0 counts the workers that have finished; slots `1..` hold their results.
pub struct Batch<'a> {
    slots: &'a SharedSlots,
}

impl<'a> Batch<'a> {
    /// Views `slots` (one counter, then one result per worker) as a batch.
    pub fn new(slots: &'a SharedSlots) -> Self {
        Self { slots }
    }

    /// Worker side: stores `result` for `worker`, then counts the worker finished.
    pub fn finish(&self, worker: usize, result: f32) {
        // TODO: store the result in slot `1 + worker`, then add 1 to slot 0. Which
        // `Ordering` must each use so that a reader who sees the count also sees the
        // result?
        // SOLUTION
        self.slots.f32(1 + worker).store(result, Ordering::Relaxed);
        // `Release`: the store above becomes visible to whoever reads this increment
        // (or a later one) with `Acquire`.
        self.slots.u32(0).fetch_add(1, Ordering::Release);
        // END SOLUTION
    }

    /// Parent side: `None` until all `workers` have finished, then every result.
    pub fn results(&self, workers: usize) -> Option<Vec<f32>> {
        // TODO: load the counter; fewer than `workers` means `None`. Otherwise read
        // every result. Which `Ordering` for the counter?
        // SOLUTION
        // `Acquire`: the load that reads `workers` synchronises with *every* worker's
        // `Release` increment (a chain of read-modify-writes carries each release
        // along), so all results are visible.
        if (self.slots.u32(0).load(Ordering::Acquire) as usize) < workers {
            return None;
        }
        Some(
            (0..workers)
                .map(|w| self.slots.f32(1 + w).load(Ordering::Relaxed))
                .collect(),
        )
        // END SOLUTION
    }
}
// ANCHOR_END: batch

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// How long a test waits for something that should come at once: a hang guard.
    const HANG_GUARD: Duration = Duration::from_secs(10);

    /// Worker `w` finishes with `result`, through a mapping of its own (as a child
    /// process would), on a thread of its own.
    fn finish_elsewhere(name: &str, w: usize, result: f32) {
        std::thread::scope(|s| {
            s.spawn(|| {
                let mine = SharedSlots::open(name).unwrap();
                Batch::new(&mine).finish(w, result);
            });
        });
    }

    #[test]
    fn results_appear_only_when_all_have_finished() {
        let name = unique_shm_name("ex");
        let mut parent = SharedSlots::create(&name, 1 + 3).unwrap();
        let batch = Batch::new(&parent);
        assert_eq!(batch.results(3), None, "nobody has finished");
        finish_elsewhere(&name, 2, 20.0);
        finish_elsewhere(&name, 0, 0.5);
        assert_eq!(batch.results(3), None, "worker 1 has not finished");
        finish_elsewhere(&name, 1, -4.0);
        assert_eq!(batch.results(3), Some(vec![0.5, -4.0, 20.0]));
        parent.unlink().unwrap();
    }

    #[test]
    fn a_parent_polling_while_workers_finish_sees_every_result() {
        let name = unique_shm_name("ex");
        let mut parent = SharedSlots::create(&name, 1 + 4).unwrap();
        let batch = Batch::new(&parent);
        let results = std::thread::scope(|s| {
            for w in 0..4 {
                let name = &name;
                s.spawn(move || {
                    let mine = SharedSlots::open(name).unwrap();
                    Batch::new(&mine).finish(w, w as f32 * 1.5 + 1.0);
                });
            }
            let deadline = Instant::now() + HANG_GUARD;
            loop {
                if let Some(results) = batch.results(4) {
                    break results;
                }
                assert!(Instant::now() < deadline, "the count never reached 4");
                std::thread::yield_now();
            }
        });
        assert_eq!(results, vec![1.0, 2.5, 4.0, 5.5]);
        parent.unlink().unwrap();
    }
}
