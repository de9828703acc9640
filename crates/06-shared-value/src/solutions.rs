//! Solutions to the chapter's exercises. Each worker here is a thread with its *own*
//! mapping of the segment, opened by name, just as a child process would have; in the
//! lesson's binary the same code runs in a child after `setup::join_parent`.

use crate::{Report, SharedSlots};
use std::io;
use std::sync::atomic::Ordering;

// ANCHOR: count_together
/// Exercise 1: `workers` workers each add 1 to slot 0 of the segment `name`,
/// `per_worker` times, with `fetch_add`. Returns the total, which is always
/// `workers * per_worker`.
pub fn count_together(name: &str, workers: u32, per_worker: u32) -> io::Result<u32> {
    let mut parent = SharedSlots::create(name, 1)?;
    std::thread::scope(|s| -> io::Result<()> {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(move || -> io::Result<()> {
                    let mine = SharedSlots::open(name)?;
                    for _ in 0..per_worker {
                        mine.u32(0).fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(())
                })
            })
            .collect();
        for handle in handles {
            handle.join().expect("worker panicked")?;
        }
        Ok(())
    })?;
    // Every worker has mapped it (and finished): nothing needs the name any more.
    parent.unlink()?;
    Ok(parent.u32(0).load(Ordering::Relaxed))
}
// ANCHOR_END: count_together

// ANCHOR: finished_counter
/// Exercise 2: one "finished" counter instead of a done flag per worker. Slot 0 counts
/// the workers that have finished; slots `1..` hold their results.
pub struct Batch<'a> {
    slots: &'a SharedSlots,
}

impl<'a> Batch<'a> {
    /// Views `slots` (one counter, then one result per worker) as a batch.
    pub fn new(slots: &'a SharedSlots) -> Self {
        Self { slots }
    }

    /// Worker side: write the result, then count ourselves finished with `Release`.
    pub fn finish(&self, worker: usize, result: f32) {
        self.slots.f32(1 + worker).store(result, Ordering::Relaxed);
        self.slots.u32(0).fetch_add(1, Ordering::Release);
    }

    /// Parent side: `None` until all `workers` have finished, then every result. The
    /// `Acquire` load that reads `workers` synchronises with *every* worker's `Release`
    /// increment (a chain of read-modify-writes carries each release along), so all
    /// results are visible.
    pub fn results(&self, workers: usize) -> Option<Vec<f32>> {
        if (self.slots.u32(0).load(Ordering::Acquire) as usize) < workers {
            return None;
        }
        Some(
            (0..workers)
                .map(|w| self.slots.f32(1 + w).load(Ordering::Relaxed))
                .collect(),
        )
    }
}
// ANCHOR_END: finished_counter

// ANCHOR: overall_progress
/// Exercise 3: the progress of the whole job, from the per-worker array: the mean of
/// every worker's progress (each does the same number of steps).
pub fn overall_progress(slots: &SharedSlots, workers: usize) -> f32 {
    let sum: f32 = (0..workers)
        .map(|w| Report::new(slots, w).progress().load(Ordering::Relaxed))
        .sum();
    sum / workers as f32
}
// ANCHOR_END: overall_progress

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SLOTS_PER_WORKER;
    use crate::child::unique_shm_name;

    #[test]
    fn count_together_loses_nothing() {
        let name = unique_shm_name("test");
        assert_eq!(count_together(&name, 4, 50_000).unwrap(), 200_000);
        assert!(SharedSlots::open(&name).is_err(), "name was unlinked");
    }

    #[test]
    fn batch_results_appear_only_when_all_have_finished() {
        let name = unique_shm_name("test");
        let mut parent = SharedSlots::create(&name, 1 + 3).unwrap();
        let batch = Batch::new(&parent);
        assert_eq!(batch.results(3), None);
        std::thread::scope(|s| {
            for w in 0..3 {
                let name = &name;
                s.spawn(move || {
                    let mine = SharedSlots::open(name).unwrap();
                    Batch::new(&mine).finish(w, w as f32 * 10.0);
                });
            }
        });
        assert_eq!(batch.results(3), Some(vec![0.0, 10.0, 20.0]));
        parent.unlink().unwrap();
    }

    #[test]
    fn overall_progress_is_the_mean() {
        let name = unique_shm_name("test");
        let slots = SharedSlots::create(&name, 3 * SLOTS_PER_WORKER).unwrap();
        for (w, p) in [100.0, 50.0, 0.0].into_iter().enumerate() {
            Report::new(&slots, w)
                .progress()
                .store(p, Ordering::Relaxed);
        }
        assert_eq!(overall_progress(&slots, 3), 50.0);
    }
}
